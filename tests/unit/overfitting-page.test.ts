// The overfitting page's module (demos/overfitting/overfit.ts) on the CPU backend: the
// lesson's order of draws, the losses against a forward pass written out here in float64,
// weight decay against the penalty it stands for, R^2 by hand, the widths a learner types,
// the sentence about model size against the run's numbers, and Stop. The numbers themselves
// are compared with the lesson's PyTorch code in overfitting-torch.test.ts.
import { describe, expect, it } from 'vitest';
import { F, manualSeed, optim, randn, setBackend, tensor } from 'shadergrad';
import { linspaceValues } from '../../demos/ui/linspace.ts';
import {
  COMPLEXITY_PRESETS,
  DEFAULTS,
  MAX_HIDDEN,
  MAX_WIDTHS,
  R2_TOLERANCE,
  TinyNet,
  describeComplexity,
  formatWidths,
  genData,
  genDataFrom,
  lessonStart,
  mergedXs,
  parseWidths,
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
  it('linspace(-3, 3, n): both ends, even steps', () => {
    const x = linspaceValues(-3, 3, 20);
    expect(x).toHaveLength(20);
    expect(x[0]).toBe(-3);
    expect(x[19]).toBe(3);
    for (let i = 0; i < 20; i++) expect(x[i]).toBeCloseTo(-3 + (6 / 19) * i, 6);
    expect(() => linspaceValues(-3, 3, 1)).toThrow(/n must be an integer >= 2/);
  });

  it("gen_data: y = sin(x) + 0.5x + noise * z with z torch.randn's draws, in float32", async () => {
    manualSeed(5, { generator: 'torch' });
    const z = Array.from(await randn([20]).data());
    manualSeed(5, { generator: 'torch' });
    const d = await genData(20, 0.3);
    d.x.forEach((x, i) => {
      expect(Math.abs(d.y[i]! - (Math.sin(x) + 0.5 * x + 0.3 * z[i]!))).toBeLessThan(1e-6);
      expect(d.y[i]).toBe(Math.fround(d.y[i]!));
    });
    // noise 0: the true function, to float32.
    const clean = genDataFrom(7, 0, new Float32Array(7).fill(5));
    clean.x.forEach((x, i) => expect(Math.abs(clean.y[i]! - trueFunction(x))).toBeLessThan(1e-6));
  });

  it("the lesson's order: x_train, x_test, Demo 1's net, x_train2, ... each stage replays the stages before it", async () => {
    const one = await lessonStart(1, { seed: 3 }, [12]);
    const two = await lessonStart(2, { seed: 3 }, [12]);
    const three = await lessonStart(3, { seed: 3 }, [12, 12, 12]);
    const four = await lessonStart(4, { seed: 3 }, [5]);
    // The same x_train and x_test at every stage, and the same x_train2 from stage 2 on.
    for (const s of [two, three, four]) {
      expect(s.train).toEqual(one.train);
      expect(s.test).toEqual(one.test);
    }
    expect(one.train2).toBeNull();
    expect(three.train2).toEqual(two.train2);
    expect(four.train2).toEqual(two.train2);
    // x_train2 is new draws (torch.randn(20) again), not x_train's noise scaled up.
    const zTrain = one.train.y.map((y, i) => (y - trueFunction(one.train.x[i]!)) / 0.2);
    const zTrain2 = two.train2!.y.map((y, i) => (y - trueFunction(two.train2!.x[i]!)) / 1.0);
    expect(Math.max(...zTrain.map((z, i) => Math.abs(z - zTrain2[i]!)))).toBeGreaterThan(0.1);
    // Demo 2's net comes after Demo 1's net and x_train2: other weights than Demo 1's.
    const w1 = Array.from(await one.nets[0]!.fc1.weight.data());
    const w2 = Array.from(await two.nets[0]!.fc1.weight.data());
    expect(w2).not.toEqual(w1);
    // Demo 3's three nets: three different sets of starting weights.
    const w3 = await Promise.all(three.nets.map(async (n) => Array.from(await n.fc1.weight.data())));
    expect(w3[1]).not.toEqual(w3[0]);
    expect(w3[2]).not.toEqual(w3[1]);
    // The training noise settings change y, not the draws: x_train2 at noise 0.5 is the same z.
    const half = await lessonStart(2, { seed: 3, highNoise: 0.5 }, []);
    half.train2!.y.forEach((y, i) => expect(Math.abs((y - trueFunction(half.train2!.x[i]!)) / 0.5 - zTrain2[i]!)).toBeLessThan(1e-5));
  });

  it('bad settings are refused by name, with the value and what was expected', async () => {
    await expect(lessonStart(1, { seed: -1 }, [])).rejects.toThrow(/lessonStart: seed must be an integer from 0 to \d+, got -1/);
    await expect(lessonStart(1, { nTrain: 1 }, [])).rejects.toThrow(/nTrain \(training points\) must be an integer from 2 to 100000, got 1/);
    await expect(lessonStart(1, { noise: -0.5 }, [])).rejects.toThrow(/noise must be a number >= 0, got -0.5/);
    await expect(lessonStart(1, {}, [0])).rejects.toThrow(/hidden size 1 must be an integer from 1 to 4096, got 0/);
    await expect(runSmallVsLarge({ epochs: 0 })).rejects.toThrow(/runSmallVsLarge: epochs must be an integer from 1 to 1000000, got 0/);
    await expect(runSmallVsLarge({ lr: Number.NaN })).rejects.toThrow(/runSmallVsLarge: lr \(learning rate\) must be a number > 0, got NaN/);
    await expect(runWeightDecay({ decays: [0, -0.1] })).rejects.toThrow(/weight decay 2 must be a number >= 0, got -0.1/);
    await expect(runComplexity({ sizes: [] })).rejects.toThrow(/runComplexity: sizes must be at least one hidden size/);
    // @ts-expect-error a training set that does not exist
    await expect(runComplexity({ trainingSet: 'big' })).rejects.toThrow(/trainingSet must be 'clean' or 'noisy', got "big"/);
  });

  it('noise 0 gives the true function; merged xs are sorted and unique', async () => {
    manualSeed(0, { generator: 'torch' });
    const d = await genData(7, 0);
    d.x.forEach((x, i) => expect(Math.abs(d.y[i]! - (Math.sin(x) + 0.5 * x))).toBeLessThan(1e-6));
    const m = mergedXs(linspaceValues(-3, 3, 20), linspaceValues(-3, 3, 100));
    expect(m).toHaveLength(118); // the ends -3 and 3 are shared
    for (let i = 1; i < m.length; i++) expect(m[i]!).toBeGreaterThan(m[i - 1]!);
  });
});

describe('overfitting: the widths a learner types', () => {
  it('parses commas and spaces, in the order given', () => {
    expect(parseWidths('2, 8, 16, 32, 64')).toEqual([2, 8, 16, 32, 64]);
    expect(parseWidths(' 64 8,2 ')).toEqual([64, 8, 2]);
    expect(parseWidths('12')).toEqual([12]);
    expect(parseWidths(formatWidths(DEFAULTS.sizes))).toEqual(DEFAULTS.sizes);
    expect(formatWidths([2, 8, 24, 64])).toBe('2, 8, 24, 64');
  });

  it('refuses bad entries, naming the entry, its text and what was expected', () => {
    expect(() => parseWidths('')).toThrow(/widths: no widths given in ""; expected whole numbers separated by commas, such as "2, 8, 16, 32, 64"/);
    expect(() => parseWidths(' , ')).toThrow(/no widths given/);
    expect(() => parseWidths('2, eight, 16')).toThrow(/widths: entry 2, "eight", is not a whole number from 1 to 4096/);
    expect(() => parseWidths('2, 8.5')).toThrow(/entry 2, "8.5", is not a whole number/);
    expect(() => parseWidths('0, 8')).toThrow(/entry 1, "0", is not a whole number from 1 to 4096/);
    expect(() => parseWidths('-4')).toThrow(/entry 1, "-4", is not a whole number/);
    expect(() => parseWidths(`8, ${MAX_HIDDEN + 1}`)).toThrow(/entry 2, "4097", is not a whole number from 1 to 4096/);
    expect(() => parseWidths('1e2')).toThrow(/entry 1, "1e2", is not a whole number/);
    expect(() => parseWidths('8, 16, 8')).toThrow(/widths: 8 is given twice \(entries 1 and 3\); each width once/);
    const many = Array.from({ length: MAX_WIDTHS + 1 }, (_, i) => i + 1).join(', ');
    expect(() => parseWidths(many)).toThrow(/widths: 13 widths given; at most 12/);
  });
});

describe('overfitting: the sentence about model size', () => {
  const shape = (sizes: number[], r2: number[]): string => describeComplexity(sizes, r2).shape;

  it('reads rise, level, peak, fall and flat from the numbers, by width whatever the order', () => {
    expect(shape([2, 8, 24, 64], [0.929, 0.97, 0.976, 0.975])).toBe('levels');
    expect(shape([2, 8, 24, 64], [0.9, 0.95, 0.96, 0.99])).toBe('rises');
    expect(shape([2, 8, 16, 32, 64], [0.93, 0.975, 0.968, 0.967, 0.953])).toBe('peak');
    expect(shape([2, 8, 16, 32, 64], [0.917, 0.884, 0.911, 0.863, 0.843])).toBe('falls');
    expect(shape([2, 8, 64], [0.95, 0.955, 0.9])).toBe('falls');
    expect(shape([2, 8, 64], [0.95, 0.955, 0.951])).toBe('flat');
    expect(shape([12], [0.9])).toBe('single');
    // Widths trained in another order: read by width.
    expect(shape([64, 2, 8], [0.953, 0.93, 0.975])).toBe('peak');
    // Only the widths that were scored count (a stopped run has fewer scores than sizes).
    expect(shape([2, 8, 24, 64], [0.9, 0.95])).toBe('rises');
    expect(() => describeComplexity([2], [])).toThrow(/no width was trained to the end/);
  });

  it("puts the run's numbers in the sentence, and the tolerance where it matters", () => {
    const d = describeComplexity([2, 8, 24, 64], [0.9292, 0.9701, 0.9756, 0.9752]);
    expect(d).toMatchObject({ shape: 'levels', narrowest: { hidden: 2, r2: 0.9292 }, best: { hidden: 24, r2: 0.9756 }, widest: { hidden: 64, r2: 0.9752 } });
    expect(d.sentence).toBe(`In this run: R² rose from 0.929 at hidden 2 to 0.976 at hidden 24 and then levelled off: the widest net scored 0.975 at hidden 64, within ${R2_TOLERANCE} of the best.`);
    expect(describeComplexity([2, 8, 16, 32, 64], [0.93, 0.975, 0.968, 0.967, 0.953]).sentence).toBe(
      'In this run: The test score peaked in the middle: R² rose from 0.930 at hidden 2 to 0.975 at hidden 8, then fell to 0.953 at hidden 64.',
    );
    expect(describeComplexity([2, 8, 16, 32, 64], [0.9168, 0.8845, 0.9111, 0.8629, 0.8431]).sentence).toBe(
      'In this run: The narrowest net scored best, R² = 0.917 at hidden 2; the widest scored 0.843 at hidden 64, 0.074 lower.',
    );
  });

  it("the default run's sentence agrees with its numbers", async () => {
    const r = await runComplexity();
    const d = describeComplexity(r.sizes, r.r2);
    const best = Math.max(...r.r2);
    expect(d.best.r2).toBe(best);
    expect(d.sentence).toContain(best.toFixed(3));
    // The lesson's clean 20 points and 100 epochs: hidden 2 underfits, the wide nets do not
    // lose score (the page's text says no more than this about the default run).
    expect(d.narrowest.r2).toBeLessThan(best - R2_TOLERANCE);
    expect(best - d.widest.r2).toBeLessThanOrEqual(R2_TOLERANCE);
    expect(['levels', 'rises']).toContain(d.shape);
  });

  it('the noisy preset: the widest net scores clearly below the best', async () => {
    const r = await runComplexity({ ...COMPLEXITY_PRESETS['Noisy data, 500 epochs'], sizes: [...COMPLEXITY_PRESETS['Noisy data, 500 epochs'].sizes] });
    expect(r.trainingSet).toBe('noisy');
    const d = describeComplexity(r.sizes, r.r2);
    expect(d.best.r2 - d.widest.r2).toBeGreaterThan(R2_TOLERANCE);
    expect(['falls', 'peak']).toContain(d.shape);
  });
});

describe('overfitting: training', () => {
  it('train_and_eval: the losses equal a float64 forward pass of the same weights', async () => {
    const { train, test, nets } = await lessonStart(1, { seed: 0 }, [12]);
    const net = nets[0]!;
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
    const train = (await lessonStart(2, { seed: 0 }, [])).train2!;
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
    const { test } = await lessonStart(1, {}, []);
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
    // The page asks to compare the final test losses of sections 1 and 2: the noise absorbed shows.
    expect(r.finalTest).toBeGreaterThan(clean.finalTest!);
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
