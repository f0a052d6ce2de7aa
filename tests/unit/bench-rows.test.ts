// The benchmark's agreement check and report, with fake engines: no GPU, no browser. What
// holds here: identical inputs reach every engine, a peer whose results differ is flagged
// and the report refuses it, a peer that fails gets null and a note, and the table shows
// "differs" instead of a ratio.
import { describe, expect, it } from 'vitest';
import { epochInputs, matmulInputs, mlpInit, trainInputs } from '../../bench/engine.ts';
import type { Engine, F32 } from '../../bench/engine.ts';
import { LOSS_RTOL, MATMUL_RTOL, PLANS, collectRows, compareLosses, compareMatmul, floorNote } from '../../bench/rows.ts';
import type { Result } from '../../bench/rows.ts';
import { schemaErrors, table } from '../../bench/report.mjs';

/** A fake engine: the matmul computed on the host, losses from `loss(i)`; `seen` records its inputs. */
function fake(name: string, opts: { scale?: number; loss?: (i: number) => number; fail?: boolean } = {}) {
  const seen: unknown[] = [];
  const { scale = 1, loss = (i: number) => 2 / (i + 1), fail = false } = opts;
  const engine: Engine = {
    name,
    async matmul(m, k, n, _batch, _reps, a, b) {
      if (fail) throw new Error('no device');
      seen.push(a, b);
      const out = new Float32Array(m * n) as F32;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
        out[i * n + j] = s * scale;
      }
      return { gflops: 1, out };
    },
    async trainSteps(_sizes, _batch, _lr, steps, readEvery, data) {
      if (fail) throw new Error('no device');
      seen.push(data.init.weights[0]);
      const count = 3 + (readEvery === 1 ? steps : 0);
      return { stepsPerSecond: 10, losses: Array.from({ length: count }, (_, i) => loss(i)) };
    },
    async mnistEpoch(_rows, _bs, _reps, data) {
      if (fail) throw new Error('no device');
      seen.push(data.permutation(0));
      return { seconds: 1, loss: loss(0) };
    },
  };
  return { engine, seen };
}

const tiny = { ...PLANS.smoke, matmul: [[5, 7, 3, 1]] as [number, number, number, number][], epochRows: 20 };

describe('bench inputs', () => {
  it('are the same on every call (engine-independent streams) and of the stated shapes', () => {
    expect(matmulInputs(4, 5, 6).a).toEqual(matmulInputs(4, 5, 6).a);
    expect(matmulInputs(4, 5, 6).b.length).toBe(30);
    const t = trainInputs([3, 4, 2], 5);
    expect(t.x.length).toBe(15);
    expect([...t.y].every((v) => v >= 0 && v < 2)).toBe(true);
    const init = mlpInit([784, 128, 10], 7);
    expect(init.weights.map((w) => w.length)).toEqual([784 * 128, 128 * 10]);
    // PyTorch Linear's bound, 1/sqrt(fan_in).
    expect(Math.max(...init.weights[0]!.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(784));
    const e = epochInputs(50);
    expect([...e.permutation(1)].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e.permutation(1)).toEqual(e.permutation(1));
    expect(e.permutation(1)).not.toEqual(e.permutation(2));
  });
});

describe('bench agreement', () => {
  it('compares matmul outputs relative to the largest |value|, and losses relatively', () => {
    const a = Float32Array.from([100, -1, 2]);
    expect(compareMatmul(a, Float32Array.from([100, -1 + 50 * MATMUL_RTOL, 2])).ok).toBe(true);
    expect(compareMatmul(a, Float32Array.from([100, -1 + 200 * MATMUL_RTOL, 2])).ok).toBe(false);
    expect(compareMatmul(a, Float32Array.from([100, Number.NaN, 2])).ok).toBe(false);
    expect(compareMatmul(a, Float32Array.from([100, -1])).ok).toBe(false);
    expect(compareLosses([2, 1], [2 * (1 + LOSS_RTOL / 2), 1], 'x').ok).toBe(true);
    expect(compareLosses([2, 1], [2, 1 + 2 * LOSS_RTOL], 'x').ok).toBe(false);
    expect(compareLosses([], [1], 'x').ok).toBe(false);
  });

  it('hands every engine the same inputs, flags a peer that computes something else, notes one that fails', async () => {
    const ours = fake('ours');
    const tfjs = fake('tfjs', { scale: 1.01 });
    const jax = fake('jax', { loss: (i) => (i === 1 ? 0.5 : 2 / (i + 1)) });
    const rows = await collectRows('', ours.engine, { tfjs: tfjs.engine, jax: jax.engine }, {}, tiny, () => {});
    expect(ours.seen).toEqual(tfjs.seen);
    expect(ours.seen).toEqual(jax.seen);
    const matmul = rows.find((r) => r.name.startsWith('matmul_'))!;
    expect(matmul.differs).toEqual(['tfjs']);
    expect(matmul.agreement.jax!.ok).toBe(true);
    const step = rows.find((r) => r.name === 'train_step_2-8-2_item')!;
    expect(step.differs).toEqual(['jax']);
    expect(step.agreement.jax!.detail).toMatch(/first losses: max relative diff/);

    const failing = fake('jax', { fail: true });
    const rows2 = await collectRows('', ours.engine, { tfjs: null, jax: failing.engine }, { tfjs: 'not here' }, tiny, () => {});
    for (const r of rows2) {
      expect(r.peers).toEqual({ tfjs: null, jax: null });
      expect(r.peerNotes).toEqual({ tfjs: 'not here', jax: 'jax failed: no device' });
      expect(r.differs).toEqual([]);
    }
  });
});

describe('bench report', () => {
  const result = async (peers: { tfjs: Engine | null; jax: Engine | null }): Promise<Result> => {
    const ours = fake('ours').engine;
    const rows = [...(await collectRows('', ours, peers, { tfjs: 'absent', jax: 'absent' }, tiny, () => {})), ...(await collectRows('cpu/', ours, peers, { tfjs: 'absent', jax: 'absent' }, tiny, () => {}))];
    return { adapter: 'fake', date: new Date(0).toISOString(), mode: 'smoke', rows, floors: { submitMs: 0.5, readbackMs: 1, reps: 3 }, notes: [] };
  };

  it('passes agreeing peers, and refuses a peer that differs or, where required, one that is missing', async () => {
    const good = await result({ tfjs: fake('tfjs').engine, jax: fake('jax').engine });
    expect(schemaErrors(good, { requirePeers: true })).toEqual([]);
    const bad = await result({ tfjs: fake('tfjs').engine, jax: fake('jax', { scale: 2 }).engine });
    expect(schemaErrors(bad)).toContainEqual(expect.stringMatching(/matmul_5x7x3.*jax-js's results differ from ours: matmul output/));
    expect(table(bad)).toMatch(/\| matmul_5x7x3 \|[^\n]*\| 1\.00x \| \*\*differs\*\* \| \*\*jax-js differ\*\* \|/);
    const none = await result({ tfjs: null, jax: null });
    expect(schemaErrors(none)).toEqual([]);
    expect(schemaErrors(none, { requirePeers: true })).toContainEqual(expect.stringMatching(/no jax-js figure \(absent\)/));
    const noted = structuredClone(none);
    delete noted.rows[0]!.peerNotes;
    expect(schemaErrors(noted)).toContainEqual(expect.stringMatching(/peers.tfjs is null without a note/));
  });

  it('says how close the fastest matmul row comes to the readback floor', async () => {
    const r = await result({ tfjs: null, jax: null });
    r.rows.find((row) => row.name.startsWith('matmul_'))!.oursMsPerRep = 3;
    expect(floorNote(r)).toMatch(/matmul_5x7x3, takes 3\.00 ms a repetition .*: 3\.0x the readback floor, 2\.00 ms above it/);
    expect(floorNote({ rows: r.rows })).toBeNull();
  });
});
