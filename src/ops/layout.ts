// Ops that move data without arithmetic: reshape, transpose, cat, narrow, row gathering
// and copy. On a GPU most are a single copy kernel; the CPU reference is plain loops.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { assertShape, fmt, normAxis, sameShape, sizeOf, stridesOf } from '../shape.ts';
import type { Shape } from '../shape.ts';
import * as cpu from './kernels.ts';
import { defineOp, secondOrder } from './define.ts';
import type { Arr, GpuDispatch, NoAttrs, Tuning } from './define.ts';
import { layoutWords, perElement, vec4Items } from './gpu.ts';
import { LAYOUTS } from './contract.ts';
import type { Meta } from '../graph/ir.ts';
import { full } from './fill.ts';
import { VIEW, call, f32, i32, last, unary } from './samples.ts';

// Every layout kernel moves raw 32-bit words, so float32 and int32 tensors share them.
// copy moves four words a load (vec4 items).
const copyWords = (n: number, tuning: Tuning): GpuDispatch => {
  const words = LAYOUTS.COPY.pack({ count: n });
  return perElement(tuning, 'layout', 'copy', vec4Items(n), [{ input: 0 }, 'out'], () => words);
};

/**
 * `block_copy` for `n` words in rows of `width`: row r reads words [srcStart, srcStart + width)
 * of the input row r (rows of srcRow words) and writes them at dstStart of output row r.
 */
function blockCopy(tuning: Tuning, input: number, n: number, width: number, srcRow: number, srcStart: number, dstRow: number, dstStart: number): GpuDispatch {
  const words = LAYOUTS.BLOCK_COPY.pack({ count: n, width, srcRow, srcStart, dstRow, dstStart });
  return perElement(tuning, 'layout', 'block_copy', n, [{ input }, 'out'], () => words);
}

export const reshapeDef = defineOp<{ shape: number[] }>({
  name: 'reshape',
  samples: {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [call([f32(x!)], { shape: [x!.reduce((a, b) => a * b, 1)] })],
    leftOut: VIEW,
  },
  shape: ([x], { shape }) => {
    assertShape('reshape', shape);
    if (sizeOf(shape) !== sizeOf(x!.shape)) {
      throw new Error(`reshape: cannot view ${fmt(x!.shape)} (${sizeOf(x!.shape)} elements) as ${fmt(shape)} (${sizeOf(shape)} elements)`);
    }
    return { shape, dtype: x!.dtype };
  },
  // A plan aliases the input's memory; the kernels run only where a backend is asked to
  // compute the op on its own (the registry walk).
  alias: { offset: () => 0 },
  cpu: ({ ins: [x], out }) => out.set(x!),
  gpu: ({ outShape, tuning }) => [copyWords(sizeOf(outShape), tuning)],
  grad: ({ g, inputs: [x] }) => [reshape(g, x!.shape)],
});

/** The same values cut from autograd: Tensor.detach(). In a plan, an alias of its input. */
export const detachDef = defineOp<NoAttrs>({
  name: 'detach',
  samples: unary('any', {}, { alsoInt32: true, leftOut: VIEW }),
  shape: ([x]) => x!,
  alias: { offset: () => 0 },
  cpu: ({ ins: [x], out }) => out.set(x!),
  gpu: ({ outShape, tuning }) => [copyWords(sizeOf(outShape), tuning)],
  grad: { notDifferentiable: 'detach() cuts the graph: no gradient flows through it' },
});

export const copyDef = defineOp<NoAttrs>({
  name: 'copy',
  samples: unary('any', {}, { alsoInt32: true, about: 'a copy into new memory' }),
  shape: ([x]) => x!,
  cpu: ({ ins: [x], out }) => out.set(x!),
  gpu: ({ outShape, tuning }) => [copyWords(sizeOf(outShape), tuning)],
  grad: ({ g }) => [g],
});

/** Out-of-place permutation: visit the output in order, reading the input through `perm`. */
function permute(x: Arr, shape: Shape, perm: number[], out: Arr): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const strides = perm.map((p) => inStrides[p]!);
  cpu.forEachOffset(outShape, [strides], (o, offs) => {
    out[o] = x[offs[0]!]!;
  });
}

export const transposeDef = defineOp<{ dim0: number; dim1: number }>({
  name: 'transpose',
  samples: {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [
      call([f32(x!)], { dim0: 0, dim1: x!.length - 1 }),
      ...(x!.length === 3 ? [call([f32(x!)], { dim0: 1, dim1: 2 }, 'dims 1,2')] : []),
      call([i32(x!, 'small-int')], { dim0: 0, dim1: x!.length - 1 }, 'int32'),
    ],
    about: 'the first and the last axis swapped',
  },
  shape: ([x], { dim0, dim1 }) => {
    const shape = [...x!.shape];
    [shape[dim0], shape[dim1]] = [shape[dim1]!, shape[dim0]!];
    return { shape, dtype: x!.dtype };
  },
  cpu: ({ ins: [x], inShapes: [s], out, attrs: { dim0, dim1 } }) => {
    const perm = s!.map((_, i) => i);
    [perm[dim0], perm[dim1]] = [dim1, dim0];
    permute(x!, s!, perm, out);
  },
  // A gather: output element i reads the input at the output's index through permuted strides.
  gpu: ({ inShapes: [s], outShape, attrs: { dim0, dim1 }, tuning }) => {
    const strides = stridesOf(s!);
    [strides[dim0], strides[dim1]] = [strides[dim1]!, strides[dim0]!];
    const n = sizeOf(outShape);
    const words = LAYOUTS.GATHER.pack({ count: n, strides: layoutWords('transpose', outShape, [strides], `axes ${dim0} and ${dim1} swapped`) });
    return [perElement(tuning, 'layout', 'gather_strided', n, [{ input: 0 }, 'out'], () => words)];
  },
  grad: ({ g, attrs }) => [transpose(g, attrs.dim0, attrs.dim1)],
});

export const catDef = defineOp<{ axis: number }>({
  name: 'cat',
  samples: {
    roles: ['a', 'b'],
    // Along the first axis; along the last with a part of another width (three parts).
    shapesFrom: (s) => [[s, s], [s, [...s.slice(0, -1), 3]]],
    calls: ([a, b]) =>
      last(a!) === last(b!) ? [call([f32(a!), f32(b!)], { axis: 0 })] : [call([f32(a!), f32(b!), f32(a!)], { axis: a!.length - 1 })],
    defaults: [[256, 512], [256, 512]],
    about: 'joined along the first axis',
  },
  shape: (ins, { axis }) => {
    if (ins.length === 0) throw new Error('cat: expected at least one tensor');
    const first = ins[0]!;
    let len = 0;
    for (const m of ins) {
      const ok = m.dtype === first.dtype && m.shape.length === first.shape.length && m.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!ok) {
        throw new Error(`cat: shapes ${ins.map((t) => `${fmt(t.shape)} ${t.dtype}`).join(', ')} must match (and share a dtype) except along axis ${axis}`);
      }
      len += m.shape[axis]!;
    }
    const shape = [...first.shape];
    shape[axis] = len;
    return { shape, dtype: first.dtype };
  },
  cpu: ({ ins, inShapes, out, outShape, attrs: { axis } }) => {
    const { outer, inner } = cpu.axisSplit(outShape, axis);
    const rowOut = outShape[axis]! * inner;
    let col = 0;
    ins.forEach((x, k) => {
      const w = inShapes[k]![axis]! * inner;
      for (let o = 0; o < outer; o++) out.set(x.subarray(o * w, o * w + w), o * rowOut + col);
      col += w;
    });
  },
  // One dispatch per input, each copying its rows into its window of the output rows.
  gpu: ({ inShapes, outShape, attrs: { axis }, tuning }) => {
    const { outer, inner } = cpu.axisSplit(outShape, axis);
    const rowOut = outShape[axis]! * inner;
    let col = 0;
    return inShapes.map((s, k) => {
      const w = s[axis]! * inner;
      const d = blockCopy(tuning, k, outer * w, w, w, 0, rowOut, col);
      col += w;
      return d;
    });
  },
  grad: ({ g, inputs, attrs: { axis } }) => {
    let start = 0;
    return inputs.map((x) => {
      const part = narrow(g, axis, start, x.shape[axis]!);
      start += x.shape[axis]!;
      return part;
    });
  },
});

/**
 * A slice along one axis. The start is a dynamic scalar, not an attribute: mini-batches
 * taken at every offset of a dataset share one plan.
 */
export const narrowDef = defineOp<{ axis: number; length: number }>({
  name: 'narrow',
  samples: {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    // Half of the last axis from a third of the way along (the start is a dynamic scalar).
    calls: ([x]) => [{ inputs: [f32(x!)], attrs: { axis: x!.length - 1, length: Math.ceil(last(x!) / 2) }, scalars: [Math.floor(last(x!) / 3)] }],
    about: 'half of the last axis from a third of the way along (a copy; along the first axis it would be a view)',
  },
  shape: ([x], { axis, length }) => {
    if (!Number.isInteger(length) || length < 0 || length > x!.shape[axis]!) {
      throw new Error(`narrow: length ${length} is out of range for axis ${axis} of ${fmt(x!.shape)}`);
    }
    const shape = [...x!.shape];
    shape[axis] = length;
    return { shape, dtype: x!.dtype };
  },
  // Contiguous when nothing comes before the axis (the first axis: a mini-batch of rows).
  alias: {
    when: (s, { axis }) => s.slice(0, axis).every((d) => d === 1),
    offset: (s, { axis }, [start]) => start! * sizeOf(s.slice(axis + 1)),
  },
  cpu: ({ ins: [x], inShapes: [s], out, attrs: { axis, length }, scalars: [start] }) => {
    const { outer, len, inner } = cpu.axisSplit(s!, axis);
    checkNarrow(s!, axis, start!, length);
    for (let o = 0; o < outer; o++) {
      const from = (o * len + start!) * inner;
      out.set(x!.subarray(from, from + length * inner), o * length * inner);
    }
  },
  gpu: ({ inShapes: [s], attrs: { axis, length }, tuning }) => {
    const { outer, len, inner } = cpu.axisSplit(s!, axis);
    const w = length * inner;
    const n = outer * w;
    return [{ ...blockCopy(tuning, 0, n, w, len * inner, 0, w, 0), words: (sc) => LAYOUTS.BLOCK_COPY.pack({ count: n, width: w, srcRow: len * inner, srcStart: sc[0]! * inner, dstRow: w, dstStart: 0 }) }];
  },
  // The gradient pads g with zeros back to the input's extent.
  grad: ({ g, inputs: [x], attrs: { axis, length }, scalars: [start] }) => {
    const parts: Tensor[] = [];
    const zerosAlong = (n: number): Tensor => full(x!.shape.map((d, i) => (i === axis ? n : d)), 0);
    if (start! > 0) parts.push(zerosAlong(start!));
    parts.push(g);
    const rest = x!.shape[axis]! - start! - length;
    if (rest > 0) parts.push(zerosAlong(rest));
    return [parts.length === 1 ? g : cat(parts, axis)];
  },
});

function checkNarrow(shape: Shape, axis: number, start: number, length: number): void {
  const d = shape[axis]!;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > d) {
    throw new Error(`narrow: [${start}, ${start + length}) is out of range for axis ${axis} of ${fmt(shape)}`);
  }
}

function checkIndex(op: string, idx: Arr, rows: number, xShape: Shape): void {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (r < 0 || r >= rows) throw new Error(`${op}: index ${r} at position ${i} is out of range for ${rows} rows (input ${fmt(xShape)})`);
  }
}

function indexShape(op: string, x: Meta, idx: Meta): void {
  if (idx.dtype !== 'int32' || idx.shape.length !== 1) throw new Error(`${op}: indices must be a 1-D int32 tensor, got ${fmt(idx.shape)} ${idx.dtype}`);
  if (x.shape.length < 1) throw new Error(`${op}: input must have at least one dimension, got ${fmt(x.shape)}`);
}

export const indexSelectDef = defineOp<NoAttrs>({
  name: 'indexSelect',
  samples: {
    roles: ['x [R,..]', 'indices [I]'],
    shapesFrom: (s) => [[s, [11]]],
    calls: ([x, i]) => [call([f32(x!), i32(i!, { index: x![0]! })], {})],
    defaults: [[1000, 64], [512]],
    about: 'rows of x picked by int32 indices in [0, R)',
  },
  nondiff: [1],
  shape: ([x, idx]) => {
    indexShape('indexSelect', x!, idx!);
    return { shape: [idx!.shape[0]!, ...x!.shape.slice(1)], dtype: x!.dtype };
  },
  cpu: ({ ins: [x, idx], inShapes: [s], out }) => {
    const rows = s![0]!;
    checkIndex('indexSelect', idx!, rows, s!);
    const w = rows === 0 ? 0 : x!.length / rows;
    for (let i = 0; i < idx!.length; i++) out.set(x!.subarray(idx![i]! * w, idx![i]! * w + w), i * w);
  },
  // Indices are only known on the device: one out of range writes zeros (the CPU throws).
  gpu: ({ inShapes: [s], outShape, tuning }) => {
    const n = sizeOf(outShape);
    const words = LAYOUTS.INDEX.pack({ count: n, width: sizeOf(s!.slice(1)), rows: s![0]! });
    return [perElement(tuning, 'layout', 'index_select', n, [{ input: 0 }, { input: 1 }, 'out'], () => words)];
  },
  grad: ({ g, inputs: [x, idx] }) => [apply(indexSelectBackwardDef, [g, idx!], { rows: x!.shape[0]! }), null],
});

/**
 * indexSelectBackward scans every index for every output element while that is at most this
 * many index reads in all, and links per-row lists above: measured on SwiftShader, the
 * lists' three dispatches and serial linking cost more below (0.2-0.9x at 500-5000 reads),
 * and win above (1.1-1.2x at 8-10 thousand, 8-190x at 10^5-10^7).
 */
const INDEX_SCAN_WORK = 8192;

/** Scatter-add rows of g back to their source rows (an index may repeat). */
export const indexSelectBackwardDef = defineOp<{ rows: number }>({
  name: 'indexSelectBackward',
  samples: {
    roles: ['g [I,..]', 'rows [R]'],
    shapesFrom: (s) => [[[11, ...s.slice(1)], [s[0]!]]],
    calls: ([g, r]) => [call([f32(g!), i32([g![0]!], { index: r![0]! })], { rows: r![0]! })],
    defaults: [[512, 64], [1000]],
    about: 'rows of g added into R rows at int32 indices in [0, R) (repeats add up)',
  },
  nondiff: [1],
  shape: ([g, idx], { rows }) => {
    indexShape('indexSelectBackward', g!, idx!);
    return { shape: [rows, ...g!.shape.slice(1)], dtype: g!.dtype };
  },
  cpu: ({ ins: [g, idx], outShape, out }) => {
    checkIndex('indexSelectBackward', idx!, outShape[0]!, outShape);
    const w = sizeOf(outShape.slice(1));
    out.fill(0);
    for (let i = 0; i < idx!.length; i++) {
      const o = idx![i]! * w;
      for (let j = 0; j < w; j++) out[o + j]! += g![i * w + j]!;
    }
  },
  // No float atomics in WebGPU: one thread per output element sums the matching rows of g,
  // found by scanning the indices when they are few, or else by walking a per-row list of
  // positions linked in index order (three dispatches, work linear in the indices).
  gpu: ({ inShapes: [, idx], outShape, tuning }) => {
    const [rows, n, w, size] = [outShape[0]!, idx![0]!, sizeOf(outShape.slice(1)), sizeOf(outShape)];
    if (n * size <= INDEX_SCAN_WORK) {
      const words = LAYOUTS.INDEX_ADD.pack({ count: size, width: w, indices: n });
      return [perElement(tuning, 'layout', 'index_add_rows', size, [{ input: 0 }, { input: 1 }, 'out'], () => words)];
    }
    const lists = 2 * rows + n;
    const listWords = LAYOUTS.INDEX_LISTS.pack({ rows, indices: n });
    const addWords = LAYOUTS.INDEX.pack({ count: size, width: w, rows });
    return [
      perElement(tuning, 'layout', 'index_lists_init', rows, [{ scratch: 0, size: lists, write: true }], () => listWords),
      { family: 'layout', kernel: 'index_lists_link', bind: [{ scratch: 0, size: lists, write: true }, { input: 1 }], words: () => listWords, workgroups: [1, 1, 1] },
      perElement(tuning, 'layout', 'index_add_listed', size, [{ input: 0 }, { scratch: 0, size: lists }, 'out'], () => addWords),
    ];
  },
  grad: secondOrder,
});

// ---- functional API -----------------------------------------------------------------------

/** Reshape with PyTorch's rules: one dimension may be -1 and is inferred. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = inferShape(x, shape);
  if (sameShape(s, x.shape)) return x;
  return apply(reshapeDef, [x], { shape: s });
}

function inferShape(x: Tensor, shape: Shape): number[] {
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0) throw new Error(`reshape: only one dimension can be -1 in ${fmt(shape)}`);
    const known = s.reduce((n, d, i) => (i === free ? n : n * d), 1);
    if (known === 0 || x.size % known !== 0) throw new Error(`reshape: cannot view ${fmt(x.shape)} (${x.size} elements) as ${fmt(shape)}`);
    s[free] = x.size / known;
  }
  return s;
}

export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  const d0 = normAxis('transpose', dim0, x.ndim);
  const d1 = normAxis('transpose', dim1, x.ndim);
  if (d0 === d1) return x;
  return apply(transposeDef, [x], { dim0: Math.min(d0, d1), dim1: Math.max(d0, d1) });
}

export function cat(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('cat: expected a non-empty array of tensors');
  const a = normAxis('cat', axis, tensors[0]!.ndim);
  if (tensors.length === 1) return tensors[0]!;
  return apply(catDef, tensors, { axis: a });
}

export function stack(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) throw new Error(`stack: every tensor must have the same shape, got ${tensors.map((u) => fmt(u.shape)).join(', ')}`);
  }
  const a = insertAxis('stack', axis, first.ndim);
  return apply(catDef, tensors.map((t) => unsqueeze(t, a)), { axis: a });
}

export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis('narrow', axis, x.ndim);
  checkNarrow(x.shape, a, start, length);
  if (start === 0 && length === x.shape[a]) return x;
  return apply(narrowDef, [x], { axis: a, length }, [start]);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normAxis('squeeze', axis, x.ndim);
  if (x.shape[a] !== 1) return x; // as PyTorch: squeezing a dimension that is not 1 leaves it
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** A new axis goes at one of ndim + 1 places: -(ndim + 1) .. ndim, as PyTorch. */
function insertAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -(ndim + 1) || axis > ndim) {
    throw new Error(`${op}: axis ${axis} is out of range for tensors of ${ndim} dimension${ndim === 1 ? '' : 's'} (a new axis goes at -${ndim + 1} .. ${ndim})`);
  }
  return axis < 0 ? axis + ndim + 1 : axis;
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = insertAxis('unsqueeze', axis, x.ndim);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Rows of `x` picked by an int32 index tensor: `X[idx]` in PyTorch. */
export function indexSelect(x: Tensor, idx: Tensor): Tensor {
  const host = idx.hostValues();
  if (host) checkIndex('indexSelect', host, x.shape[0] ?? 0, x.shape);
  return apply(indexSelectDef, [x, idx], {});
}

export function detach(x: Tensor): Tensor {
  return apply(detachDef, [x], {});
}

export function copy(x: Tensor): Tensor {
  return apply(copyDef, [x], {});
}
