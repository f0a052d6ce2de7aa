// The inputs an op takes, declared with the op (OpDef.samples): its shapes by role, the values
// each input must hold (its domain), dtypes, attributes and dynamic scalars. Three things are
// derived from it, so none of them is a table kept by hand: the GPU-vs-CPU walk
// (tests/gpu/cases.ts, on awkward shapes), the float64 gradient check
// (tests/unit/gradcheck.test.ts, on small shapes) and the workbench's op table
// (demos/workbench/ops.ts, on the shapes a user types, through the public `listOps()`).
//
// An op says how to make its calls from shapes, not which shapes: each consumer brings its own
// list of base shapes (1x1, primes and tile edges for the GPU; a few elements for the gradient
// check; 512x512 for the workbench) and the op maps a base shape to the shapes of its roles.
import type { DType } from '../shape.ts';

/** A shape, as samples build and hand them out (plain arrays: attributes take them as they are). */
export type Shape = number[];

/**
 * The values an input holds, so that every check draws inside the op's domain. Each consumer
 * draws them its own way (the gradient check keeps away from kinks, the workbench draws a
 * standard normal for 'any'); the domain is what the op promises to be defined on.
 */
export type Domain =
  /** Any real value. */
  | 'any'
  /** Positive, away from 0: log, sqrt, a denominator, pow's base (in [0.2, 2)). */
  | 'positive'
  /** A probability strictly inside (0, 1): binaryCrossEntropy's input. */
  | 'prob'
  /** The unit interval [0, 1]: a target, or the saved output of sigmoid or tanh. */
  | 'unit'
  /** Small integers (-2 .. 2 as floats, -3 .. 3 as int32), so comparisons tie and zeros occur. */
  | 'small-int'
  /** int32 0 or 1: a condition. */
  | 'mask'
  /** int32 class labels in [0, n). */
  | { labels: number }
  /** int32 row indices in [0, n) (an index list; repeats occur). */
  | { index: number };

export interface SampleInput {
  shape: Shape;
  dtype: DType;
  domain: Domain;
}

/** One call of the op: its inputs, attributes and dynamic scalars. */
export interface SampleCall<A = Record<string, unknown>> {
  inputs: SampleInput[];
  attrs: A;
  scalars: number[];
  /** What sets this call apart from the op's first (e.g. 'int32', 'axis 0'), for test labels. */
  variant?: string;
}

export interface OpSamples<A = Record<string, unknown>> {
  /** The shapes a user gives it, in order, each named by what it is ("A [M,K]"). */
  roles: readonly string[];
  /**
   * Shapes for the roles from one base shape of a consumer's list: one or more sets (a
   * binary op adds broadcasting pairs), or none where the base does not suit the op.
   */
  shapesFrom(base: Shape): Shape[][];
  /**
   * Its calls on shapes of the roles: the first is the plain one (the workbench runs it), the
   * others vary dtypes, attributes or scalars. Inputs beyond the roles (labels, a bias, a loss
   * gradient) are made here from the roles' shapes.
   */
  calls(shapes: Shape[]): SampleCall<A>[];
  /** The shapes the workbench starts with (default: shapesFrom([512, 512])[0]). */
  defaults?: Shape[];
  /** A few words on the attributes and the inputs made beyond the roles (the workbench shows them). */
  about?: string;
  /** Multiply-adds of its CPU reference, where that is more than one per element (products). */
  cpuWork?(shapes: Shape[]): number;
  /** Why the workbench does not offer it (a view runs no kernel; an update writes in place). */
  leftOut?: string;
}

// ---- inputs -------------------------------------------------------------------------------

export const f32 = (shape: Shape, domain: Domain = 'any'): SampleInput => ({ shape, dtype: 'float32', domain });
export const i32 = (shape: Shape, domain: Domain): SampleInput => ({ shape, dtype: 'int32', domain });
export const last = (s: Shape): number => s[s.length - 1] ?? 1;
/** The shape with its last dimension 1 (a column), and its last dimension alone (a row). */
export const column = (s: Shape): Shape => [...s.slice(0, -1), 1];
export const row = (s: Shape): Shape => [last(s)];
/** A base shape as a matrix: a 1-D one becomes one row. */
export const matrix = (s: Shape): Shape => (s.length >= 2 ? s : [1, ...s]);

/** Why the workbench leaves ops out. */
export const VIEW = "a view of its input's memory: it runs no kernel";
export const EFFECT =
  'an update that writes a tensor in place (an optimizer or state write), not an op with a result to compare; `npm run bench:kernels -- --op adam` times Adam';

/** One call with no scalars. */
export const call = <A>(inputs: SampleInput[], attrs: A, variant?: string): SampleCall<A> => ({ inputs, attrs, scalars: [], ...(variant ? { variant } : {}) });

// ---- the common kinds of op -----------------------------------------------------------------

type NoAttrs = Record<string, never>;
const NONE = {} as NoAttrs;

/** One input of any shape; `attrs` for all of its calls; `alsoInt32` adds an int32 call. */
export function unary<A = NoAttrs>(domain: Domain = 'any', attrs: A = NONE as A, opts: { alsoInt32?: boolean; about?: string; leftOut?: string } = {}): OpSamples<A> {
  return {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [call([f32(x!, domain)], attrs), ...(opts.alsoInt32 ? [call([i32(x!, 'small-int')], attrs, 'int32')] : [])],
    ...(opts.about ? { about: opts.about } : {}),
    ...(opts.leftOut ? { leftOut: opts.leftOut } : {}),
  };
}

/**
 * Two inputs that broadcast: the same shape, a column against a row, one operand with the
 * output's shape and the other a row, a single element against the shape, and an extra leading
 * 1 (the same elements, another rank). `alsoInt32` adds int32 calls.
 */
export function binary(a: Domain = 'any', b: Domain = 'any', opts: { alsoInt32?: Domain; about?: string } = {}): OpSamples<NoAttrs> {
  return {
    roles: ['a', 'b'],
    shapesFrom: (s) => [[s, s], [column(s), row(s)], [s, row(s)], [[1], s], [[1, ...s], s]],
    calls: ([x, y]) => [
      call([f32(x!, a), f32(y!, b)], NONE),
      ...(opts.alsoInt32 ? [call([i32(x!, opts.alsoInt32), i32(y!, opts.alsoInt32)], NONE, 'int32')] : []),
    ],
    about: opts.about ?? 'a and b broadcast against each other',
  };
}

/** A backward op of an activation: the saved tensor (in `saved`) and the gradient, one shape. */
export function savedAndGradient<A = NoAttrs>(saved: Domain, attrs: A = NONE as A): OpSamples<A> {
  return {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [call([f32(x!, saved), f32(x!)], attrs)],
    about: `the saved forward value and the gradient g, both of shape x${'alpha' in (attrs as object) ? `; alpha ${String((attrs as { alpha: number }).alpha)}` : ''}`,
  };
}

/** A loss of two same-shape tensors (and the loss gradient [] for its backward op). */
export function pairLoss(a: Domain, b: Domain, withGrad: boolean, about: string): OpSamples<NoAttrs> {
  return {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [call([f32(x!, a), f32(x!, b), ...(withGrad ? [f32([])] : [])], NONE)],
    about,
  };
}

/** Logits [N, C] with labels [N] in [0, C) (and the loss gradient [] when `withGrad`). */
export function logitsAndLabels(withGrad: boolean, about: string): OpSamples<NoAttrs> {
  return {
    roles: ['logits [N,C]'],
    shapesFrom: (s) => (s.length <= 2 ? [[matrix(s)]] : []),
    calls: ([s]) => [call([f32(s!), i32([s![0]!], { labels: last(s!) }), ...(withGrad ? [f32([])] : [])], NONE)],
    defaults: [[128, 10]],
    about,
  };
}

/** A product's multiply-adds: A [.., M, K] @ B [.., K, N] (batches from either side). */
export function productWork([a, b]: Shape[]): number {
  const batch = Math.max(a!.slice(0, -2).reduce((p, d) => p * d, 1), b!.slice(0, -2).reduce((p, d) => p * d, 1));
  return batch * (a!.at(-2) ?? 1) * last(a!) * last(b!);
}

/** The right operand of a product for a left one [.., M, K]: [.., K, N] with N = M + 1. */
export const rightOf = (a: Shape): Shape => [...a.slice(0, -2), last(a), (a.at(-2) ?? 1) + 1];

/** The matrix stored transposed (its last two dimensions swapped). */
export const transposed = (s: Shape): Shape => [...s.slice(0, -2), last(s), s.at(-2)!];

/** An op with no samples: for a definition that is not an op of the registry (fused.ts's extraOutput). */
export function noSamples(why: string): OpSamples<any> {
  return { roles: [], shapesFrom: () => [], calls: () => [], leftOut: why };
}
