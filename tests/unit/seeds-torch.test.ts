// The seeds page's module (demos/seeds/seeds.ts) on the CPU backend against the lesson's own
// PyTorch code (tests/fixtures/torch/seeds.json, made by seeds.py beside it): the template's
// default init, every Xavier draw of the four nets, and the lines the lesson prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from 'shadergrad';
import { NET_NAMES, lessonPrintout, pythonFloat, runSeedsExperiment } from '../../demos/seeds/seeds.ts';
import type { NetName } from '../../demos/seeds/seeds.ts';

await setBackend('cpu');
afterAll(() => manualSeed(0));

interface Variant {
  start: number;
  seeds: { rs1a: number; rs2: number; rs1b: number };
  params: Record<NetName, Record<string, number[]>>;
  flat: Record<NetName, number[]>;
  shapes: Record<NetName, number[]>;
  maxAbsDiff: Record<string, number>;
  printed: string[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/seeds.json', import.meta.url)), 'utf8')) as { torch: string; variants: Variant[] };

/** Distance in float32 ulps (of the expected value). */
const ulps = (got: number, want: number): number => Math.abs(got - want) / 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** -126))) - 23);

describe(`Lesson 00 against the lesson's PyTorch code (PyTorch ${fixture.torch})`, () => {
  for (const v of fixture.variants) {
    it(`start ${v.start}, seeds ${v.seeds.rs1a}, ${v.seeds.rs2}, ${v.seeds.rs1b}: every weight and bias is PyTorch's`, async () => {
      const r = await runSeedsExperiment({ startSeed: v.start, seedA: v.seeds.rs1a, seedB: v.seeds.rs2, seedC: v.seeds.rs1b });
      expect(r).toMatchObject({ stopped: false, startSeed: v.start, seeds: v.seeds, shapes: v.shapes });
      // The template's default init (uniform draws) is bit-exact; all four copies keep it.
      for (const n of NET_NAMES) for (const name of ['0.bias', '2.bias']) expect(r.biases[name], `${n} ${name}`).toEqual(v.params[n][name]);
      for (const n of NET_NAMES) {
        const want = v.flat[n];
        expect(r.weights[n]).toHaveLength(want.length);
        // 0.weight (16 values) takes PyTorch's 16-wide float32 normal path, whose log, sin
        // and cos may differ by a few ulps; 2.weight (8 values) the float64 pairs: exact.
        want.forEach((w, i) => expect(ulps(r.weights[n][i]!, w), `${n}[${i}]: ${r.weights[n][i]} vs ${w}`).toBeLessThanOrEqual(i < 16 ? 4 : 0));
      }
      for (const [pair, want] of Object.entries(v.maxAbsDiff)) {
        const got = r.maxAbsDiff[pair as keyof typeof r.maxAbsDiff];
        if (want === 0) expect(got, pair).toBe(0);
        else expect(Math.abs(got - want), pair).toBeLessThan(1e-6);
      }
    });
  }

  it("the lesson's printout, line for line", async () => {
    for (const v of fixture.variants) {
      const r = await runSeedsExperiment({ startSeed: v.start, seedA: v.seeds.rs1a, seedB: v.seeds.rs2, seedC: v.seeds.rs1b });
      expect(lessonPrintout(r)).toEqual(v.printed);
    }
  });

  it("Python's float repr", () => {
    expect([0, 1, 1.0911988615989685, 1e-5, 0.0001, 1.5e-7, 1e16, 123456789012345.6, -2.5].map(pythonFloat)).toEqual([
      '0.0',
      '1.0',
      '1.0911988615989685',
      '1e-05',
      '0.0001',
      '1.5e-07',
      '1e+16',
      '123456789012345.6',
      '-2.5',
    ]);
  });
});
