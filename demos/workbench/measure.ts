// One workbench run, DOM-free: an op of the registry on the shapes given, run by its WebGPU
// kernels and, from the same inputs, by its CPU reference (checkNextRun: the run again on a
// fresh CPU backend, every output compared); the largest differences, the time per run, and
// the work the engine counts for its dispatches. All through the public API: runOp records
// the op by name, describeOp checks the shapes and names its kernels before anything runs.
import { backendStats, checkNextRun, describeLastRun, describeOp, flush, gpuTimeMs, inspectRuns, noGrad, runOp, tensor } from 'shadergrad';
import type { DispatchDescription, OpDescription, Tensor } from 'shadergrad';
import { MAX_CPU_WORK, WORKBENCH_OPS, isOffered, makeValues, showShapes } from './ops.ts';
import type { OpCall } from './ops.ts';

/** An op the workbench's table has a line for (offered or left out). */
export type OpName = keyof typeof WORKBENCH_OPS;

/** How `ms` was measured. */
export type TimingMethod = 'gpu-timestamps' | 'wall-with-readback';

export const TIMING_TEXT: Record<TimingMethod, string> = {
  'gpu-timestamps': "the GPU's own time: timestamps around each run's compute pass",
  'wall-with-readback': 'wall time from recording the op to its result read back: every run waits for the GPU and includes the copy back (this adapter has no timestamp queries)',
};

/** One run, as the page publishes it in window.__results.workbench (main.ts). */
export interface WorkbenchResult {
  op: string;
  /** The typed shapes, e.g. "64x64, 64x64". */
  shape: string;
  /** Largest |GPU - CPU| over every element of every output. */
  maxAbsErr: number;
  /** Largest |GPU - CPU| / max(|CPU|, 1e-3 · max |CPU| of that output): CheckedValue.maxRelDiff. */
  maxRelErr: number;
  /** Milliseconds per run of the op's kernels: the median of `runs` runs. */
  ms: number;
  /** The dispatches' FLOPs and bytes (as describeLastRun counts them) over `ms`. */
  gflops: number;
  gbps: number;
  timing: TimingMethod;
  runs: number;
  flops: number;
  bytes: number;
  /** Each dispatch of the last run (timed one by one where the adapter has timestamps). */
  dispatches: DispatchDescription[];
  /** The kernel families (shaders/<family>.wgsl) the op's dispatches use, in order. */
  families: string[];
  outputs: { shape: number[]; dtype: string }[];
}

/**
 * The call for `name` on `shapes`, checked by the op's own shape rule before anything runs
 * (describeOp: its error names the op, the shapes and what it expected), with what it makes
 * and the kernels it will dispatch.
 */
export function prepare(name: OpName, shapes: number[][]): { call: OpCall; op: OpDescription } {
  const spec = WORKBENCH_OPS[name];
  if (!isOffered(spec)) throw new Error(`${name}: the workbench leaves this op out: ${spec.leftOut}`);
  const call = spec.make(shapes);
  const op = describeOp(name, call.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })), call.attrs);
  const work = spec.cpuWork?.(shapes) ?? 0;
  if (work > MAX_CPU_WORK) {
    throw new Error(`${name}: shapes ${showShapes(shapes)} ask ${work.toExponential(2)} multiply-adds of the CPU reference; the workbench takes at most ${MAX_CPU_WORK.toExponential(2)} (1024x1024x1024)`);
  }
  return { call, op };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run `name` on `shapes`: see the top of this file. WebGPU must be the current backend. */
export async function measureOp(name: OpName, shapes: number[][]): Promise<WorkbenchResult> {
  const { call, op } = prepare(name, shapes);
  const inputs = call.inputs.map((spec, i) => tensor(makeValues(name, i, spec), { shape: spec.shape, dtype: spec.dtype }));
  const made: Tensor[] = [];
  const record = (): Tensor[] =>
    noGrad(() => {
      const outs = runOp(name, inputs, call.attrs, call.scalars);
      made.push(...outs);
      return outs;
    });
  try {
    flush(); // the inputs' uploads are not this op's work
    const before = backendStats().dispatches;
    // The first run is run again by the CPU reference, from the inputs it read.
    const checked = checkNextRun();
    const outs = record();
    await Promise.all(outs.map((t) => t.data()));
    if (backendStats().dispatches === before) {
      throw new Error(`${name}: shapes ${showShapes(shapes)} ran no kernel: the result is a view of its input's memory, so there is nothing to time or compare`);
    }
    const check = await checked;
    const maxAbsErr = Math.max(0, ...check.values.map((v) => v.maxAbsDiff));
    const maxRelErr = Math.max(0, ...check.values.map((v) => v.maxRelDiff));

    const { ms, timing, runs } = await timeRuns(record);

    // One more run, each dispatch timed alone where the adapter can: the table of dispatches.
    inspectRuns(true);
    try {
      record();
      flush();
    } finally {
      inspectRuns(false);
    }
    const run = await describeLastRun();
    const dispatches = run?.dispatches ?? [];
    const flops = dispatches.reduce((s, d) => s + d.flops, 0);
    const bytes = dispatches.reduce((s, d) => s + d.bytesRead + d.bytesWritten, 0);
    return {
      op: name,
      shape: showShapes(shapes),
      maxAbsErr,
      maxRelErr,
      ms,
      gflops: flops / (ms * 1e6),
      gbps: bytes / (ms * 1e6),
      timing,
      runs,
      flops,
      bytes,
      dispatches,
      families: [...new Set(dispatches.map((d) => d.family))],
      outputs: op.outputs,
    };
  } finally {
    for (const t of [...inputs, ...made]) t.dispose();
  }
}

/**
 * The median time of several runs, each a plan run of its own (one submit). The GPU's time
 * from timestamps where the adapter has them; otherwise the wall time of a run that ends with
 * its result read back. About a quarter of a second of runs, 5 to 25 of them.
 */
async function timeRuns(record: () => Tensor[]): Promise<{ ms: number; timing: TimingMethod; runs: number }> {
  // Nothing recorded: null where there are no timestamps, 0 where there are.
  if ((await gpuTimeMs(() => undefined)) !== null) {
    const once = async (): Promise<number> => (await gpuTimeMs(() => void record()))!;
    const samples = [await once()];
    const runs = Math.min(25, Math.max(5, Math.ceil(250 / Math.max(samples[0]!, 0.01))));
    while (samples.length < runs) samples.push(await once());
    // A clock that reads zero or backwards is no figure: time the wall instead.
    if (samples.every((ms) => ms > 0)) return { ms: median(samples), timing: 'gpu-timestamps', runs };
  }
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const [first] = record();
    await first!.data();
    return performance.now() - t0;
  };
  const samples = [await once()];
  const runs = Math.min(25, Math.max(5, Math.ceil(250 / Math.max(samples[0]!, 0.01))));
  while (samples.length < runs) samples.push(await once());
  return { ms: median(samples), timing: 'wall-with-readback', runs };
}

/**
 * The kernel families the op's dispatches will use for these shapes, from its GPU rule (the
 * same choice a run makes), so the editor can show them before anything runs.
 */
export function familiesOf(name: OpName, shapes: number[][]): string[] {
  return [...new Set((prepare(name, shapes).op.kernels ?? []).map((k) => k.family))];
}
