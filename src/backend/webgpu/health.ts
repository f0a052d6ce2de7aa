// The device's health: errors WebGPU reports asynchronously (a lost device, an uncaptured
// validation error, a shader that did not compile, a pipeline that could not be made) are
// collected here and thrown at the next run or read, so they reach the program that caused
// them instead of the console.
export class DeviceHealth {
  /** Errors reported asynchronously by the device; thrown at the next run or read. */
  private readonly errors: Error[] = [];
  /** Checks still in flight (shader compilation, pipeline creation): a read waits for them. */
  private readonly checks = new Set<Promise<void>>();
  private lostReason: string | null = null;

  constructor(device: GPUDevice) {
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (ev) => {
      this.errors.push(new Error(`webgpu: ${(ev as GPUUncapturedErrorEvent).error.message}`));
    });
  }

  /** Throws the device's loss, or the first error reported since the last check. */
  check(what: string): void {
    if (this.lostReason !== null) throw new Error(`webgpu: the device was lost (${this.lostReason}); call setBackend('webgpu') to start again (${what})`);
    // A compiler error says the most (file:line:col); report it before what followed from it.
    const err = this.errors.find((e) => e.message.includes('compiling')) ?? this.errors[0];
    if (err) {
      this.errors.length = 0;
      throw err;
    }
  }

  /** An error to throw at the next check. */
  report(err: Error): void {
    this.errors.push(err);
  }

  /** A check in flight (a compilation's messages, an error scope): reads wait for it. */
  track(p: Promise<void>): void {
    const done = p.finally(() => this.checks.delete(done));
    this.checks.add(done);
  }

  /** The checks in flight now, settled. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.checks]);
  }
}
