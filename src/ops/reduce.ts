// Reductions (sum, mean, argmax), broadcasting (broadcastTo) and the bias add of a
// linear layer. broadcastTo and sum are each other's gradients.
import { apply } from '../runtime.ts';
import type { Tensor } from '../tensor.ts';
import { broadcastShapes, fmt, normAxis, sameShape, sizeOf } from '../shape.ts';
import type { Shape } from '../shape.ts';
import * as cpu from '../backend/cpu/kernels.ts';
import { defineOp, floatOnly, grid } from './define.ts';
import type { GpuDispatch, GpuRule } from './define.ts';
import { MAX_DIMS, perElement, stridedWords } from './gpu.ts';
import type { Meta } from '../graph/ir.ts';
import { reshape } from './layout.ts';

interface ReduceAttrs {
  /** Axes reduced, normalized and sorted; all axes when the op was called without one. */
  axes: number[];
  keepdim: boolean;
}

function reduceShape(op: string) {
  return ([x]: Meta[], { axes, keepdim }: ReduceAttrs): Meta => {
    if (op === 'mean') floatOnly('mean', [x!]);
    const out = keepdim ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x!.shape.filter((_, i) => !axes.includes(i));
    return { shape: out, dtype: x!.dtype };
  };
}

export function reduceFlags(shape: Shape, axes: number[]): boolean[] {
  return shape.map((_, i) => axes.includes(i));
}

/**
 * The parameter block of shaders/reduce.wgsl's reduce_sum: [outputs, reduced count, kept dims
 * (ndim, dims x6, strides x6), reduced dims (the same), divisor]. Adjacent dims of the same
 * kind merge (the input is row-major) and size-1 dims drop, so most reductions need 1-2 dims.
 */
/** Reductions of at most this many elements per output run one thread per output. */
const SHORT_REDUCTION = 64;

function reduceGpu(op: string, mean: boolean): GpuRule<ReduceAttrs> {
  return ({ inShapes: [s], inDtypes: [dtype], attrs }) => {
    const kept: { dim: number; stride: number }[] = [];
    const reduced: { dim: number; stride: number }[] = [];
    let last: boolean | null = null;
    let stride = 1;
    for (let i = s!.length - 1; i >= 0; i--) {
      const d = s![i]!;
      const isReduced = attrs.axes.includes(i);
      if (d !== 1) {
        const list = isReduced ? reduced : kept;
        if (last === isReduced) list[0]!.dim *= d;
        else list.unshift({ dim: d, stride });
        last = isReduced;
      }
      stride *= d;
    }
    if (kept.length > MAX_DIMS || reduced.length > MAX_DIMS) {
      throw new Error(`${op}: the WebGPU kernel handles up to ${MAX_DIMS} alternating kept and reduced dimensions, got ${fmt(s!)} over axes ${fmt(attrs.axes)}`);
    }
    const block = (list: { dim: number; stride: number }[]): number[] => {
      const pad = Array<number>(MAX_DIMS - list.length).fill(0);
      return [list.length, ...list.map((x) => x.dim), ...pad, ...list.map((x) => x.stride), ...pad];
    };
    const outs = kept.reduce((n, x) => n * x.dim, 1);
    const count = reduced.reduce((n, x) => n * x.dim, 1);
    const words = [outs, count, ...block(kept), ...block(reduced), { f: mean ? count : 1 }];
    // A short reduction (a bias gradient over a small batch, the XOR lab's batched nets)
    // takes one thread per output; a long one, a workgroup per output with a tree.
    const short = count <= SHORT_REDUCTION;
    const d: GpuDispatch = {
      shader: 'reduce',
      entry: (short ? 'reduce_sum_short' : 'reduce_sum') + (dtype === 'int32' ? '_i32' : ''),
      bind: [{ input: 0 }, 'out'],
      words: () => words,
      workgroups: short ? grid(outs) : grid(outs, 1),
    };
    return [d];
  };
}

export const sumDef = defineOp<ReduceAttrs>({
  name: 'sum',
  family: 'reduce',
  shape: reduceShape('sum'),
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => cpu.reduceSum(x!, s!, reduceFlags(s!, attrs.axes), out),
  gpu: reduceGpu('sum', false),
  grad: ({ g, inputs: [x], attrs }) => [broadcastTo(reshape(g, keptShape(x!.shape, attrs.axes)), x!.shape)],
});

export const meanDef = defineOp<ReduceAttrs>({
  name: 'mean',
  family: 'reduce',
  shape: reduceShape('mean'),
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => {
    cpu.reduceSum(x!, s!, reduceFlags(s!, attrs.axes), out);
    const count = sizeOf(s!) / Math.max(out.length, 1);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / count;
  },
  gpu: reduceGpu('mean', true),
  grad: ({ g, inputs: [x], attrs }) => {
    const count = attrs.axes.reduce((n, a) => n * x!.shape[a]!, 1);
    return [broadcastTo(reshape(g.div(count), keptShape(x!.shape, attrs.axes)), x!.shape)];
  },
});

export const broadcastToDef = defineOp<{ shape: number[] }>({
  name: 'broadcastTo',
  family: 'reduce',
  shape: ([x], { shape }) => {
    const b = broadcastShapes('broadcastTo', x!.shape, shape);
    if (!sameShape(b, shape)) throw new Error(`broadcastTo: ${fmt(x!.shape)} cannot broadcast to ${fmt(shape)}`);
    return { shape, dtype: x!.dtype };
  },
  cpu: ({ ins: [x], inShapes, out, outShape }) => {
    cpu.forEachBroadcast(outShape, inShapes, (o, offs) => {
      out[o] = x![offs[0]!]!;
    });
  },
  // Moves raw 32-bit words: one kernel for float32 and int32.
  gpu: ({ inShapes, outShape }) => {
    const words = stridedWords('broadcastTo', outShape, inShapes);
    return [perElement('reduce', 'broadcast_copy', sizeOf(outShape), [{ input: 0 }, 'out'], () => words)];
  },
  grad: ({ g, inputs: [x] }) => [sumTo(g, x!.shape)],
});

export const argmaxDef = defineOp<{ axis: number; keepdim: boolean }>({
  name: 'argmax',
  family: 'reduce',
  shape: ([x], { axis, keepdim }) => {
    if (x!.shape[axis] === 0) throw new Error(`argmax: axis ${axis} of ${fmt(x!.shape)} is empty`);
    const shape = keepdim ? x!.shape.map((d, i) => (i === axis ? 1 : d)) : x!.shape.filter((_, i) => i !== axis);
    return { shape, dtype: 'int32' };
  },
  // The first maximum wins, as PyTorch; NaN counts as the maximum.
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => {
    const { outer, len, inner } = cpu.axisSplit(s!, attrs.axis);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let best = 0;
        let bestV = x![base]!;
        for (let k = 1; k < len && !Number.isNaN(bestV); k++) {
          const v = x![base + k * inner]!;
          if (v > bestV || Number.isNaN(v)) {
            best = k;
            bestV = v;
          }
        }
        out[o * inner + i] = best;
      }
    }
  },
  // One workgroup per output element, threads striding along the axis.
  gpu: ({ inShapes: [s], inDtypes: [dtype], attrs }) => {
    const { outer, len, inner } = cpu.axisSplit(s!, attrs.axis);
    const outs = outer * inner;
    return [{
      shader: 'reduce',
      entry: dtype === 'int32' ? 'argmax_i32' : 'argmax',
      bind: [{ input: 0 }, 'out'],
      words: () => [outs, len, inner],
      workgroups: grid(outs, 1),
    }];
  },
  grad: { notDifferentiable: 'an index is piecewise constant' },
});

export const biasAddDef = defineOp<Record<string, never>>({
  name: 'biasAdd',
  family: 'reduce',
  shape: ([x, b]) => {
    floatOnly('biasAdd', [x!, b!], ['input', 'bias']);
    const n = x!.shape[x!.shape.length - 1];
    if (b!.shape.length !== 1 || x!.shape.length < 1 || b!.shape[0] !== n) {
      throw new Error(`biasAdd: bias ${fmt(b!.shape)} does not match the last dimension of input ${fmt(x!.shape)}; expected [${n ?? '?'}]`);
    }
    return x!;
  },
  cpu: ({ ins: [x, b], out }) => {
    const n = b!.length;
    for (let i = 0; i < out.length; i++) out[i] = x![i]! + b![i % n]!;
  },
  gpu: ({ inShapes: [, bs], outShape }) =>
    [perElement('reduce', 'bias_add', sizeOf(outShape), [{ input: 0 }, { input: 1 }, 'out'], () => [bs![0]!])],
  grad: ({ g, inputs: [x, b] }) => [g, sumTo(g, b!.shape)],
});

// ---- functional API -----------------------------------------------------------------------

function normAxes(op: string, axis: number | number[] | undefined, ndim: number): number[] {
  // An empty list reduces every axis, as PyTorch's sum(dim=[]).
  if (axis === undefined || axis === null || (Array.isArray(axis) && axis.length === 0)) return [...Array(ndim).keys()];
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(op, a, ndim));
  if (new Set(list).size !== list.length) throw new Error(`${op}: axis ${JSON.stringify(axis)} repeats an axis`);
  return list.sort((a, b) => a - b);
}

/** Sum over `axis` (all axes when omitted). */
export function sum(x: Tensor, axis?: number | number[], keepdim = false): Tensor {
  return apply(sumDef, [x], { axes: normAxes('sum', axis, x.ndim), keepdim });
}

export function mean(x: Tensor, axis?: number | number[], keepdim = false): Tensor {
  if (x.dtype !== 'float32') throw new Error(`mean: input ${fmt(x.shape)} is ${x.dtype}; cast it with .float() first (as PyTorch)`);
  return apply(meanDef, [x], { axes: normAxes('mean', axis, x.ndim), keepdim });
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return apply(broadcastToDef, [x], { shape: [...shape] });
}

/**
 * Index of the largest value along `axis`. Without an axis, as PyTorch: the index into the
 * flattened tensor, a single value (of shape [1, 1, ...] with keepdim).
 */
export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  if (axis === undefined || axis === null) {
    if (x.size === 0) throw new Error(`argmax: tensor ${fmt(x.shape)} is empty; there is no largest value`);
    const flat = apply(argmaxDef, [reshape(x, [x.size])], { axis: 0, keepdim: false });
    return keepdim ? reshape(flat, x.shape.map(() => 1)) : flat;
  }
  return apply(argmaxDef, [x], { axis: normAxis('argmax', axis, x.ndim), keepdim });
}

export function biasAdd(x: Tensor, b: Tensor): Tensor {
  return apply(biasAddDef, [x, b], {});
}

/** The shape with each reduced axis kept as 1. */
function keptShape(shape: Shape, axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Sum a broadcast gradient back to `shape`: the reverse of broadcasting. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  // Leading axes that broadcasting added are summed away; stretched size-1 axes are kept.
  const stretched: number[] = [];
  for (let i = lead; i < g.ndim; i++) if (shape[i - lead] === 1 && g.shape[i] !== 1) stretched.push(i);
  if (stretched.length === 0) return sum(g, [...Array(lead).keys()]);
  const axes = [...Array(lead).keys(), ...stretched];
  return reshape(sum(g, axes, true), shape);
}
