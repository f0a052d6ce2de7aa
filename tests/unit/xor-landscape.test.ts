// The XOR lab's new views on the CPU backend: the hand-built weights against the lesson's own
// code run with numpy (tests/fixtures/numpy/xor_lab.json, handBuilt), the hidden units'
// fields, the loss grid over two weights, and the two-weight training runs (the other seven
// frozen) against the lesson's step written out here in float64 with the same freezing.
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from 'shadergrad';
import { DATASETS, createXorDataset, toTensors } from '../../demos/xor/data.ts';
import type { DatasetName, XorDataset } from '../../demos/xor/data.ts';
import { BETA, EPS, STEP_FACTORS, WEIGHT_NAMES, XorNets, gradients, constants, paramsFromFlat, paramsToFlat, rawToFlat } from '../../demos/xor/net.ts';
import type { Algorithm } from '../../demos/xor/net.ts';
import { HAND_BUILT, XorLab } from '../../demos/xor/lab.ts';
import { frozenRuns, lossGrid, rangesFor } from '../../demos/xor/landscape.ts';
import { readFixture } from '../shared/fixtures.ts';

const numpy = readFixture<{ handBuilt: { weights: number[]; byDataset: Record<DatasetName, { loss: number; accuracy: number }> } }>('numpy/xor_lab.json');

beforeAll(async () => {
  await setBackend('cpu');
});

// ---- the lesson's network, loss, gradient and step in float64 (its code, written out) ----------

function fwd(w: readonly number[], x1: number, x2: number): { p: number; h1: number; h2: number } {
  const h1 = Math.tanh(w[0]! * x1 + w[1]! * x2 + w[2]!);
  const h2 = Math.tanh(w[3]! * x1 + w[4]! * x2 + w[5]!);
  const z = w[6]! * h1 + w[7]! * h2 + w[8]!;
  return { p: 1 / (1 + Math.exp(-Math.max(-500, Math.min(500, z)))), h1, h2 };
}
function loss64(w: readonly number[], d: XorDataset): number {
  let s = 0;
  for (let i = 0; i < d.n; i++) {
    const { p } = fwd(w, d.X[i * 2]!, d.X[i * 2 + 1]!);
    const y = d.y[i]!;
    s += y * Math.log(p + EPS) + (1 - y) * Math.log(1 - p + EPS);
  }
  return -s / d.n;
}
function grad64(w: readonly number[], d: XorDataset): number[] {
  const g = new Array<number>(9).fill(0);
  for (let i = 0; i < d.n; i++) {
    const [x1, x2, t] = [d.X[i * 2]!, d.X[i * 2 + 1]!, d.y[i]!];
    const { p, h1, h2 } = fwd(w, x1, x2);
    const dOut = -(t / (p + EPS) - (1 - t) / (1 - p + EPS)) * p * (1 - p);
    const d1 = dOut * w[6]! * (1 - h1 ** 2);
    const d2 = dOut * w[7]! * (1 - h2 ** 2);
    [d1 * x1, d1 * x2, d1, d2 * x1, d2 * x2, d2, dOut * h1, dOut * h2, dOut].forEach((v, k) => (g[k]! += v));
  }
  return g.map((v) => v / d.n);
}
/** train_step / train_step_momentum with only the weights in `free` moving; returns the loss. */
function step64(w: number[], v: number[], alg: Algorithm, lr: number, free: number[], d: XorDataset): number {
  const g = grad64(w, d).map((x, k) => (free.includes(k) ? x : 0));
  const beta = alg === 'momentum' ? BETA : 0;
  for (let k = 0; k < 9; k++) v[k] = alg === 'momentum' ? beta * v[k]! + (1 - beta) * g[k]! : g[k]!;
  let best = Infinity;
  let bestW = w.slice();
  for (const f of STEP_FACTORS) {
    const cand = w.map((x, k) => x - lr * f * v[k]!);
    const l = loss64(cand, d);
    if (l < best) (best = l), (bestW = cand);
  }
  w.splice(0, 9, ...bestW);
  return best;
}

function expectNear(actual: number, expected: number, rel: number, abs: number, what: string): void {
  if (!(Math.abs(actual - expected) <= abs + rel * Math.abs(expected))) throw new Error(`${what}: ${actual} vs ${expected} (rel ${rel}, abs ${abs})`);
}

// A start the runs can travel from: the lesson fixtures' W0 (not a solution, so both runs move).
const W0 = [0.5, -0.3, 0.1, -0.4, 0.6, 0.2, 0.7, -0.8, 0.05];

describe('the hand-built solution', () => {
  it("is the lesson's H1 = (-10, -10, -10), H2 = (-10, -10, 5), Out = (-10, 10, -5), in lesson order", () => {
    expect(HAND_BUILT).toEqual(numpy.handBuilt.weights);
    expect([...WEIGHT_NAMES]).toEqual(['w11', 'w12', 'b1', 'w21', 'w22', 'b2', 'w_out1', 'w_out2', 'b_out']);
  });

  it("setWeights(HAND_BUILT) gives the loss and accuracy the lesson's numpy code computes, on every dataset", async () => {
    const lab = await XorLab.create({ seed: 1 });
    for (const name of DATASETS) {
      await lab.setDataset(name);
      await lab.setWeights(HAND_BUILT);
      const ref = numpy.handBuilt.byDataset[name];
      // float32 against float64: logs of outputs near 0 and 1 lose a few digits.
      expectNear(lab.loss, ref.loss, 1e-4, 1e-6, `${name} loss`);
      expect(lab.accuracy).toBe(ref.accuracy);
      expect((await lab.snapshot()).weights).toEqual(HAND_BUILT);
      // The float64 reference here agrees with numpy to rounding (it is what the e2e uses too).
      expectNear(loss64(HAND_BUILT, createXorDataset(name)), ref.loss, 1e-12, 0, `${name} float64 loss`);
    }
  });
});

describe('the hidden units', () => {
  it('fields() gives the output and h1 = tanh(w11 x1 + w12 x2 + b1), h2 likewise, at every point', async () => {
    const lab = await XorLab.create({ seed: 2 });
    await lab.setWeights(W0);
    const pts = [-2, -2, 0.3, -1.7, 1, 1, 2, 0.5, -0.25, 1.5];
    const f = await lab.fields(tensor(Float32Array.from(pts), { shape: [5, 2] }));
    for (let i = 0; i < 5; i++) {
      const r = fwd(W0, pts[i * 2]!, pts[i * 2 + 1]!);
      expectNear(f.h1[i]!, r.h1, 1e-5, 1e-6, `h1 at point ${i}`);
      expectNear(f.h2[i]!, r.h2, 1e-5, 1e-6, `h2 at point ${i}`);
      expectNear(f.out[i]!, r.p, 1e-5, 1e-6, `output at point ${i}`);
    }
    // The hand-built hidden units: h1 near 1 only at (-1, -1); h2 near -1 only at (1, 1).
    await lab.setWeights(HAND_BUILT);
    const c = await lab.fields(tensor(Float32Array.from([-1, -1, 1, 1, -1, 1, 1, -1]), { shape: [4, 2] }));
    expect(Array.from(c.h1, Math.round)).toEqual([1, -1, -1, -1]);
    expect(Array.from(c.h2, Math.round)).toEqual([1, -1, 1, 1]);
  });
});

describe('storage order', () => {
  it('rawWeights + rawToFlat and paramsToFlat give back the lesson-order weights', async () => {
    const flat = [...W0, ...HAND_BUILT];
    const nets = new XorNets(toTensors(createXorDataset('clean')), flat, [{ algorithm: 'basic', lr: 0.3 }, { algorithm: 'momentum', lr: 0.3 }]);
    expect(Array.from(rawToFlat(await nets.rawWeights().data()))).toEqual(Array.from(Float32Array.from(flat)));
    expect(Array.from(await paramsToFlat(paramsFromFlat(flat)))).toEqual(Array.from(Float32Array.from(flat)));
  });
});

describe('the loss landscape', () => {
  it('lossGrid: entry r * n + c is the loss with weight a at column c and weight b at row r, the other seven as given', async () => {
    const d = createXorDataset('clean');
    const a = 6;
    const b = 2;
    const n = 5;
    const grid = await lossGrid(toTensors(d), W0, { index: a, range: [-3, 1] }, { index: b, range: [0, 2] }, n);
    expect(grid).toHaveLength(n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const w = W0.slice();
        w[a] = -3 + c;
        w[b] = (2 * r) / (n - 1);
        expectNear(grid[r * n + c]!, loss64(w, d), 1e-5, 1e-6, `grid row ${r} column ${c}`);
      }
    }
    await expect(lossGrid(toTensors(d), W0, { index: 3, range: [0, 1] }, { index: 3, range: [0, 1] }, 5)).rejects.toThrow(/two weights must differ, got w21 twice/);
  });

  it('frozenRuns: only the two weights move, the other seven keep their values exactly; basic and momentum follow the lesson step in float64', async () => {
    const d = createXorDataset('clean');
    const [a, b] = [0, 7]; // w11 and w_out2: one hidden weight, one output weight
    const epochs = 25;
    const runs = await frozenRuns(toTensors(d), W0, a, b, { lr: 0.3, epochs });
    expect(runs).toMatchObject({ a, b, lr: 0.3, epochsRun: epochs, stopped: false });
    const w32 = Array.from(Float32Array.from(W0));
    for (const alg of ['basic', 'momentum'] as const) {
      const p = runs.paths[alg];
      expect(p.points).toHaveLength(epochs + 1);
      expect(p.points[0]).toEqual([w32[a], w32[b]]);
      p.final.forEach((v, k) => (k === a || k === b ? expect(v).not.toBe(w32[k]) : expect(v).toBe(w32[k])));
      expect(p.points.at(-1)).toEqual([p.final[a], p.final[b]]);
      // The same run in float64: the lesson's step with the gradient of the seven set to 0.
      const w = W0.slice();
      const v = new Array<number>(9).fill(0);
      expectNear(p.losses[0]!, loss64(w, d), 1e-5, 1e-6, `${alg} start loss`);
      for (let e = 1; e <= epochs; e++) {
        const l = step64(w, v, alg, 0.3, [a, b], d);
        expectNear(p.losses[e]!, l, 1e-4, 1e-6, `${alg} epoch ${e} loss`);
        expectNear(p.points[e]![0], w[a]!, 1e-4, 1e-5, `${alg} epoch ${e} ${WEIGHT_NAMES[a]}`);
        expectNear(p.points[e]![1], w[b]!, 1e-4, 1e-5, `${alg} epoch ${e} ${WEIGHT_NAMES[b]}`);
      }
    }
    // The two algorithms go different ways (momentum's first step is a tenth as long).
    expect(runs.paths.momentum.points[1]).not.toEqual(runs.paths.basic.points[1]);
  });

  it("a frozen basic step is the full gradient's two components times one of the line search's step sizes", async () => {
    const data = toTensors(createXorDataset('noisy'));
    const g = rawToFlat(await (async () => {
      const gp = gradients(paramsFromFlat(W0), data, constants());
      return Float32Array.from([...(await gp.W1.data()), ...(await gp.b1.data()), ...(await gp.W2.data()), ...(await gp.b2.data())]);
    })());
    const runs = await frozenRuns(data, W0, 4, 8, { lr: 0.5, epochs: 1 });
    const [[x0, y0], [x1, y1]] = runs.paths.basic.points as [[number, number], [number, number]];
    const etaX = (x0 - x1) / g[4]!;
    const etaY = (y0 - y1) / g[8]!;
    expectNear(etaX, etaY, 1e-4, 0, 'the same step size for both weights');
    expect(STEP_FACTORS.map((f) => 0.5 * f).some((eta) => Math.abs(eta - etaX) < 1e-4 * eta)).toBe(true);
  });

  it('rangesFor: the span around the start, widened to hold every point of every path', () => {
    expect(rangesFor([1, -2], [[[1, -2]]], 3)).toEqual([[-2, 4], [-5, 1]]);
    const [xr, yr] = rangesFor([0, 0], [[[0, 0], [9, 1]], [[0, 0], [-1, -12]]], 2);
    expect(xr[0]).toBe(-2);
    expect(xr[1]).toBeGreaterThan(9);
    expect(yr[0]).toBeLessThan(-12);
    expect(yr[1]).toBe(2);
    expect(() => rangesFor([0, 0], [], 0)).toThrow(/span must be a positive number/);
  });

  it('setTrainable checks its flags', () => {
    const nets = new XorNets(toTensors(createXorDataset('clean')), W0, [{ algorithm: 'basic', lr: 0.3 }]);
    expect(() => nets.setTrainable([1, 0])).toThrow(/expected 9 flags/);
    expect(() => nets.setTrainable([1, 0, 0, 0, 0, 0, 0, 0, 0.5])).toThrow(/must be 0 or 1, got 0.5/);
  });
});
