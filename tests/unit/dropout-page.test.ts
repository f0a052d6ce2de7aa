// The dropout page's modules on the CPU backend: the lesson's data at a few telling indices
// against PyTorch's (torch.manual_seed(s); torch.randn: tests/fixtures/torch/dropout.json, made
// by dropout.py, which dropout-torch.test.ts checks point by point), the nets' layouts, the
// training loop against a plain-JS forward pass of the same net, and what the page says under
// its charts (summary.ts).
import { describe, expect, it } from 'vitest';
import { setBackend } from 'shadergrad';
import { DEMO_DATA, DEMO_NET, EXERCISE_DATA, EXERCISE_NET, PRESETS, compareRuns, makeData, makeNet, rateVariants, regularizationVariants, startNet, trainRun } from '../../demos/dropout/dropout.ts';
import type { Dataset, RunResult } from '../../demos/dropout/dropout.ts';
import { TABLE_HEADER, decaySteadiness, jitter, lastHalf, rowCells, summaryRows, trainValSteadiness, validationNote } from '../../demos/dropout/summary.ts';
import { readFixture } from '../shared/fixtures.ts';

await setBackend('cpu');

// torch computes Box-Muller in float32 (with AVX2, a vectorized log/sin/cos): it agrees with
// ours to a few float32 ulps.
const TORCH_ULPS = 4;
const withinUlps = (got: number, want: number): boolean => Math.abs(got - want) <= TORCH_ULPS * 2 ** (Math.floor(Math.log2(Math.abs(want))) - 23);

/** The lesson's two scripts' data as PyTorch draws it (tests/fixtures/torch/dropout.py). */
const torchData = readFixture<Record<'demo' | 'exercise', { seed: number; n: number; X: number[]; y: number[]; nTrain: number; nVal: number }>>('torch/dropout.json');
/** The lesson's Demos 1 to 3 as PyTorch runs them, dropout masks and all (tests/fixtures/torch/dropout_page.py). */
const torchDemos = readFixture<{ torch: string; runs: Record<'none' | 'dropout' | 'dropoutL2', { epochs: number; finalValAcc: number; meanLast10TrainAcc: number }> }>('torch/dropout_page.json');

describe('the lesson data: torch.manual_seed + torch.randn, reproduced', () => {
  it('Demo: manual_seed(7), randn(200, 2) equals PyTorch', async () => {
    // torch.manual_seed(7); torch.randn(200, 2).flatten()[[0, 1, 2, 3, 15, 16, 398, 399]]: both
    // sides of the first 16-wide block, and the last pair.
    // (PyTorch 1.13 printed the same values to their 7 digits: -0.8201345, 0.3956312, ...)
    const want = torchData.demo;
    expect([want.seed, want.n]).toEqual([DEMO_DATA.seed, DEMO_DATA.n]);
    const { x } = await makeData(DEMO_DATA);
    for (const i of [0, 1, 2, 3, 15, 16, 398, 399]) expect(withinUlps(x[i]!, want.X[i]!), `X.flatten()[${i}]: ${x[i]} vs ${want.X[i]}`).toBe(true);
  });

  it('Exercise: manual_seed(11), randn(180, 2): 360 is not a multiple of 16, so the last 16 are redrawn', async () => {
    const want = torchData.exercise;
    expect([want.seed, want.n]).toEqual([EXERCISE_DATA.seed, EXERCISE_DATA.n]);
    const { x } = await makeData(EXERCISE_DATA);
    for (const i of [0, 1, 343, 344, 350, 359]) expect(withinUlps(x[i]!, want.X[i]!), `X.flatten()[${i}]: ${x[i]} vs ${want.X[i]}`).toBe(true);
  });

  it('labels and the train/validation split as torch counts them', async () => {
    const sum = (a: ArrayLike<number>, from = 0, to = a.length): number => Array.from(a).slice(from, to).reduce((s, v) => s + v, 0);
    // y = ((X[:,0]**2 + 0.8*X[:,1]) > 0.5): y.sum() = 104, y[:140].sum() = 75, y[140:].sum() = 29.
    const demo = await makeData(DEMO_DATA);
    const d = torchData.demo;
    expect([demo.nTrain, demo.nVal]).toEqual([d.nTrain, d.nVal]);
    expect([sum(demo.y), sum(demo.y, 0, d.nTrain), sum(demo.y, d.nTrain)]).toEqual([sum(d.y), sum(d.y, 0, d.nTrain), sum(d.y, d.nTrain)]);
    // y = ((X[:,0]**2 - 0.7*X[:,1]) > 0.3): 120 of 180, 72 of the first 108.
    const ex = await makeData(EXERCISE_DATA);
    const e = torchData.exercise;
    expect([ex.nTrain, ex.nVal]).toEqual([e.nTrain, e.nVal]);
    expect([sum(ex.y), sum(ex.y, 0, e.nTrain)]).toEqual([sum(e.y), sum(e.y, 0, e.nTrain)]);
  });

  it('rejects bad settings, naming the setting and the value', async () => {
    await expect(makeData({ ...DEMO_DATA, n: 7 })).rejects.toThrow('makeData: n must be an integer >= 8, got 7');
    await expect(makeData({ ...DEMO_DATA, trainFrac: 1 })).rejects.toThrow('makeData: trainFrac must be in (0, 1), got 1');
    await expect(makeData({ ...DEMO_DATA, trainFrac: 0.001 })).rejects.toThrow('makeData: trainFrac 0.001 leaves no train or no validation points of 200');
    await expect(makeData({ ...DEMO_DATA, seed: -1 })).rejects.toThrow('makeData: seed must be a non-negative integer (torch.manual_seed), got -1');
  });
});

describe('the nets', () => {
  it('DropNet is 2-32-32-2 with two Dropout layers; RegNet 2-28-2 with one', () => {
    const drop = makeNet(DEMO_NET, 0.5);
    expect([...drop.namedParameters()].map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['0.weight:32x2', '0.bias:32', '3.weight:32x32', '3.bias:32', '6.weight:2x32', '6.bias:2']);
    expect(drop.toString()).toMatch(/Dropout\(p=0\.5\)[\s\S]*Dropout\(p=0\.5\)/);
    const reg = makeNet(EXERCISE_NET, 0.4);
    expect([...reg.namedParameters()].map(([, p]) => p.shape.join('x'))).toEqual(['28x2', '28', '2x28', '2']);
  });
});

/** The initial net's logits for the points [from, to) in plain JS, float64: relu(xW1^T+b1)... */
async function plainForward(data: Dataset, from: number, to: number): Promise<number[][]> {
  const net = startNet(data, DEMO_NET, 0.5);
  const ps = await Promise.all([...net.parameters()].map((p) => p.data()));
  const [w1, b1, w2, b2, w3, b3] = ps as Float32Array[];
  const layer = (h: number[], w: Float32Array, b: Float32Array, relu: boolean): number[] =>
    Array.from(b, (bj, j) => {
      let s = bj;
      for (let k = 0; k < h.length; k++) s += w[j * h.length + k]! * h[k]!;
      return relu ? Math.max(0, s) : s;
    });
  const rows: number[][] = [];
  for (let i = from; i < to; i++) rows.push(layer(layer(layer([data.x[2 * i]!, data.x[2 * i + 1]!], w1!, b1!, true), w2!, b2!, true), w3!, b3!, false));
  return rows;
}

const data = await makeData(DEMO_DATA);

describe('trainRun: train() and eval() as in PyTorch', () => {
  const base = { data, net: DEMO_NET, lr: 0, weightDecay: 0, epochs: 3 };

  it('with lr 0: validation accuracy is the plain forward pass of the initial net (dropout off in eval), every epoch', async () => {
    const logits = await plainForward(data, data.nTrain, data.options.n);
    let correct = 0;
    logits.forEach((l, r) => (correct += Number((l[1]! > l[0]! ? 1 : 0) === data.y[data.nTrain + r])));
    const r = await trainRun({ ...base, pdrop: 0.5 });
    expect(r.valAcc).toHaveLength(3);
    for (const v of r.valAcc) expect(v).toBeCloseTo(correct / data.nVal, 6);
  });

  it('with lr 0 and p = 0: the loss is the initial net\'s cross-entropy on the train set; with p = 0.5 the train loss moves from epoch to epoch (a fresh mask each step)', async () => {
    const logits = await plainForward(data, 0, data.nTrain);
    let ce = 0;
    let correct = 0;
    logits.forEach((l, i) => {
      const m = Math.max(...l);
      ce += m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0)) - l[data.y[i]!]!;
      correct += Number((l[1]! > l[0]! ? 1 : 0) === data.y[i]);
    });
    const plain = await trainRun({ ...base, pdrop: 0 });
    for (const v of plain.loss) expect(v).toBeCloseTo(ce / data.nTrain, 5);
    for (const v of plain.trainAcc) expect(v).toBeCloseTo(correct / data.nTrain, 6);
    const dropped = await trainRun({ ...base, pdrop: 0.5 });
    expect(new Set(dropped.loss).size).toBe(3);
    for (const v of dropped.loss) expect(Math.abs(v - ce / data.nTrain)).toBeGreaterThan(1e-4);
  });

  it('the same seed repeats a run exactly (init and dropout masks from the seed)', async () => {
    const a = await trainRun({ ...base, lr: 0.08, pdrop: 0.5, epochs: 5 });
    const b = await trainRun({ ...base, lr: 0.08, pdrop: 0.5, epochs: 5 });
    expect(b).toEqual(a);
  });

  const torchFinal = Object.values(torchDemos.runs).map((r) => r.finalValAcc.toFixed(2));
  it(`the lesson defaults learn the boundary: validation accuracy >= 0.9 after 80 epochs for all three variants (PyTorch ${torchDemos.torch}: ${torchFinal.join(', ')})`, async () => {
    // The lesson's own runs (Demos 1 to 3, dropout masks drawn by PyTorch on the machine that
    // ran dropout_page.py) meet the same bars this run is held to.
    for (const [k, t] of Object.entries(torchDemos.runs)) {
      expect(t.epochs, k).toBe(80);
      expect(t.finalValAcc, `PyTorch ${k}`).toBeGreaterThanOrEqual(0.9);
    }
    expect(torchDemos.runs.none.meanLast10TrainAcc).toBeGreaterThan(torchDemos.runs.dropout.meanLast10TrainAcc);

    const p = PRESETS.demo;
    const seen: number[] = [];
    const r = await compareRuns({
      data,
      net: p.net,
      lr: p.lr,
      epochs: p.epochs,
      variants: regularizationVariants(p.pdrop, p.weightDecay),
      onEpoch: (v) => void seen.push(v),
    });
    expect(Object.keys(r.runs)).toEqual(['none', 'dropout', 'dropoutL2']);
    expect(r).toMatchObject({ stopped: false, epochsRun: 3 * 80 });
    expect(seen).toHaveLength(3 * 80);
    for (const k of ['none', 'dropout', 'dropoutL2']) {
      expect(r.runs[k]).toMatchObject({ stopped: false, epochsRun: 80 });
      expect(r.runs[k]!.valAcc).toHaveLength(80);
      expect(r.runs[k]!.valAcc.at(-1), k).toBeGreaterThanOrEqual(0.9);
    }
    // Without dropout the train accuracy is measured on the full net; with it, on a thinned one.
    const meanLast = (a: number[]): number => a.slice(-10).reduce((s, v) => s + v, 0) / 10;
    expect(meanLast(r.runs.none!.trainAcc)).toBeGreaterThan(meanLast(r.runs.dropout!.trainAcc));
  });

  it('a Stop (aborted signal) returns the epochs so far, marked stopped', async () => {
    const opts = { ...base, lr: 0.08, pdrop: 0.5, epochs: 6 };
    const full = await trainRun(opts);
    expect(full).toMatchObject({ stopped: false, epochsRun: 6 });
    const c = new AbortController();
    let epochs = 0;
    const r = await trainRun({ ...opts, signal: c.signal, onEpoch: () => void (++epochs === 2 && c.abort()) });
    expect(epochs).toBe(2); // no epoch after the abort
    expect(r).toEqual({ loss: full.loss.slice(0, 2), trainAcc: full.trainAcc.slice(0, 2), valAcc: full.valAcc.slice(0, 2), epochsRun: 2, stopped: true });
  });

  it('a Stop in a comparison keeps the finished variants and the one cut short; later ones never start', async () => {
    const variants = regularizationVariants(0.5, 0.02);
    const opts = { data, net: DEMO_NET, lr: 0.08, epochs: 4, variants };
    const full = await compareRuns(opts);
    const c = new AbortController();
    const r = await compareRuns({ ...opts, signal: c.signal, onEpoch: (v, e) => void (v === 1 && e.epoch === 1 && c.abort()) });
    expect(r).toMatchObject({ stopped: true, epochsRun: 4 + 2 });
    expect(Object.keys(r.runs)).toEqual(['none', 'dropout']);
    expect(r.runs.none).toEqual(full.runs.none);
    expect(r.runs.dropout).toMatchObject({ stopped: true, epochsRun: 2, valAcc: full.runs.dropout!.valAcc.slice(0, 2) });
  });

  it('rate variants are dropout only', () => {
    expect(rateVariants([0, 0.3])).toEqual([
      { key: 'p=0', pdrop: 0, weightDecay: 0 },
      { key: 'p=0.3', pdrop: 0.3, weightDecay: 0 },
    ]);
  });
});

describe('weight decay 0.2 (the page suggests trying it)', () => {
  it('holds the weights so close to zero that the net calls every point one class, in both presets', async () => {
    for (const name of ['demo', 'exercise'] as const) {
      const p = PRESETS[name];
      const d = await makeData(p.data);
      const r = await trainRun({ data: d, net: p.net, pdrop: p.pdrop, lr: p.lr, weightDecay: 0.2, epochs: p.epochs });
      const share = (from: number, to: number): number => d.y.subarray(from, to).reduce((s, v) => s + v, 0) / (to - from);
      // Calling everything class 1 scores exactly the share of class 1 (class 0: one minus it).
      const trainShare = share(0, d.nTrain);
      const valShare = share(d.nTrain, d.options.n);
      expect([trainShare, 1 - trainShare].some((s) => Math.abs(r.trainAcc.at(-1)! - s) < 1e-6), `${name} train ${r.trainAcc.at(-1)}`).toBe(true);
      expect([valShare, 1 - valShare].some((s) => Math.abs(r.valAcc.at(-1)! - s) < 1e-6), `${name} val ${r.valAcc.at(-1)}`).toBe(true);
      // With the lesson's 0.02 the same net learns the boundary.
      const ok = await trainRun({ data: d, net: p.net, pdrop: p.pdrop, lr: p.lr, weightDecay: 0.02, epochs: p.epochs });
      expect(ok.valAcc.at(-1)!, name).toBeGreaterThan(0.9);
    }
  });
});

const run = (trainAcc: number[], valAcc: number[], stopped = false): RunResult => ({ loss: trainAcc.map(() => 0.5), trainAcc, valAcc, epochsRun: trainAcc.length, stopped });

describe('summary.ts: the numbers and sentences under the charts', () => {
  it('jitter is the mean |change| per epoch over the last half of the epochs', () => {
    expect(lastHalf(80)).toEqual({ from: 41, to: 80 });
    expect(lastHalf(5)).toEqual({ from: 3, to: 5 });
    // Epochs 3-5 of [.5, .9, .6, .7, .4]: |.7 - .6| and |.4 - .7|, mean 0.2.
    expect(jitter([0.5, 0.9, 0.6, 0.7, 0.4])).toBeCloseTo(0.2, 12);
    // Epochs 2-3 of [1, .5, .75]: one change of 0.25 (epoch 1's jump is not in the window).
    expect(jitter([1, 0.5, 0.75])).toBeCloseTo(0.25, 12);
    expect(jitter([0.9, 0.9, 0.9, 0.9])).toBe(0);
    expect(jitter([0.5, 0.6])).toBeNull();
    expect(jitter([])).toBeNull();
  });

  it('a table row per run started, with the final accuracies and both jitters, as the page prints them', () => {
    const runs = { a: run([0.5, 0.6, 0.7, 0.75], [0.5, 0.55, 0.6, 0.6]), b: run([0.5, 0.52], [0.4, 0.45], true) };
    const rows = summaryRows(runs, { a: 'first' });
    expect(rows.map((r) => r.key)).toEqual(['a', 'b']);
    expect(rows[0]).toMatchObject({ name: 'first', epochs: 4, finalTrain: 0.75, finalVal: 0.6 });
    expect(rows[0]!.trainJitter).toBeCloseTo(0.05, 12);
    expect(rows[0]!.valJitter).toBe(0);
    expect(rowCells(rows[0]!)).toEqual(['first', '4', '75.0%', '60.0%', '5.00', '0.00']);
    // An unnamed variant shows its key; a run too short to measure shows a dash.
    expect(rowCells(rows[1]!)).toEqual(['b', '2', '52.0%', '45.0%', '–', '–']);
    expect(TABLE_HEADER).toHaveLength(rowCells(rows[0]!).length);
  });

  it('the weight-decay sentence says what the run shows, whichever way it went', () => {
    const steady = run([0.9, 0.9, 0.9, 0.9], [0.9, 0.9, 0.9, 0.9]);
    const jumpy = run([0.9, 0.9, 0.9, 0.9], [0.9, 0.8, 0.9, 0.8]);
    expect(decaySteadiness(jumpy, steady)).toBe('Over epochs 3–4, validation accuracy changed by 10.00 points per epoch on average with dropout alone and by 0.00 with dropout + L2: in this run weight decay made the validation curve steadier.');
    expect(decaySteadiness(steady, jumpy)).toMatch(/by 0\.00 points per epoch on average with dropout alone and by 10\.00 with dropout \+ L2: in this run weight decay made the validation curve less steady\.$/);
    expect(decaySteadiness(steady, steady)).toMatch(/made no difference to how steady the validation curve is\.$/);
    expect(decaySteadiness(run([1, 1], [1, 1]), steady)).toMatch(/^Too few epochs/);
  });

  it('the train/validation sentence names the steadier curve', () => {
    expect(trainValSteadiness(run([0.9, 0.7, 0.9, 0.7], [0.8, 0.8, 0.85, 0.85]))).toBe('Over epochs 3–4, train accuracy changed by 20.00 points per epoch on average and validation accuracy by 0.00: in this run the validation curve was the steadier one.');
    expect(trainValSteadiness(run([0.8, 0.8, 0.8, 0.8], [0.9, 0.7, 0.9, 0.7]))).toMatch(/the train curve was the steadier one\.$/);
    expect(trainValSteadiness(run([0.8, 0.8, 0.8, 0.8], [0.9, 0.9, 0.9, 0.9]))).toMatch(/both curves were equally steady\.$/);
  });

  it('one validation point in percentage points, for the split in use (60 in the Demo, 72 in the Exercise)', async () => {
    expect(validationNote(data.nVal)).toBe('With 60 validation points, each one is worth 1.7 percentage points of validation accuracy, so read differences of one or two points as noise.');
    const ex = await makeData(EXERCISE_DATA);
    expect(validationNote(ex.nVal)).toMatch(/^With 72 validation points, each one is worth 1\.4 percentage points/);
  });
});
