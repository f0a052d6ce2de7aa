// How long results stay readable: each plan alternates between two sets of output memory,
// so a result survives the next run of its step and is evicted by the one after, unless
// keep() gave it memory of its own. Nothing is allocated per step.
import { expect, it } from 'vitest';
import { F, backendStats, manualSeed, nn, noGrad, optim, randn, tensor, zeros } from '../../src/index.ts';

async function setup() {
  manualSeed(11);
  const X = randn([16, 2]);
  const y = X.sum(1).gt(0);
  await y.data(); // so that every step below is the same plan
  const net = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 2));
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  const step = () => {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
  return { step };
}

it('a result read one step later is intact; two steps later it is evicted with a clear error; keep() holds it', async () => {
  const { step } = await setup();
  const l1 = step();
  const v1 = await l1.item();
  const l2 = step();
  const kept = l2.keep();
  await l2.item();
  expect(await l1.item()).toBe(v1); // one run later: the other output set was used
  step();
  await step().item();
  await expect(l1.item()).rejects.toThrow(/two runs ago of the same step.*keep\(\)/);
  expect(Number.isFinite(await kept.item())).toBe(true);
});

it('a lazy value carried from step to step (hand-written momentum) stays correct and allocates nothing per step', async () => {
  // v <- 0.9 v + 0.1 g; w <- w - v, with g = w (the gradient of 0.5 w^2), in plain tensors.
  const w = tensor([1, -2, 3]);
  let v = zeros([3]);
  const expectW = [1, -2, 3];
  const expectV = [0, 0, 0];
  let bytes = 0;
  for (let i = 0; i < 40; i++) {
    noGrad(() => {
      v = v.mul(0.9).add(w.mul(0.1));
      w.sub_(v);
    });
    for (let j = 0; j < 3; j++) {
      expectV[j] = Math.fround(Math.fround(0.9 * expectV[j]!) + Math.fround(0.1 * expectW[j]!));
      expectW[j] = Math.fround(expectW[j]! - expectV[j]!);
    }
    await w.data();
    if (i === 5) bytes = backendStats().bytesAllocated;
  }
  const got = await w.data();
  for (let j = 0; j < 3; j++) expect(got[j]).toBeCloseTo(expectW[j]!, 6);
  // v_n is an input of the run that writes v_(n+1): it is copied out only when its set
  // comes round while still needed, which the alternation avoids.
  expect(backendStats().bytesAllocated).toBe(bytes);
});
