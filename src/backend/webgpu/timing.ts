// GPU timestamps around a run's kernels, in the two ways tools ask for them: the benchmark
// timer (gpuTimeMs: one pair around each run's compute pass, summed over the runs since it
// started) and the engine panel's inspection (a pair around each dispatch, which then gets a
// compute pass of its own). A run asks forRun how to time its passes.
import type { HostArray } from '../backend.ts';
import type { GpuStorage } from './storage.ts';
import { USAGE } from './storage.ts';

interface Queries {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  count: number;
}

/** How one run times its passes; see Timestamps.forRun. */
export interface RunClock {
  /** Each dispatch in a compute pass of its own, between its own pair of timestamps. */
  readonly each: boolean;
  /** The timestamp writes of a pass that starts at dispatch k, the run's first (`first`) or running to its end (`ends`). */
  writes(k: number, first: boolean, ends: boolean): GPUComputePassTimestampWrites | undefined;
  /** After the passes: resolve the queries and stage them for the host (not a program's readback). */
  resolve(enc: GPUCommandEncoder): void;
  /** After the submit: each dispatch's time in ms (inspection); null for the timer, which sums its own. */
  collect(): Promise<number[]> | null;
}

export class Timestamps {
  /** GPU timestamps around each run's compute pass, while a benchmark times kernels. */
  private timer: { querySet: GPUQuerySet; resolve: GPUBuffer; pending: Promise<void>[]; ns: number } | null = null;
  /** Time each dispatch of every run with its own timestamps (the engine panel's inspection). */
  private inspecting: Queries | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly storage: GpuStorage,
  ) {}

  startTimer(): boolean {
    if (!this.device.features.has('timestamp-query')) return false;
    this.timer = {
      querySet: this.timer?.querySet ?? this.device.createQuerySet({ type: 'timestamp', count: 2 }),
      resolve: this.timer?.resolve ?? this.storage.createBuffer(16, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, 'timestamps'),
      pending: [],
      ns: 0,
    };
    return true;
  }

  async stopTimer(): Promise<number> {
    const timer = this.timer;
    if (!timer) return 0;
    await Promise.all(timer.pending);
    this.timer = null;
    return timer.ns / 1e6;
  }

  /**
   * The engine panel's inspection: while on, every run times each of its dispatches with GPU
   * timestamps (one compute pass per dispatch, so a little slower). Returns false, and times
   * nothing, where the adapter offers no timestamp queries.
   */
  inspect(on: boolean): boolean {
    if (!on || !this.device.features.has('timestamp-query')) {
      if (this.inspecting) this.destroy(this.inspecting);
      this.inspecting = null;
      return false;
    }
    this.inspecting ??= this.newQueries(64);
    return true;
  }

  /** How a run of `dispatches` dispatches is timed: by the timer, by inspection (not while the timer runs), or not. */
  forRun(dispatches: number): RunClock | null {
    if (dispatches === 0) return null;
    if (this.timer) return this.timerClock(this.timer);
    if (this.inspecting) return this.inspectClock(this.queries(2 * dispatches), dispatches);
    return null;
  }

  private timerClock(timer: NonNullable<Timestamps['timer']>): RunClock {
    let timed: (() => Promise<HostArray>) | null = null;
    return {
      each: false,
      // Timestamps at the first pass's start and the last pass's end.
      writes: (_k, first, ends) =>
        first || ends ? { querySet: timer.querySet, ...(first ? { beginningOfPassWriteIndex: 0 } : {}), ...(ends ? { endOfPassWriteIndex: 1 } : {}) } : undefined,
      resolve: (enc) => {
        enc.resolveQuerySet(timer.querySet, 0, 2, timer.resolve, 0);
        // Two u64 ticks, read as four u32 words; not counted as a readback of the program's.
        timed = this.storage.stage(enc, timer.resolve, 'int32', 4, false);
      },
      collect: () => {
        const read = timed;
        if (read) {
          timer.pending.push(
            read().then((w) => {
              timer.ns += elapsedNs(w, 0);
            }),
          );
        }
        return null;
      },
    };
  }

  private inspectClock(q: Queries, dispatches: number): RunClock {
    let inspected: (() => Promise<HostArray>) | null = null;
    return {
      each: true,
      writes: (k) => ({ querySet: q.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 }),
      resolve: (enc) => {
        enc.resolveQuerySet(q.querySet, 0, 2 * dispatches, q.resolve, 0);
        inspected = this.storage.stage(enc, q.resolve, 'int32', 4 * dispatches, false);
      },
      collect: () => {
        const read = inspected;
        if (!read) return null;
        const times = read().then((w) => Array.from({ length: dispatches }, (_, k) => elapsedNs(w, k) / 1e6));
        times.catch(() => {});
        return times;
      },
    };
  }

  /** After the runs held at the queue's gate, which may still write them. */
  private destroy(q: Queries): void {
    this.storage.gate.later(() => {
      q.querySet.destroy();
      q.resolve.destroy();
    });
  }

  private newQueries(count: number): Queries {
    return {
      querySet: this.device.createQuerySet({ type: 'timestamp', count }),
      resolve: this.storage.createBuffer(count * 8, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, 'inspection timestamps'),
      count,
    };
  }

  /** A query set with room for `count` timestamps (grown, never shrunk). */
  private queries(count: number): Queries {
    const q = this.inspecting!;
    if (q.count >= count) return q;
    const grown = this.newQueries(Math.max(count, 2 * q.count));
    this.destroy(q);
    this.inspecting = grown;
    return grown;
  }
}

/**
 * Nanoseconds between timestamp pair k of resolved queries (u64 ticks read back as int32
 * words: begin at words 4k, 4k+1, end at 4k+2, 4k+3); 0 where the clock stepped back.
 */
function elapsedNs(words: HostArray, k: number): number {
  const u = new Uint32Array(words.buffer, words.byteOffset, 4 * (k + 1));
  const tick = (i: number): number => u[i]! + u[i + 1]! * 2 ** 32;
  return Math.max(0, tick(4 * k + 2) - tick(4 * k));
}
