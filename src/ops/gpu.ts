// Helpers for ops' WebGPU rules: the strided layout of shaders/common.wgsl, and per-element
// work over the adapter's bounded grid (threads loop over the items past it).
import { broadcastStrides, fmt } from '../shape.ts';
import type { Shape } from '../shape.ts';
import type { Binding, GpuDispatch, Tuning } from './define.ts';
import { elementwiseTuning, strideGrid } from './define.ts';
import { LAYOUTS, MAX_DIMS, overrides } from './contract.ts';
import type { Family, OnlyOverrides, OverrideValues, Packed } from './contract.ts';

/**
 * Merge dimensions that no stride list can tell apart: size-1 dimensions drop, and a
 * dimension merges into the one before it where every list's strides run on contiguously.
 * So a tensor of any rank whose layout needs at most six dimensions runs on the kernels'
 * six: [2,1,1,1,1,1,3] is [2,3].
 */
export function mergeDims(shape: Shape, strideLists: number[][]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = strideLists.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && strideLists.every((st, k) => strides[k]![last] === st[i]! * d)) {
      dims[last] = dims[last]! * d;
      strideLists.forEach((st, k) => (strides[k]![last] = st[i]!));
      return;
    }
    dims.push(d);
    strideLists.forEach((st, k) => strides[k]!.push(st[i]!));
  });
  return { dims, strides };
}

/** The STRIDED layout of a shape and its stride lists, after mergeDims; throws past MAX_DIMS dimensions. */
export function layoutWords(op: string, shape: Shape, strideLists: number[][], what: string): number[] {
  const { dims, strides } = mergeDims(shape, strideLists);
  if (dims.length > MAX_DIMS) {
    throw new Error(`${op}: the WebGPU kernels handle layouts of up to ${MAX_DIMS} dimensions (after merging), got ${fmt(shape)} (${what})`);
  }
  const pad = (xs: number[]): number[] => [...xs, ...Array<number>(MAX_DIMS - xs.length).fill(0)];
  return LAYOUTS.STRIDED.pack({ ndim: dims.length, dims: pad(dims), strides: strides.flatMap(pad) }) as number[];
}

/** The STRIDED layout of inputs broadcast to the output: strided_offset() in common.wgsl reads it. */
export function stridedWords(op: string, outShape: Shape, inShapes: Shape[]): number[] {
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  return layoutWords(op, outShape, strides, `broadcasting ${inShapes.map(fmt).join(', ')}`);
}

/**
 * Per-element work: `items` items (elements, or vec4s of four for the vec4 kernels) spread over
 * the adapter's grid (the table's elementwise entry, strideGrid in define.ts), each thread
 * looping over items i, i + threads, ... (thread_count in common.wgsl). Sets WG to the
 * table's workgroup size; `words` is the whole parameter block, `constants` the family's
 * overrides.
 */
export function perElement<F extends Family, V extends OverrideValues<F>>(
  tuning: Tuning,
  family: F,
  kernel: string,
  items: number,
  bind: Binding[],
  words: (scalars: readonly number[]) => Packed,
  constants?: OnlyOverrides<F, V>,
): GpuDispatch {
  const t = elementwiseTuning(tuning);
  const values = { ...constants, WG: t.wg } as OnlyOverrides<F, V>;
  return { family, kernel, bind, words, workgroups: strideGrid(items, t), constants: overrides<F, V>(family, values) };
}

/** Vec4 items covering n elements: the last one may be partial (its lanes past n are masked, lanes() in common.wgsl). */
export const vec4Items = (n: number): number => Math.ceil(n / 4);

/** Bit pattern of an f32 value, for kernels that move raw words. */
export function f32Bits(v: number): number {
  const b = new Float32Array([v]);
  return new Uint32Array(b.buffer)[0]!;
}
