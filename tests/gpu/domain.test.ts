// Edge values on WebGPU: NaN, +-inf, +-0, subnormals, overflow, huge sin/cos arguments and
// the edges of pow's domain. Each case runs on the CPU reference and on WebGPU: both must give
// the known answer (C's or PyTorch's, written out here and in tests/unit/domain.test.ts), and
// over a grid of edge inputs WebGPU must give the CPU's NaN / +inf / -inf / signed-zero class,
// finite values within 1e-4 * max(1, |cpu|). WGSL leaves most of these undefined and GPUs
// (SwiftShader included) flush subnormals, so none of this holds by accident.
// No adapter is a failure, never a skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendStats, pow, relu, setBackend, sqrt, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { apply } from '../../src/runtime.ts';
import { startWebGpu } from './setup.ts';

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

const show = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** NaN for NaN, the exact value for infinities and zeros (sign included), else within tol * max(1, |want|). */
function mismatch(got: number, want: number, tol: number): boolean {
  if (Number.isNaN(want)) return !Number.isNaN(got);
  if (want === 0 || !Number.isFinite(want)) return !Object.is(got, want);
  return !Number.isFinite(got) || Math.abs(got - want) > tol * Math.max(1, Math.abs(want));
}

function wantOf(c: Known): number {
  const xs = c.ins.map(f32);
  const w = typeof c.want === 'function' ? c.want(...xs) : c.want;
  return c.op === 'cast' || ['eq', 'gt', 'lt'].includes(c.op) ? w : f32(w);
}

const label = (c: Known): string => `${c.op}(${c.ins.map(show).join(', ')})`;

// ---- the edge grid ------------------------------------------------------------------------

const TINY_EDGE = [1e-38, -1e-38, TINY, -TINY, 1.4e-45];
const EDGE = [
  0, -0, 1, -1, 0.5, -2.5, 3, ...TINY_EDGE, EXP_LAST_FINITE, EXP_FIRST_INF, -104, 100, 1e5, 12345.678, 1e7, -3.3e9, 1e20,
  1e30, -1e30, 3e38, -3e38, NaN, inf, -inf,
];
const PAIR_EDGE = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 1.5, -3, 1 / 3, 301, 1e10, 1e-38, TINY, -TINY, 1e30, -1e30, 3e38, -3e38, NaN, inf, -inf];
// Backward ops: (saved, gradient) pairs. sigmoid's and tanh's saved tensor is the op's own
// output, so it lies in [0, 1] and [-1, 1] (outside them the CPU's float64 intermediates,
// e.g. 1 - y*y for y = 3e38, differ from any float32 kernel's); relu's is any input.
const GRAD_EDGE = [0, -0, 1, -1, 0.5, 2, TINY, -TINY, 1e30, 3e38, -3e38, NaN, inf, -inf];
const SIGMOID_SAVED = [0, -0, 0.5, 1, 1e-38, TINY, 1.4e-45, 1 - 2 ** -24, NaN];
const TANH_SAVED = [0, -0, 0.5, -0.5, 1, -1, TINY, -TINY, NaN];
const RELU_SAVED = [0, -0, 1, -1, 0.5, 2, TINY, -TINY, 3e38, NaN, inf, -inf];

interface GridCase {
  name: string;
  op: OpName;
  inputs: { values: number[]; shape: number[]; dtype?: 'int32' }[];
  attrs?: Record<string, unknown>;
}

const vec = (values: number[], dtype?: 'int32') => ({ values, shape: [values.length], dtype });
const UNARY: OpName[] = ['neg', 'exp', 'log', 'square', 'abs', 'sqrt', 'sin', 'cos', 'sign', 'sigmoid', 'tanh', 'relu'];
const BINARY: OpName[] = ['add', 'sub', 'mul', 'div', 'pow', 'eq', 'gt', 'lt'];
/** Every (a, b) with a from as and b from bs, as two flat lists. */
const pairs = (as: number[], bs: number[]) => [vec(as.flatMap((a) => bs.map(() => a))), vec(as.flatMap(() => bs))];

const GRID: GridCase[] = [
  ...UNARY.map((op) => ({ name: op, op, inputs: [vec(EDGE)] })),
  { name: 'leakyRelu', op: 'leakyRelu', inputs: [vec(EDGE)], attrs: { alpha: 0.05 } },
  { name: 'leakyRelu negative slope', op: 'leakyRelu', inputs: [vec(EDGE)], attrs: { alpha: -0.5 } },
  { name: 'sigmoidBackward', op: 'sigmoidBackward', inputs: pairs(SIGMOID_SAVED, GRAD_EDGE) },
  { name: 'tanhBackward', op: 'tanhBackward', inputs: pairs(TANH_SAVED, GRAD_EDGE) },
  { name: 'reluBackward', op: 'reluBackward', inputs: pairs(RELU_SAVED, GRAD_EDGE) },
  { name: 'leakyReluBackward', op: 'leakyReluBackward', inputs: pairs(RELU_SAVED, GRAD_EDGE), attrs: { alpha: 0.05 } },
  // Every pair, through the broadcasting path: a column against a row.
  ...BINARY.map((op) => ({
    name: op,
    op,
    inputs: [
      { values: PAIR_EDGE, shape: [PAIR_EDGE.length, 1] },
      { values: PAIR_EDGE, shape: [PAIR_EDGE.length] },
    ],
  })),
  // A float condition is true when nonzero: NaN and subnormals are, -0 is not.
  { name: 'where (float condition)', op: 'where', inputs: [vec(EDGE), vec(EDGE.map((_, i) => i + 1)), vec(EDGE.map((_, i) => -i - 1))] },
  { name: 'cast to int32', op: 'cast', inputs: [vec([...EDGE, 2147483520, 2147483648, -2147483648, -2147483904, 1e10, -1e10, 2.9, -2.9])], attrs: { dtype: 'int32' } },
  {
    name: 'int32 mul wraps',
    op: 'mul',
    inputs: [vec([2147483647, 65537, -2147483648, 123456789], 'int32'), vec([2147483647, 65537, -1, 987654321], 'int32')],
  },
];

type Out = Float32Array | Int32Array;
const results = { cpu: new Map<string, Out>(), webgpu: new Map<string, Out>() };

function run(op: OpName, inputs: { values: number[]; shape: number[]; dtype?: 'int32' }[], attrs: Record<string, unknown> = {}): Promise<Out> {
  const ins = inputs.map((x) => tensor(x.values, { shape: x.shape, dtype: x.dtype }));
  return apply(registry[op] as OpDef<any>, ins, attrs).data();
}

/** Gradients of sum(w * f(...)) at edge values. */
async function grads(f: (...xs: Tensor[]) => Tensor, inputs: { values: number[]; shape: number[] }[], w = 1): Promise<number[][]> {
  const xs = inputs.map((x) => tensor(x.values, { shape: x.shape, requiresGrad: true }));
  f(...xs).mul(w).sum().backward();
  return Promise.all(xs.map(async (x) => Array.from(await x.grad!.data())));
}

interface GradCase {
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: { values: number[]; shape: number[] }[];
  w?: number;
  /** PyTorch's gradients, one list per input. */
  want: number[][];
}

const GRADS: GradCase[] = [
  {
    // d/da = where(b == 0, 0, g b a^(b-1)); d/db = g where(a == 0 && b >= 0, 0, out ln a).
    name: 'pow: pow_backward_self and pow_backward_exponent',
    f: (x, y) => pow(x, y),
    inputs: [vec([0, 0, 0, 2, -2, 0, 0, 4]), vec([0, 0.5, 2, 0, 3, -1, NaN, 1.5])],
    w: 2,
    want: [
      [0, inf, 0, 0, 24, -inf, NaN, 6],
      [0, 0, 0, 2 * Math.LN2, NaN, -inf, NaN, 16 * Math.log(4)],
    ],
  },
  {
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
  { name: 'relu through NaN', f: (x) => relu(x), inputs: [vec([NaN, -1, 0, -0, 2])], want: [[1, 0, 0, 0, 1]] },
  { name: 'sqrt at 0', f: (x) => sqrt(x), inputs: [vec([0, 4])], want: [[inf, 0.25]] },
];

const gradResults = { cpu: new Map<string, number[][]>(), webgpu: new Map<string, number[][]>() };

async function runAll(backend: 'cpu' | 'webgpu'): Promise<void> {
  for (const c of GRID) results[backend].set(`grid/${c.name}`, await run(c.op, c.inputs, c.attrs));
  for (const c of KNOWN) results[backend].set(`known/${label(c)}`, await run(c.op, c.ins.map((v) => vec([v], c.dtype)), c.attrs));
  for (const g of GRADS) gradResults[backend].set(g.name, await grads(g.f, g.inputs, g.w));
}

let submitsBefore = 0;
beforeAll(async () => {
  await setBackend('cpu');
  await runAll('cpu');
  await startWebGpu();
  submitsBefore = backendStats().submits;
  await runAll('webgpu');
});

afterAll(async () => {
  await setBackend('cpu');
});

it('the webgpu results really came from the GPU', () => {
  expect(backendStats().submits).toBeGreaterThan(submitsBefore);
});

describe('edge grid: webgpu gives the cpu reference class and value', () => {
  for (const c of GRID) {
    it(c.name, () => {
      const ref = results.cpu.get(`grid/${c.name}`)!;
      const got = results.webgpu.get(`grid/${c.name}`)!;
      expect(got.constructor.name).toBe(ref.constructor.name);
      expect(got.length).toBe(ref.length);
      // The element's inputs: the binary ops broadcast a column [n, 1] against a row [n].
      const broadcast = c.inputs[0]!.shape.length === 2;
      const what = (i: number): string => {
        const ins = broadcast ? [PAIR_EDGE[Math.floor(i / PAIR_EDGE.length)]!, PAIR_EDGE[i % PAIR_EDGE.length]!] : c.inputs.map((x) => x.values[i]!);
        return `${c.name}(${ins.map(show).join(', ')}): gpu ${show(got[i]!)}, cpu ${show(ref[i]!)}`;
      };
      const bad: string[] = [];
      for (let i = 0; i < ref.length; i++) {
        if (ref instanceof Int32Array ? got[i] !== ref[i] : mismatch(got[i]!, ref[i]!, 1e-4)) bad.push(what(i));
      }
      expect(bad, bad.join('\n')).toEqual([]);
    });
  }
});

describe("known answers (C's and PyTorch's) on both backends", () => {
  const byOp = new Map<string, Known[]>();
  for (const c of KNOWN) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
  for (const [op, cases] of byOp) {
    it(op, () => {
      const bad: string[] = [];
      for (const c of cases) {
        const want = wantOf(c);
        for (const backend of ['cpu', 'webgpu'] as const) {
          const got = results[backend].get(`known/${label(c)}`)![0]!;
          // The CPU to float rounding; WebGPU within the GPU tolerance.
          const tol = backend === 'cpu' ? (c.tol ?? 1e-7) : 1e-4;
          if (mismatch(got, want, tol)) bad.push(`${backend}: ${label(c)} = ${show(got)}, want ${show(want)}`);
        }
      }
      expect(bad, bad.join('\n')).toEqual([]);
    });
  }
});

describe('gradients at the edge of the domain (PyTorch) on both backends', () => {
  for (const g of GRADS) {
    it(g.name, () => {
      const bad: string[] = [];
      for (const backend of ['cpu', 'webgpu'] as const) {
        const got = gradResults[backend].get(g.name)!;
        g.want.forEach((want, k) => {
          expect(got[k]!.length).toBe(want.length);
          want.forEach((w, i) => {
            if (mismatch(got[k]![i]!, f32(w), backend === 'cpu' ? 1e-6 : 1e-4)) bad.push(`${backend}: input ${k}[${i}] = ${show(got[k]![i]!)}, want ${show(w)}`);
          });
        });
      }
      expect(bad, bad.join('\n')).toEqual([]);
    });
  }
});
