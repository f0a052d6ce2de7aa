// The overfitting page's module (demos/overfitting/overfit.ts) on the CPU backend: the data
// against the Philox contract and the formula, the losses against a forward pass written out
// here in float64, weight decay against the penalty it stands for, R^2 by hand, and the
// lesson's qualitative claims at the default seed.
import { describe, expect, it } from 'vitest';
import { F, manualSeed, optim, setBackend, tensor } from 'shadergrad';
import { philox4x32 } from '../../src/random.ts';
import { linspaceValues } from '../../demos/ui/linspace.ts';
import {
  DEFAULTS,
  TinyNet,
  genData,
  makeData,
  mergedXs,
  rSquared,
  runComplexity,
  runNoisy,
  runSmallVsLarge,
  runWeightDecay,
  trainAndEval,
  trueFunction,
} from '../../demos/overfitting/overfit.ts';
import type { Dataset } from '../../demos/overfitting/overfit.ts';

await setBackend('cpu');

/**
 * Normal number i drawn after manualSeed(seed), when `firstBlock` Philox blocks were used
 * before it (the contract in src/random.ts: two normals per block, Box-Muller in float64,
 * one float32 rounding).
 */
function normals(seed: number, firstBlock: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const w = philox4x32([firstBlock + Math.floor(i / 2), 0, 0, 0], [seed, 0]);
    const k = i % 2;
    const u1 = ((w[2 * k]! >>> 8) + 1) / 2 ** 24;
    const u2 = (w[2 * k + 1]! >>> 8) / 2 ** 24;
    return Math.fround(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  });
}

/** TinyNet's MSE on a dataset, from its parameter values, in float64. */
async function hostMse(net: TinyNet, d: Dataset): Promise<number> {
  const [w1, b1, w2, b2] = await Promise.all(net.parameters().map(async (p) => Array.from(await p.data())));
  const h = net.hidden;
  let s = 0;
  d.x.forEach((x, i) => {
    let out = b2![0]!;
    for (let j = 0; j < h; j++) out += w2![j]! * Math.max(0, w1![j]! * x + b1![j]!);
    s += (out - d.y[i]!) ** 2;
  });
  return s / d.x.length;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('overfitting: data', () => {
  it('linspace(-3, 3, n) as torch: both ends, even steps', () => {
    const x = linspaceValues(-3, 3, 20);
    expect(x).toHaveLength(20);
    expect(x[0]).toBe(-3);
    expect(x[19]).toBe(3);
    for (let i = 0; i < 20; i++) expect(x[i]).toBeCloseTo(-3 + (6 / 19) * i, 6);
    expect(() => linspaceValues(-3, 3, 1)).toThrow(/n must be an integer >= 2/);
  });

  it('gen_data: y = sin(x) + 0.5x + noise * z, z the Philox normals after the seed', async () => {
    const { train, test } = await makeData({ seed: 5, noise: 0.2, testNoise: 0.2 });
    // 20 normals use blocks 0..9, the test set's 100 the next 50 blocks.
    const zTrain = normals(5, 0, 20);
    const zTest = normals(5, 10, 100);
    train.x.forEach((x, i) => expect(train.y[i]).toBe(Math.fround(Math.sin(x) + 0.5 * x + 0.2 * zTrain[i]!)));
    test.x.forEach((x, i) => expect(test.y[i]).toBe(Math.fround(Math.sin(x) + 0.5 * x + 0.2 * zTest[i]!)));
    // Same seed, noise 1.0: the same draws, five times as loud (the page's Demo 2 set).
    const noisy = await makeData({ seed: 5, noise: 1.0 });
    noisy.train.x.forEach((x, i) => expect(noisy.train.y[i]).toBe(Math.fround(trueFunction(x) + zTrain[i]!)));
    expect(noisy.test.y).toEqual(test.y);
  });

  it('noise 0 gives the true function exactly; merged xs are sorted and unique', async () => {
    manualSeed(0);
    const d = await genData(7, 0);
    d.x.forEach((x, i) => expect(d.y[i]).toBe(Math.fround(Math.sin(x) + 0.5 * x)));
    const m = mergedXs(linspaceValues(-3, 3, 20), linspaceValues(-3, 3, 100));
    expect(m).toHaveLength(118); // the ends -3 and 3 are shared
    for (let i = 1; i < m.length; i++) expect(m[i]!).toBeGreaterThan(m[i - 1]!);
  });
});

describe('overfitting: training', () => {
  it('train_and_eval: the losses equal a float64 forward pass of the same weights', async () => {
    const { train, test } = await makeData({ seed: 0 });
    manualSeed(11);
    const net = new TinyNet(12);
    const before = await hostMse(net, train);
    const r = await trainAndEval(net, train, test, { epochs: 7 });
    expect(r.train).toHaveLength(7);
    // Epoch 1's train loss is taken before its update: the initial weights' MSE.
    expect(rel(r.train[0]!, before)).toBeLessThan(1e-5);
    // The last test loss is taken after the last update: the final weights' MSE.
    expect(rel(r.test[6]!, await hostMse(net, test))).toBeLessThan(1e-5);
    expect(r.train[6]!).toBeLessThan(r.train[0]!);
  });

  it('weight decay lambda = Adam on the loss plus lambda/2 * sum of squares of every parameter', async () => {
    const { train } = await makeData({ seed: 0, noise: 1.0 });
    const lambda = 0.1;
    manualSeed(3);
    const a = new TinyNet(12);
    manualSeed(3);
    const b = new TinyNet(12);
    const x = tensor(train.x, { shape: [20, 1] });
    const y = tensor(train.y, { shape: [20] });
    const optA = new optim.Adam(a.parameters(), { lr: 0.05, weightDecay: lambda });
    const optB = new optim.Adam(b.parameters(), { lr: 0.05 });
    for (let step = 0; step < 10; step++) {
      const lossA = F.mseLoss(a.forward(x), y);
      optA.zeroGrad();
      lossA.backward();
      optA.step();
      await lossA.item();
      let lossB = F.mseLoss(b.forward(x), y);
      for (const p of b.parameters()) lossB = lossB.add(p.square().sum().mul(lambda / 2));
      optB.zeroGrad();
      lossB.backward();
      optB.step();
      await lossB.item();
    }
    const pa = await Promise.all(a.parameters().map(async (p) => Array.from(await p.data())));
    const pb = await Promise.all(b.parameters().map(async (p) => Array.from(await p.data())));
    // float32, two ways of summing the same gradient: agree to ~1e-6 after 10 Adam steps
    // (each step moves a weight by at most lr = 0.05).
    pa.flat().forEach((v, i) => expect(Math.abs(v - pb.flat()[i]!)).toBeLessThan(1e-5));
  });

  it('R^2 by hand, and runComplexity R^2 = 1 - N * test MSE / sum (y - mean)^2', async () => {
    expect(rSquared([1, 2, 3], [1, 2, 4])).toBeCloseTo(0.5, 12); // 1 - 1/2
    expect(rSquared([1, 2, 3], [2, 2, 2])).toBeCloseTo(0, 12);
    const r = await runComplexity({ sizes: [2, 8], epochs: 20 });
    const { test } = await makeData({});
    const mean = test.y.reduce((s, v) => s + v, 0) / test.y.length;
    const ssTot = test.y.reduce((s, v) => s + (v - mean) ** 2, 0);
    r.r2.forEach((r2, i) => expect(Math.abs(r2 - (1 - (r.finalTest[i]! * test.y.length) / ssTot))).toBeLessThan(1e-5));
  });

  it('a Stop (aborted signal) ends a run with the epochs so far, marked stopped', async () => {
    const full = await runSmallVsLarge({ epochs: 10 });
    expect(full).toMatchObject({ stopped: false, epochs: 10 });
    const c = new AbortController();
    let epochs = 0;
    const r = await runSmallVsLarge({
      epochs: 10,
      signal: c.signal,
      onEpoch: (e) => {
        epochs = e.epoch;
        if (e.epoch === 3) c.abort(new Error('stopped by test'));
      },
    });
    expect(epochs).toBe(3); // no epoch after the abort
    expect(r).toMatchObject({ stopped: true, epochs: 3 });
    // The same computation as the full run, cut after epoch 3.
    expect(r.train).toEqual(full.train.slice(0, 3));
    expect(r.test).toEqual(full.test.slice(0, 3));
    expect(r.finalTest).toBe(full.test[2]);

    // Aborted before the first epoch: no losses, and no summary numbers made up.
    const before = new AbortController();
    before.abort();
    expect(await runSmallVsLarge({ signal: before.signal })).toMatchObject({ stopped: true, epochs: 0, train: [], test: [], finalTrain: null, finalTest: null, bestTestEpoch: null, bestTest: null });
  });

  it('a Stop in the noisy run still returns the fit of the net as it stands', async () => {
    const c = new AbortController();
    const r = await runNoisy({ epochs: 20, signal: c.signal, onEpoch: (e) => void (e.epoch === 4 && c.abort()) });
    expect(r).toMatchObject({ stopped: true, epochs: 4 });
    expect(r.fit).toHaveLength(r.fitX.length);
    expect(r.fit.every(Number.isFinite)).toBe(true);
  });

  it('a Stop in weight decay keeps the finished runs and the one cut short', async () => {
    const full = await runWeightDecay({ epochs: 6 });
    expect(full).toMatchObject({ stopped: false, epochs: 18 });
    expect(full.runs.map((x) => x.stopped)).toEqual([false, false, false]);
    const c = new AbortController();
    const r = await runWeightDecay({ epochs: 6, signal: c.signal, onEpoch: (e) => void (e.run === 1 && e.epoch === 2 && c.abort()) });
    expect(r).toMatchObject({ stopped: true, epochs: 8 });
    expect(r.runs.map((x) => [x.stopped, x.epochs])).toEqual([
      [false, 6],
      [true, 2],
    ]);
    expect(r.sumSquares).toHaveLength(2);
    expect(r.sumSquares[0]).toBe(full.sumSquares[0]);
    expect(r.runs[1]!.test).toEqual(full.runs[1]!.test.slice(0, 2));
  });

  it('a Stop in the model-size run scores only the sizes trained to the end', async () => {
    const c = new AbortController();
    const sized: number[] = [];
    const r = await runComplexity({
      sizes: [2, 8, 24],
      epochs: 5,
      signal: c.signal,
      onEpoch: (e) => void (e.run === 1 && e.epoch === 3 && c.abort()),
      onSize: (s) => void sized.push(s.hidden),
    });
    expect(r).toMatchObject({ stopped: true, epochs: 8, sizes: [2, 8, 24] });
    expect(sized).toEqual([2]);
    expect(r.r2).toHaveLength(1);
    expect(r.finalTest).toHaveLength(1);
    expect((await runComplexity({ sizes: [2, 8], epochs: 5 })).stopped).toBe(false);
  });
});

describe("overfitting: the lesson's experiments at the default seed", () => {
  it('1. small vs large: both fall; the test loss ends above the train loss; repeatable', async () => {
    const r = await runSmallVsLarge();
    expect(r.train).toHaveLength(DEFAULTS.epochs);
    expect(r).toMatchObject({ stopped: false, epochs: DEFAULTS.epochs });
    expect(r.finalTrain).toBeLessThan(r.train[0]! / 10);
    expect(r.finalTest).toBeGreaterThan(r.finalTrain!);
    const again = await runSmallVsLarge();
    expect(again.test).toEqual(r.test);
  });

  it('2. noise 1.0: training loss far above the clean run, the fit reported every 10 epochs', async () => {
    const clean = await runSmallVsLarge();
    const fits: number[] = [];
    const r = await runNoisy({ onEpoch: (p) => void (p.fit && fits.push(p.epoch)) });
    expect(fits).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(r.finalTrain).toBeGreaterThan(5 * clean.finalTrain!);
    expect(r.fitX).toHaveLength(118);
    expect(r.trainX).toHaveLength(20);
    r.fitX.forEach((x, i) => expect(r.truth[i]).toBeCloseTo(Math.sin(x) + 0.5 * x, 12));
    expect(r.fit.every(Number.isFinite)).toBe(true);
  });

  it('3. weight decay 0, 0.01, 0.1: stronger decay, smaller weights', async () => {
    const r = await runWeightDecay();
    expect(r.decays).toEqual([0, 0.01, 0.1]);
    expect(r.runs.map((x) => x.test.length)).toEqual([100, 100, 100]);
    expect(r.sumSquares[2]!).toBeLessThan(r.sumSquares[1]!);
    expect(r.sumSquares[1]!).toBeLessThan(r.sumSquares[0]!);
  });

  it('4. hidden 2, 8, 24, 64: the 2-unit net underfits (lowest R^2)', async () => {
    const r = await runComplexity();
    expect(r.sizes).toEqual([2, 8, 24, 64]);
    expect(r.r2[0]!).toBeLessThan(Math.min(...r.r2.slice(1)));
    expect(Math.max(...r.r2)).toBeGreaterThan(0.9);
  });
});
