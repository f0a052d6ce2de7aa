// Ops with no tensor inputs: constants, ranges. Their values are static attributes.
import { currentBackend } from '../engine/backend.ts';
import { apply, tensorFromHost } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { assertInt32, assertShape, fmt, sizeOf } from '../shape.ts';
import type { Shape } from '../shape.ts';
import type { DType } from '../graph/ir.ts';
import { defineOp } from './define.ts';
import { call } from './samples.ts';
import { f32Bits, perElement, vec4Items } from './gpu.ts';
import { LAYOUTS } from './contract.ts';

const noInputs = { notDifferentiable: 'it has no tensor inputs' };

function checkFinite(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${String(v)}`);
}

export const fullDef = defineOp<{ shape: number[]; value: number; dtype: DType }>({
  name: 'full',
  samples: {
    roles: ['shape'],
    shapesFrom: (s) => [[s]],
    calls: ([s]) => [call([], { shape: s!, value: -2.5, dtype: 'float32' }), call([], { shape: s!, value: -7, dtype: 'int32' }, 'int32')],
    about: 'filled with -2.5; no inputs',
  },
  shape: (_ins, { shape, value, dtype }) => {
    assertShape('full', shape);
    if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${String(value)}`);
    if (dtype === 'int32') assertInt32('full', 'the value', value);
    return { shape, dtype };
  },
  cpu: ({ out, attrs }) => out.fill(attrs.value),
  // The value's bits, computed here, so one word-writing kernel serves f32 and i32.
  gpu: ({ outShape, attrs: { value, dtype }, tuning }) => {
    const bits = dtype === 'int32' ? value | 0 : f32Bits(value);
    const n = sizeOf(outShape);
    const words = LAYOUTS.FULL.pack({ count: n, bits });
    // Four words a store (vec4 items).
    return [perElement(tuning, 'fill', 'full', vec4Items(n), ['out'], () => words)];
  },
  grad: noInputs,
});

export const arangeDef = defineOp<{ start: number; end: number; step: number; dtype: DType }>({
  name: 'arange',
  samples: {
    roles: ['[n]'],
    shapesFrom: (s) => [[[s.reduce((a, b) => a * b, 1)]]],
    calls: ([[n]]) => [
      call([], { start: -3, end: -3 + 0.25 * n!, step: 0.25, dtype: 'float32' as DType }),
      call([], { start: 5, end: 5 - 3 * n!, step: -3, dtype: 'int32' as DType }, 'int32 down'),
      // A fractional step into int32 (arange_i32_frac): each value truncated toward zero.
      call([], { start: -1.5, end: -1.5 + 0.5 * n!, step: 0.5, dtype: 'int32' as DType }, 'int32 fractional step'),
    ],
    defaults: [[262144]],
    about: '-3, -2.75, ... (step 0.25), n values; no inputs',
  },
  shape: (_ins, { start, end, step, dtype }) => {
    checkFinite('arange', 'start', start);
    checkFinite('arange', 'end', end);
    checkFinite('arange', 'step', step);
    if (step === 0) throw new Error(`arange: step must be non-zero (start ${start}, end ${end})`);
    if ((end - start) / step < 0) throw new Error(`arange: step ${step} moves away from end ${end} (start ${start})`);
    const n = Math.max(0, Math.ceil((end - start) / step));
    if (dtype === 'int32' && n > 0) {
      // Every value must fit: the first and the last bound the rest.
      assertInt32('arange', 'the first value', Math.trunc(start));
      assertInt32('arange', 'the last value', Math.trunc(start + (n - 1) * step));
      if (n > 1 && Number.isInteger(start) && Number.isInteger(step)) assertInt32('arange', 'the step', step);
    }
    return { shape: [n], dtype };
  },
  cpu: ({ out, attrs }) => {
    for (let i = 0; i < out.length; i++) out[i] = attrs.start + i * attrs.step;
  },
  gpu: ({ outShape, attrs: { start, step, dtype }, tuning }) => {
    const n = outShape[0]!;
    const real = LAYOUTS.RANGE.pack({ count: n, start: { f: start }, step: { f: step } });
    if (dtype === 'float32') return [perElement(tuning, 'fill', 'arange_f32', n, ['out'], () => real)];
    // Integer start and step: exact i32 arithmetic; otherwise f32, truncated as an Int32Array store.
    if (Number.isInteger(start) && Number.isInteger(step)) {
      const int = LAYOUTS.RANGE.pack({ count: n, start: start | 0, step: step | 0 });
      return [perElement(tuning, 'fill', 'arange_i32', n, ['out'], () => int)];
    }
    return [perElement(tuning, 'fill', 'arange_i32_frac', n, ['out'], () => real)];
  },
  grad: noInputs,
});

export const linspaceDef = defineOp<{ start: number; end: number; steps: number }>({
  name: 'linspace',
  samples: {
    roles: ['[n]'],
    shapesFrom: (s) => [[[s.reduce((a, b) => a * b, 1)]]],
    calls: ([[n]]) => [call([], { start: -5, end: 5, steps: n! }), call([], { start: 2, end: -3, steps: n! }, 'descending')],
    defaults: [[262144]],
    about: 'n values from -5 to 5; no inputs',
  },
  shape: (_ins, { start, end, steps }) => {
    checkFinite('linspace', 'start', start);
    checkFinite('linspace', 'end', end);
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
    return { shape: [steps], dtype: 'float32' };
  },
  cpu: ({ out, attrs: { start, end, steps } }) => {
    // As torch.linspace: both ends exact, the step computed once.
    const step = steps > 1 ? (end - start) / (steps - 1) : 0;
    for (let i = 0; i < steps; i++) out[i] = i === steps - 1 && steps > 1 ? end : start + i * step;
  },
  gpu: ({ attrs: { start, end, steps }, tuning }) => {
    const step = steps > 1 ? (end - start) / (steps - 1) : 0;
    const words = LAYOUTS.RANGE.pack({ count: steps, start: { f: start }, step: { f: step }, end: { f: end } });
    return [perElement(tuning, 'fill', 'linspace', steps, ['out'], () => words)];
  },
  grad: noInputs,
});

export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return apply(fullDef, [], { shape: [...shape], value, dtype });
}

export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => full(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => full(shape, 1, dtype);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, t.dtype);
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, t.dtype);

export function arange(start: number, end?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (end === undefined) return apply(arangeDef, [], { start: 0, end: start, step, dtype });
  return apply(arangeDef, [], { start, end, step, dtype });
}

export function linspace(start: number, end: number, steps: number): Tensor {
  return apply(linspaceDef, [], { start, end, steps });
}

/** A number becomes a 0-d constant of `like`'s dtype (float32 when there is none). */
export function asTensor(v: Tensor | number, like?: Tensor): Tensor {
  if (typeof v !== 'number') return v;
  if (like?.dtype === 'int32' && !Number.isInteger(v)) {
    throw new Error(`a non-integer ${v} cannot combine with an int32 tensor ${fmt(like.shape)}; cast it with .float() first`);
  }
  if (like?.dtype === 'int32') assertInt32('a number combined with an int32 tensor', 'the number', v);
  return constant([], v, like?.dtype ?? 'float32');
}

// Constants the engine makes for itself (scalars in `x.mul(2)`, the seed gradient of
// backward): uploaded once per backend and reused, so they cost no dispatch in a step.
// Never handed to user code that could update them in place.
const constants = new Map<string, Tensor>();
let constantsBackend: unknown = null;
const MAX_CONSTANT_SIZE = 4096;

/** A read-only constant: a cached host upload when small, else a `full` node. */
export function constant(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  const n = sizeOf(shape);
  if (n > MAX_CONSTANT_SIZE || typeof value !== 'number') return full(shape, value, dtype);
  const backend = currentBackend();
  if (backend !== constantsBackend || constants.size > 1024) {
    constants.clear();
    constantsBackend = backend;
  }
  const key = `${dtype}[${shape.join(',')}]${Object.is(value, -0) ? '-0' : String(value)}`;
  const cached = constants.get(key);
  // Not one whose memory the device refused (out of memory): it would fail every later use.
  if (cached && !cached.variable?.disposed && !(cached.variable && backend.refused?.(cached.variable.storage))) return cached;
  if (dtype === 'int32') assertInt32('full', 'the value', value);
  const values = dtype === 'int32' ? new Int32Array(n).fill(value) : new Float32Array(n).fill(value);
  const t = tensorFromHost(values, shape, dtype);
  constants.set(key, t);
  return t;
}
