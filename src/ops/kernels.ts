// Plain loops shared by the CPU reference kernels. Accumulations run in float64 (JS
// numbers); results are rounded when stored, so float32 storage means float32 results.
import type { Shape } from '../shape.ts';
import { broadcastStrides, sizeOf, stridesOf } from '../shape.ts';
import type { Arr } from './define.ts';

/** out[i] = f(a[i]) */
export function unary(a: Arr, out: Arr, f: (x: number) => number): void {
  for (let i = 0; i < out.length; i++) out[i] = f(a[i]!);
}

/**
 * Visit every element of `shape` in row-major order with its flat offset in each of the
 * layouts `strides` describes. Walks a multi-index counter instead of dividing per element.
 */
export function forEachOffset(shape: Shape, strides: readonly (readonly number[])[], visit: (i: number, offs: Int32Array) => void): void {
  const n = shape.length;
  const total = sizeOf(shape);
  const offs = new Int32Array(strides.length);
  const idx = new Int32Array(n);
  for (let i = 0; i < total; i++) {
    visit(i, offs);
    for (let d = n - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < strides.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < strides.length; k++) offs[k]! -= strides[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Every element of `outShape` with the flat offsets of inputs broadcast to it (NumPy rules). */
export function forEachBroadcast(outShape: Shape, inShapes: Shape[], visit: (o: number, offs: Int32Array) => void): void {
  forEachOffset(
    outShape,
    inShapes.map((s) => broadcastStrides(s, outShape)),
    visit,
  );
}

/** out = f(a, b) with broadcasting; fast paths for equal shapes and scalars. */
export function binary(a: Arr, b: Arr, aShape: Shape, bShape: Shape, out: Arr, outShape: Shape, f: (x: number, y: number) => number): void {
  if (a.length === out.length && b.length === out.length && aShape.length === bShape.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(a[i]!, b[i]!);
  } else if (b.length === 1 && a.length === out.length) {
    const y = b[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(a[i]!, y);
  } else if (a.length === 1 && b.length === out.length) {
    const x = a[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(x, b[i]!);
  } else {
    forEachBroadcast(outShape, [aShape, bShape], (o, offs) => {
      out[o] = f(a[offs[0]!]!, b[offs[1]!]!);
    });
  }
}

/** Sum `x` over the axes flagged in `reduce` (output keeps size-1 dims there). */
export function reduceSum(x: Arr, shape: Shape, reduce: boolean[], out: Arr): void {
  const outShape = shape.map((d, i) => (reduce[i] ? 1 : d));
  const acc = new Float64Array(out.length);
  const oStrides = stridesOf(outShape).map((s, i) => (reduce[i] ? 0 : s));
  forEachOffset(shape, [oStrides], (i, offs) => {
    acc[offs[0]!] += x[i]!;
  });
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}

/** For a reduction along one axis: the outer count, the axis length and the inner stride. */
export function axisSplit(shape: Shape, axis: number): { outer: number; len: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, len: shape[axis]!, inner };
}

/**
 * Batched matmul with transpose flags: out[b] = op(A[b]) @ op(B[b]), where a batch of 1
 * (a 2-D operand) is shared by every batch entry.
 */
export function matmul(
  a: Arr,
  b: Arr,
  out: Arr,
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aBatched: boolean,
  bBatched: boolean,
): void {
  // Element (i, p) of op(A): row-major A is [m,k], or [k,m] when transposed.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let t = 0; t < batch; t++) {
    const aOff = aBatched ? t * m * k : 0;
    const bOff = bBatched ? t * k * n : 0;
    const oOff = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let pa = aOff + i * aRow;
        let pb = bOff + j * bCol;
        for (let p = 0; p < k; p++) {
          s += a[pa]! * b[pb]!;
          pa += aCol;
          pb += bRow;
        }
        out[oOff + i * n + j] = s;
      }
    }
  }
}
