// Split reductions are deterministic: a large sum, column sum or loss runs its partial sums
// through scratch and adds them in a fixed order (no float atomics), so two runs give the
// same bits. And the large ones really take two dispatches. So is the scatter-add of
// indexSelectBackward through per-row lists, which adds in index order as the CPU does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendStats, randn, setBackend, F } from '../../src/index.ts';
import type { Tensor } from '../../src/tensor.ts';
import { tensorFromHost } from '../../src/tensor.ts';
import { apply } from '../../src/engine/recorder.ts';
import { indexSelectBackwardDef } from '../../src/ops/layout.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

/** The result's bits and the dispatches its run took, for a fresh recording of `make`. */
async function run(make: () => Tensor): Promise<{ bits: Uint32Array; dispatches: number }> {
  const before = backendStats().dispatches;
  const data = await make().data();
  return { bits: new Uint32Array(data.buffer.slice(0)), dispatches: backendStats().dispatches - before };
}

async function expectDeterministic(make: () => Tensor, dispatches: number): Promise<void> {
  const a = await run(make);
  const b = await run(make);
  expect(a.dispatches).toBe(dispatches);
  expect(b.dispatches).toBe(dispatches);
  expect(Array.from(b.bits)).toEqual(Array.from(a.bits));
}

describe('split reductions on WebGPU', () => {
  it('a full sum and mean over 2^18 elements: two passes, the same bits every run', async () => {
    const x = randn([1 << 18]);
    await x.data();
    await expectDeterministic(() => x.sum(), 2);
    await expectDeterministic(() => x.mean(), 2);
  });

  it('a tall column sum: two passes, the same bits every run', async () => {
    const x = randn([5000, 37]);
    await x.data();
    await expectDeterministic(() => x.sum(0), 2);
  });

  it('losses over many elements: two passes, the same bits every run', async () => {
    const a = randn([300, 300]);
    const b = randn([300, 300]);
    const logits = randn([9000, 10]);
    const labels = tensorFromHost(Int32Array.from({ length: 9000 }, (_, i) => (i * 7) % 10), [9000], 'int32');
    await Promise.all([a.data(), b.data(), logits.data()]);
    await expectDeterministic(() => F.mseLoss(a, b), 2);
    await expectDeterministic(() => F.crossEntropy(logits, labels), 2);
  });

  it('indexSelectBackward over 5000 indices: per-row lists, the CPU\'s bits every run', async () => {
    const n = 5000;
    const rows = 300;
    // Repeats, gaps and a row every block: index 7919 i mod 300, and row 0 at every 97th.
    const idx = Int32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : (i * 7919) % rows));
    const g = Float32Array.from({ length: n * 17 }, (_, i) => Math.sin(i) * 3);
    const make = () => apply(indexSelectBackwardDef, [tensorFromHost(g, [n, 17], 'float32'), tensorFromHost(idx, [n], 'int32')], { rows });
    await expectDeterministic(make, 3);
    const gpu = await run(make);
    await setBackend('cpu');
    const cpu = await run(make);
    await startWebGpu();
    // The same additions in the same order: float32 sums are equal bit for bit.
    expect(Array.from(gpu.bits)).toEqual(Array.from(cpu.bits));
  });
});
