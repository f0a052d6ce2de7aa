// The second peer: the same workloads as bench/engine.ts describes, written with jax-js
// 0.1.25 (@jax-js/jax, pinned exactly) the way a JAX user writes them:
//   - the device is chosen once with init(device) and defaultDevice(device): 'webgpu' for the
//     main rows, 'wasm' (its CPU backend) for the cpu/ rows;
//   - a training step is ONE jit-compiled function of (params, Adam state, x, y): the loss
//     and its gradient by valueAndGrad, then the Adam update, all inside the jit, returning
//     the new params and state (JAX's functional style: nothing updated in place);
//   - Adam is written inside the jit as optax.adam computes it (engine.ts's betas and eps,
//     bias correction from a step count kept in the state). jax-js itself has no optimizers;
//     its helper package @jax-js/optax has one, but the step would be the same arithmetic and
//     jit traces through it either way, so the bench pins one package and writes the update;
//   - a layer is np.dot(h, W).add(b) with W [in, out]; the loss is the mean of
//     -sum(logSoftmax(logits) * oneHot(y)), as jax-js's own MNIST demo writes it;
//   - jax-js arrays are reference-counted: every function consumes its arguments, `.ref`
//     keeps one for later, `.dispose()` (tree.dispose for a pytree) drops what is kept, and
//     `await a.data()` reads and drops it. Every array this file makes is disposed, and each
//     jit-compiled function is disposed after its method (jax-js has no public count of
//     live arrays, so unlike peer-tfjs.ts this is not checked by a counter).
// Timing follows engine.ts: warm-up untimed (it traces and compiles the jit and every
// WebGPU pipeline), median of `reps`, performance.now(), and a repetition ends when its last
// result has been read back with `await data()`. jax-js is lazy: an array no one reads is
// never computed, so the matmul row waits for all of its `batch` products with
// blockUntilReady (as a JAX benchmark calls block_until_ready) before reading the last.
import { blockUntilReady, defaultDevice, init, jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import type { Device } from '@jax-js/jax';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, TRAIN_WARMUP, medianSeconds } from './engine.ts';
import type { Engine, EpochFigures, EpochInputs, F32, MatmulFigures, MlpInit, StepFigures, TrainInputs } from './engine.ts';

const MATMUL_WARMUP = 2;
const B1 = ADAM_BETA1;
const B2 = ADAM_BETA2;
const EPS = ADAM_EPS;

/** [w0, b0, w1, b1, ...]: a flat pytree, W [in, out]. */
type Params = np.Array[];

function positiveInt(method: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${method}: ${name} must be a positive integer, got ${v}`);
}

function uploadMlp(init: MlpInit): Params {
  const params: Params = [];
  for (let i = 0; i + 1 < init.sizes.length; i++) {
    params.push(np.array(init.weights[i]!, { shape: [init.sizes[i]!, init.sizes[i + 1]!] }));
    params.push(np.array(init.biases[i]!));
  }
  return params;
}

/** Mean softmax cross-entropy of the MLP (ReLU between layers); consumes every argument. */
function mlpLoss(params: Params, x: np.Array, yOneHot: np.Array): np.Array {
  const layers = params.length / 2;
  let h = x;
  for (let i = 0; i < layers; i++) {
    h = np.dot(h, params[2 * i]!).add(params[2 * i + 1]!);
    if (i < layers - 1) h = nn.relu(h);
  }
  const batch = h.shape[0]!;
  return nn.logSoftmax(h).mul(yOneHot).sum().mul(-1 / batch);
}

interface AdamState {
  mu: Params;
  nu: Params;
  /** Steps taken so far, a float32 scalar (optax keeps an int32 count). */
  count: np.Array;
}

/**
 * One training step, jit-compiled: (params, mu, nu, count, x, yOneHot) -> [params, mu,
 * nu, count, loss]. lr is a constant of the trace, as a Python closure would make it.
 */
function makeTrainStep(lr: number) {
  return jit((params: Params, mu: Params, nu: Params, count: np.Array, x: np.Array, yOneHot: np.Array) => {
    const [loss, grads] = valueAndGrad(mlpLoss)(tree.ref(params), x, yOneHot);
    const t = count.add(1);
    // Bias corrections 1 - b^t, scalars.
    const c1 = np.subtract(1, np.power(B1, t.ref));
    const c2 = np.subtract(1, np.power(B2, t.ref));
    const newParams: Params = [];
    const newMu: Params = [];
    const newNu: Params = [];
    grads.forEach((g, i) => {
      const m = mu[i]!.mul(B1).add(g.ref.mul(1 - B1));
      const v = nu[i]!.mul(B2).add(g.ref.mul(g).mul(1 - B2));
      const mHat = m.ref.div(c1.ref);
      const vHat = v.ref.div(c2.ref);
      newParams.push(params[i]!.sub(mHat.mul(lr).div(np.sqrt(vHat).add(EPS))));
      newMu.push(m);
      newNu.push(v);
    });
    c1.dispose();
    c2.dispose();
    return [newParams, newMu, newNu, t, loss] as [Params, Params, Params, np.Array, np.Array];
  });
}

/** Params, Adam state and the jitted step, advanced one step at a time. */
class Trainer {
  private params: Params;
  private state: AdamState;
  private readonly step: ReturnType<typeof makeTrainStep>;

  constructor(init: MlpInit, lr: number) {
    this.step = makeTrainStep(lr);
    this.params = uploadMlp(init);
    this.state = {
      mu: this.params.map((p) => np.zeros(p.shape)),
      nu: this.params.map((p) => np.zeros(p.shape)),
      count: np.zeros([]),
    };
  }

  /** One step on (x, y); consumes both; returns the loss (unread: the caller reads or disposes it). */
  run(x: np.Array, yOneHot: np.Array): np.Array {
    const [params, mu, nu, count, loss] = this.step(this.params, this.state.mu, this.state.nu, this.state.count, x, yOneHot);
    this.params = params;
    this.state = { mu, nu, count };
    return loss;
  }

  dispose(): void {
    tree.dispose(this.params);
    tree.dispose(this.state.mu);
    tree.dispose(this.state.nu);
    this.state.count.dispose();
    this.step.dispose();
  }
}

async function readLoss(name: string, method: string, loss: np.Array): Promise<number> {
  const v = (await loss.data())[0]!;
  if (!Number.isFinite(v)) throw new Error(`${name} ${method}: the loss is ${v}`);
  return v;
}

/** jax-js on `device`; throws, saying why, when jax-js cannot start it. */
export async function createJaxEngine(device: Extract<Device, 'webgpu' | 'wasm'>): Promise<Engine> {
  const name = `jax-js-${device}`;
  const started = await init(device);
  if (!started.includes(device)) {
    const why =
      device === 'webgpu' && typeof navigator !== 'undefined' && !('gpu' in navigator)
        ? 'navigator.gpu is missing'
        : 'init() returned without it (no adapter, or requestDevice failed: see the console errors)';
    throw new Error(`${name}: jax-js could not start its ${device} device: ${why}`);
  }
  // The default device is global to jax-js: set it at the start of every method, so the
  // webgpu and the wasm engine can live side by side in one page.
  const use = (): void => {
    defaultDevice(device);
  };

  const matmul = async (m: number, k: number, n: number, batch: number, reps: number, aValues: F32, bValues: F32): Promise<MatmulFigures> => {
    for (const [nm, v] of Object.entries({ m, k, n, batch, reps })) positiveInt(`${name} matmul`, nm, v);
    use();
    const a = np.array(aValues, { shape: [m, k] });
    const b = np.array(bValues, { shape: [k, n] });
    let out: F32 = new Float32Array(0);
    const once = async (): Promise<void> => {
      const products: np.Array[] = [];
      for (let i = 0; i < batch; i++) products.push(np.matmul(a.ref, b.ref));
      // Every product computed (jax-js skips arrays no one waits for), then the last read.
      await blockUntilReady(products);
      for (const p of products.slice(0, -1)) p.dispose();
      const data = (await products.at(-1)!.data()) as F32;
      if (data.length !== m * n) throw new Error(`${name} matmul: read ${data.length} values, expected ${m * n}`);
      out = data;
    };
    let seconds: number;
    try {
      for (let i = 0; i < MATMUL_WARMUP; i++) await once();
      seconds = await medianSeconds(reps, once);
    } finally {
      a.dispose();
      b.dispose();
    }
    // No kernel-only figure: jax-js offers its kernels' GPU time only as a profiler trace.
    return { gflops: (batch * 2 * m * n * k) / seconds / 1e9, out };
  };

  const trainSteps = async (sizes: number[], batch: number, lr: number, steps: number, readEvery: number, data: TrainInputs): Promise<StepFigures> => {
    const method = 'trainSteps';
    sizes.forEach((s, i) => positiveInt(`${name} ${method}`, `sizes[${i}]`, s));
    for (const [nm, v] of Object.entries({ batch, steps, readEvery })) positiveInt(`${name} ${method}`, nm, v);
    use();
    const classes = sizes.at(-1)!;
    const x = np.array(data.x, { shape: [batch, sizes[0]!] });
    const y = nn.oneHot(np.array(data.y, { dtype: np.int32 }), classes);
    const trainer = new Trainer(data.init, lr);
    const losses: number[] = [];
    let stepsPerSecond: number;
    try {
      // Warm-up, untimed: traces the step and compiles its kernels.
      for (let i = 0; i < TRAIN_WARMUP; i++) losses.push(await readLoss(name, method, trainer.run(x.ref, y.ref)));
      const t0 = performance.now();
      for (let i = 1; i <= steps; i++) {
        const loss = trainer.run(x.ref, y.ref);
        // Read every `readEvery` steps and after the last; an unread loss is dropped.
        if (i % readEvery === 0 || i === steps) {
          const v = await readLoss(name, method, loss);
          if (readEvery === 1) losses.push(v);
        } else loss.dispose();
      }
      stepsPerSecond = steps / ((performance.now() - t0) / 1000);
    } finally {
      trainer.dispose();
      x.dispose();
      y.dispose();
    }
    return { stepsPerSecond, losses };
  };

  const mnistEpoch = async (rows: number, batchSize: number, reps: number, data: EpochInputs): Promise<EpochFigures> => {
    const method = 'mnistEpoch';
    for (const [nm, v] of Object.entries({ rows, batchSize, reps })) positiveInt(`${name} ${method}`, nm, v);
    use();
    const X = np.array(data.x, { shape: [rows, 784] });
    const Y = nn.oneHot(np.array(data.y, { dtype: np.int32 }), 10);
    const trainer = new Trainer(data.init, 1e-3);
    let epochs = 0;
    const epoch = async (): Promise<number> => {
      const perm = data.permutation(epochs++);
      let last: np.Array | null = null;
      for (let s = 0; s < rows; s += batchSize) {
        // Each mini-batch gathered by its indices (the last one smaller), as jax-js's MNIST
        // demo does: 1.5x faster here than slicing one shuffled copy per epoch (measured
        // on SwiftShader, 784-128-10 at batch 128: 1.87 s against 2.8 s for 16 batches).
        const idx = np.array(perm.subarray(s, Math.min(s + batchSize, rows)), { dtype: np.int32 });
        last?.dispose();
        last = trainer.run(np.take(X.ref, idx.ref, 0), np.take(Y.ref, idx, 0));
      }
      return readLoss(name, method, last!);
    };
    let seconds: number;
    let loss: number;
    try {
      loss = await epoch(); // warm-up, untimed (traces the smaller last batch's step too)
      seconds = await medianSeconds(reps, epoch);
    } finally {
      trainer.dispose();
      X.dispose();
      Y.dispose();
    }
    return { seconds, loss };
  };

  return { name, matmul, trainSteps, mnistEpoch };
}
