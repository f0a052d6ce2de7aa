// Flat over many steps: views at a moving offset bind through dynamic offsets (one bind group
// for every start), with the right values; and the short form of `npm run soak` (bench/soak.ts):
// the MNIST-shaped model over moving mini-batches, nothing growing after warm-up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backendStats, manualSeed, noGrad, randn, setBackend, tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';
import { describeSoak, soak } from '../../bench/soak.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

it('a narrow at a new start each step: the right rows, and no new bind group after the first', async () => {
  manualSeed(3);
  // 64 floats a row: every start is a multiple of the 256-byte binding alignment.
  const rows = 40;
  const cols = 64;
  const host = Float32Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 1009) / 1009 - 0.5);
  const X = tensor(host, { shape: [rows, cols] }).keep();
  const W = randn([cols, 5]).keep();
  const w = (await W.data()) as Float32Array;
  const expected = (start: number, len: number): number[] =>
    Array.from({ length: len * 5 }, (_, k) => {
      const r = start + Math.floor(k / 5);
      let s = 0;
      for (let c = 0; c < cols; c++) s += host[r * cols + c]! * w[c * 5 + (k % 5)]!;
      return s;
    });
  const step = async (start: number): Promise<void> => {
    const got = (await noGrad(() => X.narrow(0, start, 8).matmul(W).relu().add(X.narrow(0, start, 8).matmul(W).neg().relu().neg())).data()) as Float32Array;
    const want = expected(start, 8);
    want.forEach((v, k) => expect(got[k], `start ${start}, element ${k}`).toBeCloseTo(v, 3));
  };
  // Two starts to warm up (both output sets), then every other start: no new bind groups.
  await step(0);
  await step(1);
  const before = backendStats();
  for (let start = 2; start <= rows - 8; start++) await step(start);
  const after = backendStats();
  expect(after.bindGroups - before.bindGroups).toBe(0);
  expect(after.bytesAllocated - before.bytesAllocated).toBe(0);
  expect(after.bytesCopied - before.bytesCopied).toBe(0);
  X.dispose();
  W.dispose();
});

it('a narrow at unaligned starts still reads the right rows (copied to aligned scratch)', async () => {
  // 3 floats a row: most starts are not on a 256-byte boundary.
  const host = Float32Array.from({ length: 30 * 3 }, (_, i) => i);
  const X = tensor(host, { shape: [30, 3] }).keep();
  for (const start of [0, 1, 7, 22]) {
    const got = (await X.narrow(0, start, 5).mul(2).data()) as Float32Array;
    expect(Array.from(got)).toEqual(Array.from(host.subarray(start * 3, (start + 5) * 3), (v) => v * 2));
  }
  X.dispose();
});

for (const feed of ['narrow', 'loader'] as const) {
  it(`soak, short form (${feed}): the MNIST-shaped model, counts and resident memory flat after warm-up`, async () => {
    // 1,000 rows: 8 steps an epoch (the last of 104 rows: a second plan), warm-up two epochs.
    // Resident memory over so few steps is a coarse check (the allocators below the engine
    // still settle): the counters are the exact one, `npm run soak` the long one.
    const r = await soak({ feed, steps: feed === 'narrow' ? 112 : 48, warmup: 16, rows: 1000, samples: 8, rssSlackMiB: 48 });
    console.log(describeSoak(r));
    expect(r.failures).toEqual([]);
    expect(r.growth.plans).toBe(0);
    expect(r.growth.pipelines).toBe(0);
    if (feed === 'narrow') {
      expect(r.growth.bindGroups).toBe(0);
      expect(r.growth.bytesAllocated).toBe(0);
    }
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
  });
}
