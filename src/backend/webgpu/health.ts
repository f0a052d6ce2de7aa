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

  /** Allocations whose out-of-memory error scope is still open (GpuStorage.createBuffer). */
  private allocating = 0;

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

  /**
   * Throws the device's loss, or the first error reported since the last check. `settled`:
   * called after `settled()` resolved (a read about to return values), where nothing may wait.
   */
  check(what: string, settled = false): void {
    const lost = this.lostError(what);
    if (lost) throw lost;
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
