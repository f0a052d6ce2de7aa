// The lab: one 2-2-1 net, its dataset, algorithm and learning rate, and the lesson's four
// buttons (Train 1 Step, Train 10 Steps, Train to Convergence, Reset Network) with its
// stopping rules. No DOM here: the page and the Node tests drive the same class.
import { cat, manualSeed, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { createXorDataset, toTensors } from './data.ts';
import type { DataTensors, DatasetName, XorDataset } from './data.ts';
import { XorNets, multiStart, paramsToFlat } from './net.ts';
import type { Algorithm } from './net.ts';

/** "Train to Convergence" stops at this many epochs in all (the lesson's max_epochs). */
export const MAX_EPOCHS = 500;
/** Training stops once accuracy >= 99% ... */
export const ACCURACY_GOAL = 0.99;
/** ... or (Train to Convergence only) the loss < 0.01. */
export const LOSS_GOAL = 0.01;
/** Reset tries this many random starts from N(0, 0.5) and keeps the lowest loss. */
export const RESET_TRIALS = 10;
export const INIT_SCALE = 0.5;
/**
 * The lesson's hand-built solution, lesson order: H1 = (-10, -10, -10), H2 = (-10, -10, 5),
 * Out = (-10, 10, -5). h1 is near 1 only at (-1, -1), h2 near -1 only at (1, 1), and the
 * output is -10 h1 + 10 h2 - 5: high where h1 = -1 and h2 = 1, the two class-1 corners.
 */
export const HAND_BUILT: readonly number[] = [-10, -10, -10, -10, -10, 5, -10, 10, -5];

export interface LabOptions {
  dataset?: DatasetName;
  algorithm?: Algorithm;
  lr?: number;
  /**
   * With a seed, reset number k (k = 0 for the first network) draws its starts after
   * manualSeed(seed + k), so a sequence of resets is repeatable and each one differs.
   * Without one, resets draw from wherever the engine's generator is (the lesson's
   * unseeded default_rng()).
   */
  seed?: number | null;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
}

/**
 * How a Train to Convergence run ended: the stopping rule was met, the 500-epoch limit was
 * reached first (then the net has not converged, and the page says so), or Stop was pressed.
 */
export type ConvergenceEnd = 'converged' | 'limit' | 'stopped';

export interface ConvergenceResult {
  /** As every lesson module's result: true when Stop ended it. */
  stopped: boolean;
  end: ConvergenceEnd;
  /** Epochs this run trained (0 when the net was already at the limit). */
  epochsRun: number;
}

export interface TrainOptions {
  /** Checked before every epoch: once aborted, training ends there. */
  signal?: AbortSignal;
  /** After every epoch, with the numbers the engine returned for it. */
  onEpoch?: (r: EpochReport) => void | Promise<void>;
}

/** What the lab shows, as plain numbers (the page publishes it as window.__results.lab). */
export interface LabSnapshot {
  dataset: DatasetName;
  algorithm: Algorithm;
  lr: number;
  epoch: number;
  loss: number;
  accuracy: number;
  converged: boolean;
  lossHistory: number[];
  resets: number;
  /** The best initial loss of the last reset (multi-start). */
  initLoss: number;
  /** The last reset's 10 trials' initial losses, in draw order (empty after setWeights). */
  trialLosses: number[];
  /** Which of them was kept (the lowest; the first on a tie); -1 after setWeights. */
  bestTrial: number;
  weights: number[];
}

export class XorLab {
  dataset!: XorDataset;
  private data!: DataTensors;
  private nets!: XorNets;
  algorithm: Algorithm;
  lr: number;
  readonly seed: number | null;
  epoch = 0;
  lossHistory: number[] = [];
  /** The loss on the status line: the last epoch's, or the loss at the weights after a reset. */
  loss = NaN;
  correct = 0;
  initLoss = NaN;
  /** The last reset's trials: each one's initial loss, and the index of the one kept. */
  trialLosses: number[] = [];
  bestTrial = -1;
  /** Resets so far (the first network counts as one). */
  resets = 0;

  private constructor(opts: LabOptions) {
    this.algorithm = opts.algorithm ?? 'basic';
    this.lr = opts.lr ?? 0.3;
    this.seed = opts.seed ?? null;
  }

  /** Build the dataset and the first network (the lesson initializes with multi-start too). */
  static async create(opts: LabOptions = {}): Promise<XorLab> {
    const lab = new XorLab(opts);
    lab.useDataset(opts.dataset ?? 'clean');
    await lab.reset();
    return lab;
  }

  get accuracy(): number {
    return this.correct / this.dataset.n; // np.mean(pred_labels == y)
  }

  private useDataset(name: DatasetName): void {
    this.dataset = createXorDataset(name);
    this.data = toTensors(this.dataset);
  }

  /** Reset Network: multi-start (10 draws, lowest initial loss wins), epoch 0, no history, zero velocity. */
  async reset(): Promise<{ initLoss: number; accuracy: number }> {
    if (this.seed !== null) manualSeed(this.seed + this.resets);
    this.resets++;
    const init = await multiStart(this.data, { starts: 1, trials: RESET_TRIALS, scale: INIT_SCALE });
    this.nets = new XorNets(this.data, init.weights, [{ algorithm: this.algorithm, lr: this.lr }]);
    this.epoch = 0;
    this.lossHistory = [];
    this.initLoss = init.bestLoss[0]!;
    this.trialLosses = init.trialLosses[0]!;
    this.bestTrial = init.bestTrial[0]!;
    await this.evaluate();
    return { initLoss: this.initLoss, accuracy: this.accuracy };
  }

  /** Start from given weights (lesson order, 9 numbers) instead of a reset: epoch 0, zero velocity. */
  async setWeights(weights: readonly number[]): Promise<void> {
    if (weights.length !== 9) throw new Error(`XorLab.setWeights: expected 9 weights (w11, w12, b1, w21, w22, b2, w_out1, w_out2, b_out), got ${weights.length}`);
    this.nets = new XorNets(this.data, Float32Array.from(weights), [{ algorithm: this.algorithm, lr: this.lr }]);
    this.epoch = 0;
    this.lossHistory = [];
    await this.evaluate();
    this.initLoss = this.loss;
    this.trialLosses = [];
    this.bestTrial = -1;
  }

  /** The dataset dropdown: new data, then a fresh multi-start network, as the lesson does. */
  async setDataset(name: DatasetName): Promise<void> {
    this.useDataset(name);
    await this.reset();
  }

  /** The algorithm dropdown: the lesson deletes the velocity when the algorithm changes. */
  setAlgorithm(a: Algorithm): void {
    this.algorithm = a;
    this.nets.setConfigs([{ algorithm: a, lr: this.lr }]);
    this.nets.resetVelocity();
  }

  setLearningRate(lr: number): void {
    this.lr = lr;
    this.nets.setConfigs([{ algorithm: this.algorithm, lr }]);
  }

  /** Loss and accuracy at the current weights (the status line before any training). */
  async evaluate(): Promise<void> {
    const { loss, correct } = this.nets.evaluate();
    const r = await cat([loss, correct]).data();
    this.loss = r[0]!;
    this.correct = r[1]!;
  }

  /** One epoch of the selected algorithm; returns its loss and accuracy. */
  private async oneEpoch(opts: TrainOptions): Promise<EpochReport> {
    const { loss, correct } = this.nets.step();
    // One submit: the step, its update, and the copy back of these two numbers.
    const r = await cat([loss, correct]).data();
    this.loss = r[0]!;
    this.correct = r[1]!;
    this.lossHistory.push(this.loss);
    this.epoch += 1;
    const report = { epoch: this.epoch, loss: this.loss, accuracy: this.accuracy };
    await opts.onEpoch?.(report);
    return report;
  }

  /** Train 1 Step / Train 10 Steps: n epochs, stopping early once accuracy >= 99%. */
  async trainSteps(n: number, opts: TrainOptions = {}): Promise<{ stopped: boolean }> {
    for (let i = 0; i < n; i++) {
      if (opts.signal?.aborted) return { stopped: true };
      const r = await this.oneEpoch(opts);
      if (r.accuracy >= ACCURACY_GOAL) break;
    }
    return { stopped: false };
  }

  /**
   * Train to Convergence: until accuracy >= 99% or loss < 0.01, and at most 500 epochs in all.
   * Says which of the two ended it: a run cut off by the limit has not converged.
   */
  async trainToConvergence(opts: TrainOptions = {}): Promise<ConvergenceResult> {
    const start = this.epoch;
    while (this.epoch < MAX_EPOCHS) {
      if (opts.signal?.aborted) return { stopped: true, end: 'stopped', epochsRun: this.epoch - start };
      const r = await this.oneEpoch(opts);
      if (r.accuracy >= ACCURACY_GOAL || r.loss < LOSS_GOAL) return { stopped: false, end: 'converged', epochsRun: this.epoch - start };
    }
    return { stopped: false, end: 'limit', epochsRun: this.epoch - start };
  }

  /** The network's output on points [M, 2] (the decision-boundary grid). */
  async outputs(points: Float32Array | Tensor): Promise<Float32Array> {
    const P = points instanceof Float32Array ? tensor(points, { shape: [points.length / 2, 2] }) : points;
    return (await this.nets.outputs(P).data()) as Float32Array;
  }

  /**
   * Over points [M, 2]: the output and the two hidden units' outputs h1, h2 (tanh, in [-1, 1]),
   * with one readback.
   */
  async fields(points: Tensor): Promise<{ out: Float32Array; h1: Float32Array; h2: Float32Array }> {
    const M = points.shape[0]!;
    const f = this.nets.fields(points);
    const h = f.h.reshape([M, 2]).transpose(0, 1).reshape([2 * M]); // all of h1, then all of h2
    const r = (await cat([f.out.reshape([M]), h]).data()) as Float32Array;
    return { out: r.subarray(0, M), h1: r.subarray(M, 2 * M), h2: r.subarray(2 * M) };
  }

  /** The dataset's tensors (the landscape evaluates and trains on the lab's own data). */
  get tensors(): DataTensors {
    return this.data;
  }

  async snapshot(): Promise<LabSnapshot> {
    return {
      dataset: this.dataset.name,
      algorithm: this.algorithm,
      lr: this.lr,
      epoch: this.epoch,
      loss: this.loss,
      accuracy: this.accuracy,
      converged: this.accuracy >= ACCURACY_GOAL || this.loss < LOSS_GOAL,
      lossHistory: [...this.lossHistory],
      resets: this.resets,
      initLoss: this.initLoss,
      trialLosses: [...this.trialLosses],
      bestTrial: this.bestTrial,
      weights: Array.from(await paramsToFlat(this.nets.params)),
    };
  }
}
