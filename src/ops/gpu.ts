// Helpers for ops' WebGPU rules: parameter-block layouts shared with shaders/common.wgsl.
import { broadcastStrides, fmt } from '../shape.ts';
import type { Shape } from '../shape.ts';
import type { Binding, GpuDispatch, Word } from './define.ts';
import { grid } from './define.ts';

export const MAX_DIMS = 6;

/**
 * [ndim, shape x6, then strides x6 per input]: strided_offset() in common.wgsl reads it.
 * Dimensions are merged first where no input can tell them apart (size-1 dimensions drop;
 * neighbours merge where every input's strides run on contiguously), so a tensor of any rank
 * whose layout needs at most six dimensions runs: [2,1,1,1,1,1,3] is [2,3].
 */
export function stridedWords(op: string, outShape: Shape, inShapes: Shape[]): number[] {
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  const dims: number[] = [];
  const merged: number[][] = inShapes.map(() => []);
  outShape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    // Dimension i continues the previous kept one for every input: one dimension of both sizes.
    if (last >= 0 && strides.every((st, k) => merged[k]![last] === st[i]! * d)) {
      dims[last] = dims[last]! * d;
      strides.forEach((st, k) => (merged[k]![last] = st[i]!));
      return;
    }
    dims.push(d);
    strides.forEach((st, k) => merged[k]!.push(st[i]!));
  });
  if (dims.length > MAX_DIMS) {
    throw new Error(`${op}: the WebGPU kernels handle layouts of up to ${MAX_DIMS} dimensions (after merging), got ${fmt(outShape)} from ${inShapes.map(fmt).join(', ')}`);
  }
  const pad = (xs: number[]): number[] => [...xs, ...Array<number>(MAX_DIMS - xs.length).fill(0)];
  const words = [dims.length, ...pad(dims)];
  for (const st of merged) words.push(...pad(st));
  return words;
}

/** One thread per output element, with `words` after the element count. */
export function perElement(
  shader: string,
  entry: string,
  n: number,
  bind: Binding[],
  words: (scalars: readonly number[]) => Word[],
  constants?: Record<string, number>,
): GpuDispatch {
  const d: GpuDispatch = { shader, entry, bind, words: (s) => [n, ...words(s)], workgroups: grid(n) };
  if (constants) d.constants = constants;
  return d;
}

/** Bit pattern of an f32 value, for kernels that move raw words. */
export function f32Bits(v: number): number {
  const b = new Float32Array([v]);
  return new Uint32Array(b.buffer)[0]!;
}
