// Making tensors from host values: data, random draws. Random draws come from the global
// Philox stream on the host, so every backend receives identical values for a seed.
import type { DType } from './graph/ir.ts';
import { assertInt32, assertShape, fmt, sizeOf } from './shape.ts';
import type { Shape } from './shape.ts';
import { Tensor, tensorFromHost } from './tensor.ts';
import type { NestedArray } from './tensor.ts';
import { generator } from './generator.ts';
import { checkSize } from './engine/backend.ts';

export interface TensorOptions {
  dtype?: DType;
  shape?: Shape;
  requiresGrad?: boolean;
}

/** From a number, nested arrays, or a typed array (with `shape`), as torch.tensor. */
export function tensor(data: NestedArray | ArrayLike<number>, opts: TensorOptions = {}): Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  if (typeof data === 'number') {
    values = [data];
    shape = opts.shape ? [...opts.shape] : [];
  } else if (ArrayBuffer.isView(data)) {
    values = data as unknown as ArrayLike<number>;
    shape = opts.shape ? [...opts.shape] : [values.length];
  } else if (Array.isArray(data)) {
    ({ values, shape } = flattenNested(data));
    if (opts.shape) {
      if (sizeOf(opts.shape) !== values.length) throw new Error(`tensor: ${values.length} values do not fill shape ${fmt(opts.shape)}`);
      shape = [...opts.shape];
    }
  } else {
    throw new Error(`tensor: expected a number, nested arrays or a typed array, got ${data === null ? 'null' : typeof data}`);
  }
  assertShape('tensor', shape);
  if (sizeOf(shape) !== values.length) throw new Error(`tensor: ${values.length} values do not fill shape ${fmt(shape)}`);
  const dtype: DType = opts.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`tensor: unknown dtype '${String(dtype)}'; expected 'float32' or 'int32'`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number') throw new Error(`tensor: element ${i} is ${typeof v}, expected a number`);
    if (dtype === 'int32') assertInt32('tensor', `element ${i}`, v);
  }
  return tensorFromHost(values, shape, dtype, opts.requiresGrad ?? false);
}

function flattenNested(data: NestedArray[]): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]!) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const values: number[] = [];
  const walk = (x: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw new Error(`tensor: ragged nested arrays: element ${path} is an array, expected a number`);
      values.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested arrays: element ${path || '[]'} has ${Array.isArray(x) ? x.length : 'no'} entries, expected ${shape[dim]}`);
    }
    x.forEach((y, i) => walk(y, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { values, shape };
}

/**
 * A shape the backend can hold, checked before any value is drawn: a draw fills a host
 * array first, and one past the host's limits would fail there with a bare RangeError.
 */
function checkedShape(op: string, shape: Shape, dtype: DType = 'float32'): number[] {
  assertShape(op, shape);
  checkSize(op, shape, dtype);
  return [...shape];
}

/** Uniform on [0, 1), as torch.rand. */
export function rand(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  const s = checkedShape('rand', shape);
  return tensorFromHost(generator().uniform(sizeOf(s)), s, 'float32', opts.requiresGrad ?? false);
}

/** Standard normal, as torch.randn. */
export function randn(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  const s = checkedShape('randn', shape);
  return tensorFromHost(generator().normal(sizeOf(s)), s, 'float32', opts.requiresGrad ?? false);
}

/** Integers in [low, high), as torch.randint. */
export function randint(low: number, high: number, shape: Shape): Tensor {
  const s = checkedShape('randint', shape, 'int32');
  return tensorFromHost(generator().randint(low, high, sizeOf(s)), s, 'int32');
}

/** A random permutation of 0..n-1 (int32), as torch.randperm: for shuffled mini-batches. */
export function randperm(n: number): Tensor {
  if (Number.isInteger(n) && n >= 0) checkSize('randperm', [n], 'int32');
  return tensorFromHost(generator().permutation(n), [n], 'int32');
}
