// Mini-batches taken at every offset of a dataset share one plan: narrow's start is a
// dynamic scalar, so an epoch compiles once per batch size, not once per batch.
import { expect, it } from 'vitest';
import { F, backendStats, manualSeed, nn, optim, randint, randn } from '../../src/index.ts';

it('an epoch of 10 mini-batches (the last one smaller) builds two step plans, then none', async () => {
  manualSeed(4);
  const X = randn([74, 3]);
  const y = randint(0, 2, [74]);
  await X.data();
  const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  const epoch = async (): Promise<number[]> => {
    const losses: number[] = [];
    for (let start = 0; start < 74; start += 8) {
      const len = Math.min(8, 74 - start);
      const loss = F.crossEntropy(net.forward(X.narrow(0, start, len)), y.narrow(0, start, len));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(await loss.item());
    }
    return losses;
  };
  const before = backendStats().plans;
  const first = await epoch();
  // Batches of 8 and the last batch of 2: two step plans.
  expect(backendStats().plans - before).toBe(2);
  const mid = backendStats().plans;
  await epoch();
  expect(backendStats().plans).toBe(mid);
  expect(first).toHaveLength(10);
  // Different offsets really read different rows.
  expect(new Set(first.map((v) => v.toFixed(6))).size).toBeGreaterThan(5);
});
