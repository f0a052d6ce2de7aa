// Pipelines are made with createComputePipelineAsync, all of a plan's at once, and the run
// that needs them waits at the queue's gate (src/backend/webgpu/gate.ts) with every queue
// operation after it. These tests hold what that must not change: the order the GPU sees, the
// results, and the errors.
import { afterAll, beforeEach, expect, it } from 'vitest';
import { F, backendStats, init, manualSeed, nn, optim, randn, randint, setBackend, tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

// A fresh device each time: no pipeline made yet, so the first run is held.
beforeEach(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

it('a host write after a held run reaches the GPU after it', async () => {
  const x = tensor([1, 2, 3, 4]);
  const y = x.mul(3).add(1);
  const before = y.data(); // this run waits for its pipelines
  init.constant_(x, 0.5); // a host write to what it reads, asked for after it
  const z = x.mul(2);
  expect(Array.from(await before)).toEqual([4, 7, 10, 13]);
  expect(Array.from(await z.data())).toEqual([1, 1, 1, 1]);
});

it('the first training steps on a fresh device give the same losses as on a warm one', async () => {
  const losses = async (): Promise<number[]> => {
    manualSeed(3);
    const X = randn([16, 7]);
    const y = randint(0, 3, [16]);
    const net = new nn.Sequential(new nn.Linear(7, 5), new nn.ReLU(), new nn.Linear(5, 3));
    const opt = new optim.Adam(net.parameters(), { lr: 0.05 });
    const out: Promise<number>[] = [];
    // No read between steps: every step is asked for while the first is still held.
    for (let i = 0; i < 4; i++) {
      const loss = F.crossEntropy(net.forward(X), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      out.push(loss.item());
    }
    return Promise.all(out);
  };
  const cold = await losses();
  const made = backendStats().pipelines;
  expect(made).toBeGreaterThan(3);
  const warm = await losses();
  expect(backendStats().pipelines, 'the second run makes no pipeline').toBe(made);
  expect(warm).toEqual(cold);
  expect(cold[3]!).toBeLessThan(cold[0]!);
});

it('a tensor released while a run that reads it is held is destroyed only after that run', async () => {
  let y;
  {
    const x = tensor([2, 4, 6]);
    y = x.div(2).neg();
    const p = y.data();
    x.dispose();
    expect(Array.from(await p)).toEqual([-1, -2, -3]);
  }
});
