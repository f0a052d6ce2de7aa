// Elementwise math and activations. Activations get dedicated backward ops (one kernel
// each on the GPU) computed from the saved output or input, as PyTorch does.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import * as cpu from '../backend/cpu/kernels.ts';
import { defineOp, floatOnly, grid } from './define.ts';
import type { Binding, GpuRule, GradRule, NotDifferentiable, OpDef, Word } from './define.ts';
import type { Meta } from '../graph/ir.ts';
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { mul, div } from './elementwise.ts';
import { LAYOUTS, OP_CODES, overrides } from './contract.ts';

type NoAttrs = Record<string, never>;

const sameAsInput = (op: string) => (ins: Meta[]): Meta => {
  floatOnly(op, ins);
  return ins[0]!;
};

const UNARY_OP = OP_CODES.UNARY;
/** The backward ops' ACT_BWD codes (act_backward in shaders/common.wgsl). */
export const BACKWARD_OP = {
  sigmoidBackward: OP_CODES.ACT_BWD.sigmoid,
  tanhBackward: OP_CODES.ACT_BWD.tanh,
  reluBackward: OP_CODES.ACT_BWD.relu,
  leakyReluBackward: OP_CODES.ACT_BWD.leakyRelu,
};

/** One thread per element; the slope serves leakyRelu (unused by the other functions). */
function unaryGpu<A extends { alpha?: number }>(entry: 'unary' | 'backward', op: number): GpuRule<A> {
  return ({ outShape, attrs }) => {
    const n = sizeOf(outShape);
    const bind: Binding[] = entry === 'unary' ? [{ input: 0 }, 'out'] : [{ input: 0 }, { input: 1 }, 'out'];
    const words = LAYOUTS.UNARY.pack({ count: n, slope: { f: attrs.alpha ?? 0 } });
    return [{ shader: 'unary', entry, constants: overrides('unary', { OP: op }), bind, words: () => words, workgroups: grid(n) }];
  };
}

function unaryOp(name: keyof typeof UNARY_OP, f: (x: number) => number, grad: GradRule<NoAttrs> | NotDifferentiable): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    shape: sameAsInput(name),
    cpu: ({ ins: [x], out }) => cpu.unary(x!, out, f),
    gpu: unaryGpu('unary', UNARY_OP[name]),
    grad,
  });
}

/** Stable for any x: never exponentiates a large positive number. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const negDef = unaryOp('neg', (x) => -x, ({ g }) => [neg(g)]);
export const expDef = unaryOp('exp', Math.exp, ({ g, out }) => [mul(g, out)]);
export const logDef = unaryOp('log', Math.log, ({ g, inputs: [x] }) => [div(g, x!)]);
export const squareDef = unaryOp('square', (x) => x * x, ({ g, inputs: [x] }) => [mul(g, mul(x!, 2))]);
// abs: gradient sign(x), 0 at x = 0 (as PyTorch).
export const absDef = unaryOp('abs', Math.abs, ({ g, inputs: [x] }) => [mul(g, sign(x!))]);
export const sqrtDef = unaryOp('sqrt', Math.sqrt, ({ g, out }) => [div(g, mul(out, 2))]);
export const sinDef = unaryOp('sin', Math.sin, ({ g, inputs: [x] }) => [mul(g, cos(x!))]);
export const cosDef = unaryOp('cos', Math.cos, ({ g, inputs: [x] }) => [neg(mul(g, sin(x!)))]);
// sign(NaN) = 0, as PyTorch (NumPy gives NaN).
export const signDef = unaryOp('sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), {
  notDifferentiable: 'sign is piecewise constant; it serves the gradient of abs',
});

export const sigmoidDef = unaryOp('sigmoid', sigmoidScalar, ({ g, out }) => [apply(sigmoidBackwardDef, [out, g], {})]);
// Math.tanh saturates to +-1 for large |x| instead of overflowing.
export const tanhDef = unaryOp('tanh', Math.tanh, ({ g, out }) => [apply(tanhBackwardDef, [out, g], {})]);
// relu(NaN) = NaN and relu'(0) = 0, as PyTorch. The gradient is read off the output, which
// is positive (or NaN) exactly where the input is: so the pre-activation need not be kept,
// and a Linear layer before it fuses with it (src/graph/fuse.ts).
export const reluDef = unaryOp('relu', (x) => (x > 0 || Number.isNaN(x) ? x : 0), ({ g, out }) => [apply(reluBackwardDef, [out, g], {})]);

export const leakyReluDef = defineOp<{ alpha: number }>({
  name: 'leakyRelu',
  shape: (ins, { alpha }) => {
    if (!Number.isFinite(alpha)) throw new Error(`leakyRelu: negative slope must be a finite number, got ${alpha}`);
    return sameAsInput('leakyRelu')(ins);
  },
  cpu: ({ ins: [x], out, attrs: { alpha } }) => cpu.unary(x!, out, (v) => (v > 0 ? v : alpha * v)),
  gpu: unaryGpu('unary', UNARY_OP.leakyRelu),
  grad: ({ g, inputs: [x], attrs }) => [apply(leakyReluBackwardDef, [x!, g], attrs)],
});

// ---- backward ops: (saved tensor, upstream gradient) -> input gradient --------------------

const secondOrder = { notDifferentiable: 'a backward op: second-order gradients are not supported' };

function backwardShape(op: string) {
  return (ins: Meta[]): Meta => {
    floatOnly(op, ins, ['saved tensor', 'gradient']);
    if (!sameShape(ins[0]!.shape, ins[1]!.shape)) throw new Error(`${op}: saved tensor ${fmt(ins[0]!.shape)} and gradient ${fmt(ins[1]!.shape)} differ`);
    return ins[0]!;
  };
}

function backwardOp(name: keyof typeof BACKWARD_OP, f: (saved: number, g: number, alpha: number) => number): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    shape: backwardShape(name),
    cpu: ({ ins: [s, g], out }) => {
      for (let i = 0; i < out.length; i++) out[i] = f(s![i]!, g![i]!, 0);
    },
    gpu: unaryGpu('backward', BACKWARD_OP[name]),
    grad: secondOrder,
  });
}

/** The activations' backward on one element, from the saved value (shared with the fused matmul). */
export const actBackward: Record<keyof typeof BACKWARD_OP, (saved: number, g: number, alpha: number) => number> = {
  sigmoidBackward: (y, g) => g * y * (1 - y),
  tanhBackward: (y, g) => g * (1 - y * y),
  // PyTorch's threshold_backward: 0 where x <= 0, g elsewhere, so g where x is NaN.
  reluBackward: (x, g) => (x <= 0 ? 0 : g),
  leakyReluBackward: (x, g, alpha) => (x > 0 ? g : alpha * g),
};

export const sigmoidBackwardDef = backwardOp('sigmoidBackward', actBackward.sigmoidBackward);
export const tanhBackwardDef = backwardOp('tanhBackward', actBackward.tanhBackward);
export const reluBackwardDef = backwardOp('reluBackward', actBackward.reluBackward);
export const leakyReluBackwardDef = defineOp<{ alpha: number }>({
  name: 'leakyReluBackward',
  shape: backwardShape('leakyReluBackward'),
  cpu: ({ ins: [x, g], out, attrs: { alpha } }) => {
    for (let i = 0; i < out.length; i++) out[i] = actBackward.leakyReluBackward(x![i]!, g![i]!, alpha);
  },
  gpu: unaryGpu('backward', BACKWARD_OP.leakyReluBackward),
  grad: secondOrder,
});

// ---- functional API -----------------------------------------------------------------------

export const neg = (x: Tensor): Tensor => apply(negDef, [x], {});
export const exp = (x: Tensor): Tensor => apply(expDef, [x], {});
export const log = (x: Tensor): Tensor => apply(logDef, [x], {});
export const square = (x: Tensor): Tensor => apply(squareDef, [x], {});
export const abs = (x: Tensor): Tensor => apply(absDef, [x], {});
export const sqrt = (x: Tensor): Tensor => apply(sqrtDef, [x], {});
export const sin = (x: Tensor): Tensor => apply(sinDef, [x], {});
export const cos = (x: Tensor): Tensor => apply(cosDef, [x], {});
const sign = (x: Tensor): Tensor => apply(signDef, [x], {});
export const sigmoid = (x: Tensor): Tensor => apply(sigmoidDef, [x], {});
export const tanh = (x: Tensor): Tensor => apply(tanhDef, [x], {});
export const relu = (x: Tensor): Tensor => apply(reluDef, [x], {});
/** PyTorch's default negative slope is 0.01. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => apply(leakyReluDef, [x], { alpha });
