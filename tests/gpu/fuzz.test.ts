// Property-based fuzzing: random small graphs (tests/gpu/fuzz-graphs.ts) run on the CPU
// reference and on WebGPU from the same host values; every forward result, the loss and every
// leaf's gradient must agree.
//
//   node scripts/with-gpu-env.mjs npx vitest run --project gpu tests/gpu/fuzz.test.ts
//   FUZZ_SEED=7 FUZZ_RUNS=2000 node scripts/with-gpu-env.mjs npx vitest run --project gpu tests/gpu/fuzz.test.ts
// FUZZ_SEED (default fixed) and FUZZ_RUNS (default 200) choose the graphs; FUZZ_PATH=n replays
// graph n of a report alone and shrinks it; FUZZ_SHRINK (3) caps the problems shrunk per run,
// FUZZ_SHRINK_MS (30 s) the time each may take; FUZZ_VERBOSE=1 also prints the unshrunk graphs.
//
// "Agree" is decided element by element by a bound model, not by one tolerance. Graphs carry
// 1e30s, NaNs and infinities, so a fair tolerance differs wildly from element to element:
// float32 sums taken in another order legitimately turn [1e30, 1, -1e30] into 0 or 1, and a
// log or a division downstream turns that into -Infinity or 0. So, walking the recorded graph
// (backward nodes included), the model computes for every element the set of results a
// float32 implementation may give: an interval, plus "NaN allowed". Sources of width:
//  - accurate ops (neg, abs, relu, where, compare, cast, layout): none; add/sub/mul and the
//    like: rounding to float32 only (both sides round correctly);
//  - approximated ops (exp, log, sqrt, pow, div, sin, sigmoid, softmax, losses):
//    1e-4 * max(1, |y|), the tolerance of the registry walk (registry.test.ts);
//  - sums (sum, mean, matmul, linear, losses, scatter-add): (n + 2) * 2^-23 * sum|terms|,
//    which bounds the error of float32 summation in any order on either side, and, when some
//    order of partial sums could pass the float32 range, +-Infinity (and NaN if both can);
//  - subnormals: WGSL lets a GPU flush them to zero, so a subnormal may also be read as 0;
//  - uncertainty already in an input: the op is evaluated (with the CPU reference's own
//    kernel, on one element) at the interval's ends, at 0 of both signs, at the op's critical
//    points and at NaN, so the width grows exactly as much as the function amplifies it.
// Where all inputs are exact the set is the CPU kernel's value, widened as above: the model
// says what the reference computes, not what a formula inside a kernel happens to lose (a
// kernel that cancels catastrophically in float32 is a divergence). The CPU's own results are
// checked against the same sets too, so the model cannot drift from the reference quietly;
// "cpu outside" in a report means the reference disagrees with its own ops (a fused kernel
// against the ops it replaces, an edge case a kernel mishandles) or with PyTorch's formula.
//
// Speed: all CPU references are computed first, then the backend switches to WebGPU once and
// runs every graph on one device (pipelines compile once; cached plans are shared across
// graphs, as in a real program). A failing graph is then replayed alone and shrunk: a problem
// seen on one side is re-checked on that side only (no backend switch per try), and the
// shrunk graph is printed as a small program with both sides' values.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { Tensor, manualSeed, setBackend } from '../../src/index.ts';
import type { Node } from '../../src/graph/ir.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { Arr, CpuArgs, OpDef } from '../../src/ops/define.ts';
import { axisSplit, forEachBroadcast } from '../../src/ops/kernels.ts';
import { matmulDims } from '../../src/ops/matmul.ts';
import { sizeOf, stridesOf } from '../../src/shape.ts';
import { buildGraph, fmtNum, graphArb, twin } from './fuzz-graphs.ts';
import type { GraphDesc } from './fuzz-graphs.ts';
import { startWebGpu } from './setup.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20250611);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** Failing graphs shrunk per run, and the time each may take. */
const SHRINK_COUNT = Number(process.env.FUZZ_SHRINK ?? 3);
const SHRINK_MS = Number(process.env.FUZZ_SHRINK_MS ?? 30_000);
/** Print each shrunk failure's original graph too. */
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
/** Replay one graph (the number a failure report gives) and shrink it. */
const ONLY = process.env.FUZZ_PATH === undefined ? null : Number(process.env.FUZZ_PATH);

// ---- the bound model ------------------------------------------------------------------------

const FLT_MAX = 3.4028234663852886e38;
/** 2^128 - 2^103: a real number from here up rounds to Infinity in float32. */
const OVERFLOW = 3.4028235677973366e38;
/** 2^-126, the smallest normal float32: below it a GPU may flush to zero. */
const TINY = 2 ** -126;
const U = 2 ** -24;
const APPROX = 1e-4;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** One element's acceptable results: [lo, hi] (float32 values, +-Infinity allowed) and NaN if `nan`; lo = NaN: only NaN. */
interface Box {
  lo: number;
  hi: number;
  nan: boolean;
}
const NAN_BOX: Box = { lo: NaN, hi: NaN, nan: true };

/** A tensor's boxes, flat. */
interface Bound {
  lo: Float64Array;
  hi: Float64Array;
  nan: Uint8Array;
}

function newBound(n: number): Bound {
  return { lo: new Float64Array(n), hi: new Float64Array(n), nan: new Uint8Array(n) };
}

function boxAt(b: Bound, i: number): Box {
  return { lo: b.lo[i]!, hi: b.hi[i]!, nan: b.nan[i] === 1 };
}

function put(b: Bound, i: number, x: Box): void {
  b.lo[i] = x.lo;
  b.hi[i] = x.hi;
  b.nan[i] = x.nan ? 1 : 0;
}

function exactBound(values: ArrayLike<number>): Bound {
  const b = newBound(values.length);
  for (let i = 0; i < values.length; i++) put(b, i, Number.isNaN(values[i]!) ? NAN_BOX : { lo: values[i]!, hi: values[i]!, nan: false });
  return b;
}

function accepts(b: Bound, i: number, v: number): boolean {
  if (Number.isNaN(v)) return b.nan[i] === 1;
  return v >= b.lo[i]! && v <= b.hi[i]!;
}

const isExact = (x: Box): boolean => (Number.isNaN(x.lo) ? true : x.lo === x.hi && !x.nan);

// Directed rounding to float32.
const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);
function nextUp(f: number): number {
  if (f === 0) return 2 ** -149;
  f32[0] = f;
  bits[0]! += f > 0 ? 1 : -1;
  return f32[0]!;
}
const nextDown = (f: number): number => -nextUp(-f);

function toF32Lo(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= OVERFLOW) return Infinity;
  if (x <= -OVERFLOW) return -Infinity;
  if (x > FLT_MAX) return FLT_MAX;
  if (x < -FLT_MAX) return -FLT_MAX;
  const f = Math.fround(x);
  return f <= x ? f : nextDown(f);
}

function toF32Hi(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x <= -OVERFLOW) return -Infinity;
  if (x >= OVERFLOW) return Infinity;
  if (x < -FLT_MAX) return -FLT_MAX;
  if (x > FLT_MAX) return FLT_MAX;
  const f = Math.fround(x);
  return f >= x ? f : nextUp(f);
}

type Kind = 'exact' | 'rounded' | 'approx';

/** Slack of an approximated op and the subnormal flush, in float64 (intermediate values). */
function widen(x: Box, kind: Kind): Box {
  if (Number.isNaN(x.lo)) return x;
  let { lo, hi } = x;
  if (kind === 'approx') {
    if (Number.isFinite(lo)) lo -= APPROX * Math.max(1, Math.abs(lo));
    if (Number.isFinite(hi)) hi += APPROX * Math.max(1, Math.abs(hi));
  }
  if (kind !== 'exact' && lo < TINY && hi > -TINY) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  // An approximated zero may come out with either sign.
  if (kind === 'approx' && lo === 0 && hi === 0) lo = -0;
  return { lo, hi, nan: x.nan };
}

/** A stored result: widened, then rounded outward to float32 (or checked against the int32 range). */
function settle(x: Box, kind: Kind, int: boolean): Box {
  if (Number.isNaN(x.lo)) return NAN_BOX;
  if (int) return x;
  const w = widen(x, kind);
  return { lo: toF32Lo(w.lo), hi: toF32Hi(w.hi), nan: w.nan };
}

/** Values to evaluate an op at for one input: the ends, 0 of both signs when inside, critical points, NaN. */
function samplesOf(x: Box, int: boolean, crit: readonly number[] = []): number[] {
  const out: number[] = [];
  if (!Number.isNaN(x.lo)) {
    out.push(x.lo);
    if (!Object.is(x.hi, x.lo)) out.push(x.hi);
    if (!int) {
      if (x.lo < x.hi && x.lo < TINY && x.hi > -TINY) out.push(0, -0);
      // An exact subnormal may be flushed (keeping its sign).
      else if (x.lo === x.hi && x.lo !== 0 && Math.abs(x.lo) < TINY) out.push(x.lo > 0 ? 0 : -0);
    }
    for (const c of crit) if (c > x.lo && c < x.hi) out.push(c);
    // At an infinite end f may be NaN (Inf - Inf) while it grows without bound inside: try the largest finite values too.
    if (!int && x.hi === Infinity && x.lo < FLT_MAX) out.push(FLT_MAX);
    if (!int && x.lo === -Infinity && x.hi > -FLT_MAX) out.push(-FLT_MAX);
  }
  if (x.nan) out.push(NaN);
  return out;
}

type Crit = (k: number, xs: Box[]) => number[];

/**
 * The hull of f over every combination of its inputs' samples. For an int32 result, `raw` is
 * the same op computed without the int32 store: an interval whose raw values leave the int32
 * range may wrap anywhere.
 */
function combine(xs: Box[], f: (v: number[]) => number, opts: { intIn?: boolean[]; raw?: (v: number[]) => number; crit?: Crit } = {}): Box {
  const lists = xs.map((x, k) => samplesOf(x, opts.intIn?.[k] ?? false, opts.crit?.(k, xs)));
  if (lists.some((l) => l.length === 0)) return NAN_BOX;
  let lo = Infinity;
  let hi = -Infinity;
  let nan = false;
  let count = 0;
  let wraps = false;
  const v = new Array<number>(xs.length).fill(0);
  const idx = new Array<number>(xs.length).fill(0);
  for (;;) {
    for (let k = 0; k < xs.length; k++) v[k] = lists[k]![idx[k]!]!;
    const r = f(v);
    count++;
    if (opts.raw) {
      const big = opts.raw(v);
      if (!(big >= INT32_MIN && big <= INT32_MAX)) wraps = true;
    }
    if (Number.isNaN(r)) nan = true;
    else {
      lo = Math.min(lo, r);
      hi = Math.max(hi, r);
    }
    let k = 0;
    while (k < xs.length && ++idx[k]! >= lists[k]!.length) idx[k++] = 0;
    if (k === xs.length) break;
  }
  if (wraps && count > 1) return { lo: INT32_MIN, hi: INT32_MAX, nan: false };
  if (lo === Infinity && hi === -Infinity) return NAN_BOX;
  return { lo, hi, nan };
}

/**
 * An op's CPU reference kernel on one element per input: the scalar function the model
 * samples. The output is an Int32Array for an int32 result (kernels pick int semantics by it).
 */
function scalarKernel(def: OpDef<any>, attrs: Record<string, unknown>, scalars: readonly number[], intIn: boolean[], intOut = false): (v: number[]) => number {
  const ins: Arr[] = intIn.map((int) => (int ? new Int32Array(1) : new Float64Array(1)));
  const out = intOut ? new Int32Array(1) : new Float64Array(1);
  const args: CpuArgs<any> = { ins, inShapes: ins.map(() => [1]), out, outShape: [1], attrs, scalars };
  return (v) => {
    for (let k = 0; k < ins.length; k++) ins[k]![0] = v[k]!;
    try {
      def.cpu(args);
    } catch {
      return NaN; // e.g. binaryCrossEntropy's range check: the GPU kernel gives NaN instead
    }
    return out[0]!;
  };
}

const intInputs = (n: Node): boolean[] => n.inputs.map((x) => x.dtype === 'int32');

/** The op's kernel over broadcast inputs, element by element (not yet settled). */
function elementwise(n: Node, ins: Bound[], crit?: Crit): Bound {
  const out = newBound(sizeOf(n.shape));
  const intIn = intInputs(n);
  const int = n.dtype === 'int32';
  const kernel = scalarKernel(n.def!, n.attrs, n.scalars, intIn, int);
  const raw = int ? scalarKernel(n.def!, n.attrs, n.scalars, intIn) : undefined;
  forEachBroadcast(n.shape, n.inputs.map((x) => x.shape), (o, offs) => {
    put(out, o, combine(ins.map((b, k) => boxAt(b, offs[k]!)), kernel, { intIn, raw, crit }));
  });
  return out;
}

function settleAll(b: Bound, kind: Kind, int: boolean, range?: [number, number]): Bound {
  for (let i = 0; i < b.lo.length; i++) {
    const x = settle(boxAt(b, i), kind, int);
    if (range && !Number.isNaN(x.lo)) {
      x.lo = Math.max(x.lo, range[0]);
      x.hi = Math.min(x.hi, range[1]);
    }
    put(b, i, x);
  }
  return b;
}

type Rule = (n: Node, ins: Bound[]) => Bound;

function pointwise(kind: Kind, crit?: Crit, range?: [number, number]): Rule {
  return (n, ins) => {
    return settleAll(elementwise(n, ins, crit), kind, n.dtype === 'int32', range);
  };
}

/**
 * sum of float32 terms in any order: the exact sum, +- (n + 2) 2^-23 sum|terms|; a partial
 * sum that could pass the float32 range may become +-Infinity, and NaN when both can.
 */
class SumAcc {
  private n = 0;
  private lo = 0;
  private hi = 0;
  private mag = 0;
  private pos = 0;
  private neg = 0;
  private posInf = 0;
  private negInf = 0;
  private both = 0;
  private nan = false;
  private certainNaN = false;
  private surePos = false;
  private sureNeg = false;

  add(x: Box): void {
    this.n++;
    if (x.nan) this.nan = true;
    if (Number.isNaN(x.lo)) {
      this.certainNaN = true;
      return;
    }
    const mayPos = x.hi === Infinity;
    const mayNeg = x.lo === -Infinity;
    if (mayPos) this.posInf++;
    if (mayNeg) this.negInf++;
    if (mayPos && mayNeg) this.both++;
    if (x.lo === Infinity) this.surePos = true;
    if (x.hi === -Infinity) this.sureNeg = true;
    this.lo += x.lo;
    this.hi += x.hi;
    const fl = Number.isFinite(x.lo) ? x.lo : 0;
    const fh = Number.isFinite(x.hi) ? x.hi : 0;
    this.mag += Math.max(Math.abs(fl), Math.abs(fh));
    if (fh > 0) this.pos += fh;
    if (fl < 0) this.neg -= fl;
  }

  /** An int32 sum: the exact total when every term is exact, else null. */
  exactTotal(): number | null {
    return !this.certainNaN && this.lo === this.hi ? this.lo : null;
  }

  result(): Box {
    if (this.certainNaN || (this.surePos && this.sureNeg)) return NAN_BOX;
    let nan = this.nan || (this.posInf > 0 && this.negInf > 0 && !(this.posInf === 1 && this.negInf === 1 && this.both === 1));
    let lo = Number.isNaN(this.lo) ? -Infinity : this.lo;
    let hi = Number.isNaN(this.hi) ? Infinity : this.hi;
    const err = (this.n + 2) * 2 * U * this.mag + this.n * TINY;
    if (this.pos + err >= OVERFLOW) {
      hi = Infinity;
      if (this.neg + err >= OVERFLOW || this.negInf > 0) {
        nan = true;
        lo = -Infinity;
      }
    }
    if (this.neg + err >= OVERFLOW) {
      lo = -Infinity;
      if (this.posInf > 0) {
        nan = true;
        hi = Infinity;
      }
    }
    return { lo: lo - err, hi: hi + err, nan };
  }
}

/** x / d for a positive count d (d = 0: 0/0 and x/0, as the CPU computes). */
function divideBy(x: Box, d: number): Box {
  return combine([x], (v) => v[0]! / d);
}

function reduceRule(mean: boolean): Rule {
  return (n, [x]) => {
    const s = n.inputs[0]!.shape;
    const axes = n.attrs.axes as number[];
    const outSize = sizeOf(n.shape);
    const accs = Array.from({ length: outSize }, () => new SumAcc());
    const keptShape = s.map((d, i) => (axes.includes(i) ? 1 : d));
    const oStrides = stridesOf(keptShape).map((st, i) => (axes.includes(i) ? 0 : st));
    const idx = new Array<number>(s.length).fill(0);
    for (let i = 0; i < sizeOf(s); i++) {
      let o = 0;
      for (let d = 0; d < s.length; d++) o += idx[d]! * oStrides[d]!;
      accs[o]!.add(boxAt(x!, i));
      for (let d = s.length - 1; d >= 0; d--) {
        if (++idx[d]! < s[d]!) break;
        idx[d] = 0;
      }
    }
    const out = newBound(outSize);
    const int = n.dtype === 'int32';
    const count = sizeOf(s) / Math.max(outSize, 1);
    accs.forEach((acc, o) => {
      let r: Box;
      if (int) {
        // Exact integer sums, wrapped as an Int32Array store (and as i32 adds wrap).
        const total = acc.exactTotal();
        r = total === null ? { lo: INT32_MIN, hi: INT32_MAX, nan: false } : { lo: total | 0, hi: total | 0, nan: false };
      } else {
        r = acc.result();
      }
      if (!int && mean) {
        r = divideBy(settle(r, 'approx', false), count);
      }
      put(out, o, settle(r, 'approx', int));
    });
    return out;
  };
}

/** Interval product of two boxes (every sign and NaN case through samples). */
function mulBox(a: Box, b: Box): Box {
  if (isExact(a) && isExact(b) && Math.abs(a.lo) >= TINY && Math.abs(b.lo) >= TINY) {
    const p = a.lo * b.lo;
    return Number.isNaN(p) ? NAN_BOX : { lo: p, hi: p, nan: false };
  }
  return combine([a, b], (v) => v[0]! * v[1]!);
}

const matmulRule: Rule = (n, [A, B]) => {
  const [sa, sb] = n.inputs.map((x) => x.shape) as [number[], number[]];
  const { transA, transB } = n.attrs as { transA: boolean; transB: boolean };
  const d = matmulDims(sa, sb, { transA, transB });
  const out = newBound(sizeOf(n.shape));
  products(d, transA, transB, A!, B!, (o, acc) => put(out, o, settle(acc.result(), 'approx', false)));
  return out;
};

/** Accumulate op(A)[t,i,:] . op(B)[t,:,j] for every output, indexed as cpu.matmul. */
function products(
  d: ReturnType<typeof matmulDims>,
  transA: boolean,
  transB: boolean,
  A: Bound,
  B: Bound,
  done: (o: number, acc: SumAcc, j: number) => void,
): void {
  const aRow = transA ? 1 : d.k;
  const aCol = transA ? d.m : 1;
  const bRow = transB ? 1 : d.n;
  const bCol = transB ? d.k : 1;
  for (let t = 0; t < d.batch; t++) {
    const aOff = d.aBatched ? t * d.m * d.k : 0;
    const bOff = d.bBatched ? t * d.k * d.n : 0;
    for (let i = 0; i < d.m; i++) {
      for (let j = 0; j < d.n; j++) {
        const acc = new SumAcc();
        for (let p = 0; p < d.k; p++) acc.add(mulBox(boxAt(A, aOff + i * aRow + p * aCol), boxAt(B, bOff + j * bCol + p * bRow)));
        done(t * d.m * d.n + i * d.n + j, acc, j);
      }
    }
  }
}

const linearRule: Rule = (n, [X, W, Bias]) => {
  const [sx, sw] = n.inputs.map((x) => x.shape) as [number[], number[]];
  const d = matmulDims(sx, sw, { transA: false, transB: true });
  const { act, alpha } = n.attrs as { act: string; alpha: number };
  const actDef = act === 'none' ? null : (registry[act as 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu'] as OpDef<any>);
  const f = actDef ? scalarKernel(actDef, { alpha }, [], [false]) : (v: number[]) => v[0]!;
  const range = ({ sigmoid: [0, 1], tanh: [-1, 1], relu: POS } as Record<string, [number, number]>)[act];
  const kind: Kind = act === 'sigmoid' || act === 'tanh' ? 'approx' : act === 'leakyRelu' ? 'rounded' : 'exact';
  const out = newBound(sizeOf(n.shape));
  // As the CPU kernel: the product is stored (float32), then act(stored + bias).
  products(d, false, true, X!, W!, (o, acc, j) => {
    const s = settle(acc.result(), 'approx', false);
    const z = settle(combine([s, boxAt(Bias!, j)], (v) => v[0]! + v[1]!), 'rounded', false);
    const y = settle(combine([z], f), kind, false);
    if (range && !Number.isNaN(y.lo)) [y.lo, y.hi] = [Math.max(y.lo, range[0]), Math.min(y.hi, range[1])];
    put(out, o, y);
  });
  return out;
};

/** Bounds of softmax (or logSoftmax) of one row, given its elements' boxes. */
function rowBounds(X: Bound, idx: number[], log: boolean): Box[] {
  const len = idx.length;
  const xs = idx.map((i) => boxAt(X, i));
  const extra = (len + 2) * 2 * U;
  const done = (b: Box): Box => {
    const w = widen(b, 'approx');
    return Number.isNaN(w.lo) ? w : { lo: w.lo - extra, hi: w.hi + extra, nan: w.nan };
  };
  if (xs.every(isExact)) {
    const row = Float64Array.from(xs, (x) => x.lo);
    const res = new Float64Array(len);
    const def = registry[log ? 'logSoftmax' : 'softmax'] as OpDef<any>;
    def.cpu({ ins: [row], inShapes: [[len]], out: res, outShape: [len], attrs: { axis: 0 }, scalars: [] });
    return Array.from(res, (v) => done(Number.isNaN(v) ? NAN_BOX : { lo: v, hi: v, nan: false }));
  }
  if (xs.some((x) => x.nan || !Number.isFinite(x.lo) || !Number.isFinite(x.hi))) {
    return xs.map(() => ({ lo: log ? -Infinity : 0, hi: log ? 0 : 1, nan: true }));
  }
  // logSoftmax_i = -log(1 + sum_{j != i} exp(x_j - x_i)): increasing in x_i, decreasing in x_j.
  const lse0 = (ds: number[]): number => {
    const m = Math.max(0, ...ds);
    return m + Math.log(Math.exp(-m) + ds.reduce((s, v) => s + Math.exp(v - m), 0));
  };
  return xs.map((xi, i) => {
    const lo = -lse0(xs.flatMap((xj, j) => (j === i ? [] : [xj.hi - xi.lo])));
    const hi = -lse0(xs.flatMap((xj, j) => (j === i ? [] : [xj.lo - xi.hi])));
    return done(log ? { lo, hi, nan: false } : { lo: Math.exp(lo), hi: Math.exp(hi), nan: false });
  });
}

/** Row indices along `axis` (a 0-d tensor is one row of one). */
function rows(shape: readonly number[], axis: number): number[][] {
  if (shape.length === 0) return [[0]];
  const { outer, len, inner } = axisSplit(shape, axis);
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(Array.from({ length: len }, (_, k) => o * len * inner + i + k * inner));
  return out;
}

function softmaxRule(log: boolean): Rule {
  return (n, [X]) => {
    const out = newBound(sizeOf(n.shape));
    for (const idx of rows(n.shape, n.attrs.axis as number)) {
      rowBounds(X!, idx, log).forEach((b, k) => put(out, idx[k]!, settle(b, 'exact', false)));
    }
    return out;
  };
}

const argmaxRule: Rule = (n, [X]) => {
  const s = n.inputs[0]!.shape;
  const { axis } = n.attrs as { axis: number };
  const out = newBound(sizeOf(n.shape));
  const def = registry.argmax as OpDef<any>;
  rows(s, axis).forEach((idx, o) => {
    // A subnormal may be compared as 0 (flushed): then it is not exact.
    const xs = idx.map((i) => {
      const x = boxAt(X!, i);
      return isExact(x) && x.lo !== 0 && Math.abs(x.lo) < TINY ? { lo: Math.min(x.lo, 0), hi: Math.max(x.lo, 0), nan: false } : x;
    });
    if (xs.every(isExact)) {
      const res = new Int32Array(1);
      def.cpu({ ins: [Float64Array.from(xs, (x) => x.lo)], inShapes: [[idx.length]], out: res, outShape: [], attrs: { axis: 0, keepdim: false }, scalars: [] });
      put(out, o, { lo: res[0]!, hi: res[0]!, nan: false });
      return;
    }
    // Any element that may be NaN (NaN wins) or may reach the largest lower end can win.
    const best = Math.max(...xs.map((x) => (Number.isNaN(x.lo) ? -Infinity : x.lo)));
    const cands = xs.flatMap((x, k) => (x.nan || Number.isNaN(x.lo) || x.hi >= best ? [k] : []));
    put(out, o, { lo: Math.min(...cands), hi: Math.max(...cands), nan: false });
  });
  return out;
};

/**
 * Cross-entropy as PyTorch defines it, mean of -logSoftmax(x)[label]: a kernel computing
 * max + logsumexp - x[label] loses the answer to cancellation once logits are large.
 */
const xentRule: Rule = (n, [X, L]) => {
  const [rowsN, classes] = n.inputs[0]!.shape as [number, number];
  const acc = new SumAcc();
  for (let r = 0; r < rowsN; r++) {
    const lsm = rowBounds(X!, Array.from({ length: classes }, (_, j) => r * classes + j), true)[L!.lo[r]!]!;
    acc.add(Number.isNaN(lsm.lo) ? NAN_BOX : { lo: -lsm.hi, hi: -lsm.lo, nan: lsm.nan });
  }
  const out = newBound(1);
  put(out, 0, settle(divideBy(acc.result(), rowsN), 'approx', false));
  return out;
};

const xentBackwardRule: Rule = (n, [X, L, G]) => {
  const [rowsN, classes] = n.inputs[0]!.shape as [number, number];
  const out = newBound(rowsN * classes);
  const g = boxAt(G!, 0);
  for (let r = 0; r < rowsN; r++) {
    const p = rowBounds(X!, Array.from({ length: classes }, (_, j) => r * classes + j), false);
    p.forEach((pj, j) => {
      const q = j === L!.lo[r] ? widen(combine([pj], (v) => v[0]! - 1), 'rounded') : pj;
      put(out, r * classes + j, settle(divideBy(mulBox(q, g), rowsN), 'approx', false));
    });
  }
  return out;
};

/** A mean-reduced loss of per-element terms: the op's CPU kernel on one element is its term. */
function pairLossRule(crit?: Crit): Rule {
  return (n, [P, Y]) => {
    const f = scalarKernel(n.def!, n.attrs, n.scalars, [false, false]);
    const size = sizeOf(n.inputs[0]!.shape);
    const acc = new SumAcc();
    for (let i = 0; i < size; i++) acc.add(widen(combine([boxAt(P!, i), boxAt(Y!, i)], f, { crit }), 'approx'));
    const out = newBound(1);
    put(out, 0, settle(divideBy(acc.result(), size), 'approx', false));
    return out;
  };
}

/** A loss backward (input, target, g): the one-element kernel computes g * term; divide by N. */
function lossBackwardRule(crit?: Crit): Rule {
  return (n, ins) => {
    const size = sizeOf(n.shape);
    const b = elementwise(n, ins, crit);
    for (let i = 0; i < size; i++) put(b, i, divideBy(boxAt(b, i), size));
    return settleAll(b, 'approx', false);
  };
}

const mseRule: Rule = (n, [A, B]) => {
  const size = sizeOf(n.inputs[0]!.shape);
  const acc = new SumAcc();
  for (let i = 0; i < size; i++) {
    const d = widen(combine([boxAt(A!, i), boxAt(B!, i)], (v) => v[0]! - v[1]!), 'rounded');
    acc.add(widen(combine([d], (v) => v[0]! * v[0]!), 'rounded'));
  }
  const out = newBound(1);
  put(out, 0, settle(divideBy(acc.result(), size), 'approx', false));
  return out;
};

/** Data movement: the CPU kernel itself moves the low ends, the high ends and the NaN flags. */
const layoutRule: Rule = (n, ins) => {
  const size = sizeOf(n.shape);
  const def = n.def!;
  const nondiff = def.nondiff ?? [];
  const run = (part: (b: Bound) => Float64Array): Float64Array => {
    const out = new Float64Array(size);
    const arrs: Arr[] = ins.map((b, k) => (nondiff.includes(k) ? Int32Array.from(b.lo) : part(b)));
    def.cpu({ ins: arrs, inShapes: n.inputs.map((x) => x.shape), out, outShape: n.shape, attrs: n.attrs, scalars: n.scalars });
    return out;
  };
  const nan = run((b) => Float64Array.from(b.nan));
  return { lo: run((b) => b.lo), hi: run((b) => b.hi), nan: Uint8Array.from(nan, (v) => (v ? 1 : 0)) };
};

/** indexSelectBackward: out row r sums the rows of g whose index is r. */
const scatterAddRule: Rule = (n, [G, I]) => {
  const w = sizeOf(n.shape.slice(1));
  const accs = Array.from({ length: sizeOf(n.shape) }, () => new SumAcc());
  I!.lo.forEach((r, i) => {
    for (let j = 0; j < w; j++) accs[r * w + j]!.add(boxAt(G!, i * w + j));
  });
  const out = newBound(accs.length);
  accs.forEach((acc, o) => put(out, o, settle(acc.result(), 'exact', false)));
  return out;
};

/** Dropout (and its backward): the mask from the CPU kernel, on ones; dropped is 0, kept is x * scale. */
const dropoutRule: Rule = (n, [X]) => {
  const size = sizeOf(n.shape);
  const mask = new Float64Array(size);
  n.def!.cpu({ ins: [new Float64Array(size).fill(1)], inShapes: [n.shape], out: mask, outShape: n.shape, attrs: n.attrs, scalars: n.scalars });
  const out = newBound(size);
  for (let i = 0; i < size; i++) {
    const m = mask[i]!;
    put(out, i, m === 0 ? { lo: -0, hi: 0, nan: false } : settle(combine([boxAt(X!, i)], (v) => v[0]! * m), 'rounded', false));
  }
  return out;
};

function noInputRule(kind: Kind): Rule {
  return (n) => {
    const size = sizeOf(n.shape);
    const vals = n.dtype === 'int32' ? new Int32Array(size) : new Float64Array(size);
    n.def!.cpu({ ins: [], inShapes: [], out: vals, outShape: n.shape, attrs: n.attrs, scalars: n.scalars });
    return settleAll(exactBound(vals), kind, n.dtype === 'int32');
  };
}

const effect: Rule = (n) => {
  throw new Error(`fuzz bound model: the effect ${n.def!.name} never appears in a fuzz graph`);
};

/** The fused kernels are chosen by the plan (src/passes/fuse.ts); the graph records the ops they replace. */
const planOnly: Rule = (n) => {
  throw new Error(`fuzz bound model: the fused kernel ${n.def!.name} is never recorded in a graph`);
};

// Critical points: where an op turns (so its extremes over an interval are not at the ends),
// or where a factor vanishes (an infinite other factor then makes NaN there only).
const critAt = (points: number[]): Crit => (k) => (k === 0 ? points : []);
/** eq can be true inside an interval: try the other side's ends. */
const eqCrit: Crit = (k, xs) => [xs[1 - k]!.lo, xs[1 - k]!.hi];
/** A float -> int32 cast changes rule at the int32 range's ends (saturation, or a wrapping store). */
const castCrit = critAt([INT32_MAX, INT32_MAX + 1, INT32_MIN, INT32_MIN - 1]);
/**
 * pow(1, y) = 1 and pow(-1, +-Infinity) = 1 even for a NaN or infinite y (C's pow); a negative
 * base gives finite values only at integer exponents: try those near the ends.
 */
const powCrit: Crit = (k, [a, b]) => {
  if (k === 0) return [1, -1];
  if (!(a!.lo < 0)) return [];
  const [lo, hi] = [b!.lo, b!.hi];
  // Odd and even integers (finite powers of both signs) and half-integers (NaN), near the
  // ends, or anywhere for an unbounded exponent (2^24 - 1 is the largest odd float32).
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0.5, -0.5, 1, -1, 2, -2, 16777215, -16777215];
  return [Math.ceil(lo), Math.ceil(lo) + 1, Math.floor(hi), Math.floor(hi) - 1, Math.floor(lo) + 0.5, Math.ceil(hi) - 0.5];
};
/** binaryCrossEntropy's term is smallest at p = y. */
const bceCrit: Crit = (k, [, y]) => (k === 0 && isExact(y!) ? [y!.lo] : []);
/** bceWithLogits' term is smallest at x = logit(y), and bends at 0. */
const logitCrit: Crit = (k, [, y]) => (k === 0 && isExact(y!) ? [Math.log(y!.lo / (1 - y!.lo)), 0] : []);

/** sin and cos: the extremes inside the interval; a wide or far interval may reach anything in [-1, 1]. */
function periodic(offset: number): Rule {
  return (n, [x]) => {
    const crit: Crit = (_, [b]) => {
      const { lo, hi } = b!;
      if (!(hi - lo < 2 * Math.PI) || Math.abs(lo) > 1e6 || Math.abs(hi) > 1e6) return [];
      const out: number[] = [];
      for (let k = Math.ceil((lo - offset) / Math.PI); k * Math.PI + offset < hi; k++) out.push(k * Math.PI + offset);
      return out;
    };
    const b = elementwise(n, [x!], crit);
    for (let i = 0; i < b.lo.length; i++) {
      const { lo, hi } = boxAt(x!, i);
      if (lo !== hi && !Number.isNaN(lo) && (!(hi - lo < 2 * Math.PI) || Math.abs(lo) > 1e6 || Math.abs(hi) > 1e6)) {
        b.lo[i] = -1;
        b.hi[i] = 1;
      }
    }
    return settleAll(b, 'approx', false, [-1, 1]);
  };
}

const POS: [number, number] = [0, Infinity];

/** One rule per registry op: tsc rejects an op the fuzzer cannot judge. */
const RULES: Record<OpName, Rule> = {
  matmul: matmulRule,
  linear: linearRule,
  add: pointwise('rounded'),
  sub: pointwise('rounded'),
  mul: pointwise('rounded'),
  div: pointwise('approx'),
  pow: pointwise('approx', powCrit),
  eq: pointwise('exact', eqCrit),
  gt: pointwise('exact'),
  lt: pointwise('exact'),
  where: pointwise('exact'),
  cast: pointwise('exact', castCrit),
  neg: pointwise('exact'),
  exp: pointwise('approx', undefined, POS),
  log: pointwise('approx'),
  square: pointwise('rounded', undefined, POS),
  abs: pointwise('exact', undefined, POS),
  sqrt: pointwise('approx', undefined, POS),
  sin: periodic(Math.PI / 2),
  cos: periodic(0),
  sign: pointwise('exact'),
  sigmoid: pointwise('approx', undefined, [0, 1]),
  tanh: pointwise('approx', undefined, [-1, 1]),
  relu: pointwise('exact', undefined, POS),
  leakyRelu: pointwise('rounded'),
  sigmoidBackward: pointwise('approx', critAt([0.5, 1])),
  tanhBackward: pointwise('approx', critAt([1, -1])),
  reluBackward: pointwise('exact'),
  leakyReluBackward: pointwise('rounded'),
  sum: reduceRule(false),
  mean: reduceRule(true),
  broadcastTo: layoutRule,
  argmax: argmaxRule,
  softmax: softmaxRule(false),
  logSoftmax: softmaxRule(true),
  softmaxCrossEntropy: xentRule,
  softmaxCrossEntropyBackward: xentBackwardRule,
  binaryCrossEntropy: pairLossRule(bceCrit),
  binaryCrossEntropyBackward: lossBackwardRule(bceCrit),
  bceWithLogits: pairLossRule(logitCrit),
  bceWithLogitsBackward: lossBackwardRule(logitCrit),
  mseLoss: mseRule,
  dropout: dropoutRule,
  dropoutBackward: dropoutRule,
  reshape: layoutRule,
  copy: layoutRule,
  detach: layoutRule,
  transpose: layoutRule,
  cat: layoutRule,
  narrow: layoutRule,
  indexSelect: layoutRule,
  indexSelectBackward: scatterAddRule,
  full: noInputRule('exact'),
  arange: noInputRule('approx'),
  linspace: noInputRule('approx'),
  assign: effect,
  assignRange: effect,
  sgdMulti: effect,
  adamMulti: effect,
  historyWrite: effect,
  linearPre: planOnly,
  matmulActBackward: planOnly,
  linearParamGrad: planOnly,
  softmaxCrossEntropyFused: planOnly,
};

/** Walk the recorded graph (before anything runs: a run drops a node's inputs) and bound every node. */
async function boundsOf(outputs: (Tensor | null)[]): Promise<(Bound | null)[]> {
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const t of outputs) {
    if (!t) continue;
    const stack: [Node, number][] = [[t.node, 0]];
    if (seen.has(t.node)) continue;
    seen.add(t.node);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top[0].inputs[top[1]++];
      if (child === undefined) {
        order.push(top[0]);
        stack.pop();
      } else if (!seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    }
  }
  const bounds = new Map<Node, Bound>();
  for (const n of order) {
    if (n.isLeaf) {
      bounds.set(n, exactBound(await Tensor.fromVariable(n.variable!).data()));
    } else {
      bounds.set(n, RULES[n.def!.name as OpName](n, n.inputs.map((x) => bounds.get(x)!)));
    }
  }
  return outputs.map((t) => (t ? bounds.get(t.node)! : null));
}

// ---- running and judging a graph ---------------------------------------------------------------

interface Output {
  label: string;
  values: Float32Array | Int32Array | null;
}

interface Outcome {
  error?: string;
  outputs: Output[];
  bounds?: (Bound | null)[];
}

type Side = 'cpu' | 'webgpu';

const pct = (k: number, n: number): string => `${((100 * k) / Math.max(n, 1)).toFixed(1)}%`;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Build `g` on the current backend, backward, read every result; with `withBounds`, bound them first. */
async function runGraph(g: GraphDesc, withBounds: boolean): Promise<Outcome> {
  manualSeed(g.seed);
  let built: ReturnType<typeof buildGraph>;
  try {
    built = buildGraph(g);
    built.loss?.backward();
  } catch (e) {
    return { error: `building: ${message(e)}`, outputs: [] };
  }
  const named: [string, Tensor | null][] = [];
  g.steps.forEach((s, i) => {
    if (s.kind === 'op') named.push([`v${i}`, built.values[i]!]);
  });
  if (built.loss) named.push(['loss', built.loss]);
  g.steps.forEach((s, i) => {
    if (s.kind === 'leaf' && s.requiresGrad) named.push([`grad v${i}`, built.values[i]!.grad]);
  });
  const bounds = withBounds ? await boundsOf(named.map(([, t]) => t)) : undefined;
  const outputs: Output[] = [];
  try {
    for (const [label, t] of named) outputs.push({ label, values: t ? await t.data() : null });
  } catch (e) {
    return { error: `running: ${message(e)}`, outputs: [] };
  }
  return { outputs, bounds };
}

function allowed(b: Bound, i: number): string {
  const range = Number.isNaN(b.lo[i]!) ? '' : b.lo[i] === b.hi[i] ? fmtNum(b.lo[i]!) : `[${fmtNum(b.lo[i]!)}, ${fmtNum(b.hi[i]!)}]`;
  return range && b.nan[i] ? `${range} or NaN` : range || 'NaN';
}

interface Judgement {
  problems: string[];
  /** Each problem's kind and place: 'webgpu:exp' (a WebGPU value of an exp step outside its bound), 'cpu:grad', 'webgpu threw: ...'. */
  kinds: Set<string>;
  elements: number;
  /** Elements the model could not pin down at all (any value or NaN). */
  unconstrained: number;
  /** Elements pinned to one class and to within 1e-3 * max(1, |value|). */
  tight: number;
  sameError: boolean;
}

/**
 * Check each side's results against the bounds, and the sides against each other (errors,
 * which gradients exist, dtypes). A side may be missing: shrinking often needs only one.
 */
function judge(g: GraphDesc, sides: Partial<Record<Side, Outcome>>, bounds: (Bound | null)[] | undefined): Judgement {
  const j: Judgement = { problems: [], kinds: new Set(), elements: 0, unconstrained: 0, tight: 0, sameError: false };
  const { cpu, webgpu } = sides;
  const present = (['cpu', 'webgpu'] as const).filter((s) => sides[s]);
  const opOf = (label: string): string => {
    const step = g.steps[Number(label.slice(1))];
    return label.startsWith('v') && step?.kind === 'op' ? step.op : label.split(' ')[0]!;
  };
  if (cpu?.error !== undefined && cpu.error === webgpu?.error) {
    j.sameError = true;
    return j;
  }
  for (const side of present) {
    const err = sides[side]!.error;
    if (err === undefined) continue;
    j.problems.push(`${side} threw: ${err}${cpu && webgpu ? ` (the ${side === 'cpu' ? 'webgpu' : 'cpu'} run ${sides[side === 'cpu' ? 'webgpu' : 'cpu']!.error ? 'threw too' : 'did not'})` : ''}`);
    j.kinds.add(`${side} threw: ${err.slice(0, 60)}`);
  }
  const ran = present.filter((s) => sides[s]!.error === undefined);
  if (ran.length === 0 || !bounds) return j;
  const outputs = sides[ran[0]!]!.outputs;
  const limit = 6;
  outputs.forEach((out, k) => {
    const b = bounds[k];
    const vals = Object.fromEntries(ran.map((s) => [s, sides[s]!.outputs[k]!.values])) as Partial<Record<Side, Float32Array | Int32Array | null>>;
    const op = opOf(out.label);
    if (ran.length === 2) {
      const [c, w] = [vals.cpu, vals.webgpu];
      if ((c === null) !== (w === null)) {
        j.problems.push(`${out.label}: cpu ${c ? 'has' : 'has no'} gradient, webgpu ${w ? 'has' : 'has no'}`);
        j.kinds.add('gradient presence');
        return;
      }
      if (c && w && (c.constructor !== w.constructor || c.length !== w.length)) {
        j.problems.push(`${out.label}: cpu ${c.constructor.name}(${c.length}), webgpu ${w.constructor.name}(${w.length})`);
        j.kinds.add(`dtype:${op}`);
        return;
      }
    }
    const first = vals[ran[0]!];
    if (!b || !first) return;
    let shown = 0;
    for (let i = 0; i < first.length; i++) {
      j.elements++;
      if (b.lo[i] === -Infinity && b.hi[i] === Infinity && b.nan[i]) j.unconstrained++;
      else if (!b.nan[i] || Number.isNaN(b.lo[i]!)) if (!(b.hi[i]! - b.lo[i]! > 1e-3 * Math.max(1, Math.abs(b.lo[i]!)))) j.tight++;
      const outside = ran.filter((s) => !accepts(b, i, vals[s]![i]!));
      if (outside.length === 0) continue;
      for (const s of outside) j.kinds.add(`${s}:${op}`);
      if (shown++ < limit) {
        const got = ran.map((s) => `${s} ${fmtNum(vals[s]![i]!)}`).join(', ');
        const note = outside.length === ran.length ? (ran.length === 2 ? ' (both outside)' : '') : ` (${outside[0]} outside)`;
        j.problems.push(`${out.label}[${i}]: ${got}; allowed ${allowed(b, i)}${note}`);
      }
    }
    if (shown > limit) j.problems.push(`${out.label}: ... ${shown - limit} more elements`);
  });
  return j;
}

async function use(side: Side): Promise<void> {
  if (side === 'cpu') await setBackend('cpu');
  else await startWebGpu();
}

/**
 * Judge one graph alone. A problem seen on one side needs only that side (bounds come from
 * its own graph walk): no backend switch per try, which keeps shrinking quick.
 */
async function runAlone(g: GraphDesc, need: Side | 'both'): Promise<Judgement> {
  if (need !== 'both') {
    const o = await runGraph(g, true);
    return judge(g, { [need]: o }, o.bounds);
  }
  await use('cpu');
  const cpu = await runGraph(g, true);
  await use('webgpu');
  const webgpu = await runGraph(g, false);
  return judge(g, { cpu, webgpu }, cpu.bounds);
}

const sideOf = (kind: string): Side | 'both' => (kind.startsWith('cpu') ? 'cpu' : kind.startsWith('webgpu') ? 'webgpu' : 'both');

/** The graphs fast-check generates for SEED, in order (a replay with `path: "i"` starts from graph i). */
function generate(): GraphDesc[] {
  const graphs: GraphDesc[] = [];
  fc.check(
    fc.property(graphArb, (g) => {
      graphs.push(g);
      return true;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  return graphs;
}

/** Shrink graph `index`, keeping the problem `kind` (so shrinking does not wander off to another bug). */
async function shrink(index: number, kind: string): Promise<{ graph: GraphDesc; judgement: Judgement } | null> {
  const need = sideOf(kind);
  if (need !== 'both') await use(need);
  let last: GraphDesc | null = null;
  await fc.check(
    fc.asyncProperty(graphArb, async (g) => {
      if (!(await runAlone(g, need)).kinds.has(kind)) return true;
      last = g;
      return false;
    }),
    { seed: SEED, numRuns: RUNS, path: String(index), interruptAfterTimeLimit: SHRINK_MS },
  );
  if (!last) return null;
  // The smallest graph, on both backends, for the report.
  return { graph: last, judgement: await runAlone(last, 'both') };
}

afterAll(async () => {
  await setBackend('cpu');
});

it(
  `webgpu agrees with the cpu reference on ${RUNS} random graphs (FUZZ_SEED=${SEED})`,
  async () => {
    const t0 = performance.now();
    const all = generate();
    // Each graph with a full() step is followed by its twin: the same structure with other
    // fill values, so a plan cache whose key conflates them (NaN, +-Infinity, -0) replays the
    // first graph's plan for the second.
    const cases = (ONLY === null ? all.map((g, i) => [g, i] as const) : [[all[ONLY]!, ONLY] as const]).flatMap(([g, index]) => {
      const t = twin(g);
      return [{ graph: g, index, twin: false }, ...(t ? [{ graph: t, index, twin: true }] : [])];
    });
    const graphs = cases.map((c) => c.graph);
    const name = (c: { index: number; twin: boolean }): string => `#${c.index}${c.twin ? ' (twin)' : ''}`;
    const t1 = performance.now();

    await setBackend('cpu');
    const refs: Outcome[] = [];
    for (const g of graphs) refs.push(await runGraph(g, true));
    const t2 = performance.now();

    await use('webgpu');
    const failures: { graph: GraphDesc; index: number; twin: boolean; problems: string[]; kinds: Set<string> }[] = [];
    let elements = 0;
    let unconstrained = 0;
    let tight = 0;
    const sameErrors: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const j = judge(graphs[i]!, { cpu: refs[i]!, webgpu: await runGraph(graphs[i]!, false) }, refs[i]!.bounds);
      elements += j.elements;
      unconstrained += j.unconstrained;
      tight += j.tight;
      if (j.sameError) sameErrors.push(`${name(cases[i]!)}: ${refs[i]!.error}`);
      if (j.problems.length > 0) failures.push({ ...cases[i]!, problems: j.problems, kinds: j.kinds });
    }
    const t3 = performance.now();

    const ops = new Map<string, number>();
    for (const g of graphs) for (const s of g.steps) if (s.kind === 'op') ops.set(s.op, (ops.get(s.op) ?? 0) + 1);
    const summary = [
      `fuzz: ${graphs.length} graphs (${graphs.length - all.length} twins), seed ${SEED}: generate ${((t1 - t0) / 1000).toFixed(1)} s, cpu ${((t2 - t1) / 1000).toFixed(1)} s, webgpu ${((t3 - t2) / 1000).toFixed(1)} s`,
      `  ${elements} elements compared: ${pct(tight, elements)} held to 1e-3 or an exact class, ${pct(unconstrained, elements)} unconstrained; ${sameErrors.length} graphs threw the same error on both`,
      `  ops: ${[...ops].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  ${failures.length} graphs diverge${failures.length ? `: ${failures.map(name).join(', ')}` : ''}`,
    ];
    console.log(summary.join('\n'));

    // A graph that throws the same error on both backends counts as agreeing, but the
    // generator means to make valid graphs only: more than a few is a generator bug.
    const tooManyErrors = sameErrors.length > Math.ceil(graphs.length * 0.02);
    if (failures.length === 0 && !tooManyErrors) return;

    // Shrink one failing graph per kind of problem (at most SHRINK_COUNT); list the rest.
    const report: string[] = [];
    const rest: string[] = [];
    const indent = (text: string): string[] => text.split('\n').map((l) => `  ${l}`);
    const covered = new Set<string>();
    let shrinks = 0;
    // Errors first, then a step's own op: a wrong loss or gradient is usually a consequence.
    const rank = (k: string): number => (k.includes('threw') ? 0 : k.endsWith(':loss') ? 2 : k.endsWith(':grad') ? 3 : 1);
    for (const f of failures) {
      const kind = [...f.kinds].sort((a, b) => rank(a) - rank(b)).find((k) => !covered.has(k));
      if (f.twin && failures.some((o) => o.index === f.index && !o.twin)) {
        rest.push(`--- graph ${name(f)} (${[...f.kinds].join('; ')})`, ...f.problems.slice(0, 3).map((p) => `  ${p}`));
        continue;
      }
      if (f.twin) {
        // The first graph is right, its twin (run right after it) wrong: they share something they should not.
        report.push(`--- graph ${name(f)}, run right after graph #${f.index} (FUZZ_SEED=${SEED} FUZZ_PATH=${f.index} replays both):`);
        report.push(...f.problems.map((p) => `  ${p}`), '  the first graph:', ...indent(all[f.index]!.toString()), '  its twin:', ...indent(f.graph.toString()));
        continue;
      }
      if (kind === undefined || shrinks >= SHRINK_COUNT) {
        rest.push(`--- graph ${name(f)} (${[...f.kinds].join('; ')})`, ...f.problems.slice(0, 3).map((p) => `  ${p}`));
        continue;
      }
      shrinks++;
      covered.add(kind);
      report.push(`--- graph ${name(f)} (replay: FUZZ_SEED=${SEED} FUZZ_PATH=${f.index}; ${[...f.kinds].join('; ')})`, ...f.problems.map((p) => `  ${p}`));
      const small = await shrink(f.index, kind);
      if (small) {
        report.push(`  shrunk, keeping "${kind}", to:`, ...indent(small.graph.toString()), ...small.judgement.problems.map((p) => `    ${p}`));
        // What the small graph shows is covered: later graphs need a kind of their own.
        for (const k of small.judgement.kinds) covered.add(k);
      } else {
        report.push('  does not fail when run alone (it depends on the graphs run before it):', ...indent(all[f.index]!.toString()));
      }
      if (VERBOSE) report.push('  the original graph:', ...indent(all[f.index]!.toString()));
    }
    report.push(...rest);
    if (tooManyErrors) report.push(`--- ${sameErrors.length} graphs threw the same error on both backends (at most 2% may):`, ...sameErrors.slice(0, 10).map((e) => `  ${e}`));
    console.log(report.join('\n'));
    expect.fail(`${failures.length} of ${graphs.length} random graphs (twins included) diverge between webgpu and the cpu reference:\n${report.join('\n')}`);
  },
  120_000 + RUNS * 2_000 + SHRINK_COUNT * SHRINK_MS,
);
