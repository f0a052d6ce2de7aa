// The peer side of the benchmark: the same workloads as bench/engine.ts describes, written
// with TensorFlow.js 4.22 the way its own guides write them, with nothing held back:
//   - synchronous tensor code inside tf.tidy; parameters are tf.variable; Adam is
//     tf.train.adam(lr, 0.9, 0.999, 1e-8) (TF.js's default epsilon is 1e-7: given engine.ts's
//     1e-8, the engines take the same steps) and a step is
//     optimizer.minimize(loss, returnCost, varList);
//   - loss: tf.losses.softmaxCrossEntropy on tf.oneHot labels, mean over the batch;
//   - a layer is tf.fused.matMul({ a: x, b: W, bias: b, activation }), x W + b with W
//     stored [in, out]: what tf.layers.dense itself calls (TF.js fuses bias and activation
//     where its kernels can and falls back to matMul + add + relu under a gradient tape);
//   - inputs and first weights are engine.ts's (the same for every engine), uploaded with
//     tf.tensor / tf.variable; reads are `await t.data()`, and every kept tensor is disposed.
// Timing follows engine.ts: warm-up untimed, median of `reps`, performance.now(), and a
// repetition ends when its last result has been read back. Leaks are errors: the tensor
// count (tf.memory().numTensors) must not grow over the timed steps, and each method must
// leave it where it found it.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (the @tensorflow/tfjs umbrella package imports
// this for you); without it minimize() fails with "gradient function not found for Mean".
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, TRAIN_WARMUP, median, medianSeconds } from './engine.ts';
import type { Engine, EpochFigures, EpochInputs, F32, MatmulFigures, MlpInit, StepFigures, TrainInputs } from './engine.ts';

/** Untimed matmul repetitions before the timed ones (shader compiles, buffer pool). */
const MATMUL_WARMUP = 2;
const MNIST_FEATURES = 784;
const MNIST_HIDDEN = 128;
const MNIST_CLASSES = 10;
const MNIST_LR = 1e-3;

function positiveInt(method: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${method}: ${name} must be a positive integer, got ${v}`);
}

interface Mlp {
  weights: tf.Variable<tf.Rank.R2>[];
  biases: tf.Variable<tf.Rank.R1>[];
  /** Every trainable variable, in a fixed order: the varList handed to minimize. */
  vars: tf.Variable[];
}

/** Linear layers sizes[0] -> ... -> sizes[L] with engine.ts's first weights (W [in, out]). */
function createMlp(init: MlpInit): Mlp {
  const { sizes } = init;
  const weights: tf.Variable<tf.Rank.R2>[] = [];
  const biases: tf.Variable<tf.Rank.R1>[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i]!;
    const fanOut = sizes[i + 1]!;
    // tidy disposes the initial tensors; the variables it returns are not tracked by tidy.
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(init.weights[i]!, [fanIn, fanOut], 'float32'))));
    biases.push(tf.tidy(() => tf.variable(tf.tensor1d(init.biases[i]!, 'float32'))));
  }
  return { weights, biases, vars: [...weights, ...biases] };
}

/** Mean softmax cross-entropy of the MLP (ReLU between layers) on x against one-hot y. */
function mlpLoss(net: Mlp, x: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Scalar {
  let h: tf.Tensor2D = x;
  const last = net.weights.length - 1;
  for (let i = 0; i <= last; i++) {
    h = tf.fused.matMul({ a: h, b: net.weights[i]!, bias: net.biases[i]!, activation: i < last ? 'relu' : 'linear' }) as tf.Tensor2D;
  }
  return tf.losses.softmaxCrossEntropy(yOneHot, h, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
}

function disposeMlp(net: Mlp): void {
  for (const v of net.vars) v.dispose();
}

export async function createTfjsEngine(backend: 'webgpu' | 'cpu'): Promise<Engine> {
  const name = `tfjs-${backend}`;

  // The TF.js backend is global to the page: re-select ours at the start of every method,
  // so a tfjs-webgpu and a tfjs-cpu engine can live side by side in one page.
  const use = async (): Promise<void> => {
    if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) {
      throw new Error(`${name}: tf.setBackend('${backend}') failed (is the backend registered and, for webgpu, is navigator.gpu available?)`);
    }
    await tf.ready();
  };
  if (!(await tf.setBackend(backend))) {
    throw new Error(`${name}: tf.setBackend('${backend}') failed (is the backend registered and, for webgpu, is navigator.gpu available?)`);
  }
  await tf.ready();

  const count = (): number => tf.memory().numTensors;
  const checkFlat = (method: string, before: number, what: string): void => {
    const now = count();
    if (now !== before) {
      throw new Error(`${name} ${method}: tf.memory().numTensors went from ${before} to ${now} over ${what}: tensors leak`);
    }
  };

  /** Reads a returned cost; throws when it is not a finite number. */
  const readLoss = async (method: string, cost: tf.Scalar | null): Promise<number> => {
    if (cost === null) throw new Error(`${name} ${method}: minimize(f, true) returned no cost`);
    const v = (await cost.data())[0]!;
    cost.dispose();
    if (!Number.isFinite(v)) throw new Error(`${name} ${method}: the loss is ${v}`);
    return v;
  };

  const matmul = async (m: number, k: number, n: number, batch: number, reps: number, aValues: F32, bValues: F32): Promise<MatmulFigures> => {
    for (const [nm, v] of Object.entries({ m, k, n, batch, reps })) positiveInt(`${name} matmul`, nm, v);
    await use();
    const start = count();
    const a = tf.tensor2d(aValues, [m, k], 'float32');
    const b = tf.tensor2d(bValues, [k, n], 'float32');
    let out: F32 = new Float32Array(0);
    // `batch` products of the same operands; tidy disposes all but the last.
    const products = (): tf.Tensor => {
      let c = tf.matMul(a, b);
      for (let i = 1; i < batch; i++) c = tf.matMul(a, b);
      return c;
    };
    const once = async (): Promise<void> => {
      const last = tf.tidy(products);
      const data = (await last.data()) as F32;
      last.dispose();
      if (data.length !== m * n) throw new Error(`${name} matmul: read ${data.length} values, expected ${m * n}`);
      out = data;
    };
    let seconds: number;
    const kernelMs: number[] = [];
    try {
      for (let i = 0; i < MATMUL_WARMUP; i++) await once();
      const base = count();
      seconds = await medianSeconds(reps, once);
      checkFlat('matmul', base, `${reps} timed repetitions`);
      // tf.time reports the kernels' GPU time from timestamp queries where the backend
      // has them (otherwise kernelMs is an {error}): the kernel-only figure.
      for (let r = 0; r < reps; r++) {
        const info = await tf.time(() => tf.tidy(products).dispose());
        if (typeof info.kernelMs === 'number' && info.kernelMs > 0) kernelMs.push(info.kernelMs);
      }
    } finally {
      a.dispose();
      b.dispose();
    }
    checkFlat('matmul', start, 'the whole method');
    const flop = batch * 2 * m * n * k;
    const figures: MatmulFigures = { gflops: flop / seconds / 1e9, out };
    if (kernelMs.length === reps) figures.kernelGflops = flop / (median(kernelMs) / 1000) / 1e9;
    return figures;
  };

  const trainSteps = async (sizes: number[], batch: number, lr: number, steps: number, readEvery: number, data: TrainInputs): Promise<StepFigures> => {
    const method = 'trainSteps';
    if (sizes.length < 2) throw new Error(`${name} ${method}: sizes needs at least an input and an output size, got [${sizes.join(', ')}]`);
    sizes.forEach((s, i) => positiveInt(`${name} ${method}`, `sizes[${i}]`, s));
    for (const [nm, v] of Object.entries({ batch, steps, readEvery })) positiveInt(`${name} ${method}`, nm, v);
    await use();
    const start = count();
    const classes = sizes[sizes.length - 1]!;
    const net = createMlp(data.init);
    const x = tf.tensor2d(data.x, [batch, sizes[0]!], 'float32');
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.y, 'int32'), classes, 1, 0, 'float32') as tf.Tensor2D);
    const opt = tf.train.adam(lr, ADAM_BETA1, ADAM_BETA2, ADAM_EPS);
    const loss = (): tf.Scalar => mlpLoss(net, x, y);
    let stepsPerSecond: number;
    const losses: number[] = [];
    try {
      // Warm-up, untimed: compiles every kernel and creates Adam's moment variables.
      for (let i = 0; i < TRAIN_WARMUP; i++) losses.push(await readLoss(method, opt.minimize(loss, true, net.vars)));
      const base = count();
      const t0 = performance.now();
      for (let i = 1; i <= steps; i++) {
        // Read every `readEvery` steps, and always after the last one, so that the timed
        // run ends when its last result is back. Steps in between return no cost at all.
        if (i % readEvery === 0 || i === steps) {
          const v = await readLoss(method, opt.minimize(loss, true, net.vars));
          if (readEvery === 1) losses.push(v);
        } else opt.minimize(loss, false, net.vars);
      }
      const seconds = (performance.now() - t0) / 1000;
      checkFlat(method, base, `${steps} timed steps`);
      stepsPerSecond = steps / seconds;
    } finally {
      opt.dispose();
      disposeMlp(net);
      x.dispose();
      y.dispose();
    }
    checkFlat(method, start, 'the whole method');
    // dispatchesPerStep / submitsPerStep: TF.js has no documented counter for these.
    return { stepsPerSecond, losses };
  };

  const mnistEpoch = async (rows: number, batchSize: number, reps: number, data: EpochInputs): Promise<EpochFigures> => {
    const method = 'mnistEpoch';
    for (const [nm, v] of Object.entries({ rows, batchSize, reps })) positiveInt(`${name} ${method}`, nm, v);
    await use();
    const start = count();
    // Uploaded once.
    const X = tf.tensor2d(data.x, [rows, MNIST_FEATURES], 'float32');
    const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.y, 'int32'), MNIST_CLASSES, 1, 0, 'float32') as tf.Tensor2D);
    if (data.init.sizes.join() !== [MNIST_FEATURES, MNIST_HIDDEN, MNIST_CLASSES].join()) {
      throw new Error(`${name} ${method}: the first weights are for [${data.init.sizes.join(', ')}], expected [${MNIST_FEATURES}, ${MNIST_HIDDEN}, ${MNIST_CLASSES}]`);
    }
    const net = createMlp(data.init);
    const opt = tf.train.adam(MNIST_LR, ADAM_BETA1, ADAM_BETA2, ADAM_EPS);
    let epochs = 0;
    const epoch = async (): Promise<number> => {
      const perm = data.permutation(epochs++);
      // Shuffle once per epoch, then take contiguous mini-batches (the last one smaller).
      const [xs, ys] = tf.tidy(() => {
        const idx = tf.tensor1d(perm, 'int32');
        return [tf.gather(X, idx) as tf.Tensor2D, tf.gather(Y, idx) as tf.Tensor2D];
      });
      let lossValue = Number.NaN;
      try {
        for (let s = 0; s < rows; s += batchSize) {
          const size = Math.min(batchSize, rows - s);
          // minimize runs f inside its own tidy: the slices are disposed with the other intermediates.
          const f = (): tf.Scalar =>
            mlpLoss(net, tf.slice(xs, [s, 0], [size, MNIST_FEATURES]), tf.slice(ys, [s, 0], [size, MNIST_CLASSES]));
          if (s + size >= rows) lossValue = await readLoss(method, opt.minimize(f, true, net.vars));
          else opt.minimize(f, false, net.vars);
        }
      } finally {
        xs.dispose();
        ys.dispose();
      }
      return lossValue;
    };
    let seconds: number;
    let loss: number;
    try {
      loss = await epoch(); // warm-up, untimed (includes the smaller last batch's kernels)
      const base = count();
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        await epoch();
        times.push((performance.now() - t0) / 1000);
        checkFlat(method, base, `${r + 1} timed epoch(s)`);
      }
      seconds = median(times);
    } finally {
      opt.dispose();
      disposeMlp(net);
      X.dispose();
      Y.dispose();
    }
    checkFlat(method, start, 'the whole method');
    return { seconds, loss };
  };

  return { name, matmul, trainSteps, mnistEpoch };
}
