// Random small graphs of registry ops, for the GPU fuzz test (tests/gpu/fuzz.test.ts).
//
// fast-check generates plain numbers (a few choices per step, and a pool of element values);
// `decode` turns any such choices into a valid graph description: every shape is derived from
// earlier ones, every index and label is in range, every probability is in [0, 1], so a
// generated graph never trips a shape rule. Shrinking works on the choices (fewer steps,
// smaller numbers, ordinary values instead of special ones); a choice of 0 always means the
// simplest option, so a shrunk graph is a short chain on small shapes. The decoded
// description prints as a small program (op names, shapes, values) and `buildGraph` runs it
// through the public API on whatever backend is current.
import fc from 'fast-check';
import {
  F,
  abs,
  add,
  argmax,
  broadcastTo,
  cast,
  cat,
  cos,
  div,
  eq,
  exp,
  full,
  gt,
  indexSelect,
  leakyRelu,
  log,
  logSoftmax,
  lt,
  matmul,
  mean,
  mul,
  narrow,
  neg,
  pow,
  relu,
  reshape,
  sigmoid,
  sin,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  unsqueeze,
  where,
} from '../../src/index.ts';
import type { DType, Tensor } from '../../src/index.ts';
// The fused linear layer (matmul + bias + activation in one kernel) is reached publicly only
// through nn.Sequential; the fuzzer calls it directly.
import { linear as fusedLinear } from '../../src/ops/matmul.ts';
import type { LinearActivation } from '../../src/ops/matmul.ts';

// ---- values ---------------------------------------------------------------------------------

/** Float leaf values that sit on an edge: signed zeros, overflow and underflow, NaN, infinities. */
export const SPECIAL_FLOATS = [
  0, -0, 1, -1, 0.5, 2, 100, -100, 88.7, -104, 1e10, -1e10, 1e30, -1e30, 3e38, -3e38, 3.4028234663852886e38, 1e-30, -1e-30,
  1e-40, -1e-40, 1.401298464324817e-45, NaN, Infinity, -Infinity, 16777217, 2147483648, -2147483904, 0.1, 3.1415927,
];
/** Targets of the binary losses stay in [0, 1], edges included. */
const SPECIAL_TARGETS = [0, 1, 0.5, 1e-30, 1e-40, 0.99999994, 1.401298464324817e-45];
const SPECIAL_INTS = [0, -1, 1, 2147483647, -2147483648, 65536, 46341, -46341, 7];
/** Plain-number operands (x.add(2), where(c, x, 0), ...). */
const SCALARS = [2, 0.5, -1, 0, 3, -0, 1e30, NaN, Infinity, -Infinity, 1e-40, -2.5, 1, 3e38];
const INT_SCALARS = [2, -1, 0, 3, 2147483647, -7];
/** Percent of float leaf values drawn from SPECIAL_FLOATS, chosen per graph. */
const SPECIAL_RATES = [0, 3, 8, 20];
/** The loss weights each root output by this pattern, repeated: fixed, signed, unequal. */
export const LOSS_WEIGHTS = [1, -0.5, 2, -1.25, 0.75, -2, 1.5, -1];

/** Dimensions: 1 and small primes; 0 (an empty dimension) about one time in 25. */
const DIMS = [3, 1, 2, 5, 7, 11, 13];
const MAX_LEAF = 120;
const MAX_SIZE = 400;

// ---- the description ------------------------------------------------------------------------

export type OpKind =
  | 'neg' | 'exp' | 'log' | 'square' | 'abs' | 'sqrt' | 'sin' | 'cos' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu'
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'eq' | 'gt' | 'lt' | 'where' | 'cast'
  | 'sum' | 'mean' | 'argmax' | 'softmax' | 'logSoftmax' | 'matmul' | 'F.linear' | 'fusedLinear'
  | 'reshape' | 'transpose' | 'squeeze' | 'unsqueeze' | 'narrow' | 'cat' | 'stack' | 'indexSelect' | 'broadcastTo'
  | 'crossEntropy' | 'mseLoss' | 'bceWithLogits' | 'binaryCrossEntropy' | 'dropout' | 'full';

const UNARY: OpKind[] = ['neg', 'exp', 'log', 'square', 'abs', 'sqrt', 'sin', 'cos', 'sigmoid', 'tanh', 'relu', 'leakyRelu'];

/** An operand: an earlier step (by index) or a plain JS number. */
export type Operand = number | { num: number };

export interface Attrs {
  axes?: number[];
  axis?: number;
  keepdim?: boolean;
  transA?: boolean;
  transB?: boolean;
  shape?: number[];
  dim0?: number;
  dim1?: number;
  start?: number;
  length?: number;
  dtype?: DType;
  act?: LinearActivation;
  alpha?: number;
  p?: number;
  value?: number;
}

export interface LeafStep {
  kind: 'leaf';
  dtype: DType;
  shape: number[];
  values: number[];
  requiresGrad: boolean;
}

export interface OpStep {
  kind: 'op';
  op: OpKind;
  args: Operand[];
  attrs: Attrs;
  /** What the decoder expects; buildGraph checks the engine agrees. */
  dtype: DType;
  shape: number[];
}

export type Step = LeafStep | OpStep;

export class GraphDesc {
  constructor(
    readonly steps: Step[],
    /** manualSeed before building, on each backend: dropout draws the same masks. */
    readonly seed: number,
  ) {}

  /** Op steps no later step reads: the outputs the loss is made of. */
  roots(): number[] {
    const used = new Set<number>();
    for (const s of this.steps) if (s.kind === 'op') for (const a of s.args) if (typeof a === 'number') used.add(a);
    return this.steps.flatMap((s, i) => (s.kind === 'op' && !used.has(i) ? [i] : []));
  }

  toString(): string {
    const lines = [`graph (manualSeed ${this.seed}):`];
    this.steps.forEach((s, i) => {
      const head = `  v${i} = `;
      if (s.kind === 'leaf') {
        lines.push(`${head}${s.dtype}${fmtShape(s.shape)}${s.requiresGrad ? ' requiresGrad' : ''} [${s.values.map(fmtNum).join(', ')}]`);
      } else {
        const args = s.args.map((a) => (typeof a === 'number' ? `v${a}` : fmtNum(a.num)));
        const attrs = Object.entries(s.attrs).map(([k, v]) => `${k}=${Array.isArray(v) ? fmtShape(v) : typeof v === 'number' ? fmtNum(v) : String(v)}`);
        lines.push(`${head}${s.op}(${[...args, ...attrs].join(', ')})  -> ${s.dtype}${fmtShape(s.shape)}`);
      }
    });
    const roots = this.roots().filter((r) => this.steps[r]!.dtype === 'float32');
    if (roots.length > 0) {
      const terms = roots.map((r) => `sum(v${r} * w)`).join(' + ');
      lines.push(`  loss = ${terms} (the terms that require grad), w = [${LOSS_WEIGHTS.join(', ')}] repeated`);
    }
    return lines.join('\n');
  }

  [fc.toStringMethod](): string {
    return this.toString();
  }
}

export function fmtNum(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---- the choices and the decoder ------------------------------------------------------------

/** One element value: [special if u >= 100 - rate, which special, ordinary value * 1000]. */
type ValueChoice = [number, number, number];

interface Raw {
  steps: number[][];
  pool: ValueChoice[];
  rate: number;
  seed: number;
}

// Choices are drawn uniformly (noBias): fast-check's bias towards small numbers would make
// every choice the first option. They still shrink towards 0, the simplest option.
const choice = (max: number): fc.Arbitrary<number> => fc.noBias(fc.nat(max));

const rawArb: fc.Arbitrary<Raw> = fc.record({
  steps: fc.array(fc.array(choice(1_000_000), { minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 6, size: 'max' }),
  pool: fc.array(fc.tuple(choice(99), choice(SPECIAL_FLOATS.length - 1), fc.noBias(fc.integer({ min: -3000, max: 3000 }))), {
    maxLength: 300,
    size: 'max',
  }),
  rate: choice(SPECIAL_RATES.length - 1),
  seed: choice(1_000_000),
});

/** Graph descriptions; the counterexample fast-check prints is the decoded program. */
export const graphArb: fc.Arbitrary<GraphDesc> = rawArb.map(decode);

/** Reads one step's choices in order; past the end every choice is 0 (the simplest option). */
class Chooser {
  private i = 0;
  constructor(private readonly xs: number[]) {}
  int(n: number): number {
    if (n <= 1) return 0;
    return (this.xs[this.i++] ?? 0) % n;
  }
  bool(): boolean {
    return this.int(2) === 1;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  dim(nonEmpty = false): number {
    const empty = this.int(25) === 24;
    const d = this.pick(DIMS);
    return empty && !nonEmpty ? 0 : d;
  }
}

type ValueKind = 'any' | 'target' | 'int' | 'mask' | { label: number } | { index: number };

interface Meta {
  shape: number[];
  dtype: DType;
}

/** Op families, repeated to weight them: each of the 12 unary ops comes up about as often as matmul. */
const FAMILIES = [
  'unary', 'binary', 'reduce', 'layout', 'compare', 'where', 'softmax', 'matmul', 'linear', 'argmax', 'cast', 'loss',
  'cat', 'indexSelect', 'broadcastTo', 'dropout', 'unary', 'binary', 'unary', 'reduce', 'unary', 'matmul', 'loss',
  'unary', 'binary', 'unary', 'layout',
] as const;

class Decoder {
  readonly steps: Step[] = [];
  private cursor = 0;
  constructor(private readonly raw: Raw) {}

  meta(r: number): Meta {
    return this.steps[r]!;
  }

  private nextValue(kind: ValueKind): number {
    const i = this.cursor++;
    const ch = this.raw.pool[i];
    const special = ch !== undefined && ch[0] >= 100 - SPECIAL_RATES[this.raw.rate]!;
    const s = ch?.[1] ?? 0;
    // Past the pool: simple quarter values, so a shrunk pool leaves readable numbers.
    const k = ch ? ch[2] : (((i * 7) % 11) - 5) * 250;
    if (kind === 'any') return special ? SPECIAL_FLOATS[s]! : k / 1000;
    if (kind === 'target') return special ? SPECIAL_TARGETS[s % SPECIAL_TARGETS.length]! : Math.abs(k) / 3000;
    if (kind === 'int') return special ? SPECIAL_INTS[s % SPECIAL_INTS.length]! : (k % 7) | 0;
    if (kind === 'mask') return Math.abs(k) % 2;
    const n = 'label' in kind ? kind.label : kind.index;
    return special ? (s % 2 === 0 ? 0 : n - 1) : Math.abs(k) % n;
  }

  leaf(dtype: DType, shape: number[], kind: ValueKind = dtype === 'int32' ? 'int' : 'any', requiresGrad = dtype === 'float32'): number {
    const values = Array.from({ length: sizeOf(shape) }, () => this.nextValue(kind));
    this.steps.push({ kind: 'leaf', dtype, shape: [...shape], values, requiresGrad });
    return this.steps.length - 1;
  }

  op(op: OpKind, args: Operand[], attrs: Attrs, meta: Meta): number {
    this.steps.push({ kind: 'op', op, args, attrs, dtype: meta.dtype, shape: [...meta.shape] });
    return this.steps.length - 1;
  }

  /** A random leaf shape: rank 0-3, at most MAX_LEAF elements. */
  shape(c: Chooser): number[] {
    const rank = c.pick([2, 1, 0, 3]);
    const s = Array.from({ length: rank }, () => c.dim());
    while (sizeOf(s) > MAX_LEAF) {
      const i = s.indexOf(Math.max(...s));
      s[i] = 2;
    }
    return s;
  }

  /** An earlier value of `dtype` that passes `ok` (0 = the newest), or a new leaf. */
  primary(c: Chooser, dtype: DType = 'float32', ok: (m: Meta) => boolean = () => true): number {
    const cands = this.steps.flatMap((s, i) => (s.dtype === dtype && ok(s) ? [i] : []));
    const k = c.int(cands.length + 1);
    if (k < cands.length) return cands[cands.length - 1 - k]!;
    for (let tries = 0; ; tries++) {
      const s = this.shape(c);
      if (ok({ shape: s, dtype }) || tries > 3) return this.leaf(dtype, ok({ shape: s, dtype }) ? s : [3]);
    }
  }

  hasInts(): boolean {
    return this.steps.some((s) => s.dtype === 'int32');
  }

  /** `s` with some leading dims dropped and some dims set to 1: it broadcasts against `s`. */
  squash(c: Chooser, s: number[]): number[] {
    return s.slice(c.int(s.length + 1)).map((d) => (c.bool() ? 1 : d));
  }

  /** The second operand of a binary op on `a`: same shape, broadcast, an earlier value, a number, a constant or `a` itself. */
  partner(c: Chooser, a: number, allowNumber = true): Operand {
    const { shape: s, dtype } = this.meta(a);
    switch (c.int(7)) {
      case 1:
        return this.leaf(dtype, this.squash(c, s));
      case 2: {
        const cands = this.steps.flatMap((m, i) => (m.dtype === dtype && broadcastOk(m.shape, s) && sizeOf(broadcast(m.shape, s)) <= MAX_SIZE ? [i] : []));
        return cands.length > 0 ? cands[cands.length - 1 - c.int(cands.length)]! : this.leaf(dtype, s);
      }
      case 3:
        if (allowNumber) return { num: c.pick(dtype === 'int32' ? INT_SCALARS : SCALARS) };
        return this.leaf(dtype, s);
      case 4: {
        // The other operand is the bigger one: an extra leading dim, or 1s stretched.
        const big = c.bool() ? [c.dim(), ...s] : s.map((d) => (d === 1 ? c.dim() : d));
        return this.leaf(dtype, sizeOf(big) <= MAX_SIZE ? big : s);
      }
      case 5:
        return a;
      case 6: {
        // full(): its value is a static attribute, part of the cached plan's key.
        const shape = this.squash(c, s);
        return this.op('full', [], { shape, value: c.pick(dtype === 'int32' ? INT_SCALARS : SCALARS), dtype }, { shape, dtype });
      }
      default:
        return this.leaf(dtype, s);
    }
  }

  binary(op: OpKind, a: Operand, b: Operand, dtype: DType): number {
    const sa = typeof a === 'number' ? this.meta(a).shape : [];
    const sb = typeof b === 'number' ? this.meta(b).shape : [];
    return this.op(op, [a, b], {}, { shape: broadcast(sa, sb), dtype });
  }

  reshape(r: number, shape: number[]): number {
    return this.op('reshape', [r], { shape }, { shape: inferShape(this.meta(r).shape, shape), dtype: this.meta(r).dtype });
  }

  /** A rank-2 or rank-3 view of `r` (a reshape step when needed). */
  matrix(c: Chooser, r: number): number {
    const s = this.meta(r).shape;
    if (s.length === 2 || s.length === 3) return r;
    if (s.length === 0) return this.reshape(r, [1, 1]);
    if (s.length === 1) return this.reshape(r, c.bool() ? [s[0]!, 1] : [1, s[0]!]);
    return this.reshape(r, [sizeOf(s.slice(0, -2)), s.at(-2)!, s.at(-1)!]);
  }

  /** A [rows, classes >= 1] view of `r`. */
  logits(c: Chooser, r: number): number {
    const s = this.meta(r).shape;
    if (s.length === 2 && s[1]! > 0) return r;
    if (s.length === 0) return this.reshape(r, [1, 1]);
    if (s.length === 1) return this.reshape(r, s[0]! > 0 ? [1, s[0]!] : [0, 1]);
    if (s.length === 3 && s[2]! > 0) return this.reshape(r, [s[0]! * s[1]!, s[2]!]);
    return this.leaf('float32', [c.dim(true), c.dim(true)]);
  }

  step(c: Chooser): void {
    const family = c.pick(FAMILIES);
    const intOk = (): boolean => this.hasInts() && c.int(3) === 2;
    switch (family) {
      case 'unary': {
        const op = c.pick(UNARY);
        const x = this.primary(c);
        this.op(op, [x], op === 'leakyRelu' ? { alpha: c.pick([0.01, 0.2, -0.5, 0]) } : {}, this.meta(x));
        return;
      }
      case 'binary': {
        const op = c.pick(['add', 'sub', 'mul', 'div', 'pow'] as const);
        const dtype: DType = op !== 'div' && op !== 'pow' && intOk() ? 'int32' : 'float32';
        const a = this.primary(c, dtype);
        const b = this.partner(c, a);
        if (c.bool()) this.binary(op, b, a, dtype);
        else this.binary(op, a, b, dtype);
        return;
      }
      case 'compare': {
        const op = c.pick(['eq', 'gt', 'lt'] as const);
        const a = this.primary(c, intOk() ? 'int32' : 'float32');
        const b = this.partner(c, a);
        if (c.bool()) this.binary(op, b, a, 'int32');
        else this.binary(op, a, b, 'int32');
        return;
      }
      case 'where': {
        const a = this.primary(c);
        const s = this.meta(a).shape;
        let cond: number;
        switch (c.int(4)) {
          case 1: {
            const ints = this.steps.flatMap((m, i) => (m.dtype === 'int32' && broadcastOk(m.shape, s) && sizeOf(broadcast(m.shape, s)) <= MAX_SIZE ? [i] : []));
            cond = ints.length > 0 ? ints[ints.length - 1 - c.int(ints.length)]! : this.leaf('int32', this.squash(c, s), 'mask');
            break;
          }
          case 2:
            cond = this.leaf('int32', this.squash(c, s), 'mask');
            break;
          case 3:
            cond = a; // a float condition: nonzero selects
            break;
          default:
            cond = this.binary(c.pick(['gt', 'lt', 'eq'] as const), a, this.partner(c, a), 'int32');
        }
        const x: Operand = c.int(5) === 4 ? { num: c.pick(SCALARS) } : a;
        const y = this.partner(c, a);
        const [p, q] = c.bool() ? [y, x] : [x, y];
        const shapeOf = (o: Operand): number[] => (typeof o === 'number' ? this.meta(o).shape : []);
        if (!broadcastOk(shapeOf(p), shapeOf(q)) || !broadcastOk(this.meta(cond).shape, broadcast(shapeOf(p), shapeOf(q)))) return;
        this.op('where', [cond, p, q], {}, { shape: broadcast(this.meta(cond).shape, broadcast(shapeOf(p), shapeOf(q))), dtype: 'float32' });
        return;
      }
      case 'cast': {
        if (this.hasInts() && c.bool()) {
          const x = this.primary(c, 'int32');
          this.op('cast', [x], { dtype: 'float32' }, { shape: this.meta(x).shape, dtype: 'float32' });
        } else {
          const x = this.primary(c);
          this.op('cast', [x], { dtype: 'int32' }, { shape: this.meta(x).shape, dtype: 'int32' });
        }
        return;
      }
      case 'reduce': {
        const op = c.pick(['sum', 'mean'] as const);
        const x = this.primary(c, op === 'sum' && intOk() ? 'int32' : 'float32');
        const s = this.meta(x).shape;
        const keepdim = c.bool();
        let axes: number[] | undefined;
        const mode = s.length === 0 ? 0 : c.int(4);
        if (mode === 1) axes = [c.int(s.length)];
        else if (mode === 2) axes = s.flatMap((_, i) => (c.bool() ? [i] : []));
        else if (mode === 3) axes = [-1];
        const norm = axes === undefined || axes.length === 0 ? s.map((_, i) => i) : axes.map((a) => (a < 0 ? a + s.length : a));
        const shape = keepdim ? s.map((d, i) => (norm.includes(i) ? 1 : d)) : s.filter((_, i) => !norm.includes(i));
        this.op(op, [x], axes === undefined ? { keepdim } : { axes, keepdim }, { shape, dtype: this.meta(x).dtype });
        return;
      }
      case 'argmax': {
        const x = this.primary(c, intOk() ? 'int32' : 'float32');
        const s = this.meta(x).shape;
        const keepdim = c.bool();
        const axes = s.flatMap((d, i) => (d > 0 ? [i] : []));
        if (c.bool() && axes.length > 0) {
          const axis = axes[c.int(axes.length)]!;
          const shape = keepdim ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
          this.op('argmax', [x], { axis, keepdim }, { shape, dtype: 'int32' });
        } else if (sizeOf(s) > 0) {
          this.op('argmax', [x], { keepdim }, { shape: keepdim ? s.map(() => 1) : [], dtype: 'int32' });
        }
        return;
      }
      case 'softmax': {
        const op = c.pick(['softmax', 'logSoftmax'] as const);
        const x = this.primary(c);
        const r = this.meta(x).shape.length;
        const axis = r === 0 ? -1 : c.bool() ? c.int(r) - r : c.int(r);
        this.op(op, [x], { axis }, this.meta(x));
        return;
      }
      case 'matmul': {
        if (c.int(6) === 5) {
          // Now and then a product big enough for the tiled kernel (at least 4 tiles of 64x64),
          // with edge tiles and a K that is no multiple of the tile depth.
          const [m, n, k] = [c.pick([65, 130]), c.pick([130, 65]), c.pick([3, 17, 1])];
          const transA = c.bool();
          const transB = c.bool();
          const a = this.leaf('float32', transA ? [k, m] : [m, k]);
          const b = this.leaf('float32', transB ? [n, k] : [k, n]);
          this.op('matmul', [a, b], { transA, transB }, { shape: [m, n], dtype: 'float32' });
          return;
        }
        const a = this.matrix(c, this.primary(c));
        const sa = this.meta(a).shape;
        const transA = c.bool();
        const r = sa.length;
        const [m, k] = transA ? [sa[r - 1]!, sa[r - 2]!] : [sa[r - 2]!, sa[r - 1]!];
        const batch = r === 3 ? sa[0]! : null;
        let b: number;
        let transB = c.bool();
        const mode = c.int(4);
        if (mode === 2) {
          b = a;
          transB = !transA;
        } else if (mode === 3) {
          const cands = this.steps.flatMap((mt, i) => {
            const s = mt.shape;
            if (mt.dtype !== 'float32' || (s.length !== 2 && s.length !== 3)) return [];
            if (s.length === 3 && batch !== null && s[0] !== batch) return [];
            return (transB ? s.at(-1) : s.at(-2)) === k ? [i] : [];
          });
          b = cands.length > 0 ? cands[cands.length - 1 - c.int(cands.length)]! : this.leaf('float32', transB ? [c.dim(), k] : [k, c.dim()]);
        } else {
          const n = c.dim();
          const mat = transB ? [n, k] : [k, n];
          b = this.leaf('float32', mode === 1 ? [batch ?? c.dim(), ...mat] : mat);
        }
        const sb = this.meta(b).shape;
        const n = transB ? sb.at(-2)! : sb.at(-1)!;
        const outBatch = batch ?? (sb.length === 3 ? sb[0]! : null);
        const shape = outBatch === null ? [m, n] : [outBatch, m, n];
        if (sizeOf(shape) > MAX_SIZE) return;
        this.op('matmul', [a, b], { transA, transB }, { shape, dtype: 'float32' });
        return;
      }
      case 'linear': {
        const x = this.matrix(c, this.primary(c));
        const sx = this.meta(x).shape;
        const inF = sx.at(-1)!;
        const outF = c.dim();
        const shape = [...sx.slice(0, -1), outF];
        if (sizeOf(shape) > MAX_SIZE) return;
        const w = this.leaf('float32', [outF, inF]);
        if (c.bool()) {
          const b = c.bool() ? [this.leaf('float32', [outF])] : [];
          this.op('F.linear', [x, w, ...b], {}, { shape, dtype: 'float32' });
        } else {
          const b = this.leaf('float32', [outF]);
          const act = c.pick(['none', 'relu', 'sigmoid', 'tanh', 'leakyRelu'] as const);
          this.op('fusedLinear', [x, w, b], { act, alpha: act === 'leakyRelu' ? c.pick([0.01, 0.2, 0]) : 0 }, { shape, dtype: 'float32' });
        }
        return;
      }
      case 'loss': {
        const which = c.pick(['crossEntropy', 'mseLoss', 'bceWithLogits', 'binaryCrossEntropy'] as const);
        const scalar: Meta = { shape: [], dtype: 'float32' };
        if (which === 'crossEntropy') {
          const logits = this.logits(c, this.primary(c));
          const [n, classes] = this.meta(logits).shape as [number, number];
          const labels = this.leaf('int32', [n], { label: classes }, false);
          this.op('crossEntropy', [logits, labels], {}, scalar);
        } else if (which === 'mseLoss') {
          const a = this.primary(c);
          const s = this.meta(a).shape;
          const mode = c.int(3);
          const same = this.steps.flatMap((m, i) => (m.dtype === 'float32' && sameShape(m.shape, s) && i !== a ? [i] : []));
          const b = mode === 2 ? a : mode === 1 && same.length > 0 ? same[same.length - 1 - c.int(same.length)]! : this.leaf('float32', s);
          this.op('mseLoss', [a, b], {}, scalar);
        } else if (which === 'bceWithLogits') {
          const x = this.primary(c);
          const y = this.leaf('float32', this.meta(x).shape, 'target', false);
          this.op('bceWithLogits', [x, y], {}, scalar);
        } else {
          // Probabilities in [0, 1] (the CPU reference throws otherwise): a leaf of them, or
          // sigmoid of an earlier value with its NaNs replaced by 0.
          let p: number;
          if (c.bool()) {
            p = this.leaf('float32', this.shape(c), 'target', true);
          } else {
            const x = this.primary(c);
            const m = this.meta(x);
            const ok = this.op('eq', [x, x], {}, { shape: m.shape, dtype: 'int32' });
            const clean = this.op('where', [ok, x, { num: 0 }], {}, m);
            p = this.op('sigmoid', [clean], {}, m);
          }
          const y = this.leaf('float32', this.meta(p).shape, 'target', false);
          this.op('binaryCrossEntropy', [p, y], {}, scalar);
        }
        return;
      }
      case 'layout': {
        const kind = c.pick(['reshape', 'transpose', 'squeeze', 'unsqueeze', 'narrow'] as const);
        const x = this.primary(c, intOk() ? 'int32' : 'float32');
        const { shape: s, dtype } = this.meta(x);
        const r = s.length;
        if (kind === 'transpose' && r >= 2) {
          const dim0 = c.int(r);
          const dim1 = (dim0 + 1 + c.int(r - 1)) % r;
          const shape = [...s];
          [shape[dim0], shape[dim1]] = [s[dim1]!, s[dim0]!];
          this.op('transpose', [x], { dim0, dim1 }, { shape, dtype });
        } else if (kind === 'reshape') {
          const n = sizeOf(s);
          const target = [
            [n],
            [...s].reverse(),
            [1, ...s],
            r >= 1 && n > 0 && s[r - 1]! > 0 ? [-1, s[r - 1]!] : [n, 1],
            r >= 2 ? [s[0]! * s[1]!, ...s.slice(2)] : [n, 1],
          ][c.int(5)]!;
          this.reshape(x, target);
        } else if (kind === 'squeeze') {
          const axis = r > 0 && c.bool() ? c.int(r) : undefined;
          const shape = axis === undefined ? s.filter((d) => d !== 1) : s[axis] === 1 ? s.filter((_, i) => i !== axis) : s;
          this.op('squeeze', [x], axis === undefined ? {} : { axis }, { shape, dtype });
        } else if (kind === 'narrow' && r >= 1) {
          const axis = c.int(r);
          const d = s[axis]!;
          const start = c.int(d + 1);
          const length = c.int(d - start + 1);
          const shape = [...s];
          shape[axis] = length;
          this.op('narrow', [x], { axis, start, length }, { shape, dtype });
        } else {
          const axis = c.int(2 * r + 2) - (r + 1);
          const shape = [...s];
          shape.splice(axis < 0 ? axis + r + 1 : axis, 0, 1);
          this.op('unsqueeze', [x], { axis }, { shape, dtype });
        }
        return;
      }
      case 'cat': {
        const isStack = c.bool();
        const x = this.primary(c, intOk() ? 'int32' : 'float32', (m) => isStack || m.shape.length > 0);
        const { shape: s, dtype } = this.meta(x);
        const r = s.length;
        const axis = c.int(isStack ? r + 1 : r);
        const parts = [x];
        const count = 1 + c.int(3);
        for (let i = 0; i < count; i++) {
          const mode = c.int(3);
          if (mode === 1) {
            parts.push(x);
          } else if (mode === 2) {
            const same = this.steps.flatMap((m, j) =>
              m.dtype === dtype && m.shape.length === r && m.shape.every((d, k) => d === s[k] || (!isStack && k === axis)) ? [j] : [],
            );
            parts.push(same[same.length - 1 - c.int(same.length)]!);
          } else {
            const shape = [...s];
            if (!isStack) shape[axis] = c.dim();
            parts.push(this.leaf(dtype, sizeOf(shape) <= MAX_LEAF ? shape : s));
          }
        }
        const shape = [...s];
        if (isStack) shape.splice(axis, 0, parts.length);
        else shape[axis] = parts.reduce((n, p) => n + this.meta(p).shape[axis]!, 0);
        this.op(isStack ? 'stack' : 'cat', parts, { axis }, { shape, dtype });
        return;
      }
      case 'indexSelect': {
        let x = this.primary(c, intOk() ? 'int32' : 'float32');
        if (this.meta(x).shape.length === 0) x = this.reshape(x, [1]);
        const { shape: s, dtype } = this.meta(x);
        const rows = s[0]!;
        const k = rows === 0 ? 0 : c.dim();
        const idx = this.leaf('int32', [k], { index: Math.max(rows, 1) }, false);
        const shape = [k, ...s.slice(1)];
        if (sizeOf(shape) > MAX_SIZE) return;
        this.op('indexSelect', [x, idx], {}, { shape, dtype });
        return;
      }
      case 'broadcastTo': {
        const x = this.primary(c, intOk() ? 'int32' : 'float32');
        const { shape: s, dtype } = this.meta(x);
        const lead = Array.from({ length: c.int(3) }, () => c.dim());
        const shape = [...lead, ...s.map((d) => (d === 1 && c.bool() ? c.dim() : d))];
        if (sizeOf(shape) > MAX_SIZE) return;
        this.op('broadcastTo', [x], { shape }, { shape, dtype });
        return;
      }
      case 'dropout': {
        const x = this.primary(c);
        this.op('dropout', [x], { p: c.pick([0.5, 0.25, 0.9, 1, 0.1]) }, this.meta(x));
        return;
      }
    }
  }
}

export function decode(raw: Raw): GraphDesc {
  const d = new Decoder(raw);
  for (const choices of raw.steps) d.step(new Chooser(choices));
  // Every graph computes something: a lone leaf gets a unary op.
  if (!d.steps.some((s) => s.kind === 'op')) d.step(new Chooser([0, 0]));
  return new GraphDesc(d.steps, raw.seed);
}

/** Another value for a full() step: NaN, the infinities and the zeros are each other's twins. */
function twinValue(v: number, dtype: DType | undefined): number {
  if (dtype === 'int32') return v === INT32_TWIN ? -7 : INT32_TWIN;
  if (Number.isNaN(v)) return Infinity;
  if (v === Infinity) return -Infinity;
  if (v === -Infinity) return NaN;
  if (v === 0) return Object.is(v, -0) ? 0 : -0;
  return NaN;
}
const INT32_TWIN = 2147483647;

/** The same graph with every full() value changed (null without one): equal plans, different attributes. */
export function twin(g: GraphDesc): GraphDesc | null {
  if (!g.steps.some((s) => s.kind === 'op' && s.op === 'full')) return null;
  const steps = g.steps.map((s) =>
    s.kind === 'op' && s.op === 'full' ? { ...s, attrs: { ...s.attrs, value: twinValue(s.attrs.value!, s.attrs.dtype) } } : s,
  );
  return new GraphDesc(steps, g.seed);
}

// ---- shape helpers (the engine's rules, restated; buildGraph checks they agree) ---------------

function broadcastOk(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function inferShape(from: readonly number[], shape: readonly number[]): number[] {
  const free = shape.indexOf(-1);
  if (free < 0) return [...shape];
  const known = shape.reduce((n, d, i) => (i === free ? n : n * d), 1);
  return shape.map((d, i) => (i === free ? sizeOf(from) / known : d));
}

// ---- building a description on the current backend -------------------------------------------

type Arg = Tensor | number;
const T = (a: Arg): Tensor => a as Tensor;

const APPLY: Record<OpKind, (args: Arg[], at: Attrs) => Tensor> = {
  neg: ([x]) => neg(T(x!)),
  exp: ([x]) => exp(T(x!)),
  log: ([x]) => log(T(x!)),
  square: ([x]) => square(T(x!)),
  abs: ([x]) => abs(T(x!)),
  sqrt: ([x]) => sqrt(T(x!)),
  sin: ([x]) => sin(T(x!)),
  cos: ([x]) => cos(T(x!)),
  sigmoid: ([x]) => sigmoid(T(x!)),
  tanh: ([x]) => tanh(T(x!)),
  relu: ([x]) => relu(T(x!)),
  leakyRelu: ([x], at) => leakyRelu(T(x!), at.alpha),
  add: ([a, b]) => add(a!, b!),
  sub: ([a, b]) => sub(a!, b!),
  mul: ([a, b]) => mul(a!, b!),
  div: ([a, b]) => div(a!, b!),
  pow: ([a, b]) => pow(a!, b!),
  eq: ([a, b]) => eq(a!, b!),
  gt: ([a, b]) => gt(a!, b!),
  lt: ([a, b]) => lt(a!, b!),
  where: ([c, a, b]) => where(T(c!), a!, b!),
  cast: ([x], at) => cast(T(x!), at.dtype!),
  sum: ([x], at) => sum(T(x!), at.axes, at.keepdim),
  mean: ([x], at) => mean(T(x!), at.axes, at.keepdim),
  argmax: ([x], at) => argmax(T(x!), at.axis, at.keepdim),
  softmax: ([x], at) => softmax(T(x!), at.axis),
  logSoftmax: ([x], at) => logSoftmax(T(x!), at.axis),
  matmul: ([a, b], at) => matmul(T(a!), T(b!), { transA: at.transA!, transB: at.transB! }),
  'F.linear': ([x, w, b]) => F.linear(T(x!), T(w!), b === undefined ? null : T(b)),
  fusedLinear: ([x, w, b], at) => fusedLinear(T(x!), T(w!), T(b!), at.act!, at.alpha!),
  reshape: ([x], at) => reshape(T(x!), at.shape!),
  transpose: ([x], at) => transpose(T(x!), at.dim0, at.dim1),
  squeeze: ([x], at) => squeeze(T(x!), at.axis),
  unsqueeze: ([x], at) => unsqueeze(T(x!), at.axis!),
  narrow: ([x], at) => narrow(T(x!), at.axis!, at.start!, at.length!),
  cat: (xs, at) => cat(xs.map(T), at.axis),
  stack: (xs, at) => stack(xs.map(T), at.axis),
  indexSelect: ([x, i]) => indexSelect(T(x!), T(i!)),
  broadcastTo: ([x], at) => broadcastTo(T(x!), at.shape!),
  crossEntropy: ([x, y]) => F.crossEntropy(T(x!), T(y!)),
  mseLoss: ([a, b]) => F.mseLoss(T(a!), T(b!)),
  bceWithLogits: ([x, y]) => F.bceWithLogits(T(x!), T(y!)),
  binaryCrossEntropy: ([p, y]) => F.binaryCrossEntropy(T(p!), T(y!)),
  dropout: ([x], at) => F.dropout(T(x!), at.p),
  full: (_, at) => full(at.shape!, at.value!, at.dtype),
};

export interface BuiltGraph {
  /** One tensor per step. */
  values: Tensor[];
  /** sum(root * w) over the float roots that require grad; null when none does. */
  loss: Tensor | null;
}

export function lossWeights(shape: readonly number[]): Tensor {
  return tensor(Float32Array.from({ length: sizeOf(shape) }, (_, i) => LOSS_WEIGHTS[i % LOSS_WEIGHTS.length]!), { shape });
}

/** Record the graph on the current backend (nothing runs until a value is read). */
export function buildGraph(g: GraphDesc): BuiltGraph {
  const values: Tensor[] = [];
  g.steps.forEach((s, i) => {
    let t: Tensor;
    if (s.kind === 'leaf') {
      const data = s.dtype === 'int32' ? Int32Array.from(s.values) : Float32Array.from(s.values);
      t = tensor(data, { shape: s.shape, dtype: s.dtype, requiresGrad: s.requiresGrad });
    } else {
      t = APPLY[s.op](s.args.map((a) => (typeof a === 'number' ? values[a]! : a.num)), s.attrs);
    }
    if (!sameShape(t.shape, s.shape) || t.dtype !== s.dtype) {
      throw new Error(`fuzz decoder: v${i} should be ${s.dtype}${fmtShape(s.shape)}, the engine made ${t.dtype}${fmtShape(t.shape)}`);
    }
    values.push(t);
  });
  let loss: Tensor | null = null;
  for (const r of g.roots()) {
    const t = values[r]!;
    if (t.dtype !== 'float32' || !t.requiresGrad) continue;
    const term = sum(mul(t, lossWeights(t.shape)));
    loss = loss ? add(loss, term) : term;
  }
  return { values, loss };
}
