// The GPU registry walk: every op and backward op on WebGPU equals the CPU reference on
// awkward shapes, within |gpu - cpu| <= 1e-4 * max(1, max|cpu|). Run one op with
//   npm run test:gpu -- -t matmul
// In CI there must be an adapter (SwiftShader at least): no adapter is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendStats, setBackend } from '../../src/index.ts';
import type { OpName } from '../../src/ops/registry.ts';
import { allOpNames, casesFor, sampleInputs } from './cases.ts';
import { runCase } from './run-case.ts';

type Result = (Float32Array | Int32Array)[];
const reference = new Map<string, Result | Error>();
const key = (name: string, label: string): string => `${name}/${label}`;

beforeAll(async () => {
  await setBackend('cpu');
  for (const name of allOpNames()) {
    for (const c of casesFor(name)) {
      try {
        reference.set(key(name, c.label), await runCase(name, c, sampleInputs(name, c)));
      } catch (err) {
        reference.set(key(name, c.label), err as Error);
      }
    }
  }
  const info = await setBackend('webgpu');
  expect(info.name).toBe('webgpu');
});

afterAll(async () => {
  await setBackend('cpu');
});

/**
 * Looser bounds, each with its reason. None today: sin and cos, whose WGSL built-ins are
 * only promised to 2^-11, are computed in shaders/unary.wgsl with their own polynomials.
 */
const tolerance: Partial<Record<OpName, number>> = {};

describe('webgpu equals the cpu reference', () => {
  for (const name of allOpNames()) {
    it(name, async () => {
      const before = backendStats().submits;
      for (const c of casesFor(name)) {
        const ref = reference.get(key(name, c.label))!;
        if (ref instanceof Error) throw new Error(`${name} ${c.label}: the CPU reference failed: ${ref.message}`);
        const got = await runCase(name, c, sampleInputs(name, c));
        expect(got.length).toBe(ref.length);
        got.forEach((g, k) => {
          const r = ref[k]!;
          expect(g.length, `${name} ${c.label} output ${k} length`).toBe(r.length);
          expect(g.constructor.name, `${name} ${c.label} dtype`).toBe(r.constructor.name);
          let maxRef = 0;
          for (const v of r) if (Number.isFinite(v)) maxRef = Math.max(maxRef, Math.abs(v));
          const tol = (tolerance[name] ?? 1e-4) * Math.max(1, maxRef);
          for (let i = 0; i < r.length; i++) {
            const a = g[i]!;
            const b = r[i]!;
            if (Number.isNaN(b)) {
              expect(Number.isNaN(a), `${name} ${c.label}[${i}]: cpu NaN, gpu ${a}`).toBe(true);
              continue;
            }
            if (!Number.isFinite(b)) {
              expect(a, `${name} ${c.label}[${i}]`).toBe(b);
              continue;
            }
            if (Math.abs(a - b) > tol) expect.fail(`${name} ${c.label} output ${k}[${i}]: gpu ${a}, cpu ${b} (tolerance ${tol})`);
          }
        });
      }
      // The work really ran on the GPU.
      expect(backendStats().submits).toBeGreaterThan(before);
    });
  }
});
