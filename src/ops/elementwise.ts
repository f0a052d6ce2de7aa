// Elementwise ops with NumPy broadcasting: arithmetic, comparisons, where and cast.
// Gradients of broadcast inputs are summed back to the input's shape (sumTo).
import { apply } from '../engine/recorder.ts';
import type { Operand, Tensor } from '../tensor.ts';
import { INT32_MAX, INT32_MIN, broadcastShapes, fmt, sizeOf } from '../shape.ts';
import type { Shape } from '../shape.ts';
import * as cpu from './kernels.ts';
import { defineOp, floatOnly } from './define.ts';
import type { Binding, CpuArgs, GpuRule, NoAttrs, OpDef } from './define.ts';
import { perElement, stridedWords, vec4Items } from './gpu.ts';
import { BINARY_INT32, LAYOUTS, OP_CODES } from './contract.ts';
import type { BinaryOp } from './contract.ts';
import type { DType, Meta } from '../graph/ir.ts';
import { asTensor } from './fill.ts';
import { sumTo } from './reduce.ts';
import { binary, call, column, f32, i32, row } from './samples.ts';
import type { OpSamples } from './samples.ts';


export function broadcastRule(op: string, dtype?: DType) {
  return (ins: Meta[]): Meta => {
    const [a, b] = ins as [Meta, Meta];
    if (a.dtype !== b.dtype) throw new Error(`${op}: dtypes differ: ${fmt(a.shape)} ${a.dtype} and ${fmt(b.shape)} ${b.dtype}; cast one with .float() or .int()`);
    return { shape: broadcastShapes(op, a.shape, b.shape), dtype: dtype ?? a.dtype };
  };
}

/**
 * shaders/elementwise.wgsl's SAME_SHAPE: bit k for each input with as many elements as the
 * output (broadcasting only stretches, so it has the output's layout, leading 1s aside).
 */
function sameShapeMask(inShapes: Shape[], outShape: Shape): number {
  const n = sizeOf(outShape);
  return inShapes.reduce((mask, s, k) => (sizeOf(s) === n ? mask | (1 << k) : mask), 0);
}

/**
 * Whether every input has the output's shape or is one element: `binary_vec4` then reads
 * each operand four elements a load (a single element in all four lanes), with no strides.
 */
export function vec4Operands(inShapes: Shape[], outShape: Shape): boolean {
  const n = sizeOf(outShape);
  return inShapes.every((s) => sizeOf(s) === n || sizeOf(s) === 1);
}

/**
 * `binary` with operator OP: `binary_vec4` where the operands allow (vec4Operands), the strided
 * kernel otherwise; `binary_i32` for int32 add, sub and mul.
 */
export function binaryGpu(name: BinaryOp): GpuRule<NoAttrs> {
  return ({ inShapes, inDtypes, outShape, tuning }) => {
    const n = sizeOf(outShape);
    const constants = { OP: OP_CODES.BINARY[name], SAME_SHAPE: sameShapeMask(inShapes, outShape) };
    const bind: Binding[] = [{ input: 0 }, { input: 1 }, 'out'];
    if (inDtypes[0] === 'int32' && !BINARY_INT32.includes(name)) throw new Error(`${name}: int32 operands are not supported on WebGPU; cast with .float() first`);
    if (inDtypes[0] !== 'int32' && vec4Operands(inShapes, outShape)) {
      const count = LAYOUTS.ELEMENTWISE.pack({ count: n });
      return [perElement(tuning, 'elementwise', 'binary_vec4', vec4Items(n), bind, () => count, constants)];
    }
    const words = LAYOUTS.ELEMENTWISE.pack({ count: n, condIsFloat: 0, strides: stridedWords(name, outShape, inShapes) });
    return [perElement(tuning, 'elementwise', inDtypes[0] === 'int32' ? 'binary_i32' : 'binary', n, bind, () => words, constants)];
  };
}

export function binaryKernel(f: (x: number, y: number) => number) {
  return ({ ins, inShapes, out, outShape }: CpuArgs<unknown>): void =>
    cpu.binary(ins[0]!, ins[1]!, inShapes[0]!, inShapes[1]!, out, outShape, f);
}

export const addDef = defineOp<NoAttrs>({
  name: 'add',
  samples: binary('any', 'any', { alsoInt32: 'small-int' }),
  gpu: binaryGpu('add'),
  shape: broadcastRule('add'),
  cpu: binaryKernel((x, y) => x + y),
  grad: ({ g, inputs: [a, b] }) => [sumTo(g, a!.shape), sumTo(g, b!.shape)],
});

export const subDef = defineOp<NoAttrs>({
  name: 'sub',
  samples: binary(),
  gpu: binaryGpu('sub'),
  shape: broadcastRule('sub'),
  cpu: binaryKernel((x, y) => x - y),
  grad: ({ g, inputs: [a, b] }) => [sumTo(g, a!.shape), sumTo(mul(g, -1), b!.shape)],
});

const mulInt32 = binaryKernel(Math.imul);
const mulFloat = binaryKernel((x, y) => x * y);

export const mulDef = defineOp<NoAttrs>({
  name: 'mul',
  samples: binary(),
  gpu: binaryGpu('mul'),
  shape: broadcastRule('mul'),
  // int32 products wrap modulo 2^32, as WGSL's i32 and PyTorch: Math.imul, since a float64
  // product past 2^53 has already lost the low bits the wrap keeps.
  cpu: (args) => (args.out instanceof Int32Array ? mulInt32(args) : mulFloat(args)),
  grad: ({ g, inputs: [a, b] }) => [sumTo(mul(g, b!), a!.shape), sumTo(mul(g, a!), b!.shape)],
});

export const divDef = defineOp<NoAttrs>({
  name: 'div',
  samples: binary('any', 'positive', { about: 'a / b, b in [0.2, 2)' }),
  gpu: binaryGpu('div'),
  shape: (ins) => {
    floatOnly('div', ins, ['numerator', 'denominator']);
    return broadcastRule('div')(ins);
  },
  cpu: binaryKernel((x, y) => x / y),
  // d(a/b)/db = -a/b^2 = -out/b. neg comes late-bound (`ops`): unary.ts's gradients import
  // this file, so it cannot import unary.ts.
  grad: ({ g, inputs: [a, b], out, ops }) => [sumTo(div(g, b!), a!.shape), sumTo(ops.neg(mul(g, div(out, b!))), b!.shape)],
});

/**
 * C's pow (C99 Annex F, which PyTorch follows). JavaScript's Math.pow agrees except that
 * it gives NaN for 1^y with y NaN or +-inf and for (-1)^+-inf, where C gives 1. The rest, for
 * the record: x^0 = 1 for every x (NaN too); a negative finite base with a non-integer
 * exponent is NaN; (+-0)^y is +inf for y < 0 and +0 for y > 0, with 0's sign for odd
 * integer y; (+-inf)^y the reverse; x^-inf is +inf for |x| < 1 and 0 for |x| > 1, x^+inf the
 * reverse; NaN otherwise propagates.
 */
export function powC(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

export const powDef = defineOp<NoAttrs>({
  name: 'pow',
  gpu: binaryGpu('pow'),
  shape: (ins) => {
    floatOnly('pow', ins, ['base', 'exponent']);
    return broadcastRule('pow')(ins);
  },
  cpu: binaryKernel(powC),
  samples: binary('positive', 'any', { about: 'a to the power b, a in [0.2, 2)' }),
  // PyTorch's pow_backward_self and pow_backward_exponent, edge values included:
  //   d/da = g * where(b == 0, 0, b * a^(b-1))           (d/da a^0 = 0, even at a = 0)
  //   d/db = g * where(a == 0 && b >= 0, 0, out * ln a)  (d/db 0^b = 0 for b >= 0)
  // so d/db is NaN for a negative base, as PyTorch's. b >= 0 is gt + eq (int32 0/1 flags,
  // multiplied for the and), not 1 - lt, so that a NaN exponent is not >= 0. log comes
  // late-bound (`ops`), as neg does for div.
  grad: ({ g, inputs: [a, b], out, ops }) => {
    const gradA = mul(g, where(eq(b!, 0), 0, mul(b!, pow(a!, sub(b!, 1)))));
    const zeroBase = mul(eq(a!, 0), add(gt(b!, 0), eq(b!, 0)));
    const gradB = mul(g, where(zeroBase, 0, mul(out, ops.log(a!))));
    return [sumTo(gradA, a!.shape), sumTo(gradB, b!.shape)];
  },
});

/** Comparisons: float and int32, same shapes and a row against the shape, small integers so some tie. */
const comparisonSamples: OpSamples<NoAttrs> = {
  roles: ['a', 'b'],
  shapesFrom: (s) => [[s, s], [row(s), s], [s, row(s)]],
  calls: ([a, b]) => [call([f32(a!, 'small-int'), f32(b!, 'small-int')], {}), call([i32(a!, 'small-int'), i32(b!, 'small-int')], {}, 'int32')],
  about: 'small integers, so some compare equal',
};

const comparison = (name: keyof typeof OP_CODES.COMPARE, f: (x: number, y: number) => boolean): OpDef<NoAttrs> =>
  defineOp<NoAttrs>({
    name,
    nondiff: [0, 1],
    samples: comparisonSamples,
    shape: broadcastRule(name, 'int32'),
    cpu: binaryKernel((x, y) => (f(x, y) ? 1 : 0)),
    gpu: ({ inShapes, inDtypes, outShape, tuning }) => {
      const n = sizeOf(outShape);
      const words = LAYOUTS.ELEMENTWISE.pack({ count: n, condIsFloat: 0, strides: stridedWords(name, outShape, inShapes) });
      const entry = inDtypes[0] === 'int32' ? 'compare_i32' : 'compare_f32';
      return [perElement(tuning, 'elementwise', entry, n, [{ input: 0 }, { input: 1 }, 'out'], () => words, { CMP: OP_CODES.COMPARE[name], SAME_SHAPE: sameShapeMask(inShapes, outShape) })];
    },
    grad: { notDifferentiable: 'a comparison is piecewise constant: its gradient is zero wherever it exists' },
  });

export const eqDef = comparison('eq', (x, y) => x === y);
export const gtDef = comparison('gt', (x, y) => x > y);
export const ltDef = comparison('lt', (x, y) => x < y);

export const whereDef = defineOp<NoAttrs>({
  name: 'where',
  samples: {
    roles: ['condition', 'a', 'b'],
    // The condition with the output's shape, or a row; branches broadcast (a row, a column, one element).
    shapesFrom: (s) => [[s, s, s], [s, row(s), column(s)], [row(s), s, [1]]],
    calls: ([c, a, b]) => [call([i32(c!, 'mask'), f32(a!), f32(b!)], {}), call([f32(c!, 'small-int'), f32(a!), f32(b!)], {}, 'float condition')],
    about: 'an int32 mask of 0s and 1s chooses between a and b',
  },
  nondiff: [0],
  shape: (ins) => {
    const [c, a, b] = ins as [Meta, Meta, Meta];
    if (a.dtype !== b.dtype) throw new Error(`where: branches differ in dtype: ${fmt(a.shape)} ${a.dtype} and ${fmt(b.shape)} ${b.dtype}`);
    const ab = broadcastShapes('where', a.shape, b.shape);
    return { shape: broadcastShapes('where', c.shape, ab), dtype: a.dtype };
  },
  cpu: ({ ins: [c, a, b], inShapes, out, outShape }) => {
    cpu.forEachBroadcast(outShape, inShapes, (o, offs) => {
      out[o] = c![offs[0]!]! !== 0 ? a![offs[1]!]! : b![offs[2]!]!;
    });
  },
  gpu: ({ inShapes, inDtypes, outShape, tuning }) => {
    const n = sizeOf(outShape);
    const words = LAYOUTS.ELEMENTWISE.pack({ count: n, condIsFloat: inDtypes[0] === 'float32' ? 1 : 0, strides: stridedWords('where', outShape, inShapes) });
    return [perElement(tuning, 'elementwise', 'where_select', n, [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'], () => words, { SAME_SHAPE: sameShapeMask(inShapes, outShape) })];
  },
  grad: ({ g, inputs: [c, a, b] }) => {
    const zero = asTensor(0);
    return [null, sumTo(where(c!, g, zero), a!.shape), sumTo(where(c!, zero, g), b!.shape)];
  },
});

/**
 * float32 -> int32: truncate toward zero, saturate at the int32 range
 * [-2147483648, 2147483647] (infinities included), NaN -> 0. C and PyTorch leave an
 * out-of-range value undefined; a plain Int32Array store would wrap it modulo 2^32 and
 * WGSL's i32() clamps at 2147483520, so both backends implement this rule explicitly.
 */
export function castToInt32(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= INT32_MAX) return INT32_MAX;
  if (v <= INT32_MIN) return INT32_MIN;
  return Math.trunc(v);
}

export const castDef = defineOp<{ dtype: DType }>({
  name: 'cast',
  samples: {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [call([f32(x!)], { dtype: 'int32' }), call([i32(x!, 'small-int')], { dtype: 'float32' }, 'to float32')],
    about: 'float32 to int32, truncated toward zero',
  },
  shape: ([x], { dtype }) => {
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`cast: unknown dtype '${String(dtype)}' for ${fmt(x!.shape)}; expected 'float32' or 'int32'`);
    return { shape: x!.shape, dtype };
  },
  cpu: ({ ins: [x], out, attrs }) => cpu.unary(x!, out, attrs.dtype === 'int32' ? castToInt32 : (v) => v),
  gpu: ({ outShape, attrs, tuning }) => {
    const n = sizeOf(outShape);
    const words = LAYOUTS.ELEMENTWISE.pack({ count: n });
    return [perElement(tuning, 'elementwise', attrs.dtype === 'int32' ? 'cast_to_i32' : 'cast_to_f32', n, [{ input: 0 }, 'out'], () => words)];
  },
  grad: { notDifferentiable: 'a cast to int32 carries no gradient, and a cast to the same dtype is never recorded' },
});

// ---- functional API -----------------------------------------------------------------------

export type { Operand };

export const add = (a: Operand, b: Operand): Tensor => binaryApply(addDef, a, b);
export const sub = (a: Operand, b: Operand): Tensor => binaryApply(subDef, a, b);
export const mul = (a: Operand, b: Operand): Tensor => binaryApply(mulDef, a, b);
export const div = (a: Operand, b: Operand): Tensor => binaryApply(divDef, a, b);
export const pow = (a: Operand, b: Operand): Tensor => binaryApply(powDef, a, b);
export const eq = (a: Operand, b: Operand): Tensor => binaryApply(eqDef, a, b);
export const gt = (a: Operand, b: Operand): Tensor => binaryApply(gtDef, a, b);
export const lt = (a: Operand, b: Operand): Tensor => binaryApply(ltDef, a, b);

export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? undefined : b) : a;
  return apply(whereDef, [cond, asTensor(a, like), asTensor(b, like)], {});
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return apply(castDef, [x], { dtype });
}

/** A plain number takes the other operand's dtype, so `labels.eq(3)` stays int32. */
export function binaryApply(def: OpDef<NoAttrs>, a: Operand, b: Operand): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? undefined : b) : a;
  return apply(def, [asTensor(a, like), asTensor(b, like)], {});
}
