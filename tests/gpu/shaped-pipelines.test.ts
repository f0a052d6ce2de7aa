// Shape-specialised matmul pipelines in a plan: a table whose classes ask for them gets them
// for the plan's first MAX_SHAPED_PIPELINES distinct products (a repeat of one costs
// nothing more), and the products past that bound run the generic pipeline, which reads the
// same sizes from the parameter block; every product's value equals a plain loop's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, matmul, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { MAX_SHAPED_PIPELINES } from '../../src/ops/define.ts';
import { uniformTuning } from '../../src/ops/matmul-choice.ts';
import type { ClassChoice, MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { describeLastRun, matmulTuning, setMatmulTuning } from '../../src/tools/kernels.ts';

let installed: MatmulTuning;

beforeAll(async () => {
  await setBackend('webgpu');
  installed = matmulTuning();
});

afterAll(async () => {
  setMatmulTuning(installed);
  await setBackend('cpu');
});

/** Values in [-1, 1) from a seed, the same every run. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/** [m, k] @ [k, n] as a plain loop, in float64. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) c[i * n + j]! += a[i * k + t]! * b[t * n + j]!;
  return c;
}

const CHOICES: Record<string, ClassChoice> = {
  register: { kernel: 'register', threads: 64, rows: 4, cols: 4, minGroups: 1, shaped: true },
  tiled: { kernel: 'tiled', wgM: 4, wgN: 4, reg: 4, tileK: 16, minGroups: 1, shaped: true },
};

describe('shaped pipelines per plan', () => {
  for (const [name, choice] of Object.entries(CHOICES)) {
    it(`${name}: at most ${MAX_SHAPED_PIPELINES} per plan, the rest generic, all equal to the reference`, async () => {
      setMatmulTuning(uniformTuning(choice, 0, 'test', 'forced by the test'));
      // Products [37, k] @ [k, 29] for distinct k (primes: no tile or block fits), then the first again.
      const ks = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31];
      expect(ks.length).toBeGreaterThan(MAX_SHAPED_PIPELINES);
      const m = 37;
      const n = 29;
      const want = new Float64Array(m * n);
      let sum: Tensor | null = null;
      [...ks, ks[0]!].forEach((k, i) => {
        const a = values(m * k, 2 * i + 1);
        const b = values(k * n, 2 * i + 2);
        reference(a, b, m, k, n).forEach((v, j) => (want[j]! += v));
        const p = matmul(tensor(a, { shape: [m, k] }), tensor(b, { shape: [k, n] }));
        sum = sum ? add(sum, p) : p;
      });
      const got = await sum!.data();
      for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!), `element ${j}`).toBeLessThan(1e-4);

      const run = await describeLastRun();
      const products = run!.dispatches.filter((d) => d.family === 'matmul' || d.family === 'matmul_reg');
      expect(products).toHaveLength(ks.length + 1);
      const shapedKs = products.filter((d) => d.constants.SHAPED === 1).map((d) => d.constants.DIM_K);
      const generic = products.filter((d) => d.constants.SHAPED === undefined);
      // In the plan's order: the first MAX_SHAPED_PIPELINES shapes, and the repeat of the first.
      expect(shapedKs).toEqual([...ks.slice(0, MAX_SHAPED_PIPELINES), ks[0]]);
      expect(generic).toHaveLength(ks.length - MAX_SHAPED_PIPELINES);
      for (const d of generic) expect(Object.keys(d.constants).filter((c) => c.startsWith('DIM_'))).toEqual([]);
    });
  }
});
