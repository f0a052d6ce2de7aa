// Scalars in expressions and the seed of backward() are cached constants: uploaded once,
// no dispatch per step, and never shared with user code that could change them.
import { expect, it } from 'vitest';
import { backendStats, noGrad, tensor } from '../../src/index.ts';

it('x.mul(2) and the seed of backward() cost no dispatch of their own', async () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  await x.mul(2).sum().data(); // warm: the constant 2 is uploaded here
  const d0 = backendStats().dispatches;
  await x.mul(2).sum().data();
  // mul and sum only.
  expect(backendStats().dispatches - d0).toBe(2);
});

it('a .grad that is the seed itself is a copy: changing it in place leaves later seeds alone', async () => {
  const w = tensor([5], { requiresGrad: true });
  w.backward(); // d w / d w = 1: the seed is the gradient
  expect(Array.from(await w.grad!.data())).toEqual([1]);
  noGrad(() => w.grad!.mul_(7));
  expect(Array.from(await w.grad!.data())).toEqual([7]);
  const v = tensor([2], { requiresGrad: true });
  v.mul(3).sum().backward();
  expect(Array.from(await v.grad!.data())).toEqual([3]);
  const u = tensor([9], { requiresGrad: true });
  u.backward();
  expect(Array.from(await u.grad!.data())).toEqual([1]);
});
