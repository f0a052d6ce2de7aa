// The lesson's 2-2-1 network (tanh hidden layer, sigmoid output), written for a whole batch
// of independent nets at once: every parameter is a [B, ...] tensor and every matmul has a
// leading batch dimension, so one epoch of B nets is one fixed set of dispatches, whatever B
// is. The lab trains B = 1 net; the restarts section trains hundreds with the same code.
//
// One epoch is the lesson's train_step / train_step_momentum, as it wrote them:
//   g = the mean gradient of the loss (backpropagation written out by hand, as its
//       compute_gradients does);
//   v = g (basic), or v = beta v + (1 - beta) g with beta = 0.9 and v starting at zero;
//   try w + eta (-v) for eta in [lr, lr/2, 2 lr] and keep the lowest loss (first wins ties).
import { cat, noGrad, randn, tensor, where } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import type { DataTensors } from './data.ts';

export const ALGORITHMS = ['basic', 'momentum'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const ALGORITHM_LABELS: Record<Algorithm, string> = {
  basic: 'Basic Gradient Descent',
  momentum: 'Gradient Descent + Momentum',
};
export const LEARNING_RATES = [0.1, 0.3, 0.5, 1.0] as const;
export const LR_LABELS: Record<number, string> = { 0.1: 'Slow (0.1)', 0.3: 'Moderate (0.3)', 0.5: 'Fast (0.5)', 1: 'Very Fast (1.0)' };
/** The lesson's momentum parameter ("typical value: 0.9"). */
export const BETA = 0.9;
/** The lesson's epsilon inside the logs ("Prevent log(0)"). */
export const EPS = 1e-10;
/** The lesson's line search: these multiples of the learning rate, tried in this order. */
export const STEP_FACTORS = [1, 0.5, 2] as const;
/** Parameters per net, in the lesson's get_weights() order. */
export const WEIGHT_NAMES = ['w11', 'w12', 'b1', 'w21', 'w22', 'b2', 'w_out1', 'w_out2', 'b_out'] as const;

/**
 * How many numbers a 2-input, one-output network with `hidden` hidden units has: a weight
 * from each input to each hidden unit, a bias per hidden unit, a weight from each hidden
 * unit to the output, and the output's bias. 9 for the lab's 2-2-1 net, 41 for ten units.
 */
export function parameterCount(hidden: number): number {
  if (!(Number.isSafeInteger(hidden) && hidden >= 1)) throw new Error(`parameterCount: hidden units must be a whole number >= 1, got ${hidden}`);
  const inputs = 2;
  return inputs * hidden + hidden + hidden + 1;
}

export interface NetConfig {
  algorithm: Algorithm;
  lr: number;
}

/** A batch of B nets: W1 [B,2,2] (input i -> hidden j at [i][j]), b1 [B,1,2], W2 [B,2,1], b2 [B,1,1]. */
export interface Params {
  W1: Tensor;
  b1: Tensor;
  W2: Tensor;
  b2: Tensor;
}
const KEYS = ['W1', 'b1', 'W2', 'b2'] as const;

/** Host arrays for a batch, from B lesson-order 9-vectors [w11, w12, b1, w21, w22, b2, wo1, wo2, bo]. */
export function paramsFromFlat(flat: ArrayLike<number>): Params {
  if (flat.length % 9 !== 0) throw new Error(`paramsFromFlat: ${flat.length} values are not whole 9-weight nets`);
  const B = flat.length / 9;
  const W1 = new Float32Array(B * 4);
  const b1 = new Float32Array(B * 2);
  const W2 = new Float32Array(B * 2);
  const b2 = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    const w = (k: number): number => flat[i * 9 + k]!;
    // z_j = x1 * W1[0][j] + x2 * W1[1][j] + b1[j]: hidden unit 1 is column 0, unit 2 column 1.
    W1.set([w(0), w(3), w(1), w(4)], i * 4);
    b1.set([w(2), w(5)], i * 2);
    W2.set([w(6), w(7)], i * 2);
    b2[i] = w(8);
  }
  return {
    W1: tensor(W1, { shape: [B, 2, 2] }),
    b1: tensor(b1, { shape: [B, 1, 2] }),
    W2: tensor(W2, { shape: [B, 2, 1] }),
    b2: tensor(b2, { shape: [B, 1, 1] }),
  };
}

/** Back to lesson order, 9 per net (a readback). */
export async function paramsToFlat(p: Params): Promise<Float32Array> {
  const [W1, b1, W2, b2] = await Promise.all(KEYS.map((k) => p[k].data()));
  const B = b2!.length;
  const raw = new Float32Array(B * 9);
  for (let i = 0; i < B; i++) {
    raw.set(W1!.subarray(i * 4, i * 4 + 4), i * 9);
    raw.set(b1!.subarray(i * 2, i * 2 + 2), i * 9 + 4);
    raw.set(W2!.subarray(i * 2, i * 2 + 2), i * 9 + 6);
    raw[i * 9 + 8] = b2![i]!;
  }
  return rawToFlat(raw);
}

/** Storage order per net (W1 row-major: w11, w21, w12, w22; b1, b2; w_out1, w_out2; b_out) to lesson order. */
export function rawToFlat(raw: ArrayLike<number>): Float32Array {
  if (raw.length % 9 !== 0) throw new Error(`rawToFlat: ${raw.length} values are not whole 9-weight nets`);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length / 9; i++) {
    const r = (k: number): number => raw[i * 9 + k]!;
    out.set([r(0), r(2), r(4), r(1), r(3), r(5), r(6), r(7), r(8)], i * 9);
  }
  return out;
}

/** Constants made once as tensors, so each epoch's graph has no fill kernels for them. */
export interface Constants {
  eps: Tensor;
  one: Tensor;
  half: Tensor;
}
export function constants(): Constants {
  return { eps: tensor(EPS), one: tensor(1), half: tensor(0.5) };
}

/** Forward for every net and every point X [N, 2]: hidden h [B,N,2] and output p [B,N,1]. */
export function forward(p: Params, X: Tensor): { h: Tensor; out: Tensor } {
  const h = X.matmul(p.W1).add(p.b1).tanh(); // h_j = tanh(w_j1 x1 + w_j2 x2 + b_j)
  const out = h.matmul(p.W2).add(p.b2).sigmoid(); // sigmoid(w_out1 h1 + w_out2 h2 + b_out)
  return { h, out };
}

/** Per net [B]: -mean(y log(p + eps) + (1 - y) log(1 - p + eps)), the lesson's compute_loss. */
export function bceLoss(out: Tensor, d: DataTensors, c: Constants): Tensor {
  const a = d.y.mul(out.add(c.eps).log());
  const b = d.oneMinusY.mul(c.one.sub(out).add(c.eps).log());
  return a.add(b).mean([1, 2]).neg();
}

/** Per net [B]: how many points are classified right, (p > 0.5) == y (compute_accuracy's count). */
export function correctCount(out: Tensor, d: DataTensors, c: Constants): Tensor {
  return out.gt(c.half).eq(d.labels).float().sum([1, 2]);
}

/**
 * The mean gradient of the loss for every net, backpropagation written out as the lesson's
 * compute_gradients does it (its per-sample sums, divided by n, become batched matmuls).
 */
export function gradients(p: Params, d: DataTensors, c: Constants): Params {
  const { h, out } = forward(p, d.X);
  // dL/dp = -(y / (p + eps) - (1 - y) / (1 - p + eps)); dp/dz = p (1 - p)
  const oneMinusOut = c.one.sub(out);
  const dLdp = d.y.div(out.add(c.eps)).sub(d.oneMinusY.div(oneMinusOut.add(c.eps))).neg();
  // delta_out / n: dividing once here makes every sum below a mean.
  const delta = dLdp.mul(out.mul(oneMinusOut)).div(d.n); // [B,N,1]
  // delta_h_j = delta_out * w_out_j * (1 - h_j^2)
  const deltaH = delta.matmul(p.W2, { transB: true }).mul(c.one.sub(h.square())); // [B,N,2]
  return {
    W1: d.X.matmul(deltaH, { transA: true }), // sum_i x_i delta_h_i  -> [B,2,2]
    b1: deltaH.sum(1, true), // [B,1,2]
    W2: h.matmul(delta, { transA: true }), // sum_i h_i delta_out_i -> [B,2,1]
    b2: delta.sum(1, true), // [B,1,1]
  };
}

function zerosLikeParams(B: number): Params {
  return {
    W1: tensor(new Float32Array(B * 4), { shape: [B, 2, 2] }),
    b1: tensor(new Float32Array(B * 2), { shape: [B, 1, 2] }),
    W2: tensor(new Float32Array(B * 2), { shape: [B, 2, 1] }),
    b2: tensor(new Float32Array(B), { shape: [B, 1, 1] }),
  };
}

/** What one epoch (or an evaluation) gives per net, lazily: read them within the step. */
export interface EpochOutputs {
  /** [B] the loss after the step (the winning candidate's). */
  loss: Tensor;
  /** [B] points classified right after the step. */
  correct: Tensor;
}

/** Per-net hyperparameters as tensors (values are data, not graph structure: one plan for all). */
interface Hyper {
  beta: Tensor; // [B,1,1]: 0 for basic (then v = g exactly), 0.9 for momentum
  oneMinusBeta: Tensor; // [B,1,1]: 1 for basic, 1 - 0.9 for momentum
  etas: Tensor; // [3,B,1,1]: lr, lr/2, 2 lr
  eta: Tensor[]; // three [1,B]: the same, for picking the winner
}

function hyper(configs: readonly NetConfig[]): Hyper {
  const B = configs.length;
  const beta = new Float32Array(B);
  const omb = new Float32Array(B);
  const etas = new Float32Array(3 * B);
  configs.forEach((cfg, i) => {
    if (!ALGORITHMS.includes(cfg.algorithm)) throw new Error(`XorNets: unknown algorithm '${String(cfg.algorithm)}'; expected basic or momentum`);
    if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) throw new Error(`XorNets: learning rate must be a positive number, got ${cfg.lr}`);
    const b = cfg.algorithm === 'momentum' ? BETA : 0;
    beta[i] = b;
    omb[i] = 1 - b;
    STEP_FACTORS.forEach((f, k) => (etas[k * B + i] = cfg.lr * f)); // [base_lr, base_lr / 2, base_lr * 2]
  });
  return {
    beta: tensor(beta, { shape: [B, 1, 1] }),
    oneMinusBeta: tensor(omb, { shape: [B, 1, 1] }),
    etas: tensor(etas, { shape: [3, B, 1, 1] }),
    eta: STEP_FACTORS.map((_, k) => tensor(etas.slice(k * B, (k + 1) * B), { shape: [1, B] })),
  };
}

/** A batch of B nets, each with its own algorithm and learning rate, trained together. */
export class XorNets {
  readonly size: number;
  readonly params: Params;
  private velocity: Params;
  private hp: Hyper;
  /** 1 where a weight trains and 0 where it is frozen (the landscape's two-weight runs); null: all train. */
  private mask: Params | null = null;
  private readonly c = constants();

  constructor(
    readonly data: DataTensors,
    flatWeights: ArrayLike<number>,
    configs: readonly NetConfig[],
  ) {
    this.size = flatWeights.length / 9;
    if (configs.length !== this.size) throw new Error(`XorNets: ${this.size} nets but ${configs.length} configs`);
    this.params = paramsFromFlat(flatWeights);
    this.velocity = zerosLikeParams(this.size);
    this.hp = hyper(configs);
  }

  /** New algorithms / learning rates (the velocity is kept; see resetVelocity). */
  setConfigs(configs: readonly NetConfig[]): void {
    if (configs.length !== this.size) throw new Error(`XorNets.setConfigs: ${this.size} nets but ${configs.length} configs`);
    this.hp = hyper(configs);
  }

  /**
   * Freeze weights: `trains` is B lesson-order 9-vectors of 1 (trains) or 0 (frozen), or null
   * to train all. A frozen weight's gradient is multiplied by 0 before anything else sees it,
   * so its velocity stays 0, its step is w + eta * 0 and it keeps its value exactly, while the
   * line search and momentum of the others run as the lesson wrote them.
   */
  setTrainable(trains: ArrayLike<number> | null): void {
    if (trains !== null && trains.length !== this.size * 9) throw new Error(`XorNets.setTrainable: expected ${this.size * 9} flags (9 per net), got ${trains.length}`);
    if (trains !== null) for (const f of Array.from(trains)) if (f !== 0 && f !== 1) throw new Error(`XorNets.setTrainable: flags must be 0 or 1, got ${f}`);
    this.mask = trains === null ? null : paramsFromFlat(trains);
  }

  /** The lesson deletes its velocity on reset and on a change of algorithm: it restarts at zero. */
  resetVelocity(): void {
    this.velocity = zerosLikeParams(this.size);
  }

  /** Loss and correct count at the current weights. */
  evaluate(): EpochOutputs {
    return noGrad(() => {
      const { out } = forward(this.params, this.data.X);
      return { loss: bceLoss(out, this.data, this.c), correct: correctCount(out, this.data, this.c) };
    });
  }

  /** The network's output at every point of P [M, 2], per net: [B, M]. */
  outputs(points: Tensor): Tensor {
    return noGrad(() => forward(this.params, points).out.reshape([this.size, points.shape[0]!]));
  }

  /**
   * From one forward over P [M, 2], per net: the hidden units' outputs h = (h1, h2) [B, M, 2]
   * and the output [B, M] (the lab draws all three fields).
   */
  fields(points: Tensor): { h: Tensor; out: Tensor } {
    return noGrad(() => {
      const { h, out } = forward(this.params, points);
      return { h, out: out.reshape([this.size, points.shape[0]!]) };
    });
  }

  /**
   * Every net's weights as one lazy [B, 9] tensor in storage order (W1 row-major, b1, W2, b2),
   * so a caller reads them with one readback; rawToFlat puts them in lesson order.
   */
  rawWeights(): Tensor {
    return noGrad(() => {
      const p = this.params;
      const B = this.size;
      return cat([p.W1.reshape([B, 4]), p.b1.reshape([B, 2]), p.W2.reshape([B, 2]), p.b2.reshape([B, 1])], 1);
    });
  }

  /**
   * One epoch for every net: gradient, velocity, the three-step line search, and the update
   * (recorded in place: it runs with the next read, in the same submit).
   */
  step(): EpochOutputs {
    return noGrad(() => {
      const { params: p, velocity: v, hp, data: d, c } = this;
      const B = this.size;
      const g = gradients(p, d, c);
      if (this.mask) for (const k of KEYS) g[k] = g[k].mul(this.mask[k]);
      const vNew = {} as Params;
      const dir = {} as Params;
      const cand = {} as Params;
      for (const k of KEYS) {
        // velocity = beta * velocity + (1 - beta) * grads; direction = -velocity
        vNew[k] = hp.beta.mul(v[k]).add(hp.oneMinusBeta.mul(g[k]));
        dir[k] = vNew[k].neg();
        // All three candidates w + eta * direction of every net as one batch of 3B nets.
        const shape = p[k].shape;
        cand[k] = p[k].add(hp.etas.mul(dir[k])).reshape([3 * B, ...shape.slice(1)]);
      }
      const { out } = forward(cand, d.X);
      const losses = bceLoss(out, d, c).reshape([3, B]);
      const corrects = correctCount(out, d, c).reshape([3, B]);
      // The lesson keeps a candidate when its loss < the best so far (starting from inf).
      // Losses here are always finite (p is in [0, 1] and eps keeps the logs finite), so
      // the first candidate always wins the first comparison: start from it.
      let best = losses.narrow(0, 0, 1);
      let eta = hp.eta[0]!;
      let correct = corrects.narrow(0, 0, 1);
      for (let k = 1; k < STEP_FACTORS.length; k++) {
        const lk = losses.narrow(0, k, 1);
        const better = lk.lt(best);
        best = where(better, lk, best);
        eta = where(better, hp.eta[k]!, eta);
        correct = where(better, corrects.narrow(0, k, 1), correct);
      }
      // Commit to the best candidate: w + eta_best * direction, the same sum the candidate was.
      const etaB = eta.reshape([B, 1, 1]);
      const next = {} as Params;
      for (const k of KEYS) next[k] = p[k].add(etaB.mul(dir[k]));
      for (const k of KEYS) {
        p[k].copy_(next[k]);
        v[k].copy_(vNew[k]);
      }
      return { loss: best.reshape([B]), correct: correct.reshape([B]) };
    });
  }
}

/** Losses of many nets given as lesson-order 9-vectors (multi-start's trials): [count]. */
export function lossesOf(d: DataTensors, flat: ArrayLike<number>): Tensor {
  return noGrad(() => bceLoss(forward(paramsFromFlat(flat), d.X).out, d, constants()));
}

export interface MultiStart {
  /** starts x 9 weights: each start's best trial. */
  weights: Float32Array;
  /** Each start's best initial loss. */
  bestLoss: number[];
  /** Each start's trials' initial losses, in the order they were drawn. */
  trialLosses: number[][];
  /** Each start's winning trial (an index into its trialLosses). */
  bestTrial: number[];
}

/**
 * The lesson's initialize_network_multistart for `starts` independent resets at once: each
 * draws `trials` nets of 9 weights from N(0, scale) (the engine's generator, in order: start,
 * trial, weight) and keeps the trial with the lowest initial loss (the first, on a tie).
 */
export async function multiStart(d: DataTensors, opts: { starts?: number; trials?: number; scale?: number } = {}): Promise<MultiStart> {
  const starts = opts.starts ?? 1;
  const trials = opts.trials ?? 10;
  const scale = opts.scale ?? 0.5;
  const z = (await randn([starts * trials, 9]).data()) as Float32Array;
  // rng.normal(loc=0.0, scale=scale): 0 + scale * z
  const all = z.map((x) => scale * x);
  const losses = await lossesOf(d, all).data();
  const weights = new Float32Array(starts * 9);
  const bestLoss: number[] = [];
  const trialLosses: number[][] = [];
  const bestTrials: number[] = [];
  for (let s = 0; s < starts; s++) {
    let best = Infinity;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      const l = losses[s * trials + t]!;
      if (l < best) {
        best = l;
        bestTrial = t;
      }
    }
    weights.set(all.subarray((s * trials + bestTrial) * 9, (s * trials + bestTrial + 1) * 9), s * 9);
    bestLoss.push(best);
    trialLosses.push(Array.from(losses.subarray(s * trials, (s + 1) * trials)));
    bestTrials.push(bestTrial);
  }
  return { weights, bestLoss, trialLosses, bestTrial: bestTrials };
}
