// The workbench's ops: for every op of the registry (src/ops/registry.ts), either how to make
// its inputs from the shapes typed on the page, or why the page leaves it out. The table is
// typed by the registry's names, so tsc fails when an op is added without a line here.
// DOM-free: the page and scripts share it.
import { RandomState } from 'shadergrad';
import type { DType } from 'shadergrad';
import type { OpName } from '../../src/ops/registry.ts';
import { sizeOf } from '../../src/shape.ts';

/** What values an input holds, so every op gets inputs inside its domain. */
export type Kind = 'normal' | 'positive' | 'prob' | 'unit' | 'small-int' | 'mask' | { below: number };

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

const f32 = (shape: number[], kind: Kind = 'normal'): InputSpec => ({ shape, dtype: 'float32', kind });
const i32 = (shape: number[], kind: Kind): InputSpec => ({ shape, dtype: 'int32', kind });
const last = (s: number[]): number => s[s.length - 1] ?? 1;

function unary(kind: Kind = 'normal', attrs: Record<string, unknown> = {}, about = 'x drawn from a standard normal'): WorkbenchOp {
  return { shapes: ['x'], defaults: [[512, 512]], about, make: ([x]) => ({ inputs: [f32(x!, kind)], attrs, scalars: [] }) };
}

function binary(ka: Kind = 'normal', kb: Kind = 'normal', about = 'a and b broadcast against each other'): WorkbenchOp {
  return { shapes: ['a', 'b'], defaults: [[512, 512], [512, 512]], about, make: ([a, b]) => ({ inputs: [f32(a!, ka), f32(b!, kb)], attrs: {}, scalars: [] }) };
}

/** An activation's backward: the forward's saved output and the incoming gradient, one shape. */
function actBackward(saved: Kind, attrs: Record<string, unknown> = {}): WorkbenchOp {
  return {
    shapes: ['x'],
    defaults: [[512, 512]],
    about: `the saved forward value and the gradient g, both of shape x${'alpha' in attrs ? `; alpha ${String(attrs.alpha)}` : ''}`,
    make: ([x]) => ({ inputs: [f32(x!, saved), f32(x!)], attrs, scalars: [] }),
  };
}

/** A product's multiply-adds: A [.., M, K] @ B [.., K, N] (batches from either side). */
const productWork = ([a, b]: number[][]): number => {
  const batch = Math.max(a!.slice(0, -2).reduce((p, d) => p * d, 1), b!.slice(0, -2).reduce((p, d) => p * d, 1));
  return batch * (a!.at(-2) ?? 1) * last(a!) * last(b!);
};

/** A fused layer, x [M,K] and W [N,K] typed and the bias [N] drawn: ReLU as its activation. */
const layer = (about: string): WorkbenchOp => ({
  shapes: ['x [M,K]', 'W [N,K]'],
  defaults: [[64, 64], [64, 64]],
  about,
  make: ([x, w]) => ({ inputs: [f32(x!), f32(w!), f32([w![0] ?? 1])], attrs: { act: 'relu', alpha: 0 }, scalars: [] }),
  cpuWork: ([x, w]) => productWork([x!, [...w!].reverse()]),
});

/** An op along (or over) the last axis of x. */
const lastAxis = (attrs: (rank: number) => Record<string, unknown>, about: string): WorkbenchOp => ({
  shapes: ['x'],
  defaults: [[512, 512]],
  about,
  make: ([x]) => ({ inputs: [f32(x!)], attrs: attrs(x!.length), scalars: [] }),
});

const logits = (about: string, withGrad: boolean): WorkbenchOp => ({
  shapes: ['logits [N,C]'],
  defaults: [[128, 10]],
  about,
  make: ([s]) => ({
    inputs: [f32(s!), i32([s![0] ?? 1], { below: last(s!) }), ...(withGrad ? [f32([])] : [])],
    attrs: {},
    scalars: [],
  }),
});

const pairLoss = (ka: Kind, kb: Kind, withGrad: boolean, about: string): WorkbenchOp => ({
  shapes: ['x'],
  defaults: [[512, 512]],
  about,
  make: ([x]) => ({ inputs: [f32(x!, ka), f32(x!, kb), ...(withGrad ? [f32([])] : [])], attrs: {}, scalars: [] }),
});

// Dropout's dynamic scalars: the Philox key (two words) and the first block (two words).
const DROPOUT_SCALARS = [7, 0, 123, 0];
const EFFECT = 'an update that writes a tensor in place (an optimizer or state write), not an op with a result to compare; `npm run bench:kernels -- --op adam` times Adam';
const VIEW = 'a view of its input\'s memory: it runs no kernel';

export const WORKBENCH_OPS: Record<OpName, WorkbenchOp | LeftOut> = {
  matmul: {
    shapes: ['A [M,K]', 'B [K,N]'],
    defaults: [[64, 64], [64, 64]],
    about: 'A @ B, no transposes; leading dimensions are batches',
    make: ([a, b]) => ({ inputs: [f32(a!), f32(b!)], attrs: { transA: false, transB: false }, scalars: [] }),
    cpuWork: productWork,
  },
  linear: layer('relu(x Wᵀ + b), b [N] drawn too: the fused layer'),
  linearPre: layer('relu(x Wᵀ + b) and the pre-activation x Wᵀ + b, both compared'),
  matmulActBackward: {
    shapes: ['g [M,K]', 'W [K,N]'],
    defaults: [[64, 64], [64, 64]],
    about: "(g @ W) times ReLU's derivative at a saved output [M,N], drawn too",
    make: ([g, w]) => ({
      inputs: [f32(g!), f32(w!), f32([g!.at(-2) ?? 1, last(w!)])],
      attrs: { transA: false, transB: false, act: 'reluBackward', alpha: 0 },
      scalars: [],
    }),
    cpuWork: productWork,
  },
  linearParamGrad: {
    shapes: ['g [B,N]', 'x [B,K]'],
    defaults: [[64, 64], [64, 64]],
    about: "a layer's weight gradient gᵀx [N,K] and bias gradient (column sums of g), one kernel",
    make: ([g, x]) => ({ inputs: [f32(g!), f32(x!)], attrs: {}, scalars: [] }),
    cpuWork: ([g, x]) => (g![0] ?? 1) * last(g!) * last(x!),
  },
  softmaxCrossEntropyFused: logits('cross-entropy and its gradient in one pass; labels [N] in [0, C) and the loss gradient [] drawn too', true),
  add: binary(),
  sub: binary(),
  mul: binary(),
  div: binary('normal', 'positive', 'a / b, b in [0.2, 2)'),
  pow: binary('positive', 'normal', 'a to the power b, a in [0.2, 2)'),
  eq: binary('small-int', 'small-int', 'small integers, so some compare equal'),
  gt: binary('small-int', 'small-int', 'small integers, so some compare equal'),
  lt: binary('small-int', 'small-int', 'small integers, so some compare equal'),
  where: {
    shapes: ['condition', 'a', 'b'],
    defaults: [[512, 512], [512, 512], [512, 512]],
    about: 'an int32 mask of 0s and 1s chooses between a and b',
    make: ([c, a, b]) => ({ inputs: [i32(c!, 'mask'), f32(a!), f32(b!)], attrs: {}, scalars: [] }),
  },
  cast: unary('normal', { dtype: 'int32' }, 'float32 to int32, truncated toward zero'),
  neg: unary(),
  exp: unary(),
  log: unary('positive', {}, 'x in [0.2, 2)'),
  square: unary(),
  abs: unary(),
  sqrt: unary('positive', {}, 'x in [0.2, 2)'),
  sin: unary(),
  cos: unary(),
  sign: unary('small-int', {}, 'small integers, zeros among them'),
  sigmoid: unary(),
  tanh: unary(),
  relu: unary(),
  leakyRelu: unary('normal', { alpha: 0.05 }, 'alpha 0.05'),
  sigmoidBackward: actBackward('unit'),
  tanhBackward: actBackward('unit'),
  reluBackward: actBackward('normal'),
  leakyReluBackward: actBackward('normal', { alpha: 0.05 }),
  sum: lastAxis((r) => ({ axes: [r - 1], keepdim: false }), 'over the last axis'),
  mean: lastAxis((r) => ({ axes: [r - 1], keepdim: false }), 'over the last axis'),
  broadcastTo: {
    shapes: ['target'],
    defaults: [[512, 512]],
    about: 'a column (the target with its last dimension 1) copied across the last axis',
    make: ([t]) => ({ inputs: [f32([...t!.slice(0, -1), 1])], attrs: { shape: t }, scalars: [] }),
  },
  argmax: lastAxis((r) => ({ axis: r - 1, keepdim: false }), 'along the last axis'),
  softmax: lastAxis((r) => ({ axis: r - 1 }), 'along the last axis'),
  logSoftmax: lastAxis((r) => ({ axis: r - 1 }), 'along the last axis'),
  softmaxCrossEntropy: logits('the mean loss; labels [N] in [0, C) drawn too', false),
  softmaxCrossEntropyBackward: logits('the gradient of the logits; labels [N] in [0, C) and the loss gradient [] drawn too', true),
  binaryCrossEntropy: pairLoss('prob', 'unit', false, 'probabilities in (0, 1) against targets in [0, 1)'),
  binaryCrossEntropyBackward: pairLoss('prob', 'unit', true, 'its gradient; the loss gradient [] drawn too'),
  bceWithLogits: pairLoss('normal', 'unit', false, 'logits against targets in [0, 1)'),
  bceWithLogitsBackward: pairLoss('normal', 'unit', true, 'its gradient; the loss gradient [] drawn too'),
  mseLoss: pairLoss('normal', 'normal', false, 'the mean of squared differences'),
  dropout: { ...unary('normal', { p: 0.3 }, 'p 0.3, a fixed Philox key'), make: ([x]) => ({ inputs: [f32(x!)], attrs: { p: 0.3 }, scalars: DROPOUT_SCALARS }) },
  dropoutBackward: { ...unary('normal', { p: 0.5 }, 'p 0.5, a fixed Philox key'), make: ([x]) => ({ inputs: [f32(x!)], attrs: { p: 0.5 }, scalars: DROPOUT_SCALARS }) },
  copy: unary('normal', {}, 'a copy into new memory'),
  transpose: {
    shapes: ['x'],
    defaults: [[512, 512]],
    about: 'the first and the last axis swapped',
    make: ([x]) => ({ inputs: [f32(x!)], attrs: { dim0: 0, dim1: x!.length - 1 }, scalars: [] }),
  },
  cat: {
    shapes: ['a', 'b'],
    defaults: [[256, 512], [256, 512]],
    about: 'joined along the first axis',
    make: ([a, b]) => ({ inputs: [f32(a!), f32(b!)], attrs: { axis: 0 }, scalars: [] }),
  },
  narrow: {
    shapes: ['x'],
    defaults: [[512, 512]],
    about: 'half of the last axis from a third of the way along (a copy; along the first axis it would be a view)',
    make: ([x]) => ({ inputs: [f32(x!)], attrs: { axis: x!.length - 1, length: Math.ceil(last(x!) / 2) }, scalars: [Math.floor(last(x!) / 3)] }),
  },
  indexSelect: {
    shapes: ['x [R,..]', 'indices [I]'],
    defaults: [[1000, 64], [512]],
    about: 'rows of x picked by int32 indices in [0, R)',
    make: ([x, i]) => ({ inputs: [f32(x!), i32(i!, { below: x![0] ?? 1 })], attrs: {}, scalars: [] }),
  },
  indexSelectBackward: {
    shapes: ['g [I,..]', 'rows [R]'],
    defaults: [[512, 64], [1000]],
    about: 'rows of g added into R rows at int32 indices in [0, R) (repeats add up)',
    make: ([g, r]) => ({ inputs: [f32(g!), i32([g![0] ?? 1], { below: r![0] ?? 1 })], attrs: { rows: r![0] ?? 1 }, scalars: [] }),
  },
  full: {
    shapes: ['shape'],
    defaults: [[512, 512]],
    about: 'filled with -2.5; no inputs',
    make: ([s]) => ({ inputs: [], attrs: { shape: s, value: -2.5, dtype: 'float32' }, scalars: [] }),
  },
  arange: {
    shapes: ['[n]'],
    defaults: [[262144]],
    about: '-3, -2.75, ... (step 0.25), n values; no inputs',
    make: ([n]) => ({ inputs: [], attrs: { start: -3, end: -3 + 0.25 * (n![0] ?? 1), step: 0.25, dtype: 'float32' }, scalars: [] }),
  },
  linspace: {
    shapes: ['[n]'],
    defaults: [[262144]],
    about: 'n values from -5 to 5; no inputs',
    make: ([n]) => ({ inputs: [], attrs: { start: -5, end: 5, steps: n![0] ?? 1 }, scalars: [] }),
  },
  reshape: { leftOut: VIEW },
  detach: { leftOut: VIEW },
  assign: { leftOut: EFFECT },
  assignRange: { leftOut: EFFECT },
  adamMulti: { leftOut: EFFECT },
  sgdMulti: { leftOut: EFFECT },
  historyWrite: { leftOut: EFFECT },
};

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
    const range = typeof k === 'object' ? k.below : k === 'mask' ? 2 : 7;
    const offset = k === 'small-int' ? -3 : 0;
    const u = rs.randomSample(n) as Float64Array;
    return Int32Array.from(u, (x) => Math.floor(x * range) + offset);
  }
  if (k === 'normal') return Float32Array.from(rs.randn(n) as Float64Array);
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
      return Float32Array.from(u, (x) => Math.floor(x * (typeof k === 'object' ? k.below : 2)));
  }
}
