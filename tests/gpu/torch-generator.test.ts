// The torch generator draws on the host, so WebGPU tensors hold the same numbers as CPU
// ones: every fixture case replayed on both backends, bit for bit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from '../../src/index.ts';
import { replay, torchRandom } from '../shared/torch-fixtures.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  manualSeed(0);
  await setBackend('cpu');
});

describe('torch generator on WebGPU', () => {
  for (const c of torchRandom.cases) {
    it(`${c.name}: the same values as on the CPU backend`, async () => {
      await setBackend('webgpu');
      const gpu = await replay(c);
      await setBackend('cpu');
      const cpu = await replay(c);
      expect(gpu).toEqual(cpu);
      // And they are PyTorch's (to the 4-ulp bound of the CPU test): spot-check each call's first value.
      c.out.forEach((want, k) => expect(Math.abs(gpu[k]![0]! - want[0]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[0]!))));
    });
  }
});
