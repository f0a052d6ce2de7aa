// Edge values on WebGPU: NaN, +-inf, +-0, subnormals, overflow, huge sin/cos arguments and
// the edges of pow's domain. Each case runs on the CPU reference and on WebGPU: both must give
// the known answer (C's or PyTorch's, written out in tests/support/domain-known.ts), and
// over a grid of edge inputs WebGPU must give the CPU's NaN / +inf / -inf / signed-zero class,
// finite values within 1e-4 * max(1, |cpu|). WGSL leaves most of these undefined and GPUs
// (SwiftShader included) flush subnormals, so none of this holds by accident.
// No adapter is a failure, never a skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendStats, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { apply } from '../../src/engine/recorder.ts';
import { startWebGpu } from './setup.ts';

import { EXP_FIRST_INF, EXP_LAST_FINITE, KNOWN, KNOWN_GRADS, TINY, f32, inf, k } from '../support/domain-known.ts';
import type { Known } from '../support/domain-known.ts';

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

const gradResults = { cpu: new Map<string, number[][]>(), webgpu: new Map<string, number[][]>() };

async function runAll(backend: 'cpu' | 'webgpu'): Promise<void> {
  for (const c of GRID) results[backend].set(`grid/${c.name}`, await run(c.op, c.inputs, c.attrs));
  for (const c of KNOWN) results[backend].set(`known/${label(c)}`, await run(c.op, c.ins.map((v) => vec([v], c.dtype)), c.attrs));
  for (const g of KNOWN_GRADS) gradResults[backend].set(g.name, await grads(g.f, g.inputs, g.w));
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
  for (const g of KNOWN_GRADS) {
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
