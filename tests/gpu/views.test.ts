// Views without copies: reshape, view, flatten, squeeze, unsqueeze, detach and a narrow of
// rows are runs of their input's memory. They dispatch nothing and allocate nothing, see
// in-place updates of what they view, and an in-place update through one lands in the
// tensor it views, as PyTorch's views. On both backends (a CPU kernel call counts as a
// dispatch there).
import { afterAll, describe, expect, it } from 'vitest';
import { backendStats, noGrad, randn, setBackend, tensor } from '../../src/index.ts';
import type { BackendName, Tensor } from '../../src/index.ts';
import { rejectsWith, throwsWith } from '../support/expect-error.ts';

afterAll(async () => {
  await setBackend('cpu');
});

/** Dispatches and bytes allocated while `fn` runs. */
async function costOf(fn: () => Promise<void>): Promise<{ dispatches: number; bytes: number }> {
  const before = backendStats();
  await fn();
  const after = backendStats();
  return { dispatches: after.dispatches - before.dispatches, bytes: after.bytesAllocated - before.bytesAllocated };
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

for (const name of ['cpu', 'webgpu'] as BackendName[]) {
  describe(name, () => {
    it('starts the backend (no adapter is a failure, never a skip)', async () => {
      expect((await setBackend(name)).name).toBe(name);
    });

    it('shape-only ops of a computed result dispatch nothing and allocate nothing', async () => {
      // 64 x 8 float32: every 8-row narrow starts on a 256-byte boundary.
      const x = tensor(range(512)).reshape([64, 8]).mul(1);
      await x.data();
      const views: [string, () => Tensor, number[]][] = [
        ['reshape', () => x.reshape([8, 64]), range(512)],
        ['view', () => x.view(-1), range(512)],
        ['flatten', () => x.flatten(), range(512)],
        ['unsqueeze', () => x.unsqueeze(0), range(512)],
        ['squeeze', () => x.unsqueeze(1).squeeze(1), range(512)],
        ['detach', () => x.detach(), range(512)],
        ['narrow of rows', () => x.narrow(0, 8, 16), range(128, 64)],
        ['a view of a view', () => x.narrow(0, 16, 32).reshape([2, 16, 8]).narrow(0, 1, 1), range(128, 256)],
      ];
      for (const [what, make, expected] of views) {
        // A first readback of a size makes its staging buffer: not the view's cost.
        await tensor(expected).data();
        const v = make();
        const cost = await costOf(async () => {
          expect(Array.from(await v.data()), what).toEqual(expected);
        });
        expect(cost.dispatches, `${what}: dispatches`).toBe(0);
        expect(cost.bytes, `${what}: bytes allocated`).toBe(0);
      }
    });

    it('inside a step, a view between two kernels is no kernel of its own', async () => {
      const x = randn([6, 4]);
      await x.data();
      const step = async (): Promise<void> => {
        await x.mul(2).reshape([4, 6]).narrow(0, 1, 2).add(1).data();
      };
      await step();
      expect((await costOf(step)).dispatches).toBe(2);
    });

    it('a narrow of rows that starts off a 256-byte boundary gives the right rows (no kernel)', async () => {
      const x = tensor(range(7 * 3)).reshape([7, 3]).mul(1);
      await x.data();
      const v = x.narrow(0, 1, 5);
      const y = v.add(100);
      const cost = await costOf(async () => {
        expect(Array.from(await y.data())).toEqual(range(15, 103));
      });
      expect(cost.dispatches).toBe(1);
      expect(Array.from(await v.data())).toEqual(range(15, 3));
    });

    it('a view of a parameter sees its in-place updates, and an update through the view lands in it', async () => {
      const w = tensor(range(6)).reshape([2, 3]).mul(1);
      const p = tensor(await w.data(), { shape: [2, 3] });
      const flat = p.view(6);
      const row = p.narrow(0, 1, 1);
      expect(Array.from(await flat.data())).toEqual(range(6));
      noGrad(() => p.add_(10));
      expect(Array.from(await flat.data())).toEqual(range(6, 10));
      expect(Array.from(await row.data())).toEqual([13, 14, 15]);
      // Through the view: the base changes; the other view sees it.
      noGrad(() => row.mul_(2));
      expect(Array.from(await p.data())).toEqual([10, 11, 12, 26, 28, 30]);
      expect(Array.from(await flat.data())).toEqual([10, 11, 12, 26, 28, 30]);
      noGrad(() => flat.narrow(0, 0, 2).zero_());
      expect(Array.from(await p.data())).toEqual([0, 0, 12, 26, 28, 30]);
    });

    it('a result recorded before an update of the viewed tensor does not run on the new values', async () => {
      const p = tensor([1, 2, 3, 4]);
      const v = p.view(2, 2);
      await v.data();
      const lazy = v.mul(10);
      noGrad(() => p.add_(1));
      // Computed in the same flush as the update, before it: the old values.
      expect(Array.from(await lazy.data())).toEqual([10, 20, 30, 40]);
      // A new op reads the view as it is now.
      expect(Array.from(await v.mul(10).data())).toEqual([20, 30, 40, 50]);
    });

    it('views follow the memory they view: evicted with it, moved by keep(), refused after dispose()', async () => {
      const base = tensor(range(8)).mul(1);
      const v = base.reshape([2, 4]);
      await v.data();
      base.keep();
      expect(Array.from(await v.data())).toEqual(range(8));
      const owner = tensor(range(4)).mul(1);
      const u = owner.view(2, 2);
      await u.data();
      owner.dispose();
      await rejectsWith(() => u.data(), 'view', 'dispose');
    });

    it('gradients flow through views', async () => {
      const p = tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
      p.view(2, 3).narrow(0, 1, 1).mul(tensor([1, 2, 3])).sum().backward();
      expect(Array.from(await p.grad!.data())).toEqual([0, 0, 0, 1, 2, 3]);
      throwsWith(() => p.view(4), 'reshape', '[6]', '[4]');
    });
  });
}
