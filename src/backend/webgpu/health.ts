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

  /** Allocations whose out-of-memory error scope is still open (GpuStorage.createBuffer). */
  private allocating = 0;

  /**
   * Throws the device's loss, or the first error reported since the last check. `settled`:
   * called after `settled()` resolved (a read about to return values), where nothing may wait.
   */
  check(what: string, settled = false): void {
    if (this.lostReason !== null) throw new Error(`webgpu: the device was lost (${this.lostReason}); call setBackend('webgpu') to start again (${what})`);
    // Dawn reports a refused buffer's uses at once and its refusal only when the scope
    // settles: until then an error may be a consequence, and the reads (which wait for the
    // scopes, `settled`) report the cause.
    const refused = this.errors.find((e) => e.message.includes('out of memory'));
    if (!settled && this.allocating > 0 && !refused) return;
    // A compiler error says the most (file:line:col), and memory the device refused explains
    // the invalid buffers after it: report them before what followed from them.
    const err = this.errors.find((e) => e.message.includes('compiling')) ?? refused ?? this.errors[0];
    if (err) {
      this.errors.length = 0;
      throw err;
    }
  }

  /** An error already thrown to its own caller: not to be thrown again at the next check. */
  discard(err: unknown): void {
    const i = this.errors.indexOf(err as Error);
    if (i >= 0) this.errors.splice(i, 1);
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

  /** An allocation's out-of-memory scope: errors wait for it (check). */
  trackAllocation(p: Promise<void>): void {
    this.allocating++;
    this.track(p.finally(() => this.allocating--));
  }

  /** The checks in flight now, settled. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.checks]);
  }
}
