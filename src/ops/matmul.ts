// Matrix multiply with transpose flags, optionally batched. The flags let the gradient
// rules (and the GPU kernels later) read operands transposed instead of copying them.
import { apply } from '../runtime.ts';
import type { Tensor } from '../tensor.ts';
import { fmt } from '../shape.ts';
import * as cpu from '../backend/cpu/kernels.ts';
import { defineOp, floatOnly } from './define.ts';
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
  // C = op(A) op(B). Each gradient is one more matmul with flags chosen so nothing is
  // transposed explicitly; a 2-D operand shared across a batch sums its batch gradients.
  grad: ({ g, inputs: [a, b], attrs: { transA, transB } }) => {
    const ga = transA ? matmul(b!, g, { transA: transB, transB: true }) : matmul(g, b!, { transB: !transB });
    const gb = transB ? matmul(g, a!, { transA: true, transB: transA }) : matmul(a!, g, { transA: !transA });
    return [sumTo(ga, a!.shape), sumTo(gb, b!.shape)];
  },
});

export function matmul(a: Tensor, b: Tensor, opts: Partial<MatmulAttrs> = {}): Tensor {
  return apply(matmulDef, [a, b], { transA: opts.transA ?? false, transB: opts.transB ?? false });
}
