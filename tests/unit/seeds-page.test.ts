// The seeds page's exercise module (demos/seeds/seeds.ts) on the CPU backend: the lesson's
// four 2-8-1 nets and what the page reports about them. The draws themselves are checked
// against PyTorch's in seeds-torch.test.ts; here, the experiment's logic: which nets
// coincide, the start seed that stands for PyTorch's own, progress, Stop and bad input.
import { describe, expect, it } from 'vitest';
import { setBackend } from 'shadergrad';
import { NET_NAMES, PAIRS, runSeedsExperiment } from '../../demos/seeds/seeds.ts';
import type { SeedsProgress } from '../../demos/seeds/seeds.ts';
import { readFixture } from '../shared/fixtures.ts';

await setBackend('cpu');

const maxAbs = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('seeds page module', () => {
  it("the lesson's seeds 1, 2, 1: rs1a == rs1b exactly, every other pair differs", async () => {
    const r = await runSeedsExperiment();
    expect(r.seeds).toEqual({ rs1a: 1, rs2: 2, rs1b: 1 });
    // 8*2 + 1*8 weights, flattened: the lesson's code prints (24,) four times ("Shapes =>
    // no-seed: (24,), rs1a: (24,), ...", as seeds.py's run of it wrote to seeds.json).
    expect(r.shapes).toEqual({ noseed: [24], rs1a: [24], rs2: [24], rs1b: [24] });
    const printedShapes = readFixture<{ variants: { printed: string[] }[] }>('torch/seeds.json').variants[0]!.printed[0]!;
    expect(Array.from(printedShapes.matchAll(/\((\d+),\)/g), (m) => [Number(m[1])])).toEqual(Object.values(r.shapes));
    expect(r.layers).toEqual([
      { name: '0.weight', shape: [8, 2], fanIn: 2, fanOut: 8, std: Math.sqrt(0.2) },
      { name: '2.weight', shape: [1, 8], fanIn: 8, fanOut: 1, std: Math.sqrt(2 / 9) },
    ]);
    expect(r.weights.rs1b).toEqual(r.weights.rs1a);
    expect(r.maxAbsDiff['rs1a-rs1b']).toBe(0);
    // Independent N(0, ~0.2) draws: the largest of 24 differences is O(1); below 1e-3 would
    // mean a broken generator.
    for (const pair of ['rs1a-rs2', 'rs1a-noseed', 'rs2-rs1b', 'rs2-noseed', 'rs1b-noseed'] as const) {
      expect(r.maxAbsDiff[pair], pair).toBeGreaterThan(1e-3);
    }
    expect(Object.keys(r.maxAbsDiff)).toEqual(PAIRS.map(([a, b]) => `${a}-${b}`));
    // The reported maxima are the vectors' own.
    const direct = Math.max(...r.weights.rs1a.map((v, i) => Math.abs(v - r.weights.rs2[i]!)));
    expect(r.maxAbsDiff['rs1a-rs2']).toBe(direct);
  });

  it('changing seeds: equal seeds give equal nets, whatever the names', async () => {
    const base = await runSeedsExperiment();
    const b3 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 1 });
    expect(b3.weights.rs1a).toEqual(base.weights.rs1a);
    expect(b3.weights.rs1b).toEqual(base.weights.rs1a);
    expect(b3.maxAbsDiff['rs1a-rs1b']).toBe(0);
    expect(maxAbs(b3.weights.rs2, base.weights.rs2)).toBeGreaterThan(1e-3);
    expect(b3.maxAbsDiff['rs1a-rs2']).toBeGreaterThan(1e-3);

    const c3 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 3 });
    expect(c3.maxAbsDiff['rs1a-rs1b']).toBeGreaterThan(1e-3);
    expect(c3.maxAbsDiff['rs2-rs1b']).toBe(0);
    expect(c3.weights.rs1b).toEqual(b3.weights.rs2);
  });

  it('the unseeded net follows the start seed: picked at random and reported, repeatable with it', async () => {
    const a = await runSeedsExperiment({ startSeed: 7 });
    const b = await runSeedsExperiment({ startSeed: 7 });
    expect(a.startSeed).toBe(7);
    expect(b.weights.noseed).toEqual(a.weights.noseed);
    expect(b.biases).toEqual(a.biases);
    // The seeded nets do not depend on it.
    const c = await runSeedsExperiment({ startSeed: 8 });
    expect(maxAbs(c.weights.noseed, a.weights.noseed)).toBeGreaterThan(1e-3);
    for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expect(c.weights[n]).toEqual(a.weights[n]);
    // Without one, a seed in PyTorch's mt19937 range is picked and reported; it replays the run.
    const picked = await runSeedsExperiment();
    expect(Number.isInteger(picked.startSeed) && picked.startSeed >= 0 && picked.startSeed < 2 ** 32).toBe(true);
    const replay = await runSeedsExperiment({ startSeed: picked.startSeed });
    expect(replay.weights).toEqual(picked.weights);
    // And it is none of the seeded nets.
    for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expect(maxAbs(picked.weights.noseed, picked.weights[n])).toBeGreaterThan(1e-3);
    // The biases are the template's, 8 + 1 of them.
    expect(Object.fromEntries(Object.entries(a.biases).map(([k, v]) => [k, v.length]))).toEqual({ '0.bias': 8, '2.bias': 1 });
  });

  it('reports progress after each net, in the lesson order', async () => {
    const seen: SeedsProgress[] = [];
    await runSeedsExperiment({ onProgress: (p) => void seen.push(p) });
    expect(seen.map((p) => p.net)).toEqual([...NET_NAMES]);
    expect(seen.map((p) => p.built)).toEqual([1, 2, 3, 4]);
    expect(seen.map((p) => Object.keys(p.weights).length)).toEqual([1, 2, 3, 4]);
    expect(seen[3]!.weights.rs1a).toHaveLength(24);
  });

  it('a Stop returns the nets built so far and the pairs among them, marked stopped; bad seeds are rejected by name', async () => {
    const controller = new AbortController();
    const built: string[] = [];
    const r = await runSeedsExperiment({
      startSeed: 5,
      signal: controller.signal,
      onProgress: (p) => {
        built.push(p.net);
        if (p.built === 2) controller.abort();
      },
    });
    expect(built).toEqual(['noseed', 'rs1a']); // no net after the abort
    expect(r).toMatchObject({ stopped: true, built: 2, startSeed: 5, seeds: { rs1a: 1, rs2: 2, rs1b: 1 }, shapes: { noseed: [24], rs1a: [24] } });
    expect(Object.keys(r.weights)).toEqual(['noseed', 'rs1a']);
    expect(Object.keys(r.maxAbsDiff)).toEqual(['rs1a-noseed']);
    const full = await runSeedsExperiment({ startSeed: 5 });
    expect(full).toMatchObject({ stopped: false, built: 4 });
    expect(r.weights.noseed).toEqual(full.weights.noseed);
    expect(r.weights.rs1a).toEqual(full.weights.rs1a);
    expect(r.maxAbsDiff['rs1a-noseed']).toBe(full.maxAbsDiff['rs1a-noseed']);

    // A signal that never aborts runs to the end.
    expect(await runSeedsExperiment({ signal: new AbortController().signal })).toMatchObject({ stopped: false, built: 4 });

    await expect(runSeedsExperiment({ seedB: -1 })).rejects.toThrow(/seedB must be a non-negative integer below 2\*\*53, got -1/);
    await expect(runSeedsExperiment({ seedA: 1.5 })).rejects.toThrow(/seedA must be a non-negative integer below 2\*\*53, got 1.5/);
    await expect(runSeedsExperiment({ startSeed: 2 ** 53 })).rejects.toThrow(/startSeed must be a non-negative integer below 2\*\*53, got 9007199254740992/);
  });
});
