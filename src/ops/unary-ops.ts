// The unary ops: elementwise math and activations, each one definition. Every export here
// is a public function of a tensor that carries its op (`exp.op`): src/ops/api.ts exports this
// module whole, so each is exported by the package and is a Tensor method (`x.exp()`), and
// src/ops/registry.ts finds the op on it. A new unary op is one line here, its name in
// OP_CODES.UNARY (src/ops/contract.ts) and its `case` in shaders/unary.wgsl (README, "Adding
// an op"): its tests derive from the registry. Nothing that is not public belongs here.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import * as cpu from './kernels.ts';
import { defineOp } from './define.ts';
import { mul, div } from './elementwise.ts';
import { OP_CODES } from './contract.ts';
import { unary } from './samples.ts';
import {
  leakyReluBackwardDef,
  reluBackwardDef,
  sameAsInput,
  sigmoidBackwardDef,
  sigmoidScalar,
  sign,
  tanhBackwardDef,
  unaryGpu,
  unaryOp,
  withOp,
} from './unary.ts';

export const neg = unaryOp('neg', (x) => -x, ({ g }) => [neg(g)]);
export const exp = unaryOp('exp', Math.exp, ({ g, out }) => [mul(g, out)]);
export const log = unaryOp('log', Math.log, ({ g, inputs: [x] }) => [div(g, x!)], 'positive');
export const square = unaryOp('square', (x) => x * x, ({ g, inputs: [x] }) => [mul(g, mul(x!, 2))]);
// abs: gradient sign(x), 0 at x = 0 (as PyTorch).
export const abs = unaryOp('abs', Math.abs, ({ g, inputs: [x] }) => [mul(g, sign(x!))]);
export const sqrt = unaryOp('sqrt', Math.sqrt, ({ g, out }) => [div(g, mul(out, 2))], 'positive');
export const sin = unaryOp('sin', Math.sin, ({ g, inputs: [x] }) => [mul(g, cos(x!))]);
export const cos = unaryOp('cos', Math.cos, ({ g, inputs: [x] }) => [neg(mul(g, sin(x!)))]);

export const sigmoid = unaryOp('sigmoid', sigmoidScalar, ({ g, out }) => [apply(sigmoidBackwardDef, [out, g], {})]);
// Math.tanh saturates to +-1 for large |x| instead of overflowing.
export const tanh = unaryOp('tanh', Math.tanh, ({ g, out }) => [apply(tanhBackwardDef, [out, g], {})]);
// relu(NaN) = NaN and relu'(0) = 0, as PyTorch. The gradient is read off the output, which
// is positive (or NaN) exactly where the input is: so the pre-activation need not be kept,
// and a Linear layer before it fuses with it (src/passes/fuse.ts).
export const relu = unaryOp('relu', (x) => (x > 0 || Number.isNaN(x) ? x : 0), ({ g, out }) => [apply(reluBackwardDef, [out, g], {})]);

const leakyReluDef = defineOp<{ alpha: number }>({
  name: 'leakyRelu',
  shape: (ins, { alpha }) => {
    if (!Number.isFinite(alpha)) throw new Error(`leakyRelu: negative slope must be a finite number, got ${alpha}`);
    return sameAsInput('leakyRelu')(ins);
  },
  cpu: ({ ins: [x], out, attrs: { alpha } }) => cpu.unary(x!, out, (v) => (v > 0 ? v : alpha * v)),
  gpu: unaryGpu('unary', OP_CODES.UNARY.leakyRelu),
  grad: ({ g, inputs: [x], attrs }) => [apply(leakyReluBackwardDef, [x!, g], attrs)],
  samples: unary('any', { alpha: 0.05 }, { about: 'alpha 0.05' }),
});
/** PyTorch's default negative slope is 0.01. */
export const leakyRelu = withOp((x: Tensor, alpha = 0.01): Tensor => apply(leakyReluDef, [x], { alpha }), leakyReluDef);
