// The workbench's ops: every op of the registry, offered with the inputs its definition's
// samples make from the shapes typed on the page (listOps(), the public listing), or left out
// with the reason its definition gives (a view runs no kernel; an update writes in place).
// Nothing here names an op: a new op appears on the page with its definition.
// DOM-free: the page and scripts share it. Public API only.
import { RandomState, listOps } from 'shadergrad';
import type { DType, OpInfo, OpName, SampleDomain } from 'shadergrad';

/** What values an input holds, so every op gets inputs inside its domain (its samples' domain). */
export type Kind = SampleDomain;

export interface InputSpec {
  shape: number[];
  dtype: DType;
  kind: Kind;
}

/** One run's inputs, attributes and dynamic scalars, made from the typed shapes. */
export interface OpCall {
  inputs: InputSpec[];
  attrs: Record<string, unknown>;
  scalars: number[];
}

export interface WorkbenchOp {
  /** The shapes typed on the page, in order, by what each is (e.g. "A [M,K]"). */
  shapes: string[];
  /** The shapes the page starts with. */
  defaults: number[][];
  /** The attributes and derived inputs, in a few words (shown under the shapes field). */
  about: string;
  make(shapes: number[][]): OpCall;
  /** Multiply-adds the CPU reference does, where it is more than one per element (products). */
  cpuWork?(shapes: number[][]): number;
}

export interface LeftOut {
  leftOut: string;
}

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The workbench's own default: a 512x512 tensor for each role. */
const DEFAULT_BASE = [512, 512];

/** How makeValues draws each domain, in words. */
function domainText(k: Kind): string {
  if (typeof k === 'object') return `int32 in [0, ${'labels' in k ? k.labels : k.index})`;
  switch (k) {
    case 'any':
      return 'drawn from a standard normal';
    case 'positive':
      return 'in [0.2, 2)';
    case 'prob':
      return 'in (0.02, 0.98)';
    case 'unit':
      return 'in [0, 1)';
    case 'small-int':
      return 'small integers, zeros among them';
    case 'mask':
      return 'an int32 mask of 0s and 1s';
  }
}

/** An op's workbench entry, from its samples: the first call they make on the typed shapes. */
export function workbenchEntry(info: OpInfo<string>): WorkbenchOp | LeftOut {
  const { samples } = info;
  if (samples.leftOut) return { leftOut: samples.leftOut };
  const defaults = samples.defaults ?? samples.shapesFrom(DEFAULT_BASE)[0];
  if (!defaults) return { leftOut: `its samples make no shapes from ${DEFAULT_BASE.join('x')}` };
  const make = (shapes: number[][]): OpCall => {
    const first = samples.calls(shapes)[0];
    if (!first) throw new Error(`${info.name}: its samples make no call on shapes ${showShapes(shapes)}`);
    return { inputs: first.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype, kind: i.domain })), attrs: first.attrs, scalars: first.scalars };
  };
  const about =
    samples.about ??
    make(defaults)
      .inputs.map((input, i) => `${samples.roles[i] ?? `input ${i}`} ${domainText(input.kind)}`)
      .join('; ');
  return { shapes: [...samples.roles], defaults, about, make, ...(samples.cpuWork ? { cpuWork: samples.cpuWork } : {}) };
}

/** The workbench's table for a listing of ops (listOps() for the page; a test passes its own). */
export function workbenchTable<N extends string>(ops: OpInfo<N>[]): Record<N, WorkbenchOp | LeftOut> {
  return Object.fromEntries(ops.map((info) => [info.name, workbenchEntry(info)])) as Record<N, WorkbenchOp | LeftOut>;
}

export const WORKBENCH_OPS: Record<OpName, WorkbenchOp | LeftOut> = workbenchTable(listOps());

export function isOffered(op: WorkbenchOp | LeftOut): op is WorkbenchOp {
  return !('leftOut' in op);
}

/** The ops the page offers, in the table's order, and the ones it leaves out with why. */
export const OFFERED = (Object.keys(WORKBENCH_OPS) as OpName[]).filter((n) => isOffered(WORKBENCH_OPS[n]));
export const LEFT_OUT = (Object.keys(WORKBENCH_OPS) as OpName[]).flatMap((n) => {
  const o = WORKBENCH_OPS[n];
  return isOffered(o) ? [] : [{ op: n, why: o.leftOut }];
});

/** The largest tensor the page makes, and the most multiply-adds it asks of the CPU reference. */
export const MAX_ELEMENTS = 1 << 24;
export const MAX_CPU_WORK = 2 ** 30;

export const showShape = (s: number[]): string => s.join('x');
export const showShapes = (ss: number[][]): string => ss.map(showShape).join(', ');

/**
 * The shapes typed for `name`: comma-separated, each its dimensions joined by x ("64x64,
 * 64x64"). Errors name the op, the text and what was expected.
 */
export function parseShapes(name: OpName, text: string): number[][] {
  const op = WORKBENCH_OPS[name];
  if (!isOffered(op)) throw new Error(`${name}: the workbench leaves this op out: ${op.leftOut}`);
  const parts = text.split(',').map((p) => p.trim());
  const expected = `${op.shapes.length} shape${op.shapes.length === 1 ? '' : 's'} (${op.shapes.join(', ')}), each its dimensions joined by x, like ${showShapes(op.defaults)}`;
  if (parts.length !== op.shapes.length || parts.some((p) => p === '')) {
    throw new Error(`${name}: shapes "${text}": expected ${expected}`);
  }
  return parts.map((p, i) => {
    if (!/^\d+(\s*x\s*\d+)*$/i.test(p)) throw new Error(`${name}: ${op.shapes[i]} "${p}" is not a shape; expected ${expected}`);
    const dims = p.split(/x/i).map((d) => Number(d.trim()));
    if (dims.some((d) => d < 1 || !Number.isSafeInteger(d))) throw new Error(`${name}: ${op.shapes[i]} "${p}": every dimension must be a whole number of at least 1`);
    const n = sizeOf(dims);
    if (n > MAX_ELEMENTS) throw new Error(`${name}: ${op.shapes[i]} ${showShape(dims)} has ${n} elements; the workbench takes at most ${MAX_ELEMENTS} per tensor`);
    return dims;
  });
}

/** A seed per op and input: the same inputs on every run and every adapter. */
function seedFor(name: string, input: number): number {
  let seed = 7;
  for (const ch of `${name}/${input}`) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  return seed;
}

/** An input's values from numpy's generator (RandomState) under a fixed seed. */
export function makeValues(name: string, index: number, spec: InputSpec): Float32Array | Int32Array {
  const n = sizeOf(spec.shape);
  const rs = new RandomState(seedFor(name, index));
  const k = spec.kind;
  if (spec.dtype === 'int32') {
    const range = typeof k === 'object' ? ('labels' in k ? k.labels : k.index) : k === 'mask' ? 2 : 7;
    const offset = k === 'small-int' ? -3 : 0;
    const u = rs.randomSample(n) as Float64Array;
    return Int32Array.from(u, (x) => Math.floor(x * range) + offset);
  }
  if (k === 'any') return Float32Array.from(rs.randn(n) as Float64Array);
  const u = rs.randomSample(n) as Float64Array;
  switch (k) {
    case 'positive':
      return Float32Array.from(u, (x) => 0.2 + 1.8 * x);
    case 'prob':
      return Float32Array.from(u, (x) => 0.02 + 0.96 * x);
    case 'unit':
      return Float32Array.from(u);
    case 'small-int':
      return Float32Array.from(u, (x) => Math.floor(x * 5) - 2);
    default:
      // Labels, indices or a mask held as floats.
      return Float32Array.from(u, (x) => Math.floor(x * (typeof k === 'object' ? ('labels' in k ? k.labels : k.index) : 2)));
  }
}
