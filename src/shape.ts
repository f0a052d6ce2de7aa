// Shapes, element types and their arithmetic, shared by op shape rules, CPU kernels and the graph.
export type Shape = readonly number[];

/** The element types of tensors: float32 values, int32 labels and indices. */
export type DType = 'float32' | 'int32';

/** What a shape rule computes: an output's shape and element type. */
export interface Meta {
  shape: Shape;
  dtype: DType;
}

/** `[3,4]`: how shapes appear in every error message. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** NumPy broadcasting: align from the right; a dimension of 1 stretches. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast: dimension ${i - n} is ${da} against ${db}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen through broadcasting to `outShape` (0 where a dimension stretches). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((d, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return shape[j] === 1 && d !== 1 ? 0 : own[j]!;
  });
}

/** A negative axis counts from the end, as in PyTorch. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -Math.max(ndim, 1) || axis >= Math.max(ndim, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function assertShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)}: dimensions must be non-negative integers`);
  }
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** An int32 value must be an integer in [-2^31, 2^31 - 1]: an Int32Array store would wrap it silently. */
export function assertInt32(op: string, what: string, v: number): void {
  if (!Number.isInteger(v)) throw new Error(`${op}: ${what} is ${v}, not an integer, but the dtype is int32`);
  if (v < INT32_MIN || v > INT32_MAX) throw new Error(`${op}: ${what} is ${v}, outside the int32 range [-2147483648, 2147483647]`);
}
