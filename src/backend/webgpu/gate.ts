// The queue's gate: while pipelines a run needs are still being made (createComputePipelineAsync,
// which compiles them in parallel off the page's thread), that run's commands wait, and so does
// every queue operation after it (writes, copies, submits, buffer destruction), so the GPU
// sees them in the order the program made them. The program itself does not wait: its calls
// return at once and what it reads back resolves after the held commands ran.
import type { DeviceHealth } from './health.ts';

export class QueueGate {
  /** Settles once everything held so far has been sent to the queue; null while open. */
  private held: Promise<void> | null = null;
  private ops: (() => void)[] = [];

  constructor(private readonly health: DeviceHealth) {}

  /** Whether an operation now would reach the queue at once. */
  get open(): boolean {
    return this.held === null;
  }

  /**
   * Run `op` now, or after everything held (in the order asked). Its result resolves the
   * promise; an error it throws when run later is reported to the device's health (the next
   * run or read throws it) and rejects the promise.
   */
  run<T>(op: () => T): Promise<T> {
    if (this.held === null) {
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.ops.push(() => {
        try {
          resolve(op());
        } catch (err) {
          this.health.report(err instanceof Error ? err : new Error(String(err)));
          reject(err);
        }
      });
    });
  }

  /**
   * `op` now (its error thrown to the caller) or after everything held (its error reported),
   * for operations nobody waits on.
   */
  later(op: () => void): void {
    if (this.held === null) op();
    else this.run(op).catch(() => {});
  }

  /** Hold every later operation until `ready` settles (a rejection is the caller's to report). */
  hold(ready: Promise<unknown>): void {
    const after = Promise.allSettled([this.held, ready]).then(() => {
      // A later hold waits for this one and runs everything itself.
      if (this.held !== after) return;
      this.held = null;
      const ops = this.ops;
      this.ops = [];
      for (const op of ops) op();
    });
    this.held = after;
  }

  /** Settles when every operation asked for so far has reached the queue. */
  async drained(): Promise<void> {
    while (this.held) await this.held;
  }
}
