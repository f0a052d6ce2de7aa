// Part 3.6, overfitting, underfitting and L2: the lesson's gen_data, TinyNet and
// train_and_eval, and its four experiments. No DOM here: the page and the Node tests run
// these same functions.
import { F, manualSeed, nn, noGrad, optim, randn, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { linspaceValues } from '../ui/linspace.ts';

/** The lesson's numbers: TinyNet(hidden=12), Adam lr 0.05, 100 epochs, 20 vs 100 points. */
export const DEFAULTS = {
  seed: 0,
  nTrain: 20,
  nTest: 100,
  noise: 0.2,
  testNoise: 0.2,
  highNoise: 1.0,
  hidden: 12,
  epochs: 100,
  lr: 0.05,
  decays: [0, 0.01, 0.1],
  sizes: [2, 8, 24, 64],
};
/** Where the Exercise starter code differs from the Demo: Exercise 4's sizes and epochs. */
export const EXERCISE_PRESET = { sizes: [2, 8, 32, 64], complexityEpochs: 90 };

/** The true function behind the data. */
export const trueFunction = (x: number): number => Math.sin(x) + 0.5 * x;

export interface Dataset {
  x: number[];
  y: number[];
}

/**
 * gen_data(N, noise): y = sin(x) + 0.5x + noise * randn(N). The draws come from the engine's
 * generator (torch.randn's role in the lesson), so a seed fixes them on every backend.
 */
export async function genData(n: number, noise: number): Promise<Dataset> {
  const x = linspaceValues(-3, 3, n); // torch.linspace(-3, 3, n), as gen_data
  const z = await randn([n]).data();
  return { x, y: x.map((xi, i) => Math.fround(trueFunction(xi) + noise * z[i]!)) };
}

export interface DataOptions {
  seed?: number;
  nTrain?: number;
  nTest?: number;
  /** Noise of the training set (Demo 1: 0.2; Demos 2 and 3: 1.0). */
  noise?: number;
  /** Noise of the test set: the lesson's gen_data(100) uses the default 0.2. */
  testNoise?: number;
}

/**
 * manualSeed(seed), then the training set, then the test set, as the lesson draws them. The
 * same seed gives the same draws whatever the noise, so the noisy set of Demo 2 is the
 * clean set of Demo 1 with its noise scaled up.
 */
export async function makeData(opts: DataOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  manualSeed(opts.seed ?? DEFAULTS.seed);
  const train = await genData(opts.nTrain ?? DEFAULTS.nTrain, opts.noise ?? DEFAULTS.noise);
  const test = await genData(opts.nTest ?? DEFAULTS.nTest, opts.testNoise ?? DEFAULTS.testNoise);
  return { train, test };
}

/** TinyNet(hidden): Linear(1, hidden) -> ReLU -> Linear(hidden, 1), PyTorch's default init. */
export class TinyNet extends nn.Module {
  readonly body: nn.Sequential;
  constructor(readonly hidden = DEFAULTS.hidden) {
    super();
    this.body = new nn.Sequential(new nn.Linear(1, hidden), new nn.ReLU(), new nn.Linear(hidden, 1));
  }
  /** x [N, 1] -> predictions [N] (the lesson's .squeeze(1)). */
  forward(x: Tensor): Tensor {
    return this.body.forward(x).squeeze(1);
  }
}

const column = (d: Dataset): Tensor => tensor(d.x, { shape: [d.x.length, 1] });
const targets = (d: Dataset): Tensor => tensor(d.y, { shape: [d.y.length] });

export interface EpochReport {
  epoch: number;
  train: number;
  test: number;
}

export interface TrainOptions {
  epochs?: number;
  lr?: number;
  /** Adam's weight_decay: lambda * w is added to every parameter's gradient. */
  l2?: number;
  /** Checked before every epoch: once aborted, the run ends with the epochs done so far. */
  signal?: AbortSignal;
  onEpoch?: (r: EpochReport) => void | Promise<void>;
}

export interface Curves {
  train: number[];
  test: number[];
  /** True when the signal ended the run before its last epoch. */
  stopped: boolean;
}

/**
 * train_and_eval: full-batch Adam on the training set; after each step the test loss under
 * noGrad. Returns the train loss of each step (before its update) and the test loss after it,
 * for the epochs run (fewer than asked when stopped).
 */
export async function trainAndEval(net: TinyNet, train: Dataset, test: Dataset, opts: TrainOptions = {}): Promise<Curves> {
  const epochs = opts.epochs ?? DEFAULTS.epochs;
  const opt = new optim.Adam(net.parameters(), { lr: opts.lr ?? DEFAULTS.lr, weightDecay: opts.l2 ?? 0 });
  const [xtr, ytr, xte, yte] = [column(train), targets(train), column(test), targets(test)];
  const trainLosses: number[] = [];
  const testLosses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (opts.signal?.aborted) return { train: trainLosses, test: testLosses, stopped: true };
    net.train();
    const loss = F.mseLoss(net.forward(xtr), ytr);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const trainLoss = await loss.item(); // one submit: forward, backward, Adam, readback
    net.eval();
    const testLoss = await noGrad(() => F.mseLoss(net.forward(xte), yte)).item();
    trainLosses.push(trainLoss);
    testLosses.push(testLoss);
    await opts.onEpoch?.({ epoch, train: trainLoss, test: testLoss });
  }
  return { train: trainLosses, test: testLosses, stopped: false };
}

/** The net's predictions at xs (eval mode, no gradient). */
export async function predict(net: TinyNet, xs: number[]): Promise<number[]> {
  net.eval();
  return Array.from(await noGrad(() => net.forward(tensor(xs, { shape: [xs.length, 1] }))).data());
}

/** R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2, in float64. */
export function rSquared(y: readonly number[], pred: readonly number[]): number {
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  let ssRes = 0;
  let ssTot = 0;
  y.forEach((v, i) => {
    ssRes += (v - pred[i]!) ** 2;
    ssTot += (v - mean) ** 2;
  });
  return 1 - ssRes / ssTot;
}

const minIndex = (a: number[]): number => a.reduce((best, v, i) => (v < a[best]! ? i : best), 0);

// ---- Exercise 1: small training set, large test set ------------------------------------------

export interface CurveOptions extends DataOptions {
  hidden?: number;
  epochs?: number;
  lr?: number;
  signal?: AbortSignal;
  onEpoch?: (r: EpochReport) => void | Promise<void>;
}

/** A run's curves and their summary. The losses are `null` only if stopped before epoch 1. */
export interface CurveResult extends Curves {
  /** Epochs run: the epochs asked for, or fewer when stopped. */
  epochs: number;
  finalTrain: number | null;
  finalTest: number | null;
  /** The epoch (1-based) with the lowest test loss, and that loss. */
  bestTestEpoch: number | null;
  bestTest: number | null;
}

function summarizeCurves(r: Curves): CurveResult {
  const best = minIndex(r.test);
  const ran = r.test.length > 0;
  return {
    ...r,
    epochs: r.train.length,
    finalTrain: r.train.at(-1) ?? null,
    finalTest: r.test.at(-1) ?? null,
    bestTestEpoch: ran ? best + 1 : null,
    bestTest: r.test[best] ?? null,
  };
}

/** Demo 1: TinyNet on 20 points, tested on 100, train and test MSE per epoch. */
export async function runSmallVsLarge(opts: CurveOptions = {}): Promise<CurveResult> {
  const { train, test } = await makeData(opts);
  const net = new TinyNet(opts.hidden ?? DEFAULTS.hidden);
  return summarizeCurves(await trainAndEval(net, train, test, opts));
}

// ---- Exercise 2: noise 1.0, the losses and the fitted curve -------------------------------------

export interface NoisyProgress extends EpochReport {
  /** The model's curve on `fitX`, present every `fitEvery` epochs and at the last one. */
  fit?: number[];
}

export interface NoisyOptions extends Omit<CurveOptions, 'onEpoch'> {
  /** Redraw the fitted curve every this many epochs (0: only at the end). */
  fitEvery?: number;
  onEpoch?: (r: NoisyProgress) => void | Promise<void>;
}

export interface NoisyResult extends CurveResult {
  trainX: number[];
  trainY: number[];
  testX: number[];
  testY: number[];
  /** Where the curves are drawn: the training and test xs together, sorted. */
  fitX: number[];
  /** The model's curve on fitX after the last epoch run. */
  fit: number[];
  truth: number[];
  /** The fitted curve's MSE against the noiseless function on fitX. */
  fitVsTruth: number;
}

/** Training and test xs in one sorted list without repeats: both curves are drawn on it. */
export function mergedXs(a: number[], b: number[]): number[] {
  return [...new Set([...a, ...b])].sort((p, q) => p - q);
}

/** Demo 2: the same 20 points with noise 1.0; losses, then the fit over data and truth. */
export async function runNoisy(opts: NoisyOptions = {}): Promise<NoisyResult> {
  const { train, test } = await makeData({ ...opts, noise: opts.noise ?? DEFAULTS.highNoise });
  const net = new TinyNet(opts.hidden ?? DEFAULTS.hidden);
  const fitX = mergedXs(train.x, test.x);
  const epochs = opts.epochs ?? DEFAULTS.epochs;
  const every = opts.fitEvery ?? 10;
  const curves = await trainAndEval(net, train, test, {
    ...opts,
    onEpoch: async (r) => {
      const wantFit = r.epoch === epochs || (every > 0 && r.epoch % every === 0);
      await opts.onEpoch?.(wantFit ? { ...r, fit: await predict(net, fitX) } : r);
    },
  });
  const fit = await predict(net, fitX);
  const truth = fitX.map(trueFunction);
  const fitVsTruth = fit.reduce((s, p, i) => s + (p - truth[i]!) ** 2, 0) / fit.length;
  return { ...summarizeCurves(curves), trainX: train.x, trainY: train.y, testX: test.x, testY: test.y, fitX, fit, truth, fitVsTruth };
}

// ---- Exercise 3: weight decay -------------------------------------------------------------------

export interface DecayOptions extends Omit<CurveOptions, 'onEpoch'> {
  decays?: number[];
  onEpoch?: (r: EpochReport & { run: number; l2: number }) => void | Promise<void>;
}

export interface DecayResult {
  decays: number[];
  /** One per decay, in order; when stopped, the runs started so far (the last one cut short). */
  runs: CurveResult[];
  /** Sum of squares of every parameter (weights and biases) after training, per run. */
  sumSquares: number[];
  /** Epochs run over all the runs. */
  epochs: number;
  stopped: boolean;
}

/** Demo 3: noisy training set, one fresh TinyNet per weight decay, test curves together. */
export async function runWeightDecay(opts: DecayOptions = {}): Promise<DecayResult> {
  const { train, test } = await makeData({ ...opts, noise: opts.noise ?? DEFAULTS.highNoise });
  const decays = opts.decays ?? DEFAULTS.decays;
  const result: DecayResult = { decays, runs: [], sumSquares: [], epochs: 0, stopped: false };
  for (const [run, l2] of decays.entries()) {
    if (opts.signal?.aborted) break;
    const net = new TinyNet(opts.hidden ?? DEFAULTS.hidden);
    const curves = await trainAndEval(net, train, test, { ...opts, l2, onEpoch: (r) => opts.onEpoch?.({ ...r, run, l2 }) });
    if (curves.stopped && curves.train.length === 0) break;
    result.runs.push(summarizeCurves(curves));
    result.epochs += curves.train.length;
    let s = 0;
    for (const p of net.parameters()) for (const v of await p.data()) s += v * v;
    result.sumSquares.push(s);
    if (curves.stopped) break;
  }
  result.stopped = result.runs.length < decays.length || result.runs.some((r) => r.stopped);
  return result;
}

// ---- Exercise 4: model complexity against test R^2 ---------------------------------------------

export interface ComplexityOptions extends Omit<CurveOptions, 'onEpoch' | 'hidden'> {
  sizes?: number[];
  onEpoch?: (r: EpochReport & { run: number; hidden: number }) => void | Promise<void>;
  /** After each size is trained, with its test R^2. */
  onSize?: (r: { run: number; hidden: number; r2: number }) => void | Promise<void>;
}

export interface ComplexityResult {
  sizes: number[];
  /** Per size trained to the end, in order (when stopped, fewer than `sizes`). */
  r2: number[];
  finalTrain: number[];
  finalTest: number[];
  /** Epochs run over all the sizes, the one cut short included. */
  epochs: number;
  stopped: boolean;
}

/**
 * Demo 4: TinyNet(hidden) for each size on the 20-point set, R^2 on the 100-point test set.
 * A size cut short by a stop gets no score: a half-trained net's R^2 is not its size's.
 */
export async function runComplexity(opts: ComplexityOptions = {}): Promise<ComplexityResult> {
  const { train, test } = await makeData(opts);
  const sizes = opts.sizes ?? DEFAULTS.sizes;
  const result: ComplexityResult = { sizes, r2: [], finalTrain: [], finalTest: [], epochs: 0, stopped: false };
  for (const [run, hidden] of sizes.entries()) {
    if (opts.signal?.aborted) break;
    const net = new TinyNet(hidden);
    const curves = await trainAndEval(net, train, test, { ...opts, onEpoch: (r) => opts.onEpoch?.({ ...r, run, hidden }) });
    result.epochs += curves.train.length;
    if (curves.stopped) break;
    const r2 = rSquared(test.y, await predict(net, test.x));
    result.r2.push(r2);
    result.finalTrain.push(curves.train.at(-1)!);
    result.finalTest.push(curves.test.at(-1)!);
    await opts.onSize?.({ run, hidden, r2 });
  }
  result.stopped = result.r2.length < sizes.length;
  return result;
}
