// Lesson 01, Part 3.5, exercise 4: vanishing gradients. A deep MLP (6 hidden layers of 32
// by default, then a 2-way output) with sigmoid after every hidden layer, trained beside the
// very same net (same initial weights) with ReLU instead. After each backward pass we record
// every hidden layer's mean |dL/dW| (the lesson's per-layer `grad.abs().mean()`, with its
// later fix: a layer whose .grad is null counts as 0), and their mean, the lesson's curve.
// No DOM here: the page and the Node tests run this same function.
import { F, manualSeed, nn, optim } from 'shadergrad';
import { epochStats, makeData } from './flow.ts';
import type { LabelRule } from './flow.ts';

export type DeepActivation = 'sigmoid' | 'relu';
export const DEEP_ACTIVATIONS: readonly DeepActivation[] = ['sigmoid', 'relu'];

/** Linear(2, hidden), act, (Linear(hidden, hidden), act) x (depth - 1), Linear(hidden, 2). */
export function makeDeepNet(activation: DeepActivation, hidden: number, depth: number): { net: nn.Sequential; layers: nn.Linear[]; out: nn.Linear } {
  const mods: nn.Module[] = [];
  const layers: nn.Linear[] = [];
  for (let i = 0; i < depth; i++) {
    const l = new nn.Linear(i === 0 ? 2 : hidden, hidden);
    layers.push(l);
    mods.push(l, activation === 'sigmoid' ? new nn.Sigmoid() : new nn.ReLU());
  }
  const out = new nn.Linear(hidden, 2);
  mods.push(out);
  return { net: new nn.Sequential(...mods), layers, out };
}

export interface VanishingOptions {
  /** manualSeed for the data (the lesson reuses Demo 3's X: seed 11). */
  dataSeed?: number;
  n?: number;
  rule?: LabelRule;
  /** manualSeed right before each net is built, so both start from the same weights (the lesson: 21). */
  seed?: number;
  hidden?: number;
  depth?: number;
  lr?: number;
  epochs?: number;
  activations?: readonly DeepActivation[];
  onProgress?: (p: VanishingProgress) => void | Promise<void>;
  /** Checked every epoch; a stop ends the run and returns what was recorded. */
  signal?: AbortSignal;
}

export interface EpochRecord {
  loss: number;
  accuracy: number;
  /** Mean |dL/dW| of each hidden layer, first (next to the input) to last. */
  layers: number[];
  /** Mean |dL/dW| of the output layer. */
  out: number;
  /** The mean over the hidden layers: the lesson's single curve. */
  mean: number;
}

export interface VanishingProgress {
  epoch: number;
  epochs: number;
  records: Partial<Record<DeepActivation, EpochRecord>>;
  msPerEpoch: number;
}

export interface ActivationHistory {
  loss: number[];
  accuracy: number[];
  /** perLayer[epoch][layer] */
  perLayer: number[][];
  out: number[];
  mean: number[];
  /** Epochs where some layer had no gradient (counted as 0). */
  nullGrads: number;
}

export interface VanishingResult {
  dataSeed: number;
  n: number;
  rule: LabelRule;
  seed: number;
  hidden: number;
  depth: number;
  lr: number;
  epochs: number;
  epochsRun: number;
  stopped: boolean;
  history: Partial<Record<DeepActivation, ActivationHistory>>;
  /** first hidden layer's mean |grad| over the last's, averaged over the epochs run. */
  firstOverLast: Partial<Record<DeepActivation, number>>;
}

/** Demo 4's numbers (the page's defaults). */
export const VANISHING_DEMO = { dataSeed: 11, n: 200, rule: 'x0 + x1 > 0', seed: 21, hidden: 32, depth: 6, lr: 0.07, epochs: 30 } as const satisfies VanishingOptions;
/** Exercise 4's numbers (on Exercise 3's data). */
export const VANISHING_EXERCISE = { n: 150, rule: 'x0 - x1 > 0', hidden: 24, depth: 6, lr: 0.09, epochs: 25 } as const satisfies VanishingOptions;

export async function runVanishing(opts: VanishingOptions = {}): Promise<VanishingResult> {
  const d = VANISHING_DEMO;
  const dataSeed = opts.dataSeed ?? d.dataSeed;
  const n = opts.n ?? d.n;
  const rule = opts.rule ?? d.rule;
  const seed = opts.seed ?? d.seed;
  const hidden = opts.hidden ?? d.hidden;
  const depth = opts.depth ?? d.depth;
  const lr = opts.lr ?? d.lr;
  const epochs = opts.epochs ?? d.epochs;
  const acts = opts.activations ?? DEEP_ACTIVATIONS;
  for (const [k, v] of Object.entries({ n, hidden, depth, epochs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`runVanishing: ${k} must be a positive integer, got ${v}`);
  }
  if (!(lr > 0)) throw new Error(`runVanishing: lr must be > 0, got ${lr}`);

  const { X, y } = makeData(dataSeed, n, rule);
  // The same seed before each net: the ReLU net starts from the sigmoid net's weights, so
  // the activation is the only difference between them.
  const nets = acts.map((activation) => {
    manualSeed(seed);
    const built = makeDeepNet(activation, hidden, depth);
    return { activation, ...built, opt: new optim.Adam(built.net.parameters(), { lr }) };
  });

  const history: Partial<Record<DeepActivation, ActivationHistory>> = {};
  for (const a of acts) history[a] = { loss: [], accuracy: [], perLayer: [], out: [], mean: [], nullGrads: 0 };
  let epochsRun = 0;
  let stopped = false;
  // Both nets advance one epoch at a time, so the page's charts grow together.
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    const t0 = performance.now();
    const records: Partial<Record<DeepActivation, EpochRecord>> = {};
    for (const { activation, net, layers, out, opt } of nets) {
      const logits = net.forward(X);
      const loss = F.crossEntropy(logits, y);
      opt.zeroGrad();
      loss.backward();
      const { stats, missing } = epochStats(loss, logits, y, [...layers.map((l) => l.weight), out.weight]);
      const v = await stats.data();
      opt.step();
      const perLayer = Array.from(v.subarray(2, 2 + depth));
      const rec: EpochRecord = { loss: v[0]!, accuracy: v[1]!, layers: perLayer, out: v[2 + depth]!, mean: perLayer.reduce((s, g) => s + g, 0) / depth };
      const h = history[activation]!;
      if (missing.some(Boolean)) h.nullGrads++;
      h.loss.push(rec.loss);
      h.accuracy.push(rec.accuracy);
      h.perLayer.push(rec.layers);
      h.out.push(rec.out);
      h.mean.push(rec.mean);
      records[activation] = rec;
    }
    epochsRun = epoch + 1;
    await opts.onProgress?.({ epoch: epochsRun, epochs, records, msPerEpoch: performance.now() - t0 });
  }

  const firstOverLast: Partial<Record<DeepActivation, number>> = {};
  for (const a of acts) {
    const rows = history[a]!.perLayer;
    if (rows.length) firstOverLast[a] = rows.reduce((s, r) => s + r[0]! / r[depth - 1]!, 0) / rows.length;
  }
  return { dataSeed, n, rule, seed, hidden, depth, lr, epochs, epochsRun, stopped, history, firstOverLast };
}
