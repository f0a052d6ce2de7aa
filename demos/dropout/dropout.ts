// Part 3.7, dropout and L2: the lesson's data set, its 2-32-32-2 DropNet (or the Exercise
// code's 2-28-2 RegNet), and one training loop that every exercise on the page runs.
// No DOM here: the page and the Node tests run these same functions.
import { F, manualSeed, nn, noGrad, optim, randn, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

// ---------------------------------------------------------------------------------------
// The data: torch.manual_seed(s); X = torch.randn(N, 2); y = (x0^2 + c*x1 > t)
// ---------------------------------------------------------------------------------------

export interface DataOptions {
  /** torch.manual_seed before torch.randn (Demo: 7, Exercise: 11); the nets are drawn after the data. */
  seed: number;
  /** Number of points (Demo: 200, Exercise: 180). */
  n: number;
  /** Class 1 where x0^2 + coef * x1 > threshold (Demo: 0.8 and 0.5, Exercise: -0.7 and 0.3). */
  coef: number;
  threshold: number;
  /** The first trainFrac * n points train, the rest validate (Demo: 0.7, Exercise: 0.6). */
  trainFrac: number;
}

export const DEMO_DATA: DataOptions = { seed: 7, n: 200, coef: 0.8, threshold: 0.5, trainFrac: 0.7 };
export const EXERCISE_DATA: DataOptions = { seed: 11, n: 180, coef: -0.7, threshold: 0.3, trainFrac: 0.6 };

export interface Dataset {
  options: DataOptions;
  /** [n, 2] row-major, and labels 0/1. */
  x: Float32Array;
  y: Int32Array;
  nTrain: number;
  nVal: number;
}

function checkData(opts: DataOptions): { nTrain: number } {
  const { seed, n, trainFrac } = opts;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`makeData: seed must be a non-negative integer (torch.manual_seed), got ${seed}`);
  // n >= 8: randn(n, 2) then takes PyTorch's 16-wide normal path, as the lesson's sizes do.
  if (!Number.isInteger(n) || n < 8) throw new Error(`makeData: n must be an integer >= 8, got ${n}`);
  if (!(trainFrac > 0 && trainFrac < 1)) throw new Error(`makeData: trainFrac must be in (0, 1), got ${trainFrac}`);
  // torch.arange(0, int(0.7 * N)): Python's int() truncates.
  const nTrain = Math.trunc(trainFrac * n);
  if (nTrain < 1 || nTrain >= n) throw new Error(`makeData: trainFrac ${trainFrac} leaves no train or no validation points of ${n}`);
  return { nTrain };
}

/** `torch.manual_seed(seed); X = torch.randn(n, 2)` on PyTorch's own generator; returns X. */
function seedAndDrawX(opts: DataOptions): Tensor {
  manualSeed(opts.seed, { generator: 'torch' });
  return randn([opts.n, 2]);
}

/**
 * The lesson's data: `torch.manual_seed(seed)`, `X = torch.randn(n, 2)` (drawn by the engine's
 * copy of PyTorch's CPU generator, so these are the lesson's points up to float32 rounding of
 * its vectorized Box-Muller), labels by the rule, the first int(trainFrac * n) points train.
 */
export async function makeData(opts: DataOptions = DEMO_DATA): Promise<Dataset> {
  const { nTrain } = checkData(opts);
  const X = seedAndDrawX(opts);
  const x = (await X.data()) as Float32Array;
  X.dispose();
  const { n, coef, threshold } = opts;
  const y = new Int32Array(n);
  // torch evaluates the rule in float32: X[:,0]**2 + 0.8*X[:,1], then > 0.5.
  const c = Math.fround(coef);
  for (let i = 0; i < n; i++) {
    const a = x[2 * i]!;
    const b = x[2 * i + 1]!;
    y[i] = Math.fround(Math.fround(a * a) + Math.fround(c * b)) > threshold ? 1 : 0;
  }
  return { options: { ...opts }, x, y, nTrain, nVal: n - nTrain };
}

// ---------------------------------------------------------------------------------------
// The nets
// ---------------------------------------------------------------------------------------

export interface NetOptions {
  /** Width of each hidden layer (Demo: 32, Exercise: 28). */
  hidden: number;
  /** 2: DropNet, Linear-ReLU-Dropout twice (Demo); 1: RegNet, once (Exercise). */
  hiddenLayers: 1 | 2;
}

export const DEMO_NET: NetOptions = { hidden: 32, hiddenLayers: 2 };
export const EXERCISE_NET: NetOptions = { hidden: 28, hiddenLayers: 1 };

/**
 * DropNet(hidden, pdrop): fc1 -> ReLU -> Dropout -> fc2 -> ReLU -> Dropout -> fc3, or with
 * one hidden layer RegNet's fc1 -> ReLU -> Dropout -> fc2. With p = 0 the Dropout layers
 * are the identity, which is the lesson's PlainNet (same layers, same parameter order).
 */
export function makeNet(net: NetOptions, pdrop: number): nn.Sequential {
  const layers: nn.Module[] = [];
  let width = 2;
  for (let l = 0; l < net.hiddenLayers; l++) {
    layers.push(new nn.Linear(width, net.hidden), new nn.ReLU(), new nn.Dropout(pdrop));
    width = net.hidden;
  }
  layers.push(new nn.Linear(width, 2));
  return new nn.Sequential(...layers);
}

/**
 * The lesson's first network, drawn where its script draws it: right after the data, from
 * the same generator (`torch.manual_seed(seed); X = torch.randn(n, 2); net = DropNet()`),
 * fc1's weight and bias, then fc2's, then fc3's. Every run on the page starts from it, so the
 * variants of a comparison share their starting weights (Dropout has no parameters). The
 * lesson builds its later networks after dropout training has used the generator for its
 * masks, by an amount that depends on PyTorch's CPU Bernoulli path, so those are not drawn.
 * Under this generator the dropout masks come from a Philox stream keyed by the seed: they
 * repeat with the seed, but they are not PyTorch's masks.
 */
export function startNet(data: Dataset, net: NetOptions, pdrop: number): nn.Sequential {
  seedAndDrawX(data.options).dispose();
  return makeNet(net, pdrop);
}

// ---------------------------------------------------------------------------------------
// One training run, as the lesson's loop
// ---------------------------------------------------------------------------------------

export interface TrainOptions {
  data: Dataset;
  net: NetOptions;
  /** Dropout probability p of every Dropout layer. */
  pdrop: number;
  /** Adam (Demo: 0.08, Exercise: 0.07). */
  lr: number;
  /** Adam's weight_decay, L2 added to the gradient (Demo 2: 0.02). */
  weightDecay: number;
  epochs: number;
  onEpoch?: (e: EpochStats) => void | Promise<void>;
  /** Checked before every epoch: once aborted, the run ends with the epochs done so far. */
  signal?: AbortSignal;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  trainAcc: number;
  valAcc: number;
  /** Wall time of this epoch (training step and evaluation), ms. */
  ms: number;
}

export interface RunResult {
  loss: number[];
  trainAcc: number[];
  valAcc: number[];
  /** Epochs run: `epochs`, or fewer when stopped. */
  epochsRun: number;
  stopped: boolean;
}

function split(data: Dataset): { xTrain: Tensor; yTrain: Tensor; xVal: Tensor; yVal: Tensor } {
  const { x, y, nTrain, nVal } = data;
  return {
    xTrain: tensor(x.subarray(0, 2 * nTrain), { shape: [nTrain, 2] }),
    yTrain: tensor(y.subarray(0, nTrain), { shape: [nTrain], dtype: 'int32' }),
    xVal: tensor(x.subarray(2 * nTrain), { shape: [nVal, 2] }),
    yVal: tensor(y.subarray(nTrain), { shape: [nVal], dtype: 'int32' }),
  };
}

/** (pred == y).float().mean() */
const accuracy = (logits: Tensor, labels: Tensor): Tensor => logits.argmax(1).eq(labels).float().mean();

/**
 * The lesson's loop: each epoch one full-batch Adam step in train() mode (dropout on; the
 * train accuracy is read from these very logits, dropout and all, as the lesson does), then
 * the validation accuracy in eval() mode under noGrad (dropout off).
 */
export async function trainRun(opts: TrainOptions): Promise<RunResult> {
  const { data, lr, weightDecay, epochs, pdrop } = opts;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`trainRun: epochs must be a positive integer, got ${epochs}`);
  const { xTrain, yTrain, xVal, yVal } = split(data);
  const net = startNet(data, opts.net, pdrop);
  const opt = new optim.Adam(net.parameters(), { lr, weightDecay });
  const out: RunResult = { loss: [], trainAcc: [], valAcc: [], epochsRun: 0, stopped: false };
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (opts.signal?.aborted) {
      out.stopped = true;
      break;
    }
    const t0 = performance.now();
    net.train();
    const logits = net.forward(xTrain);
    const loss = F.crossEntropy(logits, yTrain);
    const trainAcc = accuracy(logits, yTrain);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    // One submit: the step, the loss and the train accuracy; read both within this step.
    const lossValue = await loss.item();
    const trainValue = await trainAcc.item();

    net.eval();
    const valAcc = noGrad(() => accuracy(net.forward(xVal), yVal));
    const valValue = await valAcc.item();

    out.loss.push(lossValue);
    out.trainAcc.push(trainValue);
    out.valAcc.push(valValue);
    out.epochsRun = epoch + 1;
    await opts.onEpoch?.({ epoch, loss: lossValue, trainAcc: trainValue, valAcc: valValue, ms: performance.now() - t0 });
  }
  return out;
}

/** Several runs one after another, each reporting as it goes (Exercises 2-4). */
export interface Variant {
  key: string;
  pdrop: number;
  weightDecay: number;
}

export interface CompareOptions extends Omit<TrainOptions, 'pdrop' | 'weightDecay' | 'onEpoch'> {
  variants: Variant[];
  onEpoch?: (variant: number, e: EpochStats) => void | Promise<void>;
}

export interface CompareResult {
  /** One run per variant key, in the variants' order; when stopped, the variants started so far. */
  runs: Record<string, RunResult>;
  /** Epochs run over all the variants. */
  epochsRun: number;
  stopped: boolean;
}

/**
 * Every variant starts from startNet: the same data and, since Dropout has no parameters,
 * the very same initial weights, so the curves differ only by regularization.
 * A stop ends the comparison: the variant cut short keeps its epochs, later ones never start.
 */
export async function compareRuns(opts: CompareOptions): Promise<CompareResult> {
  const out: CompareResult = { runs: {}, epochsRun: 0, stopped: false };
  for (const [i, v] of opts.variants.entries()) {
    if (opts.signal?.aborted) {
      out.stopped = true;
      break;
    }
    const r = await trainRun({
      ...opts,
      pdrop: v.pdrop,
      weightDecay: v.weightDecay,
      onEpoch: (e) => opts.onEpoch?.(i, e),
    });
    out.runs[v.key] = r;
    out.epochsRun += r.epochsRun;
    if (r.stopped) {
      out.stopped = true;
      break;
    }
  }
  return out;
}

/** The Exercise 3 line-up: none, dropout, dropout + L2. */
export function regularizationVariants(pdrop: number, weightDecay: number): Variant[] {
  return [
    { key: 'none', pdrop: 0, weightDecay: 0 },
    { key: 'dropout', pdrop, weightDecay: 0 },
    { key: 'dropoutL2', pdrop, weightDecay },
  ];
}

export const rateVariants = (rates: number[]): Variant[] => rates.map((p) => ({ key: `p=${p}`, pdrop: p, weightDecay: 0 }));

/** The lesson's numbers per exercise: Demo code (defaults) and Exercise code (preset). */
export const PRESETS = {
  demo: { data: DEMO_DATA, net: DEMO_NET, lr: 0.08, pdrop: 0.5, weightDecay: 0.02, epochs: 80, rates: [0, 0.3, 0.5, 0.7], rateEpochs: 60 },
  exercise: { data: EXERCISE_DATA, net: EXERCISE_NET, lr: 0.07, pdrop: 0.4, weightDecay: 0.02, epochs: 60, rates: [0, 0.2, 0.5, 0.7], rateEpochs: 40 },
} as const;
export type PresetName = keyof typeof PRESETS;
