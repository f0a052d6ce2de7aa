// The unary family (shaders/unary.wgsl): the helper every unary op is made with, its GPU
// rule, and the activations' backward ops. The ops themselves, one line each, are in
// src/ops/unary-ops.ts. Activations get dedicated backward ops (one kernel each on the GPU)
// computed from the saved output or input, as PyTorch does.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import * as cpu from './kernels.ts';
import { defineOp, floatOnly, secondOrder } from './define.ts';
import type { Binding, GpuRule, GradRule, NoAttrs, NotDifferentiable, OpDef, Word } from './define.ts';
import type { Meta } from '../graph/ir.ts';
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { LAYOUTS, OP_CODES, overrides } from './contract.ts';
import { perElement, vec4Items } from './gpu.ts';
import { savedAndGradient, unary as unarySamples } from './samples.ts';
import type { Domain } from './samples.ts';


export const sameAsInput = (op: string) => (ins: Meta[]): Meta => {
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

/**
 * Vec4 items of four elements over the adapter's grid (perElement); the slope serves leakyRelu
 * (unused by the other functions). `codes` are the tables `op` comes from (a test's extended
 * copy of the contract's).
 */
export function unaryGpu<A extends { alpha?: number }>(entry: 'unary' | 'backward', op: number, codes: Parameters<typeof overrides>[2] = OP_CODES): GpuRule<A> {
  return ({ outShape, attrs, tuning }) => {
    const n = sizeOf(outShape);
    const bind: Binding[] = entry === 'unary' ? [{ input: 0 }, 'out'] : [{ input: 0 }, { input: 1 }, 'out'];
    const words = LAYOUTS.UNARY.pack({ count: n, slope: { f: attrs.alpha ?? 0 } });
    const d = perElement(tuning, 'unary', entry, vec4Items(n), bind, () => words);
    return [{ ...d, constants: { ...d.constants, ...overrides('unary', { OP: op }, codes) } }];
  };
}

/** A public function of a tensor that carries its op: the registry finds the op as `fn.op`. */
export type OpFunction<F, A> = F & { readonly op: OpDef<A> };

export function withOp<F extends (...args: never[]) => Tensor, A>(fn: F, op: OpDef<A>): OpFunction<F, A> {
  return Object.assign(fn, { op });
}

/**
 * The helper a unary op is made with, for a table of op codes (OP_CODES.UNARY; a test passes
 * an extended copy): one line makes the op, its samples (any shape, values in `domain`) and the
 * public function `(x) => Tensor` that records it, which carries the op as `.op`.
 */
export function unaryOpsFor<C extends Readonly<Record<string, number>>>(codes: C) {
  return (name: keyof C & string, f: (x: number) => number, grad: GradRule<NoAttrs> | NotDifferentiable, domain: Domain = 'any'): OpFunction<(x: Tensor) => Tensor, NoAttrs> => {
    const op = defineOp<NoAttrs>({
      name,
      shape: sameAsInput(name),
      cpu: ({ ins: [x], out }) => cpu.unary(x!, out, f),
      gpu: unaryGpu('unary', codes[name]!, { ...OP_CODES, UNARY: codes }),
      grad,
      samples: unarySamples(domain),
    });
    return withOp((x: Tensor): Tensor => apply(op, [x], {}), op);
  };
}

/** A unary op of shaders/unary.wgsl's `switch OP` (src/ops/unary-ops.ts makes them). */
export const unaryOp = unaryOpsFor(UNARY_OP);

/** Stable for any x: never exponentiates a large positive number. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// sign(NaN) = 0, as PyTorch (NumPy gives NaN). Not public: it serves the gradient of abs.
export const sign = unaryOp('sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), {
  notDifferentiable: 'sign is piecewise constant; it serves the gradient of abs',
}, 'small-int');
export const signDef = sign.op;

// ---- backward ops: (saved tensor, upstream gradient) -> input gradient --------------------


function backwardShape(op: string) {
  return (ins: Meta[]): Meta => {
    floatOnly(op, ins, ['saved tensor', 'gradient']);
    if (!sameShape(ins[0]!.shape, ins[1]!.shape)) throw new Error(`${op}: saved tensor ${fmt(ins[0]!.shape)} and gradient ${fmt(ins[1]!.shape)} differ`);
    return ins[0]!;
  };
}

/** `saved`: the domain of the saved tensor (sigmoid's and tanh's output lie in [0, 1] and [-1, 1]). */
function backwardOp(name: keyof typeof BACKWARD_OP, f: (saved: number, g: number, alpha: number) => number, saved: Domain): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    shape: backwardShape(name),
    cpu: ({ ins: [s, g], out }) => {
      for (let i = 0; i < out.length; i++) out[i] = f(s![i]!, g![i]!, 0);
    },
    gpu: unaryGpu('backward', BACKWARD_OP[name]),
    grad: secondOrder,
    samples: savedAndGradient(saved),
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

export const sigmoidBackwardDef = backwardOp('sigmoidBackward', actBackward.sigmoidBackward, 'unit');
export const tanhBackwardDef = backwardOp('tanhBackward', actBackward.tanhBackward, 'unit');
export const reluBackwardDef = backwardOp('reluBackward', actBackward.reluBackward, 'any');
export const leakyReluBackwardDef = defineOp<{ alpha: number }>({
  name: 'leakyReluBackward',
  shape: backwardShape('leakyReluBackward'),
  cpu: ({ ins: [x, g], out, attrs: { alpha } }) => {
    for (let i = 0; i < out.length; i++) out[i] = actBackward.leakyReluBackward(x![i]!, g![i]!, alpha);
  },
  gpu: unaryGpu('backward', BACKWARD_OP.leakyReluBackward),
  grad: secondOrder,
  samples: savedAndGradient('any', { alpha: 0.05 }),
});
