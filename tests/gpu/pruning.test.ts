// Dead work is never dispatched: a gradient nobody asked for is not built, and a node
// that nothing observable reads is not computed. Counted with backendStats() on both
// backends (each CPU kernel call counts as a dispatch).
import { afterAll, describe, expect, it } from 'vitest';
import { F, backendStats, manualSeed, nn, randn, setBackend, tensor } from '../../src/index.ts';
import type { BackendName, Tensor } from '../../src/index.ts';

afterAll(async () => {
  await setBackend('cpu');
});

/** Dispatches of one run of `fn`, measured after a warm-up run. */
async function dispatchesOf(fn: () => Promise<void>): Promise<number> {
  await fn();
  const before = backendStats().dispatches;
  await fn();
  return backendStats().dispatches - before;
}

for (const name of ['cpu', 'webgpu'] as BackendName[]) {
  describe(name, () => {
    it('starts the backend (no adapter is a failure, never a skip)', async () => {
      expect((await setBackend(name)).name).toBe(name);
    });

    it("an input that needs no gradient costs no dispatch for its gradient", async () => {
      manualSeed(2);
      const layer = new nn.Linear(5, 3);
      const step = (x: Tensor) => async (): Promise<void> => {
        layer.zeroGrad();
        x.grad = null;
        const loss = F.mseLoss(layer.forward(x), tensor([[1, 0, 1], [0, 1, 0]]));
        loss.backward();
        await layer.weight.grad!.data();
      };
      const withoutInputGrad = await dispatchesOf(step(randn([2, 5])));
      const x = randn([2, 5], { requiresGrad: true });
      const withInputGrad = await dispatchesOf(async () => {
        await step(x)();
        expect(x.grad, 'the input asked for a gradient').not.toBeNull();
        await x.grad!.data();
      });
      // Exactly one product more: dX = dY @ W, and only when X requires grad.
      expect(withInputGrad - withoutInputGrad).toBe(1);
    });

    it('work recorded inside a gradient rule that nothing reads is not computed', async () => {
      // pow's rule builds both gradients; with a constant exponent the exponent's half
      // (eq, gt, eq, add, mul, log, mul, where, mul and a sum: 10 nodes) is never read.
      const x = tensor([0.5, 2, 3], { requiresGrad: true });
      const run = (e: Tensor) => async (): Promise<void> => {
        x.grad = null;
        e.grad = null;
        x.pow(e).sum().backward();
        await x.grad!.data();
        if (e.requiresGrad) await e.grad!.data();
      };
      const constant = await dispatchesOf(run(tensor(3)));
      expect(Array.from(await x.grad!.data())).toEqual([0.75, 12, 27]);
      // pow, sum; the sum's gradient (broadcast; its reshape is a view, no kernel); the
      // base's gradient (eq, sub, pow, mul, where, mul).
      expect(constant).toBe(9);
      const learned = await dispatchesOf(run(tensor(3, { requiresGrad: true })));
      expect(learned - constant).toBe(10);
    });
  });
}
