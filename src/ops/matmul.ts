// Matrix multiply with transpose flags, optionally batched. The flags let the gradient
// rules and the kernels read operands transposed instead of copying them. Which WebGPU
// kernel runs for a shape is chooseMatmul's decision (matmul-choice.ts).
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { fmt } from '../shape.ts';
import * as cpu from './kernels.ts';
import { MAX_GROUPS, defineOp, elementwiseTuning, f, floatOnly, strideGrid } from './define.ts';
import { leakyReluBackwardDef, reluBackwardDef, sigmoidBackwardDef, sigmoidScalar, tanhBackwardDef } from './unary.ts';
import { call, f32, last, matrix, productWork, rightOf, transposed } from './samples.ts';
import type { OpSamples } from './samples.ts';
import type { Binding, GpuDispatch } from './define.ts';
import { chooseMatmul } from './matmul-choice.ts';
import type { Tuning } from './define.ts';
import type { Meta } from '../graph/ir.ts';
import type { Shape } from '../shape.ts';
import { sumTo } from './reduce.ts';
import { LAYOUTS, OP_CODES, overrides } from './contract.ts';
import type { Packed } from './contract.ts';

export interface MatmulAttrs {
  transA: boolean;
  transB: boolean;
}

interface Dims {
  batch: number;
  m: number;
  k: number;
  n: number;
  aBatched: boolean;
  bBatched: boolean;
}

/** [M,K] @ [K,N], [B,M,K] @ [B,K,N]; a 2-D operand is shared across the batch. */
export function matmulDims(a: Shape, b: Shape, { transA, transB }: MatmulAttrs): Dims {
  const show = (): string => `${fmt(a)}${transA ? 'ᵀ' : ''} @ ${fmt(b)}${transB ? 'ᵀ' : ''}`;
  if (a.length < 2 || a.length > 3 || b.length < 2 || b.length > 3) {
    throw new Error(`matmul: ${show()}: operands must be 2-D matrices or 3-D batches of matrices`);
  }
  const aBatched = a.length === 3;
  const bBatched = b.length === 3;
  if (aBatched && bBatched && a[0] !== b[0]) throw new Error(`matmul: ${show()}: batch sizes ${a[0]} and ${b[0]} differ`);
  const batch = aBatched ? a[0]! : bBatched ? b[0]! : 1;
  const ar = a.slice(-2);
  const br = b.slice(-2);
  const [m, ka] = transA ? [ar[1]!, ar[0]!] : [ar[0]!, ar[1]!];
  const [kb, n] = transB ? [br[1]!, br[0]!] : [br[0]!, br[1]!];
  if (ka !== kb) throw new Error(`matmul: ${show()}: inner dimensions ${ka} and ${kb} differ`);
  return { batch, m, k: ka, n, aBatched, bBatched };
}

/**
 * What a product kernel does with its result (the fused entry points of shaders/matmul.wgsl):
 * store it; add a bias [N] and apply an activation (linear; `pre` also stores the sum);
 * apply an activation's backward with saved values [batch, M, N] (input 2); or, as a
 * layer's weight gradient, also store the row sums of op(A) (a ones column of B).
 */
export type Epilogue =
  | { kind: 'none' }
  | { kind: 'linear'; act: number; alpha: number; pre: boolean }
  | { kind: 'actBackward'; code: number; alpha: number }
  | { kind: 'colsum' };

/** The epilogue's selector, an override that matmul.wgsl, matmul_reg.wgsl and matmul_sum.wgsl declare. */
type EpilogueCode = { ACT?: number; ACT_BWD?: number };

/**
 * Entry points per epilogue: the tiled kernel, one thread per output and split-K's second
 * pass; the register kernel's (matmul_reg.wgsl) are regEntry's.
 */
function entries(e: Epilogue): { tiled: string; small: string; sum: string; bind: Binding[]; sumBind: Binding[]; constants: EpilogueCode } {
  switch (e.kind) {
    case 'none':
      return { tiled: 'matmul', small: 'matmul_small', sum: 'sum_matmul', bind: [{ input: 0 }, { input: 1 }, 'out'], sumBind: ['out'], constants: {} };
    case 'linear': {
      const extra: Binding[] = e.pre ? [{ out: 1 }] : [];
      const pre = e.pre ? '_pre' : '';
      return {
        tiled: `linear${pre}`,
        small: `linear${pre}_small`,
        sum: `sum_linear${pre}`,
        bind: [{ input: 0 }, { input: 1 }, { input: 2 }, 'out', ...extra],
        sumBind: [{ input: 2 }, 'out', ...extra],
        constants: { ACT: e.act },
      };
    }
    case 'actBackward':
      return {
        tiled: 'matmul_act_backward',
        small: 'matmul_act_backward_small',
        sum: 'sum_act_backward',
        bind: [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'],
        sumBind: [{ input: 2 }, 'out'],
        constants: { ACT_BWD: e.code },
      };
    case 'colsum':
      return { tiled: 'matmul_colsum', small: 'matmul_colsum_small', sum: 'sum_colsum', bind: [{ input: 0 }, { input: 1 }, 'out', { out: 1 }], sumBind: ['out', { out: 1 }], constants: {} };
  }
}

/** matmul_reg.wgsl's (suffix 'reg') or matmul_quad.wgsl's ('quad') entry for a tiled entry: matmul -> matmul_reg, linear_pre -> linear_pre_reg, ... */
function regEntry(tiled: string, suffix = 'reg'): string {
  return tiled.startsWith('matmul') ? tiled.replace(/^matmul/, `matmul_${suffix}`) : `${tiled}_${suffix}`;
}

/** Why workgroups past WebGPU's per-dimension limit cannot run, or null. */
function groupsProblem(groups: readonly number[]): string | null {
  return groups.some((g) => g > MAX_GROUPS) ? `needs ${groups.join('x')} workgroups, past WebGPU's ${MAX_GROUPS} per dimension` : null;
}

/** The overrides of a shape-specialised product pipeline: the sizes of its parameter block. */
function shapeConstants(s: { m: number; n: number; k: number; aBatchStride: number; bBatchStride: number; batch: number }, kChunk: number): Record<string, number> {
  return overrides('matmul', {
    SHAPED: 1,
    DIM_M: s.m,
    DIM_N: s.n,
    DIM_K: s.k,
    DIM_K_CHUNK: kChunk,
    DIM_A_BATCH_STRIDE: s.aBatchStride,
    DIM_B_BATCH_STRIDE: s.bBatchStride,
    DIM_BATCH: s.batch,
  });
}

/**
 * The dispatches of op(A) @ op(B) with an epilogue: the kernel chooseMatmul picks for the
 * shape under the adapter's tuning table, as one dispatch, or two for split-K (the partial
 * products into scratch, then their sum with the epilogue).
 */
export function productDispatches(a: Shape, b: Shape, attrs: MatmulAttrs, epilogue: Epilogue, tuning: Tuning): GpuDispatch[] {
  const d = matmulDims(a, b, attrs);
  const onesCol = epilogue.kind === 'colsum';
  const choice = chooseMatmul({ ...d, ...attrs, onesCol }, tuning);
  const alpha = epilogue.kind === 'linear' || epilogue.kind === 'actBackward' ? epilogue.alpha : 0;
  // Every blocked kernel splits K (the register and quad kernels' chunks are multiples of 4).
  const kChunk = choice.kernel === 'small' ? d.k : choice.kChunk;
  const e = entries(epilogue);
  const sizes = { m: d.m, n: d.n, k: d.k, aBatchStride: d.aBatched ? d.m * d.k : 0, bBatchStride: d.bBatched ? d.k * d.n : 0, batch: d.batch };
  const block = LAYOUTS.MATMUL.pack({ ...sizes, slope: f(alpha), kChunk, act: e.constants.ACT ?? e.constants.ACT_BWD ?? 0 });
  const words = (): Packed => block;
  // Multiply-adds of the product (the engine panel's FLOP count).
  const flops = 2 * d.batch * d.m * d.n * d.k;
  const flags = { TRANS_A: attrs.transA ? 1 : 0, TRANS_B: attrs.transB ? 1 : 0 };
  // The one-output-a-thread kernels and split-K's sums loop over the outputs (with the ones
  // column's row sums) on the adapter's per-element grid, as elementwise work is spread.
  const cols = d.n + (onesCol ? 1 : 0);
  const outputs = onesCol ? d.m * cols : d.m * d.n * d.batch;
  const perOutput = elementwiseTuning(tuning);
  if (choice.kernel === 'small') {
    // The epilogue's code is a parameter word here, not an override: one pipeline serves every
    // activation, so a page that trains nets with four activations compiles one small linear
    // kernel, not four (each is a compile on a page's first step; these kernels are the
    // lessons' layers). The tiled and register kernels keep it an override (folded at compile).
    return [{ family: 'matmul', kernel: e.small, constants: overrides('matmul', { ...flags, WG: perOutput.wg }), bind: e.bind, words, workgroups: strideGrid(outputs, perOutput), flops }];
  }
  const problem = groupsProblem(choice.groups);
  const what =
    choice.kernel === 'tiled'
      ? `tiles of ${choice.tile.wgM * choice.tile.reg}x${choice.tile.wgN * choice.tile.reg}`
      : choice.kernel === 'register'
        ? `${choice.reg.threads} blocks of ${choice.reg.rows}x${choice.reg.cols}`
        : `${choice.quad.threads / 4} quad blocks of ${choice.quad.rows}x${16 * choice.quad.cols}`;
  if (problem) throw new Error(`matmul: ${fmt(a)} @ ${fmt(b)}: ${problem} of ${what}`);
  const loads = {
    ...flags,
    VEC_A: choice.vecA ? 1 : 0,
    VEC_B: choice.vecB ? 1 : 0,
    CHECK: choice.check ? 1 : 0,
    ...(onesCol ? { ONES_COL: 1 } : {}),
  };
  // A class the tuner found faster with shape-specialised pipelines: the parameter block's
  // sizes again, as the constants common.wgsl's mm_m() .. read (the plan compiler adds them
  // while the plan's ShapedBudget lasts). The quad kernel has none.
  const shaped = choice.kernel !== 'quad' && choice.shaped ? shapeConstants(sizes, kChunk) : undefined;
  // The product's pass: the tiled kernel (matmul.wgsl), the register one (matmul_reg.wgsl) or the quad one (matmul_quad.wgsl).
  const pass = (tiledEntry: string, more: { SPLIT_K?: number; ACT?: number; ACT_BWD?: number }, bind: Binding[]): GpuDispatch => {
    if (choice.kernel === 'quad') {
      const constants = overrides('matmul_quad', { ...loads, ...more, WG: choice.quad.threads, QUAD_ROWS: choice.quad.rows, QUAD_COLS: choice.quad.cols });
      return { family: 'matmul_quad', kernel: regEntry(tiledEntry, 'quad'), constants, bind, words, workgroups: choice.groups, flops };
    }
    if (choice.kernel === 'register') {
      const constants = overrides('matmul_reg', { ...loads, ...more, WG: choice.reg.threads, REG: choice.reg.rows, REG_N: choice.reg.cols });
      return { family: 'matmul_reg', kernel: regEntry(tiledEntry), constants, ...(shaped ? { shaped } : {}), bind, words, workgroups: choice.groups, flops };
    }
    const t = choice.tile;
    const constants = overrides('matmul', { ...loads, ...more, WG_M: t.wgM, WG_N: t.wgN, REG: t.reg, TILE_K: t.tileK });
    return { family: 'matmul', kernel: tiledEntry, constants, ...(shaped ? { shaped } : {}), bind, words, workgroups: choice.groups, flops };
  };
  if (choice.splits === 1) return [pass(e.tiled, e.constants, e.bind)];
  const partials: Binding = { scratch: 0, size: d.batch * choice.splits * d.m * cols };
  return [
    pass('matmul_partial', { SPLIT_K: choice.splits }, [{ input: 0 }, { input: 1 }, { ...partials, write: true }]),
    {
      family: 'matmul_sum',
      kernel: e.sum,
      constants: overrides('matmul_sum', { SPLIT_K: choice.splits, ...e.constants, WG: perOutput.wg }),
      bind: [partials, ...e.sumBind],
      words,
      workgroups: strideGrid(outputs, perOutput),
      flops: partials.size,
    },
  ];
}

export const matmulDef = defineOp<MatmulAttrs>({
  name: 'matmul',
  samples: {
    roles: ['A [M,K]', 'B [K,N]'],
    shapesFrom: (s) => [[matrix(s), rightOf(matrix(s))]],
    // As typed, then with either operand stored transposed (transA, transB).
    calls: ([a, b]) =>
      [false, true].flatMap((transA) =>
        [false, true].map((transB) =>
          call([f32(transA ? transposed(a!) : a!), f32(transB ? transposed(b!) : b!)], { transA, transB }, transA || transB ? `tA=${transA} tB=${transB}` : undefined),
        ),
      ),
    defaults: [[64, 64], [64, 64]],
    about: 'A @ B, no transposes; leading dimensions are batches',
    cpuWork: productWork,
  },
  shape: (ins: Meta[], attrs) => {
    floatOnly('matmul', ins, ['left operand', 'right operand']);
    const d = matmulDims(ins[0]!.shape, ins[1]!.shape, attrs);
    return { shape: d.aBatched || d.bBatched ? [d.batch, d.m, d.n] : [d.m, d.n], dtype: 'float32' };
  },
  cpu: ({ ins: [a, b], inShapes: [sa, sb], out, attrs }) => {
    const d = matmulDims(sa!, sb!, attrs);
    cpu.matmul(a!, b!, out, d.batch, d.m, d.k, d.n, attrs.transA, attrs.transB, d.aBatched, d.bBatched);
  },
  // The transpose flags pick how panels are loaded; the shape picks the kernel.
  gpu: ({ inShapes, attrs, tuning }) => productDispatches(inShapes[0]!, inShapes[1]!, attrs, { kind: 'none' }, tuning),
  // C = op(A) op(B). Each gradient is one more matmul with flags chosen so nothing is
  // transposed explicitly; a 2-D operand shared across a batch sums its batch gradients.
  grad: ({ g, inputs: [a, b], attrs: { transA, transB }, needsGrad: [needA, needB] }) => {
    const ga = !needA ? null : transA ? matmul(b!, g, { transA: transB, transB: true }) : matmul(g, b!, { transB: !transB });
    const gb = !needB ? null : transB ? matmul(g, a!, { transA: true, transB: transA }) : matmul(a!, g, { transA: !transA });
    return [ga && sumTo(ga, a!.shape), gb && sumTo(gb, b!.shape)];
  },
});

export type LinearActivation = 'none' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu';
export interface LinearAttrs {
  act: LinearActivation;
  /** The leaky ReLU's slope (0 otherwise); must be >= 0 so the gradient can be read off the output. */
  alpha: number;
}
/** act_forward's codes (shaders/common.wgsl). */
export const ACT_CODE: Readonly<Record<LinearActivation, number>> = OP_CODES.ACT;

export function activation(act: LinearActivation, alpha: number): (z: number) => number {
  switch (act) {
    case 'relu':
      // relu(NaN) = NaN, as the relu op and PyTorch.
      return (z) => (z > 0 || Number.isNaN(z) ? z : 0);
    case 'sigmoid':
      return sigmoidScalar;
    case 'tanh':
      return Math.tanh;
    case 'leakyRelu':
      return (z) => (z > 0 ? z : alpha * z);
    default:
      return (z) => z;
  }
}

/**
 * A fused linear layer: act(x W^T + b), with x [N, in] or [B, N, in], W [out, in], b [out].
 * One kernel (the matmul with an epilogue) where matmul, the bias add and the activation take
 * three; nn.Sequential uses it for a Linear followed by an activation.
 */
/**
 * A fused layer's samples: x [.., K] and W [N, K] typed, the bias [N] made, each activation
 * (the first is the workbench's); N is half of K, at most 17.
 */
export function linearSamples(acts: LinearActivation[], about: string): OpSamples<LinearAttrs> {
  return {
    roles: ['x [M,K]', 'W [N,K]'],
    shapesFrom: (s) => [[matrix(s), [Math.min(17, Math.ceil(last(s) / 2)), last(s)]]],
    calls: ([x, w]) => acts.map((act, i) => call([f32(x!), f32(w!), f32([w![0]!])], { act, alpha: act === 'leakyRelu' ? 0.05 : 0 }, i === 0 ? undefined : act)),
    defaults: [[64, 64], [64, 64]],
    about,
    cpuWork: ([x, w]) => productWork([x!, [...w!].reverse()]),
  };
}

export const linearDef = defineOp<LinearAttrs>({
  name: 'linear',
  samples: linearSamples(['relu', 'none', 'sigmoid', 'tanh', 'leakyRelu'], 'relu(x Wᵀ + b), b [N] drawn too: the fused layer'),
  shape: (ins, { act, alpha }) => {
    floatOnly('linear', ins, ['input', 'weight', 'bias']);
    const [x, w, b] = ins as [Meta, Meta, Meta];
    if (!(act in ACT_CODE)) throw new Error(`linear: unknown activation '${String(act)}'`);
    if (!(alpha >= 0 && Number.isFinite(alpha))) throw new Error(`linear: the fused leaky ReLU needs a finite slope >= 0, got ${alpha}`);
    if (w.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== w.shape[0]) {
      throw new Error(`linear: weight ${fmt(w.shape)} and bias ${fmt(b.shape)} must be [out, in] and [out]`);
    }
    const d = matmulDims(x.shape, w.shape, { transA: false, transB: true });
    return { shape: x.shape.length === 3 ? [d.batch, d.m, d.n] : [d.m, d.n], dtype: 'float32' };
  },
  cpu: ({ ins: [x, w, b], inShapes: [sx, sw], out, attrs }) => {
    const d = matmulDims(sx!, sw!, { transA: false, transB: true });
    cpu.matmul(x!, w!, out, d.batch, d.m, d.k, d.n, false, true, d.aBatched, false);
    const f = activation(attrs.act, attrs.alpha);
    // Round the biased sum to the output's precision before the activation, as the
    // separate matmul, add and activation ops would (-2e38 - 3e38 is -Infinity in float32).
    const round = out instanceof Float32Array ? Math.fround : (v: number) => v;
    for (let i = 0; i < out.length; i++) out[i] = f(round(out[i]! + b![i % d.n]!));
  },
  gpu: ({ inShapes, attrs, tuning }) =>
    productDispatches(inShapes[0]!, inShapes[1]!, { transA: false, transB: true }, { kind: 'linear', act: ACT_CODE[attrs.act], alpha: attrs.alpha, pre: false }, tuning),
  // The activation's gradient is read off the output (so no pre-activation is kept):
  // relu and a leaky ReLU with slope >= 0 are positive exactly where their input is.
  grad: ({ g, inputs: [x, w, b], out, attrs, needsGrad: [needX, needW, needB] }) => {
    const gz =
      attrs.act === 'relu'
        ? apply(reluBackwardDef, [out, g], {})
        : attrs.act === 'leakyRelu'
          ? apply(leakyReluBackwardDef, [out, g], { alpha: attrs.alpha })
          : attrs.act === 'sigmoid'
            ? apply(sigmoidBackwardDef, [out, g], {})
            : attrs.act === 'tanh'
              ? apply(tanhBackwardDef, [out, g], {})
              : g;
    // The input's gradient (one of the step's three large products) only when it is wanted:
    // a network's input batch needs none.
    return [needX ? matmul(gz, w!) : null, needW ? sumTo(matmul(gz, x!, { transA: true }), w!.shape) : null, needB ? sumTo(gz, b!.shape) : null];
  },
});

export function linear(x: Tensor, weight: Tensor, bias: Tensor, act: LinearActivation = 'none', alpha = 0): Tensor {
  return apply(linearDef, [x, weight, bias], { act, alpha });
}

export function matmul(a: Tensor, b: Tensor, opts: Partial<MatmulAttrs> = {}): Tensor {
  return apply(matmulDef, [a, b], { transA: opts.transA ?? false, transB: opts.transB ?? false });
}
