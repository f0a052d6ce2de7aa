// The XOR lab (lesson 02, "Training a Neural Network") on the CPU backend: its datasets
// against numpy's legacy RandomState, its gradient, one basic and one momentum step against
// numbers the lesson's own Python code prints (float64), the three-candidate line search,
// multi-start, the stopping rules, and the batched restarts (one set of dispatches per epoch).
//
// The lesson's numbers come from tests/fixtures/numpy/xor_lab.json, written by xor_lab.py
// beside it: the lesson's code, copied verbatim from the notebook (create_xor_dataset,
// TinyNetwork, compute_loss, compute_gradients, train_step, train_step_momentum and the
// buttons' loops) and run with numpy in float64. Our nets run in float32, so those
// comparisons allow float32 rounding (a few units in the 7th significant digit).
import { beforeAll, describe, expect, it } from 'vitest';
import { RandomState, backendStats, manualSeed, nn, randn, setBackend, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { DATASETS, createXorDataset, noiseFor, toTensors } from '../../demos/xor/data.ts';
import type { DatasetName } from '../../demos/xor/data.ts';
import { BETA, WEIGHT_NAMES, XorNets, bceLoss, constants, correctCount, forward, gradients, lossesOf, multiStart, parameterCount, paramsFromFlat, paramsToFlat } from '../../demos/xor/net.ts';
import type { Algorithm, Params } from '../../demos/xor/net.ts';
import { ACCURACY_GOAL, LOSS_GOAL, MAX_EPOCHS, XorLab } from '../../demos/xor/lab.ts';
import { median, runRestarts } from '../../demos/xor/restarts.ts';
import { readFixture } from '../shared/fixtures.ts';

interface Converged {
  dataset: DatasetName;
  algorithm: Algorithm;
  lr: number;
  epochs: number;
  firstLoss: number;
  lastLoss: number;
  accuracy: number;
}
/** The lesson's code run with numpy (tests/fixtures/numpy/xor_lab.py). */
const numpy = readFixture<{
  numpy: string;
  W0: number[];
  datasets: Record<DatasetName, number[]>;
  atW0: { loss: number; accuracy: number; n: number };
  tiny: {
    gradients: number[];
    basicStep: { lr: number; loss: number; accuracy: number; weights: number[] };
    momentumSteps: { lr: number; steps: { loss: number; weights: number[] }[] };
    lineSearch: { lr: number; candidateLosses: number[]; winner: number; loss: number }[];
  };
  converge: Converged[];
  clicks: { dataset: DatasetName; algorithm: Algorithm; clicks: ('1' | '10')[]; epochs: number[] };
  noisy: { dataset: DatasetName; algorithm: Algorithm; epochsBefore: number; epochs: number; lastLoss: number; accuracy: number };
}>('numpy/xor_lab.json');

beforeAll(async () => {
  await setBackend('cpu');
});

/** float32 arithmetic against a float64 reference: relative 2e-6 (plus a small absolute floor). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 2e-6, abs = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = abs + rel * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
  }
}

// ---- the datasets -----------------------------------------------------------------------------

describe('datasets: create_xor_dataset with np.random.seed(42)', () => {
  const XOR_CORNERS = [[-1, -1], [1, 1], [-1, 1], [1, -1]];
  const ONE_CORNER = [[-1, -1], [-1, 1], [1, -1], [1, 1]];

  it('every point is its corner + RandomState(42).randn(100, 2) (row-major) * noise', () => {
    for (const name of DATASETS) {
      const d = createXorDataset(name);
      const noise = new RandomState(42).randn(200); // randn(len(X), 2) fills rows: x1, x2, x1, ...
      const scale = name === 'corner_noisy' ? 0.2 * 1.5 : name === 'noisy' ? 0.2 * 2.0 : name === 'perfect' ? 0.05 : 0.2;
      expect(noiseFor(name)).toBe(scale);
      const corners = name.startsWith('corner') ? ONE_CORNER : XOR_CORNERS;
      for (const i of [0, 1, 2, 3, 24, 25, 50, 99]) {
        const c = corners[Math.floor(i / 25)]!;
        expect(d.X[i * 2]).toBe(c[0]! + noise[i * 2]! * scale);
        expect(d.X[i * 2 + 1]).toBe(c[1]! + noise[i * 2 + 1]! * scale);
      }
    }
  });

  it(`the first points equal what numpy ${numpy.numpy} gives for the lesson`, () => {
    // create_xor_dataset(t)[0]: its first 3 points and its last, flattened.
    expect(Object.keys(numpy.datasets).sort()).toEqual([...DATASETS].sort());
    for (const name of DATASETS) {
      const d = createXorDataset(name);
      const got = [...d.X.slice(0, 6), d.X[198]!, d.X[199]!];
      expectClose(got, numpy.datasets[name], 1e-14, 0);
    }
  });

  it('class counts and clusters: 25 points around each corner, labelled as the lesson labels them', () => {
    for (const name of DATASETS) {
      const d = createXorDataset(name);
      expect(d.n).toBe(100);
      const ones = d.y.reduce((a, b) => a + b, 0);
      expect(ones).toBe(name.startsWith('corner') ? 75 : 50);
      const corners = name.startsWith('corner') ? ONE_CORNER : XOR_CORNERS;
      const labels = name.startsWith('corner') ? [0, 1, 1, 1] : [0, 0, 1, 1];
      corners.forEach((c, k) => {
        let mx = 0;
        let my = 0;
        for (let i = k * 25; i < (k + 1) * 25; i++) {
          expect(d.y[i]).toBe(labels[k]);
          mx += d.X[i * 2]! / 25;
          my += d.X[i * 2 + 1]! / 25;
        }
        // The cluster mean sits within 4 standard errors of its corner.
        const se = (4 * noiseFor(name)) / 5;
        expect(Math.abs(mx - c[0]!)).toBeLessThan(se);
        expect(Math.abs(my - c[1]!)).toBeLessThan(se);
      });
    }
  });

  it('accuracy >= 99% means at least 99 of 100 points', () => {
    expect(toTensors(createXorDataset('clean')).minCorrect).toBe(99);
  });
});

// ---- the network, one step at a time ------------------------------------------------------------

// A tiny case: the four XOR corners and a fixed set of weights (lesson order).
const W0 = [0.5, -0.3, 0.1, -0.4, 0.6, 0.2, 0.7, -0.8, 0.05];
it('W0 is the start the numpy fixture ran from', () => expect(numpy.W0).toEqual(W0));
const tiny = () => toTensors({ name: 'clean', X: Float64Array.from([-1, -1, 1, 1, -1, 1, 1, -1]), y: Int32Array.from([0, 0, 1, 1]), n: 4 });

async function flatGrad(g: Params): Promise<number[]> {
  // The same layout conversion as the weights: lesson order, 9 per net.
  return Array.from(await paramsToFlat(g));
}

describe('parameter counts the page states', () => {
  it('parameterCount(h) is what a 2-h-1 network of nn.Linear layers holds: 9, 41, 401', () => {
    for (const h of [1, 2, 3, 10, 100]) {
      const net = new nn.Sequential(new nn.Linear(2, h), new nn.Tanh(), new nn.Linear(h, 1));
      const held = net.parameters().reduce((n, p) => n + p.numel(), 0);
      expect([h, parameterCount(h)]).toEqual([h, held]);
    }
    // The lab's own net: nine named weights, and the batched tensors hold nine numbers per net.
    expect(parameterCount(2)).toBe(WEIGHT_NAMES.length);
    const p = paramsFromFlat(W0);
    expect(Object.values(p).reduce((n: number, t: Tensor) => n + t.numel(), 0)).toBe(9);
    // Counted by hand (2*10 + 10 + 10 + 1): the lesson's 31 and 301 leave out the output weights.
    expect(parameterCount(10)).toBe(41);
    expect(parameterCount(100)).toBe(401);
  });

  it('parameterCount rejects a count of hidden units that is not a whole number >= 1', () => {
    for (const bad of [0, -1, 2.5, NaN, Infinity]) expect(() => parameterCount(bad)).toThrow(/parameterCount: hidden units must be a whole number >= 1/);
  });
});

describe('the 2-2-1 network', () => {
  it('forward and loss equal the lesson at W0 (numpy: compute_loss, compute_accuracy)', async () => {
    const d = toTensors(createXorDataset('clean'));
    const c = constants();
    const { out } = forward(paramsFromFlat(W0), d.X);
    expectClose(await bceLoss(out, d, c).data(), [numpy.atW0.loss]);
    expect(Array.from(await correctCount(out, d, c).data())).toEqual([Math.round(numpy.atW0.accuracy * numpy.atW0.n)]); // 57 of 100
  });

  it('hand-written gradients equal the lesson (numpy: compute_gradients) and autograd', async () => {
    const d = tiny();
    const c = constants();
    const p = paramsFromFlat(W0);
    expectClose(await flatGrad(gradients(p, d, c)), numpy.tiny.gradients, 2e-6, 2e-8);

    // Autograd through the same loss: an independent derivation of the same numbers.
    const q = paramsFromFlat(W0);
    for (const t of Object.values(q) as Tensor[]) t.requiresGrad = true;
    bceLoss(forward(q, d.X).out, d, c).sum().backward();
    const auto = { W1: q.W1.grad!, b1: q.b1.grad!, W2: q.W2.grad!, b2: q.b2.grad! };
    expectClose(await flatGrad(auto), numpy.tiny.gradients, 2e-6, 2e-8);
  });

  it('one basic step (line search, lr 0.3) equals train_step', async () => {
    const want = numpy.tiny.basicStep;
    const nets = new XorNets(tiny(), W0, [{ algorithm: 'basic', lr: want.lr }]);
    const { loss, correct } = nets.step();
    expectClose(await loss.data(), [want.loss]);
    expect(Array.from(await correct.data())).toEqual([want.accuracy * 4]); // accuracy 0.75: 3 of 4
    expectClose(await paramsToFlat(nets.params), want.weights);
  });

  it('two momentum steps equal train_step_momentum (v = 0.9 v + 0.1 g from v = 0)', async () => {
    const want = numpy.tiny.momentumSteps;
    const nets = new XorNets(tiny(), W0, [{ algorithm: 'momentum', lr: want.lr }]);
    expect(want.steps).toHaveLength(2);
    for (const step of want.steps) {
      expectClose(await nets.step().loss.data(), [step.loss]);
      expectClose(await paramsToFlat(nets.params), step.weights);
    }
  });

  it("momentum's first epoch is basic descent's at a tenth of the learning rate (v starts at 0)", async () => {
    // What the page says about momentum's slow start: v1 = (1 - beta) g, so its candidates
    // w - eta v1 for eta in {lr, lr/2, 2 lr} are basic's candidates at lr (1 - beta).
    const d = toTensors(createXorDataset('clean'));
    for (const lr of [0.1, 0.3, 1]) {
      const mom = new XorNets(d, W0, [{ algorithm: 'momentum', lr }]);
      const basic = new XorNets(d, W0, [{ algorithm: 'basic', lr: lr * (1 - BETA) }]);
      const same = new XorNets(d, W0, [{ algorithm: 'basic', lr }]);
      const [lm, lb, ls] = [await mom.step().loss.data(), await basic.step().loss.data(), await same.step().loss.data()];
      expectClose(lm, [lb[0]!], 1e-6);
      const [wm, wb, ws] = [await paramsToFlat(mom.params), await paramsToFlat(basic.params), await paramsToFlat(same.params)];
      expectClose(wm, Array.from(wb), 1e-6, 1e-7);
      // And it moves the weights far less than a basic step at the same learning rate.
      const dist = (w: Float32Array): number => Math.hypot(...W0.map((x, k) => w[k]! - x));
      expect(dist(wm)).toBeLessThan(0.5 * dist(ws));
      expect(ls[0]).toBeLessThan(lm[0]!);
    }
  });

  it('the line search keeps the best of lr, lr/2 and 2 lr', async () => {
    // numpy: the candidates' losses at W0 for lr 0.3, 5 and 20 are won by 2 lr, lr and lr/2.
    const d = tiny();
    const lrs = numpy.tiny.lineSearch.map((s) => s.lr);
    const winners = numpy.tiny.lineSearch.map((s) => s.winner);
    expect([lrs, winners]).toEqual([[0.3, 5, 20], [2, 0, 1]]);
    const flat = lrs.flatMap(() => W0);
    const nets = new XorNets(d, flat, lrs.map((lr) => ({ algorithm: 'basic' as Algorithm, lr })));
    const g = await flatGrad(gradients(paramsFromFlat(W0), d, constants()));
    // Every candidate of every net, evaluated on its own: w - eta g.
    const etas = lrs.flatMap((lr) => [lr, lr / 2, 2 * lr]);
    const cand = etas.flatMap((eta) => W0.map((w, k) => Math.fround(w + Math.fround(eta * Math.fround(-g[k]!)))));
    const candLoss = await lossesOf(d, cand).data();
    const { loss } = nets.step();
    const stepLoss = await loss.data();
    const after = await paramsToFlat(nets.params);
    lrs.forEach((lr, i) => {
      const three = [0, 1, 2].map((k) => candLoss[i * 3 + k]!);
      expect(three.indexOf(Math.min(...three))).toBe(winners[i]);
      expectClose(three, numpy.tiny.lineSearch[i]!.candidateLosses, 2e-6);
      expectClose([stepLoss[i]!], [Math.min(...three)], 1e-6);
      expectClose(after.slice(i * 9, i * 9 + 9), cand.slice((i * 3 + winners[i]!) * 9, (i * 3 + winners[i]! + 1) * 9), 1e-6, 1e-7);
    });
    expectClose(stepLoss, numpy.tiny.lineSearch.map((s) => s.loss));
  });
});

// ---- multi-start ---------------------------------------------------------------------------------

describe('multi-start initialization', () => {
  it('draws 10 x 9 weights from N(0, 0.5) with the engine generator and keeps the lowest loss', async () => {
    const data = createXorDataset('clean');
    const d = toTensors(data);
    manualSeed(7);
    const draws = Array.from((await randn([10, 9]).data()) as Float32Array, (z) => 0.5 * z);
    // An independent scalar forward in float64 (the lesson's TinyNetwork.forward) for each trial.
    const lossOf = (w: number[]): number => {
      let s = 0;
      for (let i = 0; i < data.n; i++) {
        const [x1, x2] = [data.X[i * 2]!, data.X[i * 2 + 1]!];
        const h1 = Math.tanh(w[0]! * x1 + w[1]! * x2 + w[2]!);
        const h2 = Math.tanh(w[3]! * x1 + w[4]! * x2 + w[5]!);
        const p = 1 / (1 + Math.exp(-(w[6]! * h1 + w[7]! * h2 + w[8]!)));
        s += data.y[i]! * Math.log(p + 1e-10) + (1 - data.y[i]!) * Math.log(1 - p + 1e-10);
      }
      return -s / data.n;
    };
    const losses = Array.from({ length: 10 }, (_, t) => lossOf(draws.slice(t * 9, t * 9 + 9)));
    const best = losses.indexOf(Math.min(...losses));
    manualSeed(7);
    const ms = await multiStart(d, { starts: 1, trials: 10, scale: 0.5 });
    expect(Array.from(ms.weights)).toEqual(draws.slice(best * 9, best * 9 + 9).map(Math.fround));
    expectClose(ms.bestLoss, [losses[best]!]);
    // Every trial's initial loss, in draw order (the page lists them on Reset).
    expectClose(ms.trialLosses[0]!, losses, 2e-6);
    expect(ms.bestTrial).toEqual([best]);

    // The lab keeps the same list for its last reset, and its snapshot publishes it.
    const lab = await XorLab.create({ dataset: 'clean', seed: 7 });
    expectClose(lab.trialLosses, losses, 2e-6);
    expect(lab.bestTrial).toBe(best);
    expect(lab.initLoss).toBe(lab.trialLosses[best]);
    expect(lab.initLoss).toBe(Math.min(...lab.trialLosses));
    const snap = await lab.snapshot();
    expect([snap.trialLosses, snap.bestTrial]).toEqual([lab.trialLosses, best]);
    // The losses really vary from start to start (what the lesson asks the learner to notice).
    expect(Math.max(...losses) - Math.min(...losses)).toBeGreaterThan(0.05);
    // A reset replaces them; weights set by hand have no trials.
    await lab.reset();
    expect(lab.trialLosses).toHaveLength(10);
    expect(lab.trialLosses).not.toEqual(snap.trialLosses);
    await lab.setWeights(W0);
    expect([lab.trialLosses, lab.bestTrial]).toEqual([[], -1]);
  });

  it('a seeded lab repeats its resets, and each reset differs', async () => {
    const a = await XorLab.create({ seed: 3 });
    const b = await XorLab.create({ seed: 3 });
    const wa0 = (await a.snapshot()).weights;
    expect((await b.snapshot()).weights).toEqual(wa0);
    await a.reset();
    await b.reset();
    const wa1 = (await a.snapshot()).weights;
    expect((await b.snapshot()).weights).toEqual(wa1);
    expect(wa1).not.toEqual(wa0);
    expect(a.resets).toBe(2);
  });
});

// ---- the lab and its stopping rules ---------------------------------------------------------------

describe('the lab: buttons and stopping rules', () => {
  it('Train to Convergence from W0 takes as many epochs as the lesson, on every dataset', async () => {
    // numpy: epochs, first and last loss and accuracy of on_train_converge from W0 (lr 0.3).
    expect(numpy.converge.map((c) => `${c.dataset} ${c.algorithm}`).sort()).toEqual(['clean', 'corner', 'corner_noisy', 'perfect'].flatMap((t) => [`${t} basic`, `${t} momentum`]));
    for (const { dataset, algorithm, lr, epochs, firstLoss, lastLoss, accuracy } of numpy.converge) {
      const lab = await XorLab.create({ dataset, algorithm, lr, seed: 0 });
      await lab.setWeights(W0);
      const r = await lab.trainToConvergence();
      expect([dataset, algorithm, lab.epoch]).toEqual([dataset, algorithm, epochs]);
      expect(r).toEqual({ stopped: false, end: 'converged', epochsRun: epochs });
      expectClose([lab.lossHistory[0]!], [firstLoss], 1e-5);
      expectClose([lab.loss], [lastLoss], 1e-5);
      expect(lab.accuracy).toBeGreaterThanOrEqual(ACCURACY_GOAL);
      expect([dataset, algorithm, lab.accuracy]).toEqual([dataset, algorithm, accuracy]);
    }
  });

  it('stops at the first epoch that meets the rule, and not before', async () => {
    const lab = await XorLab.create({ dataset: 'clean', seed: 0 });
    await lab.setWeights(W0);
    const seen: { loss: number; accuracy: number }[] = [];
    await lab.trainToConvergence({ onEpoch: (r) => void seen.push(r) });
    expect(seen).toHaveLength(lab.epoch);
    const met = seen.map((r) => r.accuracy >= ACCURACY_GOAL || r.loss < LOSS_GOAL);
    expect(met.slice(0, -1).every((m) => !m)).toBe(true);
    expect(met.at(-1)).toBe(true);
  });

  it('Train 10 Steps stops early at 99% accuracy; a converged net still takes one step', async () => {
    // numpy: the epoch after each click of the lesson's on_train_10 (7 times) and on_train_1.
    const want = numpy.clicks;
    expect(want.epochs).toEqual([10, 20, 30, 40, 50, 59, 60, 61]); // converges at epoch 59 (above)
    const lab = await XorLab.create({ dataset: want.dataset, algorithm: want.algorithm, seed: 0 });
    await lab.setWeights(W0);
    const epochs: number[] = [];
    for (const click of want.clicks) {
      await lab.trainSteps(Number(click));
      epochs.push(lab.epoch);
    }
    expect(epochs).toEqual(want.epochs);
    expect(lab.lossHistory).toHaveLength(want.epochs.at(-1)!);
  });

  it('Train to Convergence stops at 500 epochs in all (noisy XOR never reaches 99%)', async () => {
    const want = numpy.noisy;
    const lab = await XorLab.create({ dataset: want.dataset, algorithm: want.algorithm, seed: 0 });
    await lab.setWeights(W0);
    for (let i = 0; i < 3; i++) await lab.trainSteps(10);
    expect(lab.epoch).toBe(want.epochsBefore);
    const r = await lab.trainToConvergence();
    expect([lab.epoch, want.epochs]).toEqual([MAX_EPOCHS, MAX_EPOCHS]);
    // Cut off by the limit, not converged: the page says which.
    expect(r).toEqual({ stopped: false, end: 'limit', epochsRun: MAX_EPOCHS - 30 });
    expect(lab.accuracy).toBeLessThan(ACCURACY_GOAL);
    // numpy, after 500 epochs: float32 rounding carried over 500 line-search steps.
    expectClose([lab.loss], [want.lastLoss], 1e-4);
    expect(await lab.trainToConvergence()).toEqual({ stopped: false, end: 'limit', epochsRun: 0 }); // at the limit: nothing more
    expect(lab.epoch).toBe(MAX_EPOCHS);
  });

  it('Stop: an aborted signal ends training before the next epoch, and says so', async () => {
    const lab = await XorLab.create({ dataset: 'noisy', seed: 0 });
    const ctl = new AbortController();
    const r = await lab.trainToConvergence({ signal: ctl.signal, onEpoch: (e) => void (e.epoch === 7 && ctl.abort()) });
    expect(lab.epoch).toBe(7);
    expect(r).toEqual({ stopped: true, end: 'stopped', epochsRun: 7 });
    expect(await lab.trainSteps(10, { signal: ctl.signal })).toEqual({ stopped: true });
    expect(lab.epoch).toBe(7);
    expect(await lab.trainSteps(2)).toEqual({ stopped: false });
    expect(lab.epoch).toBe(9);
  });

  it('changing the algorithm restarts the velocity at zero', async () => {
    const lab = await XorLab.create({ dataset: 'clean', algorithm: 'momentum', seed: 0 });
    await lab.setWeights(W0);
    await lab.trainSteps(5);
    lab.setAlgorithm('basic');
    lab.setAlgorithm('momentum');
    const w = (await lab.snapshot()).weights;
    // From zero velocity the first momentum step equals a fresh net's first step from w.
    const fresh = new XorNets(toTensors(lab.dataset), w, [{ algorithm: 'momentum', lr: 0.3 }]);
    const expected = await fresh.step().loss.data();
    await lab.trainSteps(1);
    expect(lab.loss).toBe(expected[0]);
  });
});

// ---- many restarts as one batch --------------------------------------------------------------------

describe('restarts: every start of every setting trained as one batch', () => {
  it('dispatches per epoch do not grow with the number of starts (10 vs 100)', async () => {
    const few = await runRestarts({ starts: 10, epochs: 6, seed: 1 });
    const many = await runRestarts({ starts: 100, epochs: 6, seed: 1 });
    expect(few.nets).toBe(80);
    expect(few).toMatchObject({ stopped: false, epochsRun: 6 });
    expect(many.nets).toBe(800);
    expect(many.dispatchesPerEpoch).toBe(few.dispatchesPerEpoch);
    expect(many.submitsPerEpoch).toBe(few.submitsPerEpoch);
    expect(few.dispatchesPerEpoch).toBeGreaterThan(0);
    expect(few.submitsPerEpoch).toBe(1); // the epoch, its updates and its read-back: one run
    expect(backendStats().submits).toBeGreaterThan(0);
  });

  it('Stop: an aborted signal ends the batch with the epochs so far, marked stopped', async () => {
    const ctl = new AbortController();
    const r = await runRestarts({ starts: 2, epochs: 50, seed: 1, readEvery: 1, signal: ctl.signal, onProgress: (p) => void (p.epoch === 4 && ctl.abort()) });
    expect(r).toMatchObject({ stopped: true, epochsRun: 4 });
  });

  it('each batched net converges at the epoch the lab reaches from the same start', async () => {
    const opts = { dataset: 'clean' as DatasetName, starts: 3, epochs: 120, seed: 5 };
    const r = await runRestarts(opts);
    manualSeed(opts.seed);
    const init = await multiStart(toTensors(createXorDataset('clean')), { starts: opts.starts, trials: 10, scale: 0.5 });
    expectClose(r.initLoss, init.bestLoss, 0, 0);
    let converged = 0;
    for (const [c, cfg] of r.summary.entries()) {
      for (let s = 0; s < opts.starts; s++) {
        const lab = await XorLab.create({ dataset: 'clean', algorithm: cfg.algorithm, lr: cfg.lr, seed: 0 });
        await lab.setWeights(Array.from(init.weights.slice(s * 9, s * 9 + 9)));
        // The lab's rule, capped at the run's epochs.
        while (lab.epoch < opts.epochs) {
          await lab.trainSteps(1);
          if (lab.accuracy >= ACCURACY_GOAL || lab.loss < LOSS_GOAL) break;
        }
        const done = lab.accuracy >= ACCURACY_GOAL || lab.loss < LOSS_GOAL;
        expect([cfg.algorithm, cfg.lr, s, r.firstEpochs[c]![s]]).toEqual([cfg.algorithm, cfg.lr, s, done ? lab.epoch : 0]);
        if (done) converged++;
      }
    }
    expect(converged).toBeGreaterThan(0);
    expect(r.lossProbe).toHaveLength(3);
    expect(r.lossProbe[0]).toHaveLength(r.nets);
  });

  it('summary: share converged and numpy-style median epochs', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 4])).toBe(4);
    expect(median([4, 1, 9, 2])).toBe(3);
  });
});

// Keep the tiny dataset helper's tensors honest: labels are int32, targets float.
it('toTensors: shapes and dtypes', () => {
  const d = toTensors(createXorDataset('clean'));
  expect(d.X.shape).toEqual([100, 2]);
  expect(d.y.shape).toEqual([100, 1]);
  expect(d.labels.dtype).toBe('int32');
  expect(tensor(1).dtype).toBe('float32');
});
