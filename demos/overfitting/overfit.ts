// Part 3.6, overfitting, underfitting and L2: the lesson's gen_data, TinyNet and
// train_and_eval, and its four experiments. No DOM here: the page and the Node tests run
// these same functions.
//
// The random numbers are PyTorch's: each run seeds PyTorch's CPU generator, reproduced
// (manualSeed(seed, { generator: 'torch' })), and replays the lesson's script from its top,
// making the draws the script makes in the order it makes them, up to the nets of the
// section being run. So the data and the starting weights are what the lesson's code gives
// with torch.manual_seed(seed) as its first line, and since training draws nothing (full
// batch, no dropout), so are the loss curves, up to float32 rounding.
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

/** Which of the lesson's two training sets a model-size run trains on. */
export type TrainingSet = 'clean' | 'noisy';
export const TRAINING_SET_LABELS: Record<TrainingSet, string> = { clean: 'x_train (σ = 0.2)', noisy: 'x_train2 (σ = 1.0)' };

export interface ComplexityPreset {
  sizes: number[];
  epochs: number;
  trainingSet: TrainingSet;
}

/**
 * Section 4's presets: the Demo's loop; the Exercise starter code's (its sizes and 90
 * epochs); and ours, the five widths Exercise 4's text suggests trained on the noisy set of
 * Exercise 2 for longer, which gives the wide nets noise to fit and time to fit it.
 */
export const COMPLEXITY_PRESETS = {
  Demo: { sizes: [2, 8, 24, 64], epochs: 100, trainingSet: 'clean' },
  Exercise: { sizes: [2, 8, 32, 64], epochs: 90, trainingSet: 'clean' },
  'Noisy data, 500 epochs': { sizes: [2, 8, 16, 32, 64], epochs: 500, trainingSet: 'noisy' },
} as const satisfies Record<string, ComplexityPreset>;
export type ComplexityPresetName = keyof typeof COMPLEXITY_PRESETS;

/** The true function behind the data. */
export const trueFunction = (x: number): number => Math.sin(x) + 0.5 * x;

export interface Dataset {
  x: number[];
  y: number[];
}

const f = Math.fround;

/**
 * gen_data's y from its x and its standard normals z, in float32 step by step as PyTorch
 * evaluates `torch.sin(x) + 0.5 * x + noise * torch.randn(N)`.
 */
export function genDataFrom(n: number, noise: number, z: ArrayLike<number>): Dataset {
  const x = linspaceValues(-3, 3, n); // torch.linspace(-3, 3, n), as gen_data
  return { x, y: x.map((xi, i) => f(f(f(Math.sin(xi)) + f(0.5 * xi)) + f(f(noise) * z[i]!))) };
}

/** gen_data(N, noise): y = sin(x) + 0.5x + noise * randn(N), from the global generator. */
export async function genData(n: number, noise: number): Promise<Dataset> {
  const z = randn([n]); // drawn here, at the call, as torch.randn
  return genDataFrom(n, noise, await z.data());
}

export interface DataOptions {
  seed?: number;
  /** Size of each training set (the lesson: 20). */
  nTrain?: number;
  /** Size of the test set (the lesson: 100). */
  nTest?: number;
  /** Noise of the training set x_train (Demo 1: 0.2). */
  noise?: number;
  /** Noise of the second training set x_train2 (Demos 2 and 3: 1.0). */
  highNoise?: number;
  /** Noise of the test set: the lesson's gen_data(100) uses the default 0.2. */
  testNoise?: number;
}

function bad(where: string, what: string, value: unknown, expected: string): never {
  throw new Error(`${where}: ${what} must be ${expected}, got ${String(value)}`);
}

function checkInt(where: string, what: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) bad(where, what, v, `an integer from ${min} to ${max}`);
  return v;
}

function checkNonNegative(where: string, what: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) bad(where, what, v, 'a number >= 0');
  return v;
}

/** The widest hidden layer the page offers (and the largest list of widths). */
export const MAX_HIDDEN = 4096;
export const MAX_WIDTHS = 12;

function checkData(where: string, o: DataOptions): Required<DataOptions> {
  return {
    seed: checkInt(where, 'seed', o.seed ?? DEFAULTS.seed, 0),
    nTrain: checkInt(where, 'nTrain (training points)', o.nTrain ?? DEFAULTS.nTrain, 2, 100000),
    nTest: checkInt(where, 'nTest (test points)', o.nTest ?? DEFAULTS.nTest, 2, 100000),
    noise: checkNonNegative(where, 'noise', o.noise ?? DEFAULTS.noise),
    highNoise: checkNonNegative(where, 'highNoise', o.highNoise ?? DEFAULTS.highNoise),
    testNoise: checkNonNegative(where, 'testNoise', o.testNoise ?? DEFAULTS.testNoise),
  };
}

/** TinyNet(hidden): fc1 = Linear(1, hidden) -> ReLU -> fc2 = Linear(hidden, 1), PyTorch's default init. */
export class TinyNet extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  constructor(readonly hidden = DEFAULTS.hidden) {
    super();
    checkInt('TinyNet', 'hidden', hidden, 1, MAX_HIDDEN);
    // fc1 is built (its weight, then its bias, drawn from the generator) before fc2, as in PyTorch.
    this.fc1 = new nn.Linear(1, hidden);
    this.fc2 = new nn.Linear(hidden, 1);
  }
  /** x [N, 1] -> predictions [N] (the lesson's .squeeze(1)). */
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.relu(this.fc1.forward(x))).squeeze(1);
  }
}

const disposeNet = (net: nn.Module): void => {
  for (const p of net.parameters()) p.dispose();
};

/**
 * Where a section's nets come in the lesson's script: 1 Demo 1's net, 2 Demo 2's, 3 Demo 3's
 * (one per weight decay), 4 Demo 4's (one per width).
 */
export type Stage = 1 | 2 | 3 | 4;

export interface LessonStart {
  /** x_train = gen_data(nTrain, noise). */
  train: Dataset;
  /** x_test = gen_data(nTest, testNoise). */
  test: Dataset;
  /** x_train2 = gen_data(nTrain, highNoise), drawn after Demo 1's net (stages 2 to 4). */
  train2: Dataset | null;
  /** The stage's nets, built in order, one per hidden size given. */
  nets: TinyNet[];
}

/**
 * torch.manual_seed(seed), then the lesson's script from its top up to the stage's nets:
 * x_train, x_test, Demo 1's TinyNet(), x_train2, Demo 2's TinyNet(), Demo 3's three
 * TinyNet()s, Demo 4's nets. The nets of earlier stages are built with the lesson's settings
 * (hidden 12, three weight decays) and thrown away: they matter only for the draws they take.
 * A stage's own nets are all built here, before training: training draws nothing, so that
 * is the same as the lesson building each just before its own training.
 */
export async function lessonStart(stage: Stage, opts: DataOptions, hiddens: readonly number[]): Promise<LessonStart> {
  const o = checkData('lessonStart', opts);
  hiddens.forEach((h, i) => checkInt('lessonStart', `hidden size ${i + 1}`, h, 1, MAX_HIDDEN));
  // Every draw before the first await: a run in another section cannot slip its own in between.
  manualSeed(o.seed, { generator: 'torch' });
  const zTrain = randn([o.nTrain]);
  const zTest = randn([o.nTest]);
  let zTrain2: Tensor | null = null;
  if (stage >= 2) {
    disposeNet(new TinyNet()); // Demo 1's net
    zTrain2 = randn([o.nTrain]);
  }
  if (stage >= 3) disposeNet(new TinyNet()); // Demo 2's net2
  if (stage >= 4) DEFAULTS.decays.forEach(() => disposeNet(new TinyNet())); // Demo 3's nets
  const nets = hiddens.map((h) => new TinyNet(h));
  return {
    train: genDataFrom(o.nTrain, o.noise, await zTrain.data()),
    test: genDataFrom(o.nTest, o.testNoise, await zTest.data()),
    train2: zTrain2 ? genDataFrom(o.nTrain, o.highNoise, await zTrain2.data()) : null,
    nets,
  };
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
  const { epochs, lr } = checkTraining('trainAndEval', opts);
  const l2 = checkNonNegative('trainAndEval', 'l2 (weight decay)', opts.l2 ?? 0);
  const opt = new optim.Adam(net.parameters(), { lr, weightDecay: l2 });
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

function checkTraining(where: string, o: { epochs?: number; lr?: number }): { epochs: number; lr: number } {
  const epochs = checkInt(where, 'epochs', o.epochs ?? DEFAULTS.epochs, 1, 1000000);
  const lr = o.lr ?? DEFAULTS.lr;
  if (!Number.isFinite(lr) || lr <= 0) bad(where, 'lr (learning rate)', lr, 'a number > 0');
  return { epochs, lr };
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
  checkTraining('runSmallVsLarge', opts);
  const { train, test, nets } = await lessonStart(1, opts, [opts.hidden ?? DEFAULTS.hidden]);
  return summarizeCurves(await trainAndEval(nets[0]!, train, test, opts));
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

/** Demo 2: x_train2, 20 new points with noise 1.0; losses, then the fit over data and truth. */
export async function runNoisy(opts: NoisyOptions = {}): Promise<NoisyResult> {
  const { epochs } = checkTraining('runNoisy', opts);
  const { train2, test, nets } = await lessonStart(2, opts, [opts.hidden ?? DEFAULTS.hidden]);
  const train = train2!;
  const net = nets[0]!;
  const fitX = mergedXs(train.x, test.x);
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

/** Demo 3: the noisy training set x_train2, one fresh TinyNet per weight decay, test curves together. */
export async function runWeightDecay(opts: DecayOptions = {}): Promise<DecayResult> {
  checkTraining('runWeightDecay', opts);
  const decays = opts.decays ?? DEFAULTS.decays;
  if (decays.length === 0) bad('runWeightDecay', 'decays', '[]', 'at least one weight decay');
  decays.forEach((d, i) => checkNonNegative('runWeightDecay', `weight decay ${i + 1}`, d));
  const { train2, test, nets } = await lessonStart(3, opts, decays.map(() => opts.hidden ?? DEFAULTS.hidden));
  const train = train2!;
  const result: DecayResult = { decays, runs: [], sumSquares: [], epochs: 0, stopped: false };
  for (const [run, l2] of decays.entries()) {
    if (opts.signal?.aborted) break;
    const net = nets[run]!;
    const curves = await trainAndEval(net, train, test, { ...opts, l2, onEpoch: (r) => opts.onEpoch?.({ ...r, run, l2 }) });
    if (curves.stopped && curves.train.length === 0) break;
    result.runs.push(summarizeCurves(curves));
    result.epochs += curves.train.length;
    let s = 0;
    for (const p of net.parameters()) for (const v of await p.data()) s += v * v;
    result.sumSquares.push(s);
    if (curves.stopped) break;
  }
  nets.slice(result.runs.length).forEach(disposeNet);
  result.stopped = result.runs.length < decays.length || result.runs.some((r) => r.stopped);
  return result;
}

// ---- Exercise 4: model complexity against test R^2 ---------------------------------------------

/**
 * A list of hidden widths as a learner types it ("2, 8, 16, 32, 64": commas and/or spaces
 * between whole numbers from 1 to MAX_HIDDEN, each once, at most MAX_WIDTHS of them).
 * Throws an Error naming the entry at fault and what was expected.
 */
export function parseWidths(text: string): number[] {
  const where = 'widths';
  const entries = text
    .trim()
    .split(/[\s,]+/)
    .filter((e) => e !== '');
  if (entries.length === 0) throw new Error(`${where}: no widths given in ${JSON.stringify(text)}; expected whole numbers separated by commas, such as "2, 8, 16, 32, 64"`);
  if (entries.length > MAX_WIDTHS) throw new Error(`${where}: ${entries.length} widths given; at most ${MAX_WIDTHS}`);
  const widths: number[] = [];
  entries.forEach((e, i) => {
    const n = /^\d+$/.test(e) ? Number(e) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_HIDDEN) {
      throw new Error(`${where}: entry ${i + 1}, ${JSON.stringify(e)}, is not a whole number from 1 to ${MAX_HIDDEN}`);
    }
    if (widths.includes(n)) throw new Error(`${where}: ${n} is given twice (entries ${widths.indexOf(n) + 1} and ${i + 1}); each width once`);
    widths.push(n);
  });
  return widths;
}

/** The inverse of parseWidths: "2, 8, 24, 64". */
export const formatWidths = (sizes: readonly number[]): string => sizes.join(', ');

export interface ComplexityOptions extends Omit<CurveOptions, 'onEpoch' | 'hidden'> {
  sizes?: number[];
  /** Which of the lesson's training sets (the Demo: x_train, 'clean'). */
  trainingSet?: TrainingSet;
  onEpoch?: (r: EpochReport & { run: number; hidden: number }) => void | Promise<void>;
  /** After each size is trained, with its test R^2 and final losses. */
  onSize?: (r: { run: number; hidden: number; r2: number; finalTrain: number; finalTest: number }) => void | Promise<void>;
}

export interface ComplexityResult {
  sizes: number[];
  trainingSet: TrainingSet;
  /** Per size trained to the end, in order (when stopped, fewer than `sizes`). */
  r2: number[];
  finalTrain: number[];
  finalTest: number[];
  /** Epochs run over all the sizes, the one cut short included. */
  epochs: number;
  stopped: boolean;
}

/**
 * Demo 4: TinyNet(hidden) for each size on a 20-point training set, R^2 on the 100-point
 * test set. A size cut short by a stop gets no score: a half-trained net's R^2 is not its size's.
 */
export async function runComplexity(opts: ComplexityOptions = {}): Promise<ComplexityResult> {
  checkTraining('runComplexity', opts);
  const sizes = opts.sizes ?? DEFAULTS.sizes;
  if (sizes.length === 0) bad('runComplexity', 'sizes', '[]', 'at least one hidden size');
  const trainingSet = opts.trainingSet ?? 'clean';
  if (!(trainingSet in TRAINING_SET_LABELS)) bad('runComplexity', 'trainingSet', JSON.stringify(trainingSet), "'clean' or 'noisy'");
  const start = await lessonStart(4, opts, sizes);
  const train = trainingSet === 'noisy' ? start.train2! : start.train;
  const { test, nets } = start;
  const result: ComplexityResult = { sizes, trainingSet, r2: [], finalTrain: [], finalTest: [], epochs: 0, stopped: false };
  for (const [run, hidden] of sizes.entries()) {
    if (opts.signal?.aborted) break;
    const net = nets[run]!;
    const curves = await trainAndEval(net, train, test, { ...opts, onEpoch: (r) => opts.onEpoch?.({ ...r, run, hidden }) });
    result.epochs += curves.train.length;
    if (curves.stopped) break;
    const r2 = rSquared(test.y, await predict(net, test.x));
    const finalTrain = curves.train.at(-1)!;
    const finalTest = curves.test.at(-1)!;
    result.r2.push(r2);
    result.finalTrain.push(finalTrain);
    result.finalTest.push(finalTest);
    await opts.onSize?.({ run, hidden, r2, finalTrain, finalTest });
  }
  nets.slice(result.r2.length).forEach(disposeNet);
  result.stopped = result.r2.length < sizes.length;
  return result;
}

/** How much R^2 counts as a real difference between two widths in describeComplexity. */
export const R2_TOLERANCE = 0.01;

export type ComplexityShape = 'single' | 'flat' | 'rises' | 'levels' | 'peak' | 'falls';

export interface ComplexitySummary {
  shape: ComplexityShape;
  /** Narrowest, best (highest R^2; the narrower on a tie) and widest of the widths scored. */
  narrowest: { hidden: number; r2: number };
  best: { hidden: number; r2: number };
  widest: { hidden: number; r2: number };
  /** One sentence saying what the scores did, with the run's numbers. */
  sentence: string;
}

/**
 * What a model-size run showed, read from its numbers by width: did the test score rise from
 * the narrowest net to the best (by more than R2_TOLERANCE), and did it fall from the best to
 * the widest? Rise and fall: a peak; rise only: it rose (best at the widest) or levelled off;
 * fall only: the narrow nets did as well as any and the widest did worse; neither: flat.
 */
export function describeComplexity(sizes: readonly number[], r2: readonly number[]): ComplexitySummary {
  if (r2.length === 0) throw new Error('describeComplexity: no width was trained to the end, so there is nothing to describe');
  if (r2.length > sizes.length) throw new Error(`describeComplexity: ${r2.length} scores for ${sizes.length} sizes`);
  const points = r2.map((v, i) => ({ hidden: sizes[i]!, r2: v })).sort((p, q) => p.hidden - q.hidden);
  const narrowest = points[0]!;
  const widest = points.at(-1)!;
  const best = points.reduce((b, p) => (p.r2 > b.r2 ? p : b));
  const n3 = (v: number): string => v.toFixed(3);
  const at = (p: { hidden: number; r2: number }): string => `${n3(p.r2)} at hidden ${p.hidden}`;
  const tol = R2_TOLERANCE;
  const rises = best.r2 - narrowest.r2 > tol;
  const falls = best.r2 - widest.r2 > tol;
  let shape: ComplexityShape;
  let sentence: string;
  if (points.length === 1) {
    shape = 'single';
    sentence = `Only one width was trained to the end: hidden ${best.hidden} scored R² = ${n3(best.r2)}.`;
  } else if (rises && falls) {
    shape = 'peak';
    sentence = `The test score peaked in the middle: R² rose from ${at(narrowest)} to ${at(best)}, then fell to ${at(widest)}.`;
  } else if (rises && best === widest) {
    shape = 'rises';
    sentence = `R² rose from ${at(narrowest)} to ${at(widest)}, the widest net scoring best: no sign of overfitting by size here.`;
  } else if (rises) {
    shape = 'levels';
    sentence = `R² rose from ${at(narrowest)} to ${at(best)} and then levelled off: the widest net scored ${at(widest)}, within ${tol} of the best.`;
  } else if (falls) {
    shape = 'falls';
    sentence =
      best === narrowest
        ? `The narrowest net scored best, R² = ${at(best)}; the widest scored ${at(widest)}, ${n3(best.r2 - widest.r2)} lower.`
        : `The best score, R² = ${at(best)}, was within ${tol} of the narrowest net's (${at(narrowest)}); the widest scored ${at(widest)}, ${n3(best.r2 - widest.r2)} below the best.`;
  } else {
    shape = 'flat';
    sentence = `Every width scored within ${tol} of the best (R² = ${at(best)}): width made little difference here.`;
  }
  return { shape, narrowest, best, widest, sentence: `In this run: ${sentence}` };
}
