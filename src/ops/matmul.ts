// Matrix multiply with transpose flags, optionally batched. The flags let the gradient
// rules (and the GPU kernels later) read operands transposed instead of copying them.
import { apply } from '../runtime.ts';
import type { Tensor } from '../tensor.ts';
import { fmt } from '../shape.ts';
import * as cpu from '../backend/cpu/kernels.ts';
import { defineOp, f, floatOnly, grid } from './define.ts';
import { leakyReluBackwardDef, reluBackwardDef, sigmoidBackwardDef, sigmoidScalar, tanhBackwardDef } from './unary.ts';
import type { GpuDispatch } from './define.ts';
import type { Meta } from '../graph/ir.ts';
import type { Shape } from '../shape.ts';
import { sumTo } from './reduce.ts';

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
 * Tile shape of the WebGPU kernel (the override constants of shaders/matmul.wgsl): WG_N x WG_M
 * threads, each computing an 8 x 8 block of C, so a workgroup covers a (8 WG_M) x (8 WG_N)
 * tile, stepping K by TILE_K. Benchmarks may change these before plans are compiled;
 * WG_M * WG_N must stay within the device's 256 invocations and the two panels,
 * 8 TILE_K (WG_M + WG_N) floats, within its 16 KiB of workgroup memory.
 */
export const matmulTile = { WG_N: 8, WG_M: 8, TILE_K: 32 };
/** Outputs per thread along M and along N (the kernel's sixteen vec4 accumulators). */
const REG = 8;

const MAX_GROUPS = 65535;
/** Below this many 64x64 tiles a product uses the one-thread-per-output kernel. */
export const SMALL_TILES = 4;
/** ... and also when fewer than 1 in SPARSE_TILES of its tiles' outputs are real. */
export const SPARSE_TILES = 8;

export function matmulGpu(inShapes: Shape[], attrs: MatmulAttrs): GpuDispatch[] {
  const d = matmulDims(inShapes[0]!, inShapes[1]!, attrs);
  const t = matmulTile;
  const tileM = t.WG_M * REG;
  const tileN = t.WG_N * REG;
  // At least one group per axis: the kernel bounds-checks rows, columns and the batch, so
  // empty products dispatch a no-op instead of relying on zero-sized dispatches.
  const groups: [number, number, number] = [
    Math.max(1, Math.ceil(d.n / tileN)),
    Math.max(1, Math.ceil(d.m / tileM)),
    Math.max(1, d.batch),
  ];
  const words = (): number[] => [d.m, d.n, d.k, d.aBatched ? d.m * d.k : 0, d.bBatched ? d.k * d.n : 0, d.batch];
  const flags = { TRANS_A: attrs.transA ? 1 : 0, TRANS_B: attrs.transB ? 1 : 0 };
  // One thread per output beats staging panels in workgroup memory when there are too few
  // tiles to keep a GPU busy (the lesson nets' layers), or when most of every tile would be
  // padding (a batch of many tiny products: the XOR lab's hundred 2-2-1 nets).
  const tiles = groups[0] * groups[1] * groups[2];
  if (tiles < SMALL_TILES || d.m * d.n * d.batch * SPARSE_TILES < tiles * tileM * tileN) {
    return [{ shader: 'matmul', entry: 'matmul_small', constants: flags, bind: [{ input: 0 }, { input: 1 }, 'out'], words, workgroups: grid(d.m * d.n * d.batch) }];
  }
  if (groups.some((g) => g > MAX_GROUPS)) {
    throw new Error(`matmul: ${fmt(inShapes[0]!)} @ ${fmt(inShapes[1]!)}: needs ${groups.join('x')} workgroups of ${tileM}x${tileN}, past WebGPU's ${MAX_GROUPS} per dimension`);
  }
  return [
    {
      shader: 'matmul',
      entry: 'matmul',
      constants: { ...t, ...flags },
      bind: [{ input: 0 }, { input: 1 }, 'out'],
      words,
      workgroups: groups,
    },
  ];
}

export const matmulDef = defineOp<MatmulAttrs>({
  name: 'matmul',
  family: 'matmul',
  shape: (ins: Meta[], attrs) => {
    floatOnly('matmul', ins, ['left operand', 'right operand']);
    const d = matmulDims(ins[0]!.shape, ins[1]!.shape, attrs);
    return { shape: d.aBatched || d.bBatched ? [d.batch, d.m, d.n] : [d.m, d.n], dtype: 'float32' };
  },
  cpu: ({ ins: [a, b], inShapes: [sa, sb], out, attrs }) => {
    const d = matmulDims(sa!, sb!, attrs);
    cpu.matmul(a!, b!, out, d.batch, d.m, d.k, d.n, attrs.transA, attrs.transB, d.aBatched, d.bBatched);
  },
  // One tiled dispatch; the transpose flags pick how panels are loaded (4 pipelines).
  gpu: ({ inShapes, attrs }) => matmulGpu(inShapes, attrs),
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
export const ACT_CODE: Record<LinearActivation, number> = { none: 0, relu: 1, sigmoid: 2, tanh: 3, leakyRelu: 4 };

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
 * One kernel (the matmul with an epilogue) where matmul, biasAdd and the activation take
 * three; nn.Sequential uses it for a Linear followed by an activation.
 */
export const linearDef = defineOp<LinearAttrs>({
  name: 'linear',
  family: 'matmul',
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
  gpu: ({ inShapes, attrs }) => {
    const [mm] = matmulGpu([inShapes[0]!, inShapes[1]!], { transA: false, transB: true });
    return [
      {
        ...mm!,
        entry: mm!.entry === 'matmul_small' ? 'linear_small' : 'linear',
        constants: { ...mm!.constants, ACT: ACT_CODE[attrs.act] },
        bind: [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'],
        words: (s) => [...mm!.words(s), f(attrs.alpha)],
      },
    ];
  },
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
