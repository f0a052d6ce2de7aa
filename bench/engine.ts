// The workloads both engines run, in the same page, on the same adapter. Each engine
// implements them the way its own documentation recommends; the harness (page/main.ts)
// times nothing itself, so each side is measured by the same rules, written down here:
//   - warm-up runs first and is not timed (plans, pipelines, shader compiles);
//   - a figure is the median of `reps` timed repetitions;
//   - GPU work is waited for: a repetition ends when its last result is read back.

export interface StepFigures {
  /** Steps per second. */
  stepsPerSecond: number;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
}

export interface MatmulFigures {
  /** batch * 2mnk / median wall-clock seconds of a repetition (readback included). */
  gflops: number;
  /** The same from GPU timestamp queries (the kernels alone), where the adapter offers them. */
  kernelGflops?: number;
}

export interface Engine {
  readonly name: string;
  /** `batch` independent [m,k] @ [k,n] products, then one read of the last result. */
  matmul(m: number, k: number, n: number, batch: number, reps: number): Promise<MatmulFigures>;
  /**
   * Full training steps (forward, softmax cross-entropy, backward, Adam) of an MLP with
   * layer sizes `sizes` (ReLU between layers) on a fixed batch of `batch` rows (inputs
   * N(0,1), labels uniform in [0, classes)), `steps` timed steps after 3 warm-up steps.
   * readEvery 1: the loss is read back every step (the plain loop); readEvery k > 1: it is
   * kept on the device and read every k steps (our runSteps; the peer's equivalent).
   */
  trainSteps(sizes: number[], batch: number, lr: number, steps: number, readEvery: number): Promise<StepFigures>;
  /**
   * Seconds for one epoch of `rows` examples of 784 features, 10 classes, 784-128-10 with
   * ReLU, Adam lr 1e-3, mini-batches of `batchSize` drawn from a shuffled permutation, the
   * last batch smaller; the loss is read back once per epoch. One untimed warm-up epoch
   * first; the median of `reps` epochs.
   */
  mnistEpoch(rows: number, batchSize: number, reps: number): Promise<number>;
}

/** Synthetic data for the MNIST-shaped epoch (real digits come with the MNIST lesson). */
export function syntheticDigits(rows: number, seed = 1): { x: Float32Array; y: Int32Array } {
  let s = seed >>> 0;
  const next = (): number => {
    // xorshift32: a fixed, engine-independent stream so both engines see the same data.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const x = Float32Array.from({ length: rows * 784 }, () => next());
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * 10));
  return { x, y };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
