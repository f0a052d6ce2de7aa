// Edge values on the CPU reference: NaN, +-inf, +-0, subnormals, overflow, and the edges of
// pow's domain. Every expected value is C's (C99 Annex F) or PyTorch's documented answer,
// written out here, not computed by the engine; a few finite ones come from JavaScript's own
// Math functions in float64. tests/gpu/domain.test.ts holds WebGPU to the same answers.
import { afterAll, describe, expect, it } from 'vitest';
import { pow, relu, setBackend, sqrt, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { apply } from '../../src/runtime.ts';

const f32 = Math.fround;
const inf = Infinity;
const TINY = 1e-40; // subnormal in float32 (below 2^-126 = 1.18e-38)
// exp overflows float32 from the f32 just above ln(FLT_MAX) = 88.72283905...
const EXP_LAST_FINITE = 88.72283172607422;
const EXP_FIRST_INF = 88.72283935546875;

/**
 * One known answer: op(inputs) = want. `want` may be a function of the inputs as stored
 * (float32-rounded or not), for values JavaScript's float64 Math computes exactly enough.
 * `f32only`: the answer depends on float32's range (overflow, subnormals), not on the rule.
 */
interface Known {
  op: OpName;
  ins: number[];
  want: number | ((...xs: number[]) => number);
  attrs?: Record<string, unknown>;
  dtype?: 'int32';
  f32only?: boolean;
  /** |got - want| <= tol * max(1, |want|); default: equal to float rounding. */
  tol?: number;
}

const k = (op: OpName, rows: [number[], Known['want'], Partial<Known>?][]): Known[] => rows.map(([ins, want, more]) => ({ op, ins, want, ...more }));
const f32only = { f32only: true };
const trig = { tol: 1e-6 };

const KNOWN: Known[] = [
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
  // float -> int32: truncate toward zero, saturate at the int32 range, NaN -> 0.
  ...k('cast', [
    [[1e10], 2147483647], [[-1e10], -2147483648], [[NaN], 0], [[inf], 2147483647], [[-inf], -2147483648],
    [[2.9], 2], [[-2.9], -2], [[-0], 0], [[TINY], 0], [[2147483520], 2147483520], [[2147483648], 2147483647],
    [[-2147483648], -2147483648], [[-2147483904], -2147483648], [[3e38], 2147483647],
  ].map(([i, w]) => [i, w, { attrs: { dtype: 'int32' } }] as [number[], number, Partial<Known>])),
];

/** float32 (or float64) rounding of the inputs, as the tensor stores them. */
const round = (x: number, precision: 'float32' | 'float64'): number => (precision === 'float32' ? f32(x) : x);

/** NaN for NaN, the exact value for infinities and zeros (sign included), else within tol. */
function expectValue(got: number, want: number, tol: number, what: string): void {
  if (Number.isNaN(want)) {
    expect(got, what).toBeNaN();
  } else if (want === 0 || !Number.isFinite(want)) {
    expect(Object.is(got, want), `${what}: got ${Object.is(got, -0) ? '-0' : got}, want ${Object.is(want, -0) ? '-0' : want}`).toBe(true);
  } else {
    expect(Number.isFinite(got), `${what}: got ${got}, want ${want}`).toBe(true);
    expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
  }
}

async function runKnown(c: Known, precision: 'float32' | 'float64'): Promise<number> {
  const ins = c.ins.map((v) => tensor([v], { dtype: c.dtype }));
  const out = apply(registry[c.op] as OpDef<any>, ins, c.attrs ?? {});
  return (out.dtype === 'int32' ? await out.data() : precision === 'float64' ? await out.data64() : await out.data())[0]!;
}

function wantOf(c: Known, precision: 'float32' | 'float64'): number {
  const xs = c.ins.map((x) => round(x, precision));
  const w = typeof c.want === 'function' ? c.want(...xs) : c.want;
  return c.op === 'cast' || ['eq', 'gt', 'lt'].includes(c.op) ? w : round(w, precision);
}

const label = (c: Known): string => `${c.op}(${c.ins.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')})`;

for (const precision of ['float32', 'float64'] as const) {
  describe(`cpu ${precision}: edge values give C's and PyTorch's answers`, () => {
    afterAll(async () => {
      await setBackend('cpu');
    });
    const byOp = new Map<string, Known[]>();
    for (const c of KNOWN) if (precision === 'float32' || !c.f32only) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
    for (const [op, cases] of byOp) {
      it(op, async () => {
        await setBackend('cpu', { precision });
        for (const c of cases) expectValue(await runKnown(c, precision), wantOf(c, precision), c.tol ?? (precision === 'float32' ? 1e-7 : 1e-15), label(c));
      });
    }
  });
}

describe('int32 arithmetic wraps modulo 2^32, as WGSL and PyTorch', () => {
  it('mul keeps the low bits a float64 product has already lost', async () => {
    await setBackend('cpu');
    const a = tensor([2147483647, 65537, -2147483648, 123456789], { dtype: 'int32' });
    const b = tensor([2147483647, 65537, -1, 987654321], { dtype: 'int32' });
    // 2147483647^2 = 2^62 - 2^32 + 1; 65537^2 = 2^32 + 2^17 + 1; -(-2^31) = 2^31;
    // 123456789 * 987654321 = 121932631112635269 = 28389652 * 2^32 - 67153019.
    expect(Array.from(await a.mul(b).data())).toEqual([1, 131073, -2147483648, -67153019]);
    expect(Array.from(await a.add(tensor([1, 0, -1, 0], { dtype: 'int32' })).data())).toEqual([-2147483648, 65537, 2147483647, 123456789]);
  });
});

/** Gradients of sum(w * f(...)) at edge values, read back as plain numbers. */
async function grads(f: (...xs: Tensor[]) => Tensor, inputs: { values: number[]; shape: number[] }[], w = 1): Promise<number[][]> {
  const xs = inputs.map((x) => tensor(x.values, { shape: x.shape, requiresGrad: true }));
  f(...xs).mul(w).sum().backward();
  return Promise.all(xs.map(async (x) => Array.from(await x.grad!.data())));
}

describe('gradients at the edge of the domain, as PyTorch', () => {
  for (const precision of ['float32', 'float64'] as const) {
    it(`pow: pow_backward_self and pow_backward_exponent (${precision})`, async () => {
      await setBackend('cpu', { precision });
      const a = [0, 0, 0, 2, -2, 0, 0, 4];
      const b = [0, 0.5, 2, 0, 3, -1, NaN, 1.5];
      const [ga, gb] = await grads((x, y) => pow(x, y), [
        { values: a, shape: [8] },
        { values: b, shape: [8] },
      ], 2);
      // d/da = where(b == 0, 0, g b a^(b-1)): 0 at b = 0 (even at a = 0); 0.5 * 0^-0.5 = +inf.
      const wantA = [0, inf, 0, 0, 2 * 12, -inf, NaN, 2 * 1.5 * 2];
      // d/db = g where(a == 0 && b >= 0, 0, out ln a): 0 for 0^b with b >= 0; NaN for a
      // negative base; 0^-1 = inf times ln 0 = -inf; a NaN exponent is not >= 0.
      const wantB = [0, 0, 0, 2 * Math.LN2, NaN, -inf, NaN, 2 * 8 * Math.log(4)];
      wantA.forEach((w, i) => expectValue(ga![i]!, f32(w), 1e-6, `d pow / da at (${a[i]}, ${b[i]})`));
      wantB.forEach((w, i) => expectValue(gb![i]!, f32(w), 1e-6, `d pow / db at (${a[i]}, ${b[i]})`));
    });
  }

  it('pow with broadcast operands sums each gradient back to its input', async () => {
    await setBackend('cpu');
    const [ga, gb] = await grads((x, y) => pow(x, y), [
      { values: [0, 4, 3, 0, 1, 2], shape: [2, 3] },
      { values: [0, 0.5, 2], shape: [3] },
    ]);
    // rows (0, 4, 3) and (0, 1, 2) against exponents (0, 0.5, 2)
    expect(ga!.length).toBe(6);
    [0, 0.25, 6, 0, 0.5, 4].forEach((w, i) => expectValue(ga![i]!, w, 1e-6, `d/da[${i}]`));
    expect(gb!.length).toBe(3);
    // column 0: 0^0 twice -> 0; column 1: 2 ln 4 + 1 ln 1; column 2: 9 ln 3 + 4 ln 2
    [0, 2 * Math.log(4), 9 * Math.log(3) + 4 * Math.LN2].forEach((w, i) => expectValue(gb![i]!, f32(w), 1e-6, `d/db[${i}]`));
  });

  it('relu passes the gradient through NaN and stops it at x <= 0; sqrt at 0 is +inf', async () => {
    await setBackend('cpu');
    const [gr] = await grads((x) => relu(x), [{ values: [NaN, -1, 0, -0, 2], shape: [5] }]);
    expect(gr).toEqual([1, 0, 0, 0, 1]);
    const [gs] = await grads((x) => sqrt(x), [{ values: [0, 4], shape: [2] }]);
    expect(gs).toEqual([inf, 0.25]);
  });
});
