// Known answers at the edges of every elementwise op's domain: NaN, +-inf, +-0, subnormals,
// overflow, huge sin/cos arguments, pow's edges, and gradients there. Each expected value is
// C's (C99 Annex F) or PyTorch's documented answer, or, where both leave a value undefined
// (float -> int32 out of range), the engine's own documented rule; written out here, not
// computed by the engine. tests/fixtures/torch/domain.py writes what PyTorch computes for
// every one of these inputs, and tests/unit/domain.test.ts holds each answer to it (with
// the few known, explained differences listed there): add a case here, rerun the script.
// Shared by tests/unit/domain.test.ts (the CPU reference) and tests/gpu/domain.test.ts (both backends).
import { pow, relu, sqrt } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import type { OpName } from '../../src/ops/registry.ts';

export const f32 = Math.fround;
export const inf = Infinity;
export const TINY = 1e-40; // subnormal in float32 (below 2^-126 = 1.18e-38)
// exp overflows float32 from the f32 just above ln(FLT_MAX) = 88.72283905...
export const EXP_LAST_FINITE = 88.72283172607422;
export const EXP_FIRST_INF = 88.72283935546875;

/**
 * One known answer: op(inputs) = want. `want` may be a function of the inputs as stored
 * (float32-rounded or not), for values JavaScript's float64 Math computes exactly enough.
 * `f32only`: the answer depends on float32's range (overflow, subnormals), not on the rule.
 */
export interface Known {
  op: OpName;
  ins: number[];
  want: number | ((...xs: number[]) => number);
  attrs?: Record<string, unknown>;
  dtype?: 'int32';
  f32only?: boolean;
  /** |got - want| <= tol * max(1, |want|); default: equal to float rounding. */
  tol?: number;
}

export const k = (op: OpName, rows: [number[], Known['want'], Partial<Known>?][]): Known[] => rows.map(([ins, want, more]) => ({ op, ins, want, ...more }));
export const f32only = { f32only: true };
const trig = { tol: 1e-6 };

export const KNOWN: Known[] = [
  ...k('neg', [[[0], -0], [[-0], 0], [[NaN], NaN], [[inf], -inf], [[TINY], -f32(TINY)]]),
  ...k('exp', [
    [[NaN], NaN], [[inf], inf], [[-inf], 0], [[0], 1], [[-0], 1], [[-1e30], 0], [[1e30], inf], [[3e38], inf],
    [[100], inf, f32only], [[EXP_FIRST_INF], inf, f32only], [[-104], 0, f32only], [[TINY], 1],
    [[EXP_LAST_FINITE], (x) => Math.exp(x), { f32only: true, tol: 1e-6 }],
  ]),
  ...k('log', [
    [[-1], NaN], [[-TINY], NaN], [[-inf], NaN], [[-3e38], NaN], [[0], -inf], [[-0], -inf], [[inf], inf], [[NaN], NaN], [[1], 0],
    [[TINY], (x) => Math.log(x), { tol: 1e-6 }], [[1e-38], (x) => Math.log(x), { tol: 1e-6 }], [[3e38], (x) => Math.log(x), { tol: 1e-6 }],
  ]),
  ...k('square', [[[NaN], NaN], [[-0], 0], [[-inf], inf], [[1e20], inf, f32only], [[-3], 9], [[TINY], 0, f32only]]),
  ...k('abs', [[[-0], 0], [[-inf], inf], [[NaN], NaN], [[-TINY], f32(TINY)]]),
  ...k('sqrt', [
    [[-1], NaN], [[-TINY], NaN], [[-inf], NaN], [[-0], -0], [[0], 0], [[inf], inf], [[NaN], NaN], [[4], 2],
    [[TINY], (x) => Math.sqrt(x), { tol: 1e-6 }],
  ]),
  ...k('sin', [
    [[NaN], NaN], [[inf], NaN], [[-inf], NaN], [[0], 0], [[-0], -0], [[TINY], f32(TINY)], [[-TINY], -f32(TINY)],
    // Large arguments: the true sine of the stored number, not of a badly reduced one.
    ...[1e5, 12345.678, 1e7, -3.3e9, 1e20, 1e30, -3e38, 3.4028234663852886e38, 7.729178919452902e28].map((x): [number[], Known['want'], Partial<Known>] => [[x], (v) => Math.sin(v), trig]),
  ]),
  ...k('cos', [
    [[NaN], NaN], [[inf], NaN], [[-inf], NaN], [[0], 1], [[-0], 1], [[TINY], 1],
    ...[1e5, 12345.678, 1e7, -3.3e9, 1e20, 1e30, -3e38, 3.4028234663852886e38, 7.729178919452902e28].map((x): [number[], Known['want'], Partial<Known>] => [[x], (v) => Math.cos(v), trig]),
  ]),
  // sign(NaN) = 0 and sign(-0) = 0, as PyTorch (NumPy would give NaN for NaN).
  ...k('sign', [[[NaN], 0], [[-0], 0], [[0], 0], [[TINY], 1], [[-TINY], -1], [[inf], 1], [[-inf], -1]]),
  ...k('sigmoid', [[[NaN], NaN], [[inf], 1], [[-inf], 0], [[0], 0.5], [[-0], 0.5], [[1000], 1], [[-1000], 0]]),
  ...k('tanh', [[[NaN], NaN], [[inf], 1], [[-inf], -1], [[-0], -0], [[0], 0], [[TINY], f32(TINY)], [[20], 1], [[-20], -1]]),
  // relu(NaN) = NaN, as PyTorch (it does not hide a NaN).
  ...k('relu', [[[NaN], NaN], [[-inf], 0], [[inf], inf], [[-0], 0], [[-1], 0], [[TINY], f32(TINY)], [[-TINY], 0]]),
  ...k('leakyRelu', [[[NaN], NaN], [[-inf], -inf], [[inf], inf], [[-2], -1], [[-0], -0], [[0], 0]].map(([i, w]) => [i, w, { attrs: { alpha: 0.5 } }] as [number[], number, Partial<Known>])),
  // Backward ops: (saved tensor, upstream gradient). relu's is PyTorch's threshold_backward:
  // 0 where x <= 0, the gradient elsewhere, NaN included.
  ...k('reluBackward', [[[NaN, 3], 3], [[0, 3], 0], [[-0, 3], 0], [[-1, NaN], 0], [[TINY, 3], 3], [[2, NaN], NaN], [[inf, 3], 3]]),
  ...k('leakyReluBackward', [[[NaN, 2], 1], [[TINY, 2], 2], [[-TINY, 2], 1], [[1, NaN], NaN], [[-1, inf], inf]].map(([i, w]) => [i, w, { attrs: { alpha: 0.5 } }] as [number[], number, Partial<Known>])),
  ...k('sigmoidBackward', [[[NaN, 1], NaN], [[0.5, NaN], NaN], [[0.5, inf], inf], [[1, inf], NaN], [[0.5, 4], 1]]),
  ...k('tanhBackward', [[[NaN, 1], NaN], [[0, NaN], NaN], [[1, inf], NaN], [[0, -inf], -inf], [[0.5, 4], 3]]),

  // ---- binary ----
  ...k('add', [[[inf, -inf], NaN], [[inf, inf], inf], [[-0, -0], -0], [[0, -0], 0], [[1, -1], 0], [[3e38, 3e38], inf, f32only], [[NaN, 1], NaN], [[-inf, 1e30], -inf]]),
  ...k('sub', [[[inf, inf], NaN], [[-inf, inf], -inf], [[-0, 0], -0], [[0, 0], 0], [[-0, -0], 0], [[1, 1], 0], [[-3e38, 3e38], -inf, f32only], [[1, NaN], NaN]]),
  ...k('mul', [
    [[0, inf], NaN], [[-inf, 0], NaN], [[-0, 5], -0], [[-inf, -2], inf], [[1e30, 1e30], inf, f32only], [[NaN, 0], NaN],
    [[-TINY, 3e38], (a, b) => a * b, { tol: 1e-6 }], [[TINY, 2 ** 24], (a, b) => a * b, { tol: 1e-6 }],
    [[TINY, TINY], 0, f32only], [[-TINY, TINY], -0, f32only],
  ]),
  ...k('div', [
    [[1, 0], inf], [[-1, 0], -inf], [[1, -0], -inf], [[-1, -0], inf], [[0, 0], NaN], [[-0, 0], NaN], [[0, -0], NaN],
    [[1, inf], 0], [[-1, inf], -0], [[1, -inf], -0], [[inf, inf], NaN], [[inf, 0], inf], [[-inf, 0], -inf], [[inf, -3], -inf],
    [[0, -3], -0], [[NaN, 0], NaN], [[0, NaN], NaN],
    [[3e38, 3e38], 1], [[1e30, 3e38], (a, b) => a / b, { tol: 1e-6 }], [[-3e38, 2.5e38], (a, b) => a / b, { tol: 1e-6 }],
    [[TINY, TINY], 1], [[TINY, 1e-38], (a, b) => a / b, { tol: 1e-6 }], [[1e-5, TINY], (a, b) => a / b, { tol: 1e-6 }],
    [[1, TINY], inf, f32only], [[TINY, 3e38], 0, f32only],
  ]),
  // pow as C's pow (PyTorch follows it).
  ...k('pow', [
    // a negative finite base takes only integer exponents; odd ones keep its sign
    [[-1, 1.5], NaN], [[-8, 1 / 3], NaN], [[-2, 3], -8], [[-2, 2], 4], [[-2, -1], -0.5], [[-0.5, 3], -0.125],
    [[-3, TINY], NaN], [[-1, 1e30], 1], [[-2, 1e10], inf], [[-0.5, 1e10], 0],
    // x^0 = 1 and 1^y = 1, NaN and infinities included
    [[NaN, 0], 1], [[NaN, -0], 1], [[inf, 0], 1], [[-inf, 0], 1], [[0, 0], 1], [[-0, -0], 1],
    [[1, NaN], 1], [[1, inf], 1], [[1, -inf], 1], [[-1, inf], 1], [[-1, -inf], 1],
    // zero base
    [[0, -1], inf], [[-0, -1], -inf], [[-0, -3], -inf], [[-0, -2], inf], [[-0, -0.5], inf], [[0, -inf], inf], [[-0, -inf], inf],
    [[0, 1], 0], [[-0, 1], -0], [[-0, 3], -0], [[-0, 2], 0], [[-0, 0.5], 0], [[0, inf], 0], [[-0, inf], 0],
    // infinite exponent
    [[0.5, -inf], inf], [[-0.5, -inf], inf], [[2, -inf], 0], [[-2, -inf], 0], [[0.5, inf], 0], [[-0.5, inf], 0], [[2, inf], inf], [[-2, inf], inf],
    // infinite base
    [[-inf, -1], -0], [[-inf, -2], 0], [[-inf, -0.5], 0], [[-inf, 1], -inf], [[-inf, 3], -inf], [[-inf, 2], inf], [[-inf, 0.5], inf],
    [[inf, -1], 0], [[inf, 0.5], inf], [[inf, -inf], 0], [[inf, inf], inf],
    // NaN propagates otherwise
    [[NaN, 1], NaN], [[2, NaN], NaN], [[-1, NaN], NaN], [[0, NaN], NaN], [[NaN, inf], NaN],
    // finite values, overflow and subnormal bases
    [[2, 10], 1024], [[9, 0.5], 3], [[3, TINY], 1], [[10, 50], inf, f32only], [[10, -50], 0, f32only], [[-0.5, 301], -0, f32only],
    [[TINY, 0.5], (a, b) => a ** b, { tol: 1e-5 }], [[TINY, -0.5], (a, b) => a ** b, { tol: 1e-5 }], [[TINY, 2], 0, f32only], [[-TINY, 3], -0, f32only],
    [[-TINY, 0.5], NaN],
  ]),
  // Comparisons are false whenever an operand is NaN; -0 equals 0; subnormals are not zero.
  ...(['eq', 'gt', 'lt'] as const).flatMap((op) => {
    const cmp = { eq: (a: number, b: number) => a === b, gt: (a: number, b: number) => a > b, lt: (a: number, b: number) => a < b }[op];
    const pairs = [[NaN, NaN], [NaN, 1], [1, NaN], [0, -0], [-0, 0], [TINY, 1e-38], [1e-38, TINY], [-TINY, 0], [TINY, 0], [inf, inf], [-inf, -3e38], [inf, NaN], [-inf, inf]];
    return k(op, pairs.map(([a, b]) => [[a!, b!], cmp(f32(a!), f32(b!)) ? 1 : 0]));
  }),
  // float -> int32: truncate toward zero, saturate at the int32 range, NaN -> 0: the engine's
  // rule (src/ops/elementwise.ts castToInt32). C leaves out-of-range values undefined; PyTorch
  // on x86 gives -2147483648 for all of them and for NaN.
  ...k('cast', [
    [[1e10], 2147483647], [[-1e10], -2147483648], [[NaN], 0], [[inf], 2147483647], [[-inf], -2147483648],
    [[2.9], 2], [[-2.9], -2], [[-0], 0], [[TINY], 0], [[2147483520], 2147483520], [[2147483648], 2147483647],
    [[-2147483648], -2147483648], [[-2147483904], -2147483648], [[3e38], 2147483647],
  ].map(([i, w]) => [i, w, { attrs: { dtype: 'int32' } }] as [number[], number, Partial<Known>])),
];

/** Gradients of sum(w * f(...inputs)) at edge values, one list per input, by PyTorch's backward rules. */
export interface KnownGrad {
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: { values: number[]; shape: number[] }[];
  w?: number;
  want: number[][];
}

const vec = (values: number[]) => ({ values, shape: [values.length] });

export const KNOWN_GRADS: KnownGrad[] = [
  {
    // d/da = where(b == 0, 0, g b a^(b-1)): 0 at b = 0 (even at a = 0); 0.5 * 0^-0.5 = +inf.
    // d/db = g where(a == 0 && b >= 0, 0, out ln a): 0 for 0^b with b >= 0; NaN for a
    // negative base; 0^-1 = inf times ln 0 = -inf; a NaN exponent is not >= 0.
    name: 'pow: pow_backward_self and pow_backward_exponent',
    f: (x, y) => pow(x, y),
    inputs: [vec([0, 0, 0, 2, -2, 0, 0, 4]), vec([0, 0.5, 2, 0, 3, -1, NaN, 1.5])],
    w: 2,
    want: [
      [0, inf, 0, 0, 2 * 12, -inf, NaN, 2 * 1.5 * 2],
      [0, 0, 0, 2 * Math.LN2, NaN, -inf, NaN, 2 * 8 * Math.log(4)],
    ],
  },
  {
    // rows (0, 4, 3) and (0, 1, 2) against exponents (0, 0.5, 2): each gradient summed back
    // to its input. Column 0: 0^0 twice -> 0; column 1: 2 ln 4 + 1 ln 1; column 2: 9 ln 3 + 4 ln 2.
    name: 'pow with broadcast operands',
    f: (x, y) => pow(x, y),
    inputs: [
      { values: [0, 4, 3, 0, 1, 2], shape: [2, 3] },
      { values: [0, 0.5, 2], shape: [3] },
    ],
    want: [
      [0, 0.25, 6, 0, 0.5, 4],
      [0, 2 * Math.log(4), 9 * Math.log(3) + 4 * Math.LN2],
    ],
  },
  // relu passes the gradient through NaN (threshold_backward: 0 only where x <= 0).
  { name: 'relu through NaN', f: (x) => relu(x), inputs: [vec([NaN, -1, 0, -0, 2])], want: [[1, 0, 0, 0, 1]] },
  { name: 'sqrt at 0', f: (x) => sqrt(x), inputs: [vec([0, 4])], want: [[inf, 0.25]] },
];
