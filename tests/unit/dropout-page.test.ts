// The dropout page's exercise module (demos/dropout/dropout.ts) on the CPU backend: the
// lesson's data against values printed by PyTorch 1.13 (torch.manual_seed(s); torch.randn),
// the nets' layouts, and the training loop against a plain-JS forward pass of the same net.
import { describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from 'shadergrad';
import { DEMO_DATA, DEMO_NET, EXERCISE_DATA, EXERCISE_NET, PRESETS, compareRuns, makeData, makeNet, rateVariants, regularizationVariants, torchRandn, trainRun } from '../../demos/dropout/dropout.ts';
import type { Dataset } from '../../demos/dropout/dropout.ts';

await setBackend('cpu');

// torch computes Box-Muller in float32 (with AVX2, a vectorized log/sin/cos): it agrees with
// ours to a few float32 ulps; the printed values have 7 significant digits.
const TORCH_TOL = 2e-6;

describe('the lesson data: torch.manual_seed + torch.randn, reproduced', () => {
  it('Demo: manual_seed(7), randn(200, 2) equals PyTorch', () => {
    // print(torch.manual_seed(7) or torch.randn(200, 2).flatten()[[0, 1, 2, 3, 15, 16, 398, 399]])
    const torchValues: [number, number][] = [
      [0, -0.8201345],
      [1, 0.3956312],
      [2, 0.8989085],
      [3, -1.388404],
      [15, 1.090165],
      [16, -1.582665],
      [398, 0.1465863],
      [399, -0.3677365],
    ];
    const x = torchRandn(7, 400);
    for (const [i, v] of torchValues) expect(Math.abs(x[i]! - v), `X.flatten()[${i}]`).toBeLessThan(TORCH_TOL);
  });

  it('Exercise: manual_seed(11), randn(180, 2): 360 is not a multiple of 16, so the last 16 are redrawn', () => {
    const torchValues: [number, number][] = [
      [0, -0.5107976],
      [1, 1.028272],
      [343, 0.1491558],
      [344, -0.3672277],
      [350, 0.6982075],
      [359, -1.852472],
    ];
    const x = torchRandn(11, 360);
    for (const [i, v] of torchValues) expect(Math.abs(x[i]! - v), `X.flatten()[${i}]`).toBeLessThan(TORCH_TOL);
  });

  it('labels and the train/validation split as torch counts them', () => {
    // y = ((X[:,0]**2 + 0.8*X[:,1]) > 0.5): y.sum() = 104, y[:140].sum() = 75, y[140:].sum() = 29.
    const demo = makeData(DEMO_DATA);
    expect([demo.nTrain, demo.nVal]).toEqual([140, 60]);
    const sum = (a: Int32Array): number => a.reduce((s, v) => s + v, 0);
    expect(sum(demo.y)).toBe(104);
    expect(sum(demo.y.subarray(0, 140))).toBe(75);
    expect(sum(demo.y.subarray(140))).toBe(29);
    // y = ((X[:,0]**2 - 0.7*X[:,1]) > 0.3): 120 of 180, 72 of the first 108.
    const ex = makeData(EXERCISE_DATA);
    expect([ex.nTrain, ex.nVal]).toEqual([108, 72]);
    expect(sum(ex.y)).toBe(120);
    expect(sum(ex.y.subarray(0, 108))).toBe(72);
  });

  it('rejects what torch would not do the same way', () => {
    expect(() => torchRandn(7, 8)).toThrow(/>= 16/);
    expect(() => makeData({ ...DEMO_DATA, trainFrac: 1 })).toThrow(/trainFrac/);
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
async function plainForward(seed: number, data: Dataset, from: number, to: number): Promise<number[][]> {
  manualSeed(seed);
  const net = makeNet(DEMO_NET, 0.5);
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

describe('trainRun: train() and eval() as in PyTorch', () => {
  const data = makeData(DEMO_DATA);
  const base = { data, net: DEMO_NET, lr: 0, weightDecay: 0, epochs: 3, seed: 7 };

  it('with lr 0: validation accuracy is the plain forward pass of the initial net (dropout off in eval), every epoch', async () => {
    const logits = await plainForward(7, data, data.nTrain, data.options.n);
    let correct = 0;
    logits.forEach((l, r) => (correct += Number((l[1]! > l[0]! ? 1 : 0) === data.y[data.nTrain + r])));
    const r = await trainRun({ ...base, pdrop: 0.5 });
    expect(r.valAcc).toHaveLength(3);
    for (const v of r.valAcc) expect(v).toBeCloseTo(correct / data.nVal, 6);
  });

  it('with lr 0 and p = 0: the loss is the initial net\'s cross-entropy on the train set; with p = 0.5 the train loss moves from epoch to epoch (a fresh mask each step)', async () => {
    const logits = await plainForward(7, data, 0, data.nTrain);
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

  it('the same seed repeats a run exactly (init and dropout masks from manualSeed)', async () => {
    const a = await trainRun({ ...base, lr: 0.08, pdrop: 0.5, epochs: 5 });
    const b = await trainRun({ ...base, lr: 0.08, pdrop: 0.5, epochs: 5 });
    expect(b).toEqual(a);
  });

  it('the lesson defaults learn the boundary: validation accuracy >= 0.9 after 80 epochs for all three variants (PyTorch: 0.97-0.98)', async () => {
    const p = PRESETS.demo;
    const seen: number[] = [];
    const r = await compareRuns({
      data,
      net: p.net,
      lr: p.lr,
      epochs: p.epochs,
      seed: p.seed,
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
    const opts = { data, net: DEMO_NET, lr: 0.08, epochs: 4, seed: 7, variants };
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
