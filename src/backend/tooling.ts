// What the tooling (src/tools/: the engine panel, the workbench, benchmarks) may ask of a
// backend that runs GPU kernels: a narrow door beside the Backend interface, which holds only
// what running a program needs. A backend offers it when it starts (offerTools); the tools
// find it with toolsOf. Neither side hands out the GPU device itself.
import type { Backend } from './backend.ts';
import type { MatmulTuning } from '../ops/matmul-choice.ts';

/** A family text compiled for setFamilySource: its messages, lines counted in that text. */
export interface FamilyCompile {
  ok: boolean;
  messages: { line: number; column: number; message: string }[];
}

/** One dispatch of a run, as describeLastRun reports it. */
export interface DispatchDescription {
  index: number;
  /** The plan step (op) it belongs to; a step may take several dispatches. */
  step: number;
  op: string;
  /** Its kernel family: shaders/<family>.wgsl. */
  family: string;
  /** Its kernel: the family's entry point it runs, with `constants` as override constants. */
  kernel: string;
  /** @deprecated the same as `family`; kept for one release. */
  shader: string;
  /** @deprecated the same as `kernel`; kept for one release. */
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

/** How timeKernels measured: GPU timestamps, or the wall time of a submit where there are none. */
export type KernelTimingMethod = 'timestamp' | 'median-of-N-in-one-submit';

export interface TimeKernelsOptions {
  /** Aim for submits this long (ms), so per-submit overhead is a small share. Default 100. */
  targetMs?: number;
  /** Timed submits; the figure is their median. Default 5. */
  submits?: number;
  /** The most repetitions recorded in one submit. Default 2000. */
  maxRepeats?: number;
}

export interface KernelTiming {
  /** Milliseconds per repetition of the dispatches: the median over the timed submits. */
  ms: number;
  method: KernelTimingMethod;
  /** Dispatches in one repetition (a multi-pass kernel has several). */
  dispatches: number;
  /** Repetitions recorded in each timed submit. */
  repeats: number;
  /** What ran: "op (family.kernel)" for engine kernels. */
  kernels: string[];
}

/** The adapter's own ceilings, measured with two micro-kernels (measureCeilings). */
export interface Ceilings {
  /** Copy kernel: (bytes read + bytes written) / time. */
  bandwidthGBs: number;
  /** FMA loop: 2 FLOP per fused multiply-add / time. */
  gflops: number;
  /** Bytes one copy moves (read + written) and FLOP one FMA-loop dispatch does. */
  copyBytes: number;
  fmaFlop: number;
  copyMethod: KernelTimingMethod;
  fmaMethod: KernelTimingMethod;
}

export interface CeilingSizes {
  /** Bytes of each of the copy's two buffers: well past any cache, so memory is what is timed. */
  copyBytes: number;
  fmaWorkgroups: number;
  fmaIters: number;
}

export const CEILING_SIZES: Record<'smoke' | 'full', CeilingSizes> = {
  smoke: { copyBytes: 1 << 20, fmaWorkgroups: 64, fmaIters: 64 },
  // 64 MiB each: past the largest GPU L2 caches. 65536 threads, each with 32 independent
  // FMAs in flight, keep a large GPU busy (and a dispatch short on SwiftShader).
  full: { copyBytes: 64 << 20, fmaWorkgroups: 1024, fmaIters: 128 },
};

/**
 * The adapter as GPUAdapterInfo names it (empty strings where the browser withholds a field):
 * a tuning table records it, and one measured on another adapter is not used.
 */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface KernelTools {
  /** The backend's adapter: its description (these fields joined) and the fields themselves. */
  readonly description: string;
  readonly adapterInfo: AdapterIdentity;
  /** Start timing every run's kernels with GPU timestamps; false where there are none. */
  startTimer(): boolean;
  /** Stop timing: the summed kernel time, in ms, of the runs since startTimer. */
  stopTimer(): Promise<number>;
  /** Time each dispatch of every run while on; false where the adapter cannot. */
  inspect(on: boolean): boolean;
  /** The last run, dispatch by dispatch; null before any run. */
  describeLastRun(): Promise<RunDescription | null>;
  /** A family's WGSL: its own text, or with the shared prelude as compiled. */
  familySource(family: string, opts?: { withPrelude?: boolean }): string;
  /** Replace a family's text for later runs (null: the file's again), compiled first. */
  setFamilySource(family: string, wgsl: string | null): Promise<FamilyCompile>;
  /** The last run's dispatches recorded again and again in one submit, timed (bench replay). */
  timeLastRun(opts: TimeKernelsOptions): Promise<KernelTiming>;
  /** The copy and FMA micro-kernels, timed as timeLastRun times. */
  measureCeilings(sizes: CeilingSizes, opts: TimeKernelsOptions): Promise<Ceilings>;
  /** The kernel-choice table the GPU rules get (GpuArgs.tuning). */
  readonly tuning: MatmulTuning;
  /** Install a table (bench --tune's candidates); every plan compiles again under it. */
  setTuning(t: MatmulTuning): void;
}

const offered = new WeakMap<Backend, KernelTools>();

/** A backend that runs GPU kernels offers its tools once, when it starts. */
export function offerTools(backend: Backend, tools: KernelTools): void {
  offered.set(backend, tools);
}

/** The tools of `backend`; null for one that runs no GPU kernels (the CPU). */
export function toolsOf(backend: Backend): KernelTools | null {
  return offered.get(backend) ?? null;
}
