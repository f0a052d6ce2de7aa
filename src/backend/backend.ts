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
  /** Free everything (the GPU device); the backend is unusable afterwards. */
  destroy?(): void;
  /** Wait for all submitted work (benchmarks). */
  sync?(): Promise<void>;
  /** Start timing every run's kernels with GPU timestamps; false where there are none. */
  startTimer?(): boolean;
  /** Stop timing: the summed kernel time, in ms, of the runs since startTimer. */
  stopTimer?(): Promise<number>;
  /** Time each dispatch of every run while on (the engine panel); false where it cannot. */
  inspect?(on: boolean): boolean;
  /** The last run, dispatch by dispatch (GPU backends); null before any run. */
  describeLastRun?(): Promise<RunDescription | null>;
  /** The WGSL of a kernel family: its own text, or with the shared prelude as compiled. */
  shaderSource?(shader: string, opts?: { withPrelude?: boolean }): string;
  /** Replace a kernel family's text for later runs (null: the file's again), compiled first. */
  setShaderSource?(shader: string, wgsl: string | null): Promise<KernelCompile>;
}

/** A kernel source compiled for setKernelSource: its messages, lines counted in that text. */
export interface KernelCompile {
  ok: boolean;
  messages: { line: number; column: number; message: string }[];
}

/** One dispatch of a run, as describeLastRun reports it. */
export interface DispatchDescription {
  index: number;
  /** The plan step (op) it belongs to; a step may take several dispatches. */
  step: number;
  op: string;
  /** shaders/<shader>.wgsl, entry point `entry`, with these override constants. */
  shader: string;
  entry: string;
  constants: Record<string, number>;
  inShapes: number[][];
  /** The output's shape; [] for an in-place update too (see inPlace). */
  outShape: number[];
  /** An update that writes its inputs in place (an optimizer step, an assign): no output. */
  inPlace: boolean;
  workgroups: number[];
  bytesRead: number;
  bytesWritten: number;
  /** Floating-point operations, estimated from the op and its shapes. */
  flops: number;
  /** GPU time from timestamps, in ms; null when the run was not inspected or cannot be. */
  gpuMs: number | null;
}

export interface RunDescription {
  plan: number;
  steps: number;
  dispatches: DispatchDescription[];
  /** Whether gpuMs is measured (timestamp queries while inspecting). */
  timed: boolean;
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
