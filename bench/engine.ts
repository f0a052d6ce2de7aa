// The workloads the engines run, in the same page, on the same adapter. Each engine
// implements them the way its own documentation recommends; the harness (page/main.ts)
// times nothing itself, so each side is measured by the same rules, written down here:
//   - warm-up runs first and is not timed (plans, pipelines, shader compiles, jit traces);
//   - a figure is the median of `reps` timed repetitions;
//   - GPU work is waited for: a repetition ends when its last result is read back.
// Every engine gets the same inputs and initial weights, drawn here from fixed xorshift32
// streams (engine-independent: no engine's own generator), and returns what it computed,
// so rows.ts can check that they all did the same work before it compares their speed.

/** Typed arrays on plain ArrayBuffers (what jax-js's np.array and the engines accept). */
export type F32 = Float32Array<ArrayBuffer>;
export type I32 = Int32Array<ArrayBuffer>;

export interface StepFigures {
  /** Steps per second. */
  stepsPerSecond: number;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  /**
   * The losses of the first steps, in order, as far as the engine read them anyway: the
   * warm-up steps always, then the timed ones where it reads every step. rows.ts compares
   * the common prefix across engines.
   */
  losses: number[];
}

export interface MatmulFigures {
  /** batch * 2mnk / median wall-clock seconds of a repetition (readback included). */
  gflops: number;
  /** The same from GPU timestamp queries (the kernels alone), where the adapter offers them. */
  kernelGflops?: number;
  /** The last product, [m, n] row-major, as read back. */
  out: F32;
}

export interface EpochFigures {
  /** Median seconds of a timed epoch. */
  seconds: number;
  /** The loss of the last mini-batch of the first (warm-up) epoch. */
  loss: number;
}

/** An MLP's first weights: W[i] is [sizes[i], sizes[i+1]] row-major (x W + b), b[i] is [sizes[i+1]]. */
export interface MlpInit {
  sizes: number[];
  weights: F32[];
  biases: F32[];
}

export interface TrainInputs {
  init: MlpInit;
  /** [batch, sizes[0]], N(0,1). */
  x: F32;
  /** [batch] in [0, classes). */
  y: I32;
}

export interface EpochInputs {
  init: MlpInit;
  /** [rows, 784] in [0, 1). */
  x: F32;
  /** [rows] in [0, 10). */
  y: I32;
  /** The shuffle of epoch e (0: the warm-up epoch): a permutation of 0..rows-1. */
  permutation(epoch: number): I32;
}

export interface Engine {
  readonly name: string;
  /** `batch` independent [m,k] @ [k,n] products of a and b, then one read of the last result. */
  matmul(m: number, k: number, n: number, batch: number, reps: number, a: F32, b: F32): Promise<MatmulFigures>;
  /**
   * Full training steps (forward, mean softmax cross-entropy, backward, Adam with
   * ADAM_BETA1, ADAM_BETA2, ADAM_EPS) of an MLP with layer sizes `sizes` (ReLU between
   * layers) on the fixed batch `data`, `steps` timed steps after TRAIN_WARMUP warm-up steps. readEvery 1: the loss is
   * read back every step (the plain loop); readEvery k > 1: it is kept on the device and
   * read every k steps (our runSteps; the peer's equivalent).
   */
  trainSteps(sizes: number[], batch: number, lr: number, steps: number, readEvery: number, data: TrainInputs): Promise<StepFigures>;
  /**
   * One epoch of `rows` examples of 784 features, 10 classes, 784-128-10 with ReLU, Adam
   * lr 1e-3, mini-batches of `batchSize` taken in the order of data.permutation(epoch), the
   * last batch smaller; the loss is read back once per epoch. One untimed warm-up epoch
   * first (epoch 0); the median of `reps` epochs.
   */
  mnistEpoch(rows: number, batchSize: number, reps: number, data: EpochInputs): Promise<EpochFigures>;
}

/** Adam's hyperparameters in every engine (PyTorch's and optax's defaults). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

/** Untimed training steps before the timed ones; their losses are always read. */
export const TRAIN_WARMUP = 3;

/** xorshift32: a fixed stream in [0, 1), the same in every engine and on every machine. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function uniformValues(n: number, lo: number, hi: number, seed: number): F32 {
  const next = xorshift(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** N(0,1) by Box-Muller on the xorshift stream. */
export function normalValues(n: number, seed: number): F32 {
  const next = xorshift(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** PyTorch Linear's bounds for weight and bias, ±1/sqrt(fan_in), as TF.js's side always drew them. */
export function mlpInit(sizes: number[], seed: number): MlpInit {
  const weights: F32[] = [];
  const biases: F32[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const bound = 1 / Math.sqrt(sizes[i]!);
    weights.push(uniformValues(sizes[i]! * sizes[i + 1]!, -bound, bound, seed + 2 * i));
    biases.push(uniformValues(sizes[i + 1]!, -bound, bound, seed + 2 * i + 1));
  }
  return { sizes, weights, biases };
}

/** [rows, cols] row-major to [cols, rows] (ours stores nn.Linear's weight as [out, in]). */
export function transpose(a: F32, rows: number, cols: number): F32 {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

export function matmulInputs(m: number, k: number, n: number): { a: F32; b: F32 } {
  return { a: normalValues(m * k, 11), b: normalValues(k * n, 12) };
}

export function trainInputs(sizes: number[], batch: number): TrainInputs {
  const classes = sizes.at(-1)!;
  const next = xorshift(22);
  return {
    init: mlpInit(sizes, 1000),
    x: normalValues(batch * sizes[0]!, 21),
    y: Int32Array.from({ length: batch }, () => Math.floor(next() * classes)),
  };
}

/** Synthetic data of MNIST's shape for the epoch (real digits come with the MNIST lesson). */
export function epochInputs(rows: number): EpochInputs {
  const next = xorshift(1);
  const x = Float32Array.from({ length: rows * 784 }, () => next());
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * 10));
  return {
    init: mlpInit([784, 128, 10], 2000),
    x,
    y,
    permutation(epoch) {
      // Fisher-Yates on the stream of seed 31 + epoch.
      const rand = xorshift(31 + epoch);
      const p = Int32Array.from({ length: rows }, (_, i) => i);
      for (let i = rows - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
      return p;
    },
  };
}

/**
 * The median wall-clock seconds of `reps` runs of `once`, each ended when its promise
 * resolves (its last result read back): every engine's timed repetitions, warm-up done first.
 */
export async function medianSeconds(reps: number, once: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
