// Helpers for ops' WebGPU rules: parameter-block layouts shared with shaders/common.wgsl.
import { broadcastStrides, fmt } from '../shape.ts';
import type { Shape } from '../shape.ts';
import type { Binding, GpuDispatch, Word } from './define.ts';
import { grid } from './define.ts';

export const MAX_DIMS = 6;

/** [ndim, shape x6, then strides x6 per input]: strided_offset() in common.wgsl reads it. */
export function stridedWords(op: string, outShape: Shape, inShapes: Shape[]): number[] {
  if (outShape.length > MAX_DIMS) throw new Error(`${op}: the WebGPU kernels handle up to ${MAX_DIMS} dimensions, got ${fmt(outShape)}`);
  const pad = (xs: number[]): number[] => [...xs, ...Array<number>(MAX_DIMS - xs.length).fill(0)];
  const words = [outShape.length, ...pad([...outShape])];
  for (const s of inShapes) words.push(...pad(broadcastStrides(s, outShape)));
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
