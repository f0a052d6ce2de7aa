// The engine panel's "check against the CPU": the next run that executes kernels is also run
// on a fresh CPU reference backend, from the same inputs, and every value it produces (its
// outputs, and the variables its updates write) is compared with what the GPU produced.
// It watches runs through the executor's observer hook, only while a check is armed.
import type { Backend, HostArray } from '../backend/backend.ts';
import { CpuBackend } from '../backend/cpu/backend.ts';
import type { Meta, Storage } from '../graph/ir.ts';
import type { Plan } from '../graph/plan.ts';
import { effectWrites } from '../ops/define.ts';
import { fmt, sizeOf } from '../shape.ts';
import { currentBackend } from '../engine/backend.ts';
import { observeRuns } from '../engine/executor.ts';
import type { RunStart } from '../engine/executor.ts';

export interface CheckedValue {
  /** What it is: `output 0 of linear [4, 8]`, or `input 2 [8, 2], updated by adamMulti`. */
  name: string;
  shape: number[];
  /** Largest |GPU - CPU| over its elements. */
  maxAbsDiff: number;
  /** Largest |GPU - CPU| / max(|CPU|, 1e-3 · max |CPU|): relative, but not below a thousandth of the value's scale. */
  maxRelDiff: number;
  /** Allowed: 1e-4 · max(1, max |CPU|) for float32 (accumulation order differs), 0 for int32. */
  tolerance: number;
  ok: boolean;
}

export interface RunCheck {
  plan: number;
  /** The backend the run was checked on (its description). */
  backend: string;
  values: CheckedValue[];
  ok: boolean;
}

type Pending = { resolve: (c: RunCheck) => void; reject: (e: Error) => void };
let armed: Pending[] = [];
let stopWatching: (() => void) | null = null;

/**
 * Check the next run that executes kernels against the CPU reference: resolves once it has
 * run on both. On the CPU backend itself there is nothing to compare: it resolves at once,
 * with no values (plan -1).
 */
export function checkNextRun(): Promise<RunCheck> {
  const b = currentBackend();
  if (b.name === 'cpu') return Promise.resolve({ plan: -1, backend: b.description, values: [], ok: true });
  stopWatching ??= observeRuns(captureRun);
  return new Promise((resolve, reject) => armed.push({ resolve, reject }));
}

/**
 * The executor calls it before the next run: reads the run's inputs before it (same queue,
 * so the values it starts from) and returns what to call with its outputs. It then stops
 * watching, until the next check is armed.
 */
function captureRun({ backend, plan, externals, scalars }: RunStart): ((outputs: Storage[]) => void) | null {
  const waiting = armed;
  armed = [];
  stopWatching?.();
  stopWatching = null;
  const inputs = plan.externals.map((m, i) => backend.read(externals[i], m.dtype, sizeOf(m.shape)));
  return (outputs) => {
    const gpuOut = plan.outputs.map((m, i) => backend.read(outputs[i], m.dtype, sizeOf(m.shape)));
    const written = writtenInputs(plan);
    const gpuWritten = written.map(({ index }) => backend.read(externals[index], plan.externals[index]!.dtype, sizeOf(plan.externals[index]!.shape)));
    compare(backend, plan, scalars, inputs, gpuOut, written, gpuWritten).then(
      (c) => waiting.forEach((w) => w.resolve(c)),
      (err: unknown) => waiting.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  };
}

/** The plan's inputs that its updates (effects) write in place, with the op that writes each. */
function writtenInputs(plan: Plan): { index: number; op: string }[] {
  const out = new Map<number, string>();
  for (const step of plan.steps) {
    if (step.out !== null) continue;
    for (const w of effectWrites(step.def, step.inputs.length)) {
      const r = step.inputs[w];
      if (r?.kind === 'ext') out.set(r.index, step.def.name);
    }
  }
  return [...out].map(([index, op]) => ({ index, op }));
}

function outputName(plan: Plan, i: number, m: Meta): string {
  const step = plan.steps.find((s) => s.out?.kind === 'out' && s.out.index === i) ?? plan.steps.find((s) => s.extraOuts.some((r) => r.kind === 'out' && r.index === i));
  return `output ${i} of ${step?.def.name ?? 'a view'} ${fmt(m.shape)}`;
}

async function compare(
  backend: Backend,
  plan: Plan,
  scalars: (readonly number[])[],
  inputs: Promise<HostArray>[],
  gpuOut: Promise<HostArray>[],
  written: { index: number; op: string }[],
  gpuWritten: Promise<HostArray>[],
): Promise<RunCheck> {
  const before = await Promise.all(inputs);
  const cpu = new CpuBackend('float32');
  const cpuExternals = before.map((v, i) => cpu.upload(v, plan.externals[i]!.dtype));
  const { outputs } = cpu.execute(plan, cpuExternals, scalars, 0, []);
  const cpuOut = await Promise.all(plan.outputs.map((m, i) => cpu.read(outputs[i], m.dtype, sizeOf(m.shape))));
  const cpuWritten = await Promise.all(written.map(({ index }) => cpu.read(cpuExternals[index], plan.externals[index]!.dtype, sizeOf(plan.externals[index]!.shape))));
  const values: CheckedValue[] = [];
  const gpuOutValues = await Promise.all(gpuOut);
  plan.outputs.forEach((m, i) => values.push(diff(outputName(plan, i, m), m, gpuOutValues[i]!, cpuOut[i]!)));
  const gpuWrittenValues = await Promise.all(gpuWritten);
  written.forEach(({ index, op }, k) => {
    const m = plan.externals[index]!;
    values.push(diff(`input ${index} ${fmt(m.shape)}, updated by ${op}`, m, gpuWrittenValues[k]!, cpuWritten[k]!));
  });
  return { plan: plan.id, backend: backend.description, values, ok: values.every((v) => v.ok) };
}

/** One value's comparison (exported for its unit test). */
export function diff(name: string, m: Meta, gpu: ArrayLike<number>, cpu: ArrayLike<number>): CheckedValue {
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) if (Number.isFinite(cpu[i]!)) scale = Math.max(scale, Math.abs(cpu[i]!));
  // Where relative difference stops being meaningful: an element far smaller than the
  // value's largest (a dot product that cancels to nearly 0) is measured against 1e-3 of
  // that largest instead of itself, or any float32 rounding would read as a huge error.
  const floor = Math.max(1e-3 * scale, Number.MIN_VALUE);
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  for (let i = 0; i < cpu.length; i++) {
    const g = gpu[i]!;
    const c = cpu[i]!;
    // Equal values (equal infinities too) and NaN on both sides agree; NaN where the other
    // is not is the largest difference there is.
    const d = g === c || (Number.isNaN(g) && Number.isNaN(c)) ? 0 : Math.abs(g - c);
    const e = Number.isNaN(d) ? Infinity : d;
    maxAbsDiff = Math.max(maxAbsDiff, e);
    const rel = e === 0 ? 0 : e / Math.max(Math.abs(c), floor);
    maxRelDiff = Math.max(maxRelDiff, Number.isNaN(rel) ? Infinity : rel);
  }
  const tolerance = m.dtype === 'int32' ? 0 : 1e-4 * Math.max(1, scale);
  return { name, shape: [...m.shape], maxAbsDiff, maxRelDiff, tolerance, ok: maxAbsDiff <= tolerance };
}
