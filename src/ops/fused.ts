// Fused kernels: one dispatch where a training step would spend two or three. Nothing in
// the API records them; the plan's fusion pass (src/passes/fuse.ts) puts them in place of
// the patterns it recognizes, whatever code built the graph. Each one computes exactly
// what the ops it replaces compute, on the CPU bit for bit (the same kernels, in the same
// order), so fusing never changes a CPU result.
import type { Meta } from '../graph/ir.ts';
import { fmt, sameShape } from '../shape.ts';
import * as cpu from './kernels.ts';
import { defineOp, f, floatOnly } from './define.ts';
import type { NoAttrs } from './define.ts';
import { ACT_CODE, activation, linearDef, matmulDef, productDispatches } from './matmul.ts';
import type { LinearAttrs, MatmulAttrs } from './matmul.ts';
import { BACKWARD_OP, actBackward } from './unary.ts';
import { reduceFlags } from './reduce.ts';
import { softmaxCrossEntropyBackwardDef, softmaxCrossEntropyDef, xentLossGpu } from './loss.ts';
import { linearSamples } from './matmul.ts';
import { call, f32, last, logitsAndLabels, matrix, noSamples, productWork, rightOf, transposed } from './samples.ts';

const planOnly = { notDifferentiable: 'a fused kernel of the plan, put in place of ops that have their own gradients' };

/**
 * linear with an activation that also stores the pre-activation (extra output 1): for a
 * forward written by hand, act(linear(x, W, b)), whose code may still read the linear
 * layer's result. One dispatch either way.
 */
export const linearPreDef = defineOp<LinearAttrs>({
  name: 'linearPre',
  samples: linearSamples(['relu', 'sigmoid', 'tanh', 'leakyRelu'], 'relu(x Wᵀ + b) and the pre-activation x Wᵀ + b, both compared'),
  shape: (ins, attrs) => linearDef.shape(ins, attrs),
  extraOutputs: (ins, attrs) => [linearDef.shape(ins, attrs)],
  cpu: (args) => {
    linearDef.cpu({ ...args, attrs: { act: 'none', alpha: 0 } });
    const { out, extraOuts, attrs } = args;
    const z = extraOuts![0]!;
    const act = activation(attrs.act, attrs.alpha);
    for (let i = 0; i < out.length; i++) {
      z[i] = out[i]!;
      out[i] = act(z[i]!);
    }
  },
  gpu: ({ inShapes, attrs, tuning }) =>
    productDispatches(inShapes[0]!, inShapes[1]!, { transA: false, transB: true }, { kind: 'linear', act: ACT_CODE[attrs.act], alpha: attrs.alpha, pre: true }, tuning),
  grad: planOnly,
});

export type ActBackward = keyof typeof BACKWARD_OP;

export interface MatmulActBackwardAttrs extends MatmulAttrs {
  act: ActBackward;
  /** The leaky ReLU's slope (0 otherwise). */
  alpha: number;
}

/**
 * act'(saved, op(A) @ op(B)): the gradient flowing into a layer below an activation, where
 * the product (g @ W of the layer above) and the activation's backward would be two ops.
 * Inputs: A, B, the activation's saved value (its output, for these four).
 */
export const matmulActBackwardDef = defineOp<MatmulActBackwardAttrs>({
  name: 'matmulActBackward',
  samples: {
    roles: ['g [M,K]', 'W [K,N]'],
    shapesFrom: (s) => [[matrix(s), rightOf(matrix(s))]],
    // Each activation's backward, at a saved output [M, N] in its range; ReLU's with either operand stored transposed.
    calls: ([g, w]) => {
      const out = [...g!.slice(0, -2), g!.at(-2)!, last(w!)];
      const saved = { reluBackward: 'any', sigmoidBackward: 'unit', tanhBackward: 'unit', leakyReluBackward: 'any' } as const;
      const made = (act: keyof typeof saved, transA: boolean, transB: boolean, variant?: string) =>
        call([f32(transA ? transposed(g!) : g!), f32(transB ? transposed(w!) : w!), f32(out, saved[act])], { transA, transB, act, alpha: act === 'leakyReluBackward' ? 0.05 : 0 }, variant);
      return [
        made('reluBackward', false, false),
        made('sigmoidBackward', false, false, 'sigmoidBackward'),
        made('tanhBackward', false, false, 'tanhBackward'),
        made('leakyReluBackward', false, false, 'leakyReluBackward'),
        made('reluBackward', true, false, 'tA'),
        made('reluBackward', false, true, 'tB'),
      ];
    },
    defaults: [[64, 64], [64, 64]],
    about: "(g @ W) times ReLU's derivative at a saved output [M,N], drawn too",
    cpuWork: productWork,
  },
  shape: (ins, attrs) => {
    floatOnly('matmulActBackward', ins, ['left operand', 'right operand', 'saved activation']);
    if (!(attrs.act in BACKWARD_OP)) throw new Error(`matmulActBackward: unknown activation backward '${String(attrs.act)}'`);
    const out = matmulDef.shape(ins.slice(0, 2), attrs);
    if (!sameShape(out.shape, ins[2]!.shape)) {
      throw new Error(`matmulActBackward: saved activation ${fmt(ins[2]!.shape)} does not match the product ${fmt(out.shape)}`);
    }
    return out;
  },
  cpu: (args) => {
    matmulDef.cpu(args);
    const { ins, out, attrs } = args;
    const saved = ins[2]!;
    const back = actBackward[attrs.act];
    for (let i = 0; i < out.length; i++) out[i] = back(saved[i]!, out[i]!, attrs.alpha);
  },
  gpu: ({ inShapes, attrs, tuning }) =>
    productDispatches(inShapes[0]!, inShapes[1]!, { transA: attrs.transA, transB: attrs.transB }, { kind: 'actBackward', code: BACKWARD_OP[attrs.act], alpha: attrs.alpha }, tuning),
  grad: planOnly,
});

/**
 * A Linear layer's parameter gradients from its output gradient g [N, out] and input x
 * [N, in]: gᵀx [out, in] (the weight's) and, as extra output 1, the column sums of g [out]
 * (the bias's): one pass over g instead of a product and a strided column sum.
 */
export const linearParamGradDef = defineOp<NoAttrs>({
  name: 'linearParamGrad',
  samples: {
    roles: ['g [B,N]', 'x [B,K]'],
    // A batch of rows: the base's leading dimensions flattened; x one column wider than g.
    shapesFrom: (s) => {
      const b = s.slice(0, -1).reduce((p, d) => p * d, 1);
      return [[[b, last(s)], [b, last(s) + 1]]];
    },
    calls: ([g, x]) => [call([f32(g!), f32(x!)], {})],
    defaults: [[64, 64], [64, 64]],
    about: "a layer's weight gradient gᵀx [N,K] and bias gradient (column sums of g), one kernel",
    cpuWork: ([g, x]) => (g![0] ?? 1) * last(g!) * last(x!),
  },
  shape: (ins) => {
    floatOnly('linearParamGrad', ins, ['output gradient', 'input']);
    const [g, x] = ins as [Meta, Meta];
    if (g.shape.length !== 2 || x.shape.length !== 2) throw new Error(`linearParamGrad: gradient ${fmt(g.shape)} and input ${fmt(x.shape)} must be 2-D`);
    return matmulDef.shape(ins, { transA: true, transB: false });
  },
  extraOutputs: ([g]) => [{ shape: [g!.shape[1]!], dtype: 'float32' }],
  cpu: (args) => {
    matmulDef.cpu({ ...args, attrs: { transA: true, transB: false } });
    const [g] = args.ins;
    const shape = args.inShapes[0]!;
    cpu.reduceSum(g!, shape, reduceFlags(shape, [0]), args.extraOuts![0]!);
  },
  // The product with one more column of B, all ones: column N of the result is the row sums.
  gpu: ({ inShapes: [gs, xs], tuning }) => productDispatches(gs!, xs!, { transA: true, transB: false }, { kind: 'colsum' }, tuning),
  grad: planOnly,
});

/**
 * Softmax cross-entropy's gradient and, as extra output 1, the loss: one pass over the
 * logits when a step needs both. Inputs: logits [N, C], labels [N], the loss's gradient.
 * Rows in chunks, as the loss alone (xentLossGpu): one workgroup for a small batch.
 */
export const softmaxCrossEntropyFusedDef = defineOp<NoAttrs>({
  name: 'softmaxCrossEntropyFused',
  samples: logitsAndLabels(true, 'cross-entropy and its gradient in one pass; labels [N] in [0, C) and the loss gradient [] drawn too'),
  nondiff: [1],
  shape: (ins, attrs) => softmaxCrossEntropyBackwardDef.shape(ins, attrs),
  extraOutputs: () => [{ shape: [], dtype: 'float32' }],
  cpu: (args) => {
    softmaxCrossEntropyBackwardDef.cpu(args);
    softmaxCrossEntropyDef.cpu({ ...args, ins: args.ins.slice(0, 2), out: args.extraOuts![0]!, outShape: [] });
  },
  gpu: ({ inShapes: [s] }) => xentLossGpu(s![0]!, s![1]!, 'xent_fused', [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'], { out: 1 }),
  grad: planOnly,
});

/**
 * Stands for extra output k of a multi-output op (src/engine/recorder.ts applyMulti): never a step
 * of its own, its value comes from the op's kernel (the fusion pass groups them). Named
 * `...Op`, not `...Def`, because it is plumbing, not an op a program records: the registry
 * (registry.ts) collects the `...Def` exports.
 */
export const extraOutputOp = defineOp<{ index: number }>({
  name: 'extraOutput',
  samples: noSamples('not an op of the registry: it stands for an output of another op'),
  shape: () => {
    throw new Error('extraOutput: recorded only by applyMulti');
  },
  cpu: () => {
    throw new Error('extraOutput: computed by the kernel of the op it belongs to, never alone');
  },
  gpu: () => {
    throw new Error('extraOutput: computed by the kernel of the op it belongs to, never alone');
  },
  grad: { notDifferentiable: 'stands for an output of another op' },
});
