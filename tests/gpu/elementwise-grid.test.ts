// The per-element kernels on sizes that reach each of their paths, against the CPU reference:
// the vec4 items with a partial last one (n = 1, 5, 4k + 3, primes), the strided scalar
// kernels of broadcasts, and the grid-stride loop (more items than threads x maxGroups),
// under the adapter's own table, the default for GPUs, and a grid of one or three
// workgroups forced by installing a table (the rules get it in their arguments). The ops
// include the fused plan's kernels where one is per-element (the loss backward kernels, the
// short sums), and a chain recorded through the public API (a + b, relu, * 0.5, where).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relu, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef, Tuning } from '../../src/ops/define.ts';
import { DEFAULT_ELEMENTWISE, elementwiseTuning, strideGrid } from '../../src/ops/define.ts';
import { matmulTuning, setMatmulTuning } from '../../src/tools/kernels.ts';
import type { MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { sampleInputs } from './cases.ts';
import type { OpCase } from './cases.ts';
import { runCase } from './run-case.ts';

/** Element counts: one, a vec4, one past, 4k + 3, primes (4k + 1 and 4k + 3), and past 4 x 64 x 3 threads' items. */
const BASES: number[][] = [[1], [4], [5], [7], [3, 5], [13, 11], [1021], [4099]];

/** Ops with a per-element kernel (vec4 or strided), with the sample shapes each derives from a base. */
const OPS: OpName[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'eq', 'gt', 'where', 'cast',
  'neg', 'exp', 'log', 'sqrt', 'sin', 'sigmoid', 'tanh', 'relu', 'leakyRelu',
  'reluBackward', 'sigmoidBackward', 'tanhBackward', 'leakyReluBackward',
  'copy', 'reshape', 'transpose', 'full', 'arange', 'linspace', 'broadcastTo', 'indexSelect',
  'dropout', 'dropoutBackward', 'binaryCrossEntropyBackward', 'bceWithLogitsBackward', 'sum',
];

const TABLES: Record<string, (installed: MatmulTuning) => Tuning> = {
  "the adapter's table": (t) => t,
  'the default for GPUs': (t) => ({ ...t, elementwise: DEFAULT_ELEMENTWISE }),
  'one workgroup of 64 threads, looping': (t) => ({ ...t, elementwise: { wg: 64, perThread: 1, maxGroups: 1 } }),
  'three workgroups of 100 threads, 2 items each before looping': (t) => ({ ...t, elementwise: { wg: 100, perThread: 2, maxGroups: 3 } }),
};

const show = (s: number[]): string => `[${s.join(',')}]`;

function casesOf(name: OpName): OpCase[] {
  const def = registry[name] as OpDef<any>;
  const seen = new Set<string>();
  const out: OpCase[] = [];
  for (const base of BASES) {
    for (const shapes of def.samples.shapesFrom(base)) {
      for (const c of def.samples.calls(shapes)) {
        const oc: OpCase = {
          label: `${shapes.map(show).join(' ')}${c.variant ? ` ${c.variant}` : ''}`,
          inputs: c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype, kind: i.domain })),
          attrs: c.attrs,
          scalars: c.scalars,
        };
        const key = JSON.stringify([oc.inputs, oc.attrs, oc.scalars]);
        if (!seen.has(key)) {
          seen.add(key);
          out.push(oc);
        }
      }
    }
  }
  return out;
}

const CASES = OPS.flatMap((op) => casesOf(op).map((c) => ({ op, c })));
type Result = (Float32Array | Int32Array)[];
const reference = new Map<string, Result>();
let installed: MatmulTuning;

/** A chain of ops through the public API, on n elements: what a training step records. */
async function chain(n: number): Promise<number[]> {
  const xs = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 3);
  const a = tensor(xs);
  const b = tensor(xs.map((v) => v * 0.5 - 1));
  const h = relu(a.add(b)).mul(0.5);
  const out: Tensor = h.sub(a.mul(h)).neg();
  return Array.from(await out.data());
}
const CHAIN_SIZES = [1, 3, 5, 1021, 4099];
const chainRef = new Map<number, number[]>();

beforeAll(async () => {
  await setBackend('cpu');
  for (const { op, c } of CASES) reference.set(`${op} ${c.label}`, await runCase(op, c, sampleInputs(op, c)));
  for (const n of CHAIN_SIZES) chainRef.set(n, await chain(n));
  expect((await setBackend('webgpu')).name).toBe('webgpu');
  installed = matmulTuning();
});

afterAll(async () => {
  setMatmulTuning(installed);
  await setBackend('cpu');
});

function compare(what: string, got: ArrayLike<number>, ref: ArrayLike<number>): void {
  expect(got.length, `${what} length`).toBe(ref.length);
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i]!)) maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  const tol = 1e-4 * Math.max(1, maxRef);
  for (let i = 0; i < ref.length; i++) {
    const [g, r] = [got[i]!, ref[i]!];
    if (Number.isNaN(r)) expect(Number.isNaN(g), `${what}[${i}]: cpu NaN, gpu ${g}`).toBe(true);
    else if (!Number.isFinite(r)) expect(g, `${what}[${i}]`).toBe(r);
    else if (Math.abs(g - r) > tol) expect.fail(`${what}[${i}]: gpu ${g}, cpu ${r} (tolerance ${tol})`);
  }
}

describe('per-element kernels equal the cpu reference on every grid', () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(name, async () => {
      const t = table(installed);
      setMatmulTuning(t);
      // The largest case must loop under the forced grids, or this test would not reach the loop.
      const e = elementwiseTuning(t);
      if (e.maxGroups <= 3) expect(strideGrid(4099, e)[0] * e.wg).toBeLessThan(4099);
      for (const { op, c } of CASES) {
        const got = await runCase(op, c, sampleInputs(op, c));
        const ref = reference.get(`${op} ${c.label}`)!;
        expect(got.length).toBe(ref.length);
        got.forEach((g, k) => {
          expect(g.constructor.name, `${op} ${c.label} dtype`).toBe(ref[k]!.constructor.name);
          compare(`${name}: ${op} ${c.label} output ${k}`, g, ref[k]!);
        });
      }
      for (const n of CHAIN_SIZES) compare(`${name}: chain of ${n}`, await chain(n), chainRef.get(n)!);
    });
  }
});
