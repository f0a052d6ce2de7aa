// One workbench run, DOM-free: an op of the registry on the shapes given, run by its WebGPU
// kernels and by its CPU reference kernel from the same host-made inputs; the largest
// differences, the time per run, and the work the engine counts for its dispatches.
//
// This is a tool for kernel authors, so it reaches past the public API where that has no
// door: the op table (src/ops/registry.ts) and recording one op by its definition
// (src/engine/recorder.ts, as tests/gpu/run-case.ts does). The CPU side calls the op's own
// reference kernel (OpDef.cpu) on the host arrays: the kernel the CPU backend runs, without
// switching backends (a switch would drop the GPU's tensors and compiled pipelines).
import { backendStats, describeLastRun, flush, gpuTimeMs, inspectRuns, noGrad, tensor } from 'shadergrad';
import type { DispatchDescription, Tensor } from 'shadergrad';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import type { Meta } from '../../src/graph/ir.ts';
import { apply, applyMulti } from '../../src/engine/recorder.ts';
import { sizeOf } from '../../src/shape.ts';
import { MAX_CPU_WORK, WORKBENCH_OPS, isOffered, makeValues, showShapes } from './ops.ts';
import type { OpCall } from './ops.ts';

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
  /** Largest |GPU - CPU| / max(|CPU|, 1e-3 · max |CPU| of that output): see relativeFloor. */
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

/** The calls and shapes for `name`, checked by the op's own shape rule before anything runs. */
export function prepare(name: OpName, shapes: number[][]): { def: OpDef<any>; call: OpCall; out: Meta; extras: Meta[] } {
  const spec = WORKBENCH_OPS[name];
  if (!isOffered(spec)) throw new Error(`${name}: the workbench leaves this op out: ${spec.leftOut}`);
  const def = registry[name] as OpDef<any>;
  const call = spec.make(shapes);
  const metas: Meta[] = call.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype }));
  // The op's shape rule: its error names the op, the shapes and what it expected.
  const out = def.shape(metas, call.attrs);
  const extras = def.extraOutputs?.(metas, call.attrs) ?? [];
  const work = spec.cpuWork?.(shapes) ?? 0;
  if (work > MAX_CPU_WORK) {
    throw new Error(`${name}: shapes ${showShapes(shapes)} ask ${work.toExponential(2)} multiply-adds of the CPU reference; the workbench takes at most ${MAX_CPU_WORK.toExponential(2)} (1024x1024x1024)`);
  }
  return { def, call, out, extras };
}

/** The op's CPU reference kernel on the host arrays: every output, in order. */
function cpuReference(def: OpDef<any>, call: OpCall, values: (Float32Array | Int32Array)[], out: Meta, extras: Meta[]): (Float32Array | Int32Array)[] {
  const alloc = (m: Meta): Float32Array | Int32Array => {
    const n = sizeOf(m.shape);
    return m.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  };
  const outArr = alloc(out);
  const extraOuts = extras.map(alloc);
  def.cpu({ ins: values, inShapes: call.inputs.map((i) => i.shape), out: outArr, outShape: out.shape, extraOuts, attrs: call.attrs, scalars: call.scalars });
  return [outArr, ...extraOuts];
}

/**
 * Where relative error stops being meaningful: an element far smaller than its output's
 * largest (a dot product that cancels to nearly 0) is measured against 1e-3 of that
 * largest value instead of itself, or any float32 rounding would read as a huge error.
 */
export function relativeFloor(cpu: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) if (Number.isFinite(cpu[i]!)) scale = Math.max(scale, Math.abs(cpu[i]!));
  return Math.max(1e-3 * scale, Number.MIN_VALUE);
}

/** Largest absolute and relative differences; NaN or an infinity against anything else is Infinity. */
export function differences(gpu: ArrayLike<number>, cpu: ArrayLike<number>): { abs: number; rel: number } {
  const floor = relativeFloor(cpu);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < cpu.length; i++) {
    const g = gpu[i]!;
    const c = cpu[i]!;
    const d = g === c || (Number.isNaN(g) && Number.isNaN(c)) ? 0 : Math.abs(g - c);
    const e = Number.isNaN(d) ? Infinity : d;
    abs = Math.max(abs, e);
    rel = Math.max(rel, e / Math.max(Math.abs(c), floor));
  }
  return { abs, rel };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run `name` on `shapes`: see the top of this file. WebGPU must be the current backend. */
export async function runOp(name: OpName, shapes: number[][]): Promise<WorkbenchResult> {
  const { def, call, out, extras } = prepare(name, shapes);
  const values = call.inputs.map((spec, i) => makeValues(name, i, spec));
  const expected = cpuReference(def, call, values, out, extras);

  const inputs = call.inputs.map((spec, i) => tensor(values[i]!, { shape: spec.shape, dtype: spec.dtype }));
  const made: Tensor[] = [];
  const record = (): Tensor[] =>
    noGrad(() => {
      const outs = def.extraOutputs ? applyMulti(def, inputs, call.attrs, call.scalars) : [apply(def, inputs, call.attrs, call.scalars)];
      made.push(...outs);
      return outs;
    });
  try {
    flush(); // the inputs' uploads are not this op's work
    const before = backendStats().dispatches;
    const outs = record();
    const got = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array | Int32Array>));
    if (backendStats().dispatches === before) {
      throw new Error(`${name}: shapes ${showShapes(shapes)} ran no kernel: the result is a view of its input's memory, so there is nothing to time or compare`);
    }
    let maxAbsErr = 0;
    let maxRelErr = 0;
    got.forEach((g, k) => {
      const d = differences(g, expected[k]!);
      maxAbsErr = Math.max(maxAbsErr, d.abs);
      maxRelErr = Math.max(maxRelErr, d.rel);
    });

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
      families: [...new Set(dispatches.map((d) => d.shader))],
      outputs: [out, ...extras].map((m) => ({ shape: [...m.shape], dtype: m.dtype })),
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
  const { def, call, out } = prepare(name, shapes);
  const dispatches = def.gpu({ inShapes: call.inputs.map((i) => i.shape), inDtypes: call.inputs.map((i) => i.dtype), outShape: out.shape, outDtype: out.dtype, attrs: call.attrs });
  return [...new Set(dispatches.map((d) => d.shader))];
}
