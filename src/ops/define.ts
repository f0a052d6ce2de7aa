// The shape of an op declaration. Every op is declared once, in src/ops/<family>.ts,
// with all of its pieces; the required fields make `tsc` reject an op missing one.
import type { Shape } from '../shape.ts';
import type { DType, Meta } from '../graph/ir.ts';
import type { Tensor } from '../tensor.ts';

export type FloatArray = Float32Array | Float64Array;
export type Arr = FloatArray | Int32Array;

export interface CpuArgs<A> {
  ins: Arr[];
  inShapes: Shape[];
  /** The output array; effects (which write inputs in place) get an empty one. */
  out: Arr;
  outShape: Shape;
  attrs: A;
  scalars: readonly number[];
}

export interface GradArgs<A> {
  /** Gradient of the loss with respect to this op's output. */
  g: Tensor;
  inputs: Tensor[];
  out: Tensor;
  attrs: A;
  scalars: readonly number[];
}

/** One entry per input: a gradient with the input's shape, or null (no gradient flows there). */
export type GradRule<A> = (args: GradArgs<A>) => (Tensor | null)[];

/** Ops that take no gradient say why, so the registry walk can tell a choice from an omission. */
export interface NotDifferentiable {
  notDifferentiable: string;
}

export interface OpDef<A = Record<string, never>> {
  name: string;
  /** shaders/<family>.wgsl holds its kernel (WebGPU backend). */
  family: string;
  /** Input positions that never take a gradient (labels, indices, masks). */
  nondiff?: readonly number[];
  /** An effect writes the listed inputs (variables) in place and has no output. */
  effect?: { writes: readonly number[] };
  /** Validates inputs; throws an Error naming the op and the shapes. */
  shape(ins: Meta[], attrs: A): Meta;
  cpu(args: CpuArgs<A>): void;
  grad: GradRule<A> | NotDifferentiable;
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

export function isDifferentiable<A>(def: OpDef<A>): def is OpDef<A> & { grad: GradRule<A> } {
  return typeof def.grad === 'function';
}

export function floatOnly(op: string, ins: Meta[], names: string[] = ['input']): void {
  ins.forEach((m, i) => {
    if (m.dtype !== 'float32') throw new Error(`${op}: ${names[i] ?? `input ${i}`} must be float32, got ${m.dtype}`);
  });
}

export const float32 = (shape: Shape): Meta => ({ shape, dtype: 'float32' as DType });
