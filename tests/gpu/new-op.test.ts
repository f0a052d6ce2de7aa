// The throwaway unary op of tests/unit/new-op.test.ts (cube: a contract entry, a definition and
// a WGSL case, tests/shared/cube-op.ts) on WebGPU: unary.wgsl with its case (and its code's
// const, which the contract would generate) replaces the file's kernel, and every case derived
// for it equals the CPU reference, as the registry walk checks the real ops.
// No adapter is a failure, never a skip.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backendStats, setBackend, setKernelSource, tensor } from '../../src/index.ts';
import { apply } from '../../src/engine/recorder.ts';
import { casesFor, sampleInputs } from './cases.ts';
import { cubeConst, cubeWgsl, def, reg } from '../shared/cube-op.ts';
import { startWebGpu } from './setup.ts';

const run = async (values: Float32Array | Int32Array, shape: number[]): Promise<Float32Array> => (await apply(def, [tensor(values, { shape })], {}).data()) as Float32Array;

const cases = casesFor('cube', reg);
const reference = new Map<string, Float32Array>();

beforeAll(async () => {
  await setBackend('cpu');
  for (const c of cases) reference.set(c.label, await run(sampleInputs('cube', c)[0]!, c.inputs[0]!.shape));
  await startWebGpu();
  const compiled = await setKernelSource('unary', `${cubeConst}\n${cubeWgsl}`);
  expect(compiled.ok, JSON.stringify(compiled.messages)).toBe(true);
});

afterAll(async () => {
  await setKernelSource('unary', null);
  await setBackend('cpu');
});

it('cube: webgpu equals the cpu reference on every derived case', async () => {
  expect(cases.length).toBeGreaterThan(0);
  const before = backendStats().submits;
  for (const c of cases) {
    const ref = reference.get(c.label)!;
    const got = await run(sampleInputs('cube', c)[0]!, c.inputs[0]!.shape);
    let maxRef = 0;
    for (const v of ref) maxRef = Math.max(maxRef, Math.abs(v));
    const tol = 1e-4 * Math.max(1, maxRef);
    ref.forEach((r, i) => {
      if (Math.abs(got[i]! - r) > tol) expect.fail(`cube ${c.label}[${i}]: gpu ${got[i]}, cpu ${r} (tolerance ${tol})`);
    });
  }
  expect(backendStats().submits).toBeGreaterThan(before);
});
