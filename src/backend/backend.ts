// The one interface every backend implements: small on purpose (tinygrad's habit).
import type { DType, Storage } from '../graph/ir.ts';
import type { Plan } from '../graph/plan.ts';

export type BackendName = 'cpu' | 'webgpu';

/** What a backend has done since it started: the figures benchmarks and tests read. */
export interface BackendStats {
  submits: number;
  dispatches: number;
  readbacks: number;
  plans: number;
  pipelines: number;
  bindGroups: number;
  buffersAllocated: number;
  bytesAllocated: number;
  /**
   * Bytes copied around a plan's dispatches (WebGPU): views at offsets a binding cannot
   * start from, and inputs gathered into one range (a step's gradients that a plan did not
   * place together, its parameters outside the optimizer's arena).
   */
  bytesCopied: number;
}

export const emptyStats = (): BackendStats => ({
  submits: 0,
  dispatches: 0,
  readbacks: 0,
  plans: 0,
  pipelines: 0,
  bindGroups: 0,
  buffersAllocated: 0,
  bytesAllocated: 0,
  bytesCopied: 0,
});

export type HostArray = Float32Array | Float64Array | Int32Array;

export interface Backend {
  readonly name: BackendName;
  /** Human-readable: "CPU (float32)", or the adapter's description. */
  readonly description: string;
  /** The float type values are computed and stored in. */
  readonly precision: 'float32' | 'float64';
  readonly stats: BackendStats;
  /** Storage buffers one dispatch may bind (the parameter block included); Infinity on the CPU. */
  readonly storageBuffersPerStage: number;
  /** The largest tensor it can hold, in bytes, and where that limit comes from (for errors). */
  readonly maxTensorBytes: { bytes: number; source: string };
  /** Copy host values into new storage (no submit). */
  upload(data: ArrayLike<number>, dtype: DType): Storage;
  /** Overwrite existing storage with host values (no submit). */
  write(storage: Storage, data: ArrayLike<number>, dtype: DType): void;
  /** Copy storage back to the host; counts as a readback. */
  read(storage: Storage, dtype: DType, size: number): Promise<HostArray>;
  /**
   * Run a plan once: one submit. `externals` bind the plan's inputs, `scalars` give each
   * step its dynamic scalars. Outputs land in the plan's output set `set` (plan-owned,
   * reused by every other run with the same set); `stage` lists what to copy back to the
   * host in the same submit (counted as readbacks).
   */
  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult;
  /** `size` elements of `storage` from `offset`: the same memory (a view), no copy. */
  view(storage: Storage, offset: number, size: number, dtype: DType): Storage;
  /** A standalone copy that no plan will overwrite (keep(), or an output about to be reused). */
  clone(storage: Storage, dtype: DType, size: number): Storage;
  release(storage: Storage): void;
  /** Whether the device refused this storage's memory (out of memory): it holds nothing usable. */
  refused?(storage: Storage): boolean;
  /**
   * New storage of `size` float32 elements holding each part's values at its offset (zeros
   * elsewhere): an optimizer's parameter arena, so that one dispatch binds every parameter
   * as one range. Only where that pays (WebGPU, one submit of copies); absent on the CPU.
   */
  arena?(parts: { storage: Storage; offset: number; size: number }[], size: number): Storage;
  /** Free everything (the GPU device); the backend is unusable afterwards. A no-op on the CPU. */
  destroy(): void;
  /** Wait for all submitted work (benchmarks); resolves at once on the CPU. */
  sync(): Promise<void>;
}

export type StageRef = { kind: 'out'; index: number } | { kind: 'storage'; storage: Storage; dtype: DType; size: number };

export interface ExecuteResult {
  outputs: Storage[];
  staged: Promise<HostArray>[];
}

/**
 * Mark an error as coming from step `step` of a plan, so the executor fails that op and
 * what depends on it, and nothing else.
 */
export function tagStep(err: unknown, step: number): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  (e as Error & { planStep?: number }).planStep = step;
  return e;
}
