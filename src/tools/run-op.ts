// One op of the registry by its name, for tools that walk ops rather than call them (the
// workbench): run it on given tensors, or ask what it would make and which kernels it would
// dispatch, without running it. Errors name the op, the shapes and what was expected.
import { toolsOf } from '../backend/tooling.ts';
import { currentBackend } from '../engine/backend.ts';
import { apply, applyEffect, applyMulti } from '../engine/recorder.ts';
import type { DType, Meta } from '../graph/ir.ts';
import type { OpDef } from '../ops/define.ts';
import { registry } from '../ops/registry.ts';
import { fmt } from '../shape.ts';
import type { Tensor } from '../tensor.ts';

function opNamed(name: string, who: string): OpDef<any> {
  if (typeof name !== 'string' || !Object.hasOwn(registry, name)) {
    throw new Error(`${who}: '${String(name)}' is not an op of the registry; expected one of ${Object.keys(registry).sort().join(', ')}`);
  }
  return (registry as Record<string, OpDef<any>>)[name]!;
}

function checkCall(name: string, attrs: unknown, scalars: unknown): void {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) throw new Error(`${name}: attrs must be an object of the op's attributes, got ${JSON.stringify(attrs)}`);
  if (!Array.isArray(scalars) || scalars.some((x) => typeof x !== 'number')) throw new Error(`${name}: scalars must be an array of numbers, got ${JSON.stringify(scalars)}`);
}

/**
 * A shape rule that reads an attribute or an input that is not there fails with a TypeError
 * (it trusts its callers, the op's own functions): say what the call gave instead.
 */
function fitting<T>(name: string, metas: Meta[], attrs: Record<string, unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    const inputs = metas.map((m) => `${fmt(m.shape)} ${m.dtype}`).join(', ') || 'none';
    throw new Error(`${name}: ${metas.length} inputs (${inputs}) with attrs ${JSON.stringify(attrs)} do not fit the op: ${err.message}`);
  }
}

/**
 * Record op `name` of the registry on `inputs` with its attributes and dynamic scalars, as
 * the op's own function would: lazy like any op, on the current backend. Returns its results
 * in order (an op with extra outputs returns all of them; an in-place update returns none and
 * writes its inputs at the next flush).
 */
export function runOp(name: string, inputs: Tensor[], attrs: Record<string, unknown> = {}, scalars: number[] = []): Tensor[] {
  const def = opNamed(name, 'runOp');
  checkCall(name, attrs, scalars);
  if (!Array.isArray(inputs)) throw new Error(`${name}: inputs must be an array of tensors, got ${typeof inputs}`);
  const metas = inputs.map((t) => ({ shape: t?.shape ?? [], dtype: t?.dtype ?? 'float32' }));
  return fitting(name, metas, attrs, () => {
    if (def.effect) {
      applyEffect(def, inputs, attrs, scalars);
      return [];
    }
    return def.extraOutputs ? applyMulti(def, inputs, attrs, scalars) : [apply(def, inputs, attrs, scalars)];
  });
}

export interface OpDescription {
  /** What runOp would return: each result's shape and dtype (none for an in-place update). */
  outputs: { shape: number[]; dtype: DType }[];
  /**
   * The WebGPU kernels it would dispatch for these shapes, in order (family: shaders/<family>.wgsl,
   * kernel: its entry point), as the backend's rules choose them now; null on the CPU backend.
   */
  kernels: { family: string; kernel: string }[] | null;
}

/** What op `name` would make from inputs of these shapes and dtypes, without running it; its shape rule's errors are thrown. */
export function describeOp(name: string, inputs: { shape: readonly number[]; dtype: DType }[], attrs: Record<string, unknown> = {}): OpDescription {
  const def = opNamed(name, 'describeOp');
  checkCall(name, attrs, []);
  const metas: Meta[] = inputs.map((m, i) => {
    if (!Array.isArray(m?.shape) || (m.dtype !== 'float32' && m.dtype !== 'int32')) {
      throw new Error(`${name}: input ${i} must be { shape: number[], dtype: 'float32' | 'int32' }, got ${JSON.stringify(m)}`);
    }
    return { shape: [...m.shape], dtype: m.dtype };
  });
  return fitting(name, metas, attrs, () => {
    const out = def.shape(metas, attrs);
    const extras = def.extraOutputs?.(metas, attrs) ?? [];
    const tools = toolsOf(currentBackend());
    const dispatches = tools ? def.gpu({ inShapes: metas.map((m) => m.shape), inDtypes: metas.map((m) => m.dtype), outShape: out.shape, outDtype: out.dtype, attrs, tuning: tools.tuning }) : null;
    return {
      outputs: def.effect ? [] : [out, ...extras].map((m) => ({ shape: [...m.shape], dtype: m.dtype })),
      kernels: dispatches?.map((d) => ({ family: d.family, kernel: d.kernel })) ?? null,
    };
  });
}
