// The seeds page's exercise module (demos/seeds/seeds.ts) on the CPU backend: the lesson's
// four 2-8-1 nets, checked against hand-derived draws from the documented Philox contract,
// not against the module itself.
import { describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from 'shadergrad';
import { philox4x32 } from '../../src/random.ts';
import { NET_NAMES, PAIRS, runSeedsExperiment } from '../../demos/seeds/seeds.ts';
import type { SeedsProgress } from '../../demos/seeds/seeds.ts';

await setBackend('cpu');

/**
 * Xavier-normal weights of the 2-8-1 net right after manualSeed(seed), from the contract in
 * src/random.ts: the seed is the Philox key [lo, hi]; normal i of a draw uses block
 * start + floor(i/2) (counter [block, 0, 0, 0]), words 2(i mod 2) and 2(i mod 2)+1, and
 * z = sqrt(-2 ln u1) cos(2 pi u2) with u1 = ((w_a >>> 8) + 1) 2^-24, u2 = (w_b >>> 8) 2^-24.
 * 0.weight [8,2] takes 16 normals (blocks 0..7), 2.weight [1,8] the next 8 (blocks 8..11);
 * std = sqrt(2 / (fan_in + fan_out)) per layer.
 */
function expectedWeights(seed: number): number[] {
  const out: number[] = [];
  const layers = [
    { n: 16, firstBlock: 0, std: Math.sqrt(2 / (2 + 8)) },
    { n: 8, firstBlock: 8, std: Math.sqrt(2 / (8 + 1)) },
  ];
  for (const { n, firstBlock, std } of layers) {
    for (let i = 0; i < n; i++) {
      const w = philox4x32([firstBlock + Math.floor(i / 2), 0, 0, 0], [seed, 0]);
      const k = i % 2;
      const u1 = ((w[2 * k]! >>> 8) + 1) / 2 ** 24;
      const u2 = (w[2 * k + 1]! >>> 8) / 2 ** 24;
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      out.push(Math.fround(std * z));
    }
  }
  return out;
}

/**
 * The engine stores one float32 rounding of 0 + std * z, z computed in float64 as above, so
 * the two should agree exactly; one float32 ulp (2^-23 relative) allows for a different
 * order of float64 operations, and is still far below any difference between seeds.
 */
function expectWithinUlp(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `weight ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(2 ** -23 * Math.abs(expected[i]!));
  }
}

describe('seeds page module', () => {
  it("the lesson's seeds 1, 2, 1: rs1a == rs1b exactly, every other pair differs", async () => {
    const r = await runSeedsExperiment();
    expect(r.seeds).toEqual({ rs1a: 1, rs2: 2, rs1b: 1 });
    // 8*2 + 1*8 weights, flattened: the lesson prints (24,) four times.
    expect(r.shapes).toEqual({ noseed: [24], rs1a: [24], rs2: [24], rs1b: [24] });
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

  it('the seeded weights are the hand-derived Philox/Box-Muller draws times each layer\'s Xavier std', async () => {
    const r = await runSeedsExperiment({ seedA: 1, seedB: 2, seedC: 1 });
    const e1 = expectedWeights(1);
    const e2 = expectedWeights(2);
    expectWithinUlp(r.weights.rs1a, e1);
    expectWithinUlp(r.weights.rs2, e2);
    expectWithinUlp(r.weights.rs1b, e1);
  });

  it('changing seeds: equal seeds give equal nets, whatever the names', async () => {
    const base = await runSeedsExperiment();
    const b3 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 1 });
    expect(b3.weights.rs1a).toEqual(base.weights.rs1a);
    expect(b3.weights.rs1b).toEqual(base.weights.rs1a);
    expect(b3.maxAbsDiff['rs1a-rs1b']).toBe(0);
    expectWithinUlp(b3.weights.rs2, expectedWeights(3));
    expect(b3.maxAbsDiff['rs1a-rs2']).toBeGreaterThan(1e-3);

    const c3 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 3 });
    expect(c3.maxAbsDiff['rs1a-rs1b']).toBeGreaterThan(1e-3);
    expect(c3.maxAbsDiff['rs2-rs1b']).toBe(0);
    expect(c3.weights.rs1b).toEqual(b3.weights.rs2);
  });

  it('the unseeded net is wherever the global generator is: repeatable only if the generator is', async () => {
    manualSeed(7);
    const a = await runSeedsExperiment();
    manualSeed(7);
    const b = await runSeedsExperiment();
    expect(b.weights.noseed).toEqual(a.weights.noseed);
    // Without resetting, the generator has moved on (it ended inside seed 1's stream).
    const c = await runSeedsExperiment();
    expect(Math.max(...c.weights.noseed.map((v, i) => Math.abs(v - a.weights.noseed[i]!)))).toBeGreaterThan(1e-3);
    // And it is none of the seeded nets.
    for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expect(c.weights.noseed).not.toEqual(c.weights[n]);
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
    manualSeed(5);
    const r = await runSeedsExperiment({
      signal: controller.signal,
      onProgress: (p) => {
        built.push(p.net);
        if (p.built === 2) controller.abort();
      },
    });
    expect(built).toEqual(['noseed', 'rs1a']); // no net after the abort
    expect(r).toMatchObject({ stopped: true, built: 2, seeds: { rs1a: 1, rs2: 2, rs1b: 1 }, shapes: { noseed: [24], rs1a: [24] } });
    expect(Object.keys(r.weights)).toEqual(['noseed', 'rs1a']);
    expect(Object.keys(r.maxAbsDiff)).toEqual(['rs1a-noseed']);
    manualSeed(5);
    const full = await runSeedsExperiment();
    expect(full).toMatchObject({ stopped: false, built: 4 });
    expect(r.weights.noseed).toEqual(full.weights.noseed);
    expect(r.weights.rs1a).toEqual(full.weights.rs1a);
    expect(r.maxAbsDiff['rs1a-noseed']).toBe(full.maxAbsDiff['rs1a-noseed']);

    // A signal that never aborts runs to the end.
    expect(await runSeedsExperiment({ signal: new AbortController().signal })).toMatchObject({ stopped: false, built: 4 });

    await expect(runSeedsExperiment({ seedB: -1 })).rejects.toThrow(/seedB must be a non-negative integer, got -1/);
    await expect(runSeedsExperiment({ seedA: 1.5 })).rejects.toThrow(/seedA must be a non-negative integer, got 1.5/);
  });
});
