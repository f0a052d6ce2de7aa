// Whole training steps on WebGPU equal the CPU reference: a 2-8-2 MLP trained 50 steps
// from identical weights with SGD + momentum, with Adam, and with dropout (same seed, same
// masks), gives the same losses on both backends (relative 1e-4).
import { afterAll, expect, it } from 'vitest';
import { F, backendStats, manualSeed, nn, optim, randn, setBackend } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

type Make = (params: Tensor[]) => optim.Optimizer<object>;

async function train(make: Make, dropout: boolean, steps = 50): Promise<number[]> {
  manualSeed(42);
  const X = randn([100, 2]);
  const y = X.sum(1).gt(0);
  const layers: nn.Module[] = [new nn.Linear(2, 8), new nn.Tanh()];
  if (dropout) layers.push(new nn.Dropout(0.3));
  layers.push(new nn.Linear(8, 2));
  const net = new nn.Sequential(...layers);
  const opt = make(net.parameters());
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
  }
  return losses;
}

const runs: [string, Make, boolean][] = [
  ['SGD + momentum', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), false],
  ['Adam', (p) => new optim.Adam(p, { lr: 0.08 }), false],
  ['Adam + dropout', (p) => new optim.Adam(p, { lr: 0.08, weightDecay: 0.01 }), true],
];

afterAll(async () => {
  await setBackend('cpu');
});

it('cpu and webgpu give the same losses', async () => {
  await setBackend('cpu');
  const cpu: number[][] = [];
  for (const [, make, drop] of runs) cpu.push(await train(make, drop));
  await startWebGpu();
  const submitsBefore = backendStats().submits;
  for (let r = 0; r < runs.length; r++) {
    const [name, make, drop] = runs[r]!;
    const gpu = await train(make, drop);
    for (let i = 0; i < gpu.length; i++) {
      const rel = Math.abs(gpu[i]! - cpu[r]![i]!) / Math.max(1e-6, Math.abs(cpu[r]![i]!));
      if (rel > 1e-4) expect.fail(`${name}: step ${i}: webgpu loss ${gpu[i]} vs cpu ${cpu[r]![i]} (relative ${rel})`);
    }
    // It learned (so equal losses are not two equal failures).
    expect(gpu.at(-1)!, name).toBeLessThan(gpu[0]! * 0.8);
  }
  expect(backendStats().submits - submitsBefore).toBeGreaterThanOrEqual(150);
});
