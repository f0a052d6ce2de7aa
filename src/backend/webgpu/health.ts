// The device's health: errors WebGPU reports asynchronously (a lost device, an uncaptured
// validation error, a shader that did not compile, a pipeline that could not be made) are
// collected here and thrown at the next run or read, so they reach the program that caused
// them instead of the console.
/**
 * The GPU device is gone (the browser's reason: 'destroyed', or 'unknown' for a driver
 * update, a GPU process crash, a laptop switching GPUs): every later call on this backend
 * fails with it, until setBackend('webgpu') starts a new device. isDeviceLost(err) tells it
 * from other errors; a Checkpoint (src/checkpoint.ts) restores a training run after it.
 */
export class DeviceLostError extends Error {
  constructor(
    /** GPUDeviceLostInfo.reason and .message, as the browser gave them. */
    readonly reason: string,
    readonly detail: string,
    what: string,
  ) {
    super(`webgpu: the device was lost (${reason}: ${detail}); call setBackend('webgpu') to start again (${what})`);
    this.name = 'DeviceLostError';
  }
}

export class DeviceHealth {
  /** Errors reported asynchronously by the device; thrown at the next run or read. */
  private readonly errors: Error[] = [];
  /** Checks still in flight (shader compilation, pipeline creation): a read waits for them. */
  private readonly checks = new Set<Promise<void>>();
  private lostInfo: { reason: string; message: string } | null = null;

  constructor(device: GPUDevice) {
    device.lost.then((info) => this.lost(info));
    device.addEventListener('uncapturederror', (ev) => {
      this.errors.push(new Error(`webgpu: ${(ev as GPUUncapturedErrorEvent).error.message}`));
    });
  }

  /**
   * The device is gone, for the browser's reason (device.lost calls it; the tests call it to
   * stand for a loss with a reason other than destroy()'s). The first reason stays.
   */
  lost(info: { reason: string; message: string }): void {
    this.lostInfo ??= { reason: String(info.reason), message: info.message };
  }

  /** The loss as an Error for `what`, or null while the device lives. */
  lostError(what: string): DeviceLostError | null {
    return this.lostInfo && new DeviceLostError(this.lostInfo.reason, this.lostInfo.message, what);
  }

  /** Throws the device's loss, or the first error reported since the last check. */
  check(what: string): void {
    const lost = this.lostError(what);
    if (lost) throw lost;
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
