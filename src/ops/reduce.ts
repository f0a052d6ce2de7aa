// Reductions (sum, mean, argmax) and broadcasting (broadcastTo): broadcastTo and sum are
// each other's gradients.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { broadcastShapes, fmt, normAxis, sameShape, sizeOf } from '../shape.ts';
import type { Shape } from '../shape.ts';
import * as cpu from './kernels.ts';
import { defineOp, f, floatOnly, grid } from './define.ts';
import type { Binding, GpuDispatch, GpuRule, Tuning, Word } from './define.ts';
import { perElement, stridedWords } from './gpu.ts';
import { LAYOUTS, MAX_DIMS, WG, overrides } from './contract.ts';
import type { Packed } from './contract.ts';
import type { Meta } from '../graph/ir.ts';
import { reshape } from './layout.ts';
import { call, column, f32, i32, row } from './samples.ts';
import type { OpSamples } from './samples.ts';

export interface ReduceAttrs {
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

/** Reductions of at most this many elements per output run one thread per output. */
const SHORT_REDUCTION = 64;

/**
 * A long reduction with few outputs splits each output's elements into chunks of at least
 * MIN_CHUNK, one workgroup each, up to about TARGET_GROUPS workgroups, and a second pass
 * adds each output's chunk sums in a fixed order (the same bits every run). On a GPU one
 * workgroup per output leaves all but a few cores idle; below two chunks it is one dispatch
 * and fast enough. Measured on SwiftShader (a CPU driver: workgroups share two cores, and
 * each costs about 50 us), where a chunk of 16384 elements keeps a split within about 20%
 * of one workgroup, and a 4096-element chunk would double the time.
 */
export const MIN_CHUNK = 16384;
const TARGET_GROUPS = 128;

/** Chunks per output for a reduction of `count` elements into each of `outputs`: 1 is one pass. */
export function chunksFor(outputs: number, count: number, minChunk = MIN_CHUNK): number {
  return Math.max(1, Math.min(Math.floor(count / minChunk), Math.ceil(TARGET_GROUPS / Math.max(outputs, 1))));
}

interface Dim {
  dim: number;
  stride: number;
}

/** The sum kernels' override constants: the dtype's arithmetic, and whether each output's elements are one run. */
function sumConstants(int: boolean, reduced: Dim[]): Record<string, number> {
  const live = reduced.filter((x) => x.dim !== 1);
  return overrides('reduce', { INT: int ? 1 : 0, CONTIGUOUS: live.length === 0 || (live.length === 1 && live[0]!.stride === 1) ? 1 : 0 });
}

/**
 * reduce_sum_short: one thread per output (`words` says how many: REDUCE's groups), looping
 * over the outputs past the adapter's grid (perElement).
 */
function shortSum(tuning: Tuning, int: boolean, reduced: Dim[], src: Binding, words: Packed): GpuDispatch {
  const outs = words[LAYOUTS.REDUCE.at.groups] as number;
  const d = perElement(tuning, 'reduce', 'reduce_sum_short', outs, [src, 'out'], () => words);
  return { ...d, constants: { ...sumConstants(int, reduced), ...d.constants } };
}

/** The STRIDED layout of a kept or reduced dim list (one stride list), size-1 dims dropped. */
function dimBlock(list: Dim[]): Word[] {
  const live = list.filter((x) => x.dim !== 1);
  const pad = Array<number>(MAX_DIMS - live.length).fill(0);
  return LAYOUTS.STRIDED.pack({ ndim: live.length, dims: [...live.map((x) => x.dim), ...pad], strides: [...live.map((x) => x.stride), ...pad] });
}

/**
 * A reduce_sum dispatch (shaders/reduce.wgsl): each of `outs` outputs sums `count` input
 * elements at the kept and reduced layouts, in `chunks` chunks (one workgroup each) whose
 * sums, divided by `divisor`, land in `dest`, [outs, chunks] row-major.
 */
function reduceSumDispatch(src: Binding, dest: Binding, int: boolean, kept: Dim[], reduced: Dim[], outs: number, count: number, divisor: number, chunks: number): GpuDispatch {
  const chunk = Math.ceil(count / chunks);
  const words = LAYOUTS.REDUCE.pack({ groups: outs * chunks, count, kept: dimBlock(kept), reduced: dimBlock(reduced), divisor: f(divisor), chunks, chunkLength: chunk });
  return { family: 'reduce', kernel: 'reduce_sum', constants: sumConstants(int, reduced), bind: [src, dest], words: () => words, workgroups: grid(outs * chunks, 1) };
}

/**
 * The second pass of a split reduction: each of `outs` outputs adds its `chunks` partial
 * sums (scratch 0, [outs, chunks]) in order, divides by `divisor` and writes `dest`. The
 * losses' split reductions end with it too.
 */
export function sumPartials(outs: number, chunks: number, divisor: number, int: boolean, dest: Binding): GpuDispatch {
  const partials = { scratch: 0, size: outs * chunks };
  return reduceSumDispatch(partials, dest, int, [{ dim: outs, stride: chunks }], [{ dim: chunks, stride: 1 }], outs, chunks, divisor, 1);
}

/** Partial sums of a split reduction, written by its first pass. */
export const partials = (size: number): Binding => ({ scratch: 0, size, write: true });

/** A run of adjacent input dims of one kind, merged (the input is row-major); size-1 dims dropped. */
interface Run {
  dim: number;
  reduced: boolean;
}

function runsOf(shape: Shape, axes: number[]): Run[] {
  return merged(shape.map((dim, i) => ({ dim, reduced: axes.includes(i) })));
}

function merged(runs: Run[]): Run[] {
  const out: Run[] = [];
  for (const r of runs) {
    if (r.dim === 1) continue;
    const last = out[out.length - 1];
    if (last && last.reduced === r.reduced) last.dim *= r.dim;
    else out.push({ ...r });
  }
  return out;
}

/** The kept and reduced dim lists of row-major runs, with their strides. */
function dimsOf(runs: Run[]): { kept: Dim[]; reduced: Dim[] } {
  const kept: Dim[] = [];
  const reduced: Dim[] = [];
  let stride = 1;
  for (let i = runs.length - 1; i >= 0; i--) {
    (runs[i]!.reduced ? reduced : kept).unshift({ dim: runs[i]!.dim, stride });
    stride *= runs[i]!.dim;
  }
  return { kept, reduced };
}

const product = (list: { dim: number }[]): number => list.reduce((n, x) => n * x.dim, 1);

function reduceGpu(op: string, mean: boolean): GpuRule<ReduceAttrs> {
  return ({ inShapes: [s], inDtypes: [dtype], attrs, tuning }) => {
    let runs = runsOf(s!, attrs.axes);
    const int = dtype === 'int32';
    const divisor = mean ? product(runs.filter((r) => r.reduced)) : 1;
    // The kernels' layouts hold MAX_DIMS kept and MAX_DIMS reduced dims. Past that (axes
    // that alternate, [2,3,2,3,...] over every other axis), earlier passes each sum the outer
    // MAX_DIMS - 1 reduced runs into scratch (1 and 2 in turn): the kept runs between them
    // then lie side by side and merge, so each pass removes that many alternations. The
    // order of the additions changes, as on any split; the CPU reference stays one loop.
    const passes: GpuDispatch[] = [];
    let src: Binding = { input: 0 };
    for (;;) {
      const { kept, reduced } = dimsOf(runs);
      if (kept.length <= MAX_DIMS && reduced.length <= MAX_DIMS) break;
      let seen = 0;
      const cut = runs.findIndex((r) => r.reduced && ++seen === MAX_DIMS - 1);
      const tail = runs.slice(cut + 1);
      const pass = dimsOf([...runs.slice(0, cut + 1), ...(tail.length > 0 ? [{ dim: product(tail), reduced: false }] : [])]);
      const outs = product(pass.kept);
      const dest = { scratch: 1 + (passes.length % 2), size: outs, write: true };
      passes.push(reduceSumDispatch(src, dest, int, pass.kept, pass.reduced, outs, product(pass.reduced), 1, 1));
      src = { scratch: dest.scratch, size: outs };
      runs = merged([...runs.slice(0, cut + 1).filter((r) => !r.reduced), ...tail]);
    }
    const { kept, reduced } = dimsOf(runs);
    if (kept.length > MAX_DIMS || reduced.length > MAX_DIMS) {
      throw new Error(`${op}: the WebGPU kernel handles up to ${MAX_DIMS} alternating kept and reduced dimensions, got ${fmt(s!)} over axes ${fmt(attrs.axes)}`);
    }
    return [...passes, ...lastPass(src, int, kept, reduced, divisor, tuning)];
  };
}

/** The reduction of `src` (the input, or an earlier pass's sums) into 'out'. */
function lastPass(src: Binding, int: boolean, kept: Dim[], reduced: Dim[], divisor: number, tuning: Tuning): GpuDispatch[] {
  const outs = product(kept);
  const count = product(reduced);
  // A short reduction (a bias gradient over a small batch, the XOR lab's batched nets)
  // takes one thread per output, adjacent threads reading adjacent elements for a column
  // sum; so does a reduction into nothing.
  if (count <= SHORT_REDUCTION || outs === 0) {
    const words = LAYOUTS.REDUCE.pack({ groups: outs, count, kept: dimBlock(kept), reduced: dimBlock(reduced), divisor: f(divisor) });
    return [shortSum(tuning, int, reduced, src, words)];
  }
  const [k, r] = [kept[0], reduced[0]];
  if (kept.length === 1 && reduced.length === 1 && k!.stride === 1 && r!.stride === k!.dim) return colSum(src, r!.dim, k!.dim, divisor, int, tuning);
  const chunks = chunksFor(outs, count);
  if (chunks === 1) return [reduceSumDispatch(src, 'out', int, kept, reduced, outs, count, divisor, 1)];
  return [
    reduceSumDispatch(src, partials(outs * chunks), int, kept, reduced, outs, count, 1, chunks),
    sumPartials(outs, chunks, divisor, int, 'out'),
  ];
}

/**
 * Sums over the rows of [rows, cols] (col_sum): TX adjacent columns per workgroup, and when
 * too few column blocks run, chunks of rows (at least MIN_CHUNK elements of a block each)
 * in a first pass whose sums a second adds up.
 */
function colSum(src: Binding, rows: number, cols: number, divisor: number, int: boolean, tuning: Tuning): GpuDispatch[] {
  let tx = 1;
  while (tx < cols && tx < WG) tx *= 2;
  const blocks = Math.ceil(cols / tx);
  const chunks = Math.max(1, Math.min(Math.floor((rows * tx) / MIN_CHUNK), Math.ceil(TARGET_GROUPS / blocks)));
  const perChunk = Math.ceil(rows / chunks);
  const pass1 = (dest: Binding, div: number): GpuDispatch => {
    const words = LAYOUTS.COL_SUM.pack({ rows, cols, tx, rowsPerChunk: perChunk, blocks, groups: blocks * chunks, divisor: f(div) });
    return { family: 'reduce', kernel: 'col_sum', constants: overrides('reduce', { INT: int ? 1 : 0 }), bind: [src, dest], words: () => words, workgroups: grid(blocks * chunks, 1) };
  };
  if (chunks === 1) return [pass1('out', divisor)];
  // Chunk k's sums are row k of [chunks, cols]: one thread per column adds its column.
  const words = LAYOUTS.REDUCE.pack({ groups: cols, count: chunks, kept: dimBlock([{ dim: cols, stride: 1 }]), reduced: dimBlock([{ dim: chunks, stride: cols }]), divisor: f(divisor) });
  return [
    pass1(partials(chunks * cols), 1),
    shortSum(tuning, int, [{ dim: chunks, stride: cols }], { scratch: 0, size: chunks * cols }, words),
  ];
}

/** The last axis, every axis, the first (kept), two of three; int32 sums take the same kernels. */
function reduceSamples(int32: boolean): OpSamples<ReduceAttrs> {
  return {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [
      call([f32(x!)], { axes: [x!.length - 1], keepdim: false }),
      call([f32(x!)], { axes: x!.map((_, i) => i), keepdim: false }, 'all axes'),
      call([f32(x!)], { axes: [0], keepdim: true }, 'axis 0 kept'),
      ...(x!.length === 3 ? [call([f32(x!)], { axes: [0, 2], keepdim: false }, 'axes 0,2')] : []),
      ...(int32 ? [call([i32(x!, 'small-int')], { axes: [x!.length - 1], keepdim: false }, 'int32')] : []),
    ],
    about: 'over the last axis',
  };
}

export const sumDef = defineOp<ReduceAttrs>({
  name: 'sum',
  samples: reduceSamples(true),
  shape: reduceShape('sum'),
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => cpu.reduceSum(x!, s!, reduceFlags(s!, attrs.axes), out),
  gpu: reduceGpu('sum', false),
  grad: ({ g, inputs: [x], attrs }) => [broadcastTo(reshape(g, keptShape(x!.shape, attrs.axes)), x!.shape)],
});

export const meanDef = defineOp<ReduceAttrs>({
  name: 'mean',
  samples: reduceSamples(false),
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

/**
 * broadcastTo's gathers. The kernel's layout holds MAX_DIMS runs of copied and stretched
 * dims; past that (the gradient of a sum over alternating axes), earlier passes each
 * stretch the inner MAX_DIMS - 1 runs into scratch (1 and 2 in turn), the outer dims
 * flattened to one, and leave one run where there were MAX_DIMS - 1.
 */
function broadcastPasses(tuning: Tuning, inShape: Shape, outShape: Shape): GpuDispatch[] {
  const gather = (src: Binding, dest: Binding, from: Shape, to: Shape): GpuDispatch => {
    const n = sizeOf(to);
    const words = LAYOUTS.GATHER.pack({ count: n, strides: stridedWords('broadcastTo', to, [from]) });
    return perElement(tuning, 'layout', 'gather_strided', n, [src, dest], () => words);
  };
  let from = [...Array<number>(outShape.length - inShape.length).fill(1), ...inShape];
  let to = [...outShape];
  const passes: GpuDispatch[] = [];
  let src: Binding = { input: 0 };
  for (;;) {
    // Runs from the end: size-1 dims drop, neighbours both copied or both stretched merge.
    let runs = 0;
    let last: boolean | null = null;
    let cut = to.length;
    for (let i = to.length - 1; i >= 0; i--) {
      if (to[i] === 1) continue;
      const stretched = from[i] !== to[i];
      if (stretched !== last) runs++;
      last = stretched;
      if (runs < MAX_DIMS) cut = i;
    }
    if (runs <= MAX_DIMS) break;
    const outer = sizeOf(from.slice(0, cut));
    const inner = sizeOf(to.slice(cut));
    const dest = { scratch: 1 + (passes.length % 2), size: outer * inner, write: true };
    passes.push(gather(src, dest, [outer, ...from.slice(cut)], [outer, ...to.slice(cut)]));
    src = { scratch: dest.scratch, size: dest.size };
    from = [...from.slice(0, cut), inner];
    to = [...to.slice(0, cut), inner];
  }
  return [...passes, gather(src, 'out', from, to)];
}

export const broadcastToDef = defineOp<{ shape: number[] }>({
  name: 'broadcastTo',
  samples: {
    roles: ['target'],
    shapesFrom: (s) => [[s]],
    // A column copied across the last axis; an int32 row copied down the others.
    calls: ([t]) => [call([f32(column(t!))], { shape: t! }), call([i32(row(t!), 'small-int')], { shape: t! }, 'int32 row')],
    about: 'a column (the target with its last dimension 1) copied across the last axis',
  },
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
  gpu: ({ inShapes: [s], outShape, tuning }) => broadcastPasses(tuning, s!, outShape),
  grad: ({ g, inputs: [x] }) => [sumTo(g, x!.shape)],
});

export const argmaxDef = defineOp<{ axis: number; keepdim: boolean }>({
  name: 'argmax',
  samples: {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [
      call([f32(x!)], { axis: x!.length - 1, keepdim: false }),
      call([f32(x!, 'small-int')], { axis: 0, keepdim: true }, 'ties, axis 0'),
      // int32 input (argmax_i32), with ties: the first maximum wins.
      call([i32(x!, 'small-int')], { axis: x!.length - 1, keepdim: false }, 'int32'),
    ],
    about: 'along the last axis',
  },
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
      family: 'reduce',
      kernel: dtype === 'int32' ? 'argmax_i32' : 'argmax',
      bind: [{ input: 0 }, 'out'],
      words: () => LAYOUTS.ARGMAX.pack({ outputs: outs, length: len, inner }),
      workgroups: grid(outs, 1),
    }];
  },
  grad: { notDifferentiable: 'an index is piecewise constant' },
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
