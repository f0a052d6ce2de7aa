// The dropout page's lesson module on the CPU backend against the lesson's own PyTorch code
// (tests/fixtures/torch/dropout.json, made by dropout.py beside it): the same data and split,
// the same starting weights, and, for the variant without dropout, the same losses and
// accuracies epoch by epoch. (Dropout masks are the engine's own, so runs with dropout are
// compared only up to their start.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from 'shadergrad';
import { PRESETS, compareRuns, makeData, rateVariants, regularizationVariants, startNet, trainRun } from '../../demos/dropout/dropout.ts';

await setBackend('cpu');

interface Script {
  seed: number;
  n: number;
  coef: number;
  threshold: number;
  trainFrac: number;
  hidden: number;
  layers: 1 | 2;
  pdrop: number;
  lr: number;
  epochs: number;
  X: number[];
  y: number[];
  nTrain: number;
  nVal: number;
  weights: number[][];
  noDropout: { loss: number[]; trainAcc: number[]; valAcc: number[] };
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/dropout.json', import.meta.url)), 'utf8')) as { torch: string; demo: Script; exercise: Script };

/** Distance in float32 ulps (of the expected value). */
const ulps = (got: number, want: number): number => Math.abs(got - want) / 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** -126))) - 23);
const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

afterAll(() => manualSeed(0));

describe(`Part 3.7 against the lesson's PyTorch code (PyTorch ${fixture.torch})`, () => {
  for (const name of ['demo', 'exercise'] as const) {
    const want = fixture[name];
    const preset = PRESETS[name];

    it(`${name}: the preset is the lesson's script`, () => {
      expect(preset.data).toEqual({ seed: want.seed, n: want.n, coef: want.coef, threshold: want.threshold, trainFrac: want.trainFrac });
      expect(preset.net).toEqual({ hidden: want.hidden, hiddenLayers: want.layers });
      expect({ pdrop: preset.pdrop, lr: preset.lr, epochs: preset.epochs }).toEqual({ pdrop: want.pdrop, lr: want.lr, epochs: want.epochs });
    });

    it(`${name}: the points (within 4 float32 ulps), labels and split are PyTorch's`, async () => {
      const d = await makeData(preset.data);
      expect(d.x).toHaveLength(want.X.length);
      let worst = 0;
      want.X.forEach((v, i) => (worst = Math.max(worst, ulps(d.x[i]!, v))));
      // randn(n, 2) takes PyTorch's 16-wide float32 Box-Muller path: a few ulps apart.
      expect(worst).toBeLessThanOrEqual(4);
      expect(Array.from(d.y)).toEqual(want.y);
      expect([d.nTrain, d.nVal]).toEqual([want.nTrain, want.nVal]);
    });

    it(`${name}: the starting weights, for every dropout rate, are those of the lesson's first network`, async () => {
      const d = await makeData(preset.data);
      for (const p of [preset.pdrop, 0, 0.7]) {
        const net = startNet(d, preset.net, p);
        const got = await Promise.all(net.parameters().map(async (t) => Array.from(await t.data())));
        // nn.Linear's uniform draws are bit-exact.
        expect(got, `p = ${p}`).toEqual(want.weights);
      }
    });

    it(`${name}: without dropout, losses and accuracies are PyTorch's epoch by epoch`, async () => {
      const d = await makeData(preset.data);
      const r = await trainRun({ data: d, net: preset.net, pdrop: 0, weightDecay: 0, lr: preset.lr, epochs: preset.epochs });
      const w = want.noDropout;
      expect(r.loss).toHaveLength(w.loss.length);
      // Float32 sums in another order: the losses agree to a few ulps for 40 epochs (worst
      // about 1e-6 relative). Later the demo's loss is down to 2e-3, its gradients are tiny,
      // and Adam, dividing by sqrt(v), magnifies rounding: the last epochs differ by up to
      // 4e-3 relative (2e-5 absolute); the exercise's stay within 1e-6. A change in the data,
      // the weights or a hyperparameter moves these losses by far more (1e-2 and up).
      for (let e = 0; e < 40; e++) expect(rel(r.loss[e]!, w.loss[e]!), `loss, epoch ${e + 1}`).toBeLessThan(1e-5);
      for (let e = 40; e < w.loss.length; e++) expect(rel(r.loss[e]!, w.loss[e]!), `loss, epoch ${e + 1}`).toBeLessThan(1e-2);
      // Accuracies are counts of argmax decisions: equal.
      expect(r.trainAcc.map((a) => Math.fround(a))).toEqual(w.trainAcc);
      expect(r.valAcc.map((a) => Math.fround(a))).toEqual(w.valAcc);
      // The page's no-regularization variant (exercise 3) and p = 0 (exercise 4) are this run.
      const c = await compareRuns({ data: d, net: preset.net, lr: preset.lr, epochs: preset.rateEpochs, variants: [...regularizationVariants(preset.pdrop, 0.02).slice(0, 1), ...rateVariants([0])] });
      expect(c.runs.none!.valAcc).toEqual(r.valAcc.slice(0, preset.rateEpochs));
      expect(c.runs['p=0']).toEqual(c.runs.none);
    });
  }
});
