// Lesson 01, Part 3.5, exercise 4: vanishing gradients. A deep MLP (6 hidden layers of 32
// by default, then a 2-way output) with sigmoid after every hidden layer, trained beside the
// same architecture with ReLU (the lesson's fix) and with tanh (the exercise's other squashing
// activation). After each backward pass we record every hidden layer's mean |dL/dW| (the
// lesson's per-layer `grad.abs().mean()`, with its later fix: a layer whose .grad is null
// counts as 0), and their mean, the lesson's curve.
// Initial weights, as the lesson draws them: torch.manual_seed(seed) once, then the sigmoid
// net, then the ReLU net from the draws that follow (the lesson does not reseed), then the
// tanh net (our addition) after those. So the sigmoid and ReLU runs equal the lesson's PyTorch
// runs (tests/fixtures/torch). `sameStart` instead reseeds before each net, so all start from
// the same weights and the activation is the only difference: a departure from the lesson.
// No DOM here: the page and the Node tests run this same function.
import { F, manualSeed, nn, optim } from 'shadergrad';
import { epochStats, makeData } from './flow.ts';
import type { LabelRule } from './flow.ts';

export type DeepActivation = 'sigmoid' | 'relu' | 'tanh';
/** Also the order the nets are built in (and so draw their weights): the lesson's two, then tanh. */
export const DEEP_ACTIVATIONS: readonly DeepActivation[] = ['sigmoid', 'relu', 'tanh'];

function activationModule(a: DeepActivation): nn.Module {
  if (a === 'sigmoid') return new nn.Sigmoid();
  if (a === 'relu') return new nn.ReLU();
  if (a === 'tanh') return new nn.Tanh();
  throw new Error(`makeDeepNet: activation must be one of ${DEEP_ACTIVATIONS.join(', ')}, got ${JSON.stringify(a)}`);
}

/** Linear(2, hidden), act, (Linear(hidden, hidden), act) x (depth - 1), Linear(hidden, 2). */
export function makeDeepNet(activation: DeepActivation, hidden: number, depth: number): { net: nn.Sequential; layers: nn.Linear[]; out: nn.Linear } {
  const mods: nn.Module[] = [];
  const layers: nn.Linear[] = [];
  for (let i = 0; i < depth; i++) {
    const l = new nn.Linear(i === 0 ? 2 : hidden, hidden);
    layers.push(l);
    mods.push(l, activationModule(activation));
  }
  const out = new nn.Linear(hidden, 2);
  mods.push(out);
  return { net: new nn.Sequential(...mods), layers, out };
}

export interface VanishingOptions {
  /** PyTorch generator seed for the data (the lesson reuses Demo 3's X: seed 11). */
  dataSeed?: number;
  n?: number;
  rule?: LabelRule;
  /** PyTorch generator seed for the nets' initial weights (the lesson: 21). */
  seed?: number;
  /**
   * false (the lesson): seed once, then build the nets one after another, each from the draws
   * after the last. true: reseed before each net, so all start from the same weights.
   */
  sameStart?: boolean;
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
  sameStart: boolean;
  activations: DeepActivation[];
  epochsRun: number;
  stopped: boolean;
  history: Partial<Record<DeepActivation, ActivationHistory>>;
  /** What the run did, per net: the numbers the page's summary states. */
  summary: Partial<Record<DeepActivation, RunSummary>>;
}

export interface RunSummary {
  /** Layer 1's mean |grad| over the last hidden layer's: at the first and the last epoch run, ... */
  ratioFirst: number;
  ratioLast: number;
  /** ... the smallest and largest over the epochs run, and their geometric mean (the typical ratio on a log scale). */
  ratioMin: number;
  ratioMax: number;
  ratioGeoMean: number;
  firstLoss: number;
  finalLoss: number;
  finalAccuracy: number;
  /** The largest rise of the loss from one epoch to the next (0 if it never rose), and the epoch (1-based) it rose to. */
  largestRise: number;
  riseEpoch: number;
}

/** The numbers the page states about one net's run; null when no epoch ran. */
export function summarize(h: ActivationHistory): RunSummary | null {
  const rows = h.perLayer;
  if (!rows.length) return null;
  const ratios = rows.map((r) => r[0]! / r[r.length - 1]!);
  let largestRise = 0;
  let riseEpoch = 0;
  for (let e = 1; e < h.loss.length; e++) {
    const rise = h.loss[e]! - h.loss[e - 1]!;
    if (rise > largestRise) [largestRise, riseEpoch] = [rise, e + 1];
  }
  return {
    ratioFirst: ratios[0]!,
    ratioLast: ratios.at(-1)!,
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    ratioGeoMean: Math.exp(ratios.reduce((s, v) => s + Math.log(v), 0) / ratios.length),
    firstLoss: h.loss[0]!,
    finalLoss: h.loss.at(-1)!,
    finalAccuracy: h.accuracy.at(-1)!,
    largestRise,
    riseEpoch,
  };
}

const NAMES: Record<DeepActivation, string> = { sigmoid: 'Sigmoid', relu: 'ReLU', tanh: 'Tanh' };
const g2 = (v: number): string => (v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(1));

/**
 * What one net's run showed, in a sentence built only from its numbers: how layer 1's
 * gradient compared with the last hidden layer's, and what the loss did.
 */
export function describeRun(activation: DeepActivation, s: RunSummary, depth: number, epochs: number): string {
  const last = `layer ${depth}'s`;
  const trend =
    s.ratioMax < 0.1
      ? `smaller than ${last} in every epoch: the gradient vanishes toward the input`
      : s.ratioMin > 10
        ? `larger than ${last} in every epoch: the gradient grows toward the input`
        : s.ratioGeoMean < 0.1
          ? `mostly far smaller than ${last}: the gradient vanishes toward the input`
          : s.ratioGeoMean > 10
            ? `mostly far larger than ${last}: the gradient grows toward the input, the opposite of vanishing`
            : `of a size comparable to ${last} (typically within a factor of 10)`;
  const chance = Math.log(2);
  const loss =
    Math.abs(s.finalLoss - chance) < 0.02
      ? `ends at ${s.finalLoss.toFixed(3)}, next to ln 2 = 0.693, the loss of answering 50/50 for every point`
      : `goes from ${s.firstLoss.toFixed(3)} to ${s.finalLoss.toFixed(3)}`;
  const rise = s.largestRise > 0.01 ? `; its largest jump up is +${s.largestRise.toFixed(3)}, into epoch ${s.riseEpoch}` : '';
  return (
    `${NAMES[activation]}: layer 1's mean |grad| is ${g2(s.ratioFirst)} times ${last} at epoch 1 and ${g2(s.ratioLast)} times at epoch ${epochs} ` +
    `(from ${g2(s.ratioMin)} to ${g2(s.ratioMax)} over the run), ${trend}. The loss ${loss}${rise}; final accuracy ${(100 * s.finalAccuracy).toFixed(1)}%.`
  );
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
  const sameStart = opts.sameStart ?? false;
  const wanted = opts.activations ?? DEEP_ACTIVATIONS;
  for (const a of wanted) if (!DEEP_ACTIVATIONS.includes(a)) throw new Error(`runVanishing: activations must be among ${DEEP_ACTIVATIONS.join(', ')}, got ${JSON.stringify(a)}`);
  // Always built in the same order, whatever order they were asked in: the draws depend on it.
  const acts = DEEP_ACTIVATIONS.filter((a) => wanted.includes(a));
  for (const [k, v] of Object.entries({ n, hidden, depth, epochs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`runVanishing: ${k} must be a positive integer, got ${v}`);
  }
  if (!(lr > 0)) throw new Error(`runVanishing: lr must be > 0, got ${lr}`);

  const { X, y } = makeData(dataSeed, n, rule);
  manualSeed(seed, { generator: 'torch' });
  const nets = acts.map((activation) => {
    if (sameStart) manualSeed(seed, { generator: 'torch' });
    const built = makeDeepNet(activation, hidden, depth);
    return { activation, ...built, opt: new optim.Adam(built.net.parameters(), { lr }) };
  });

  const history: Partial<Record<DeepActivation, ActivationHistory>> = {};
  for (const a of acts) history[a] = { loss: [], accuracy: [], perLayer: [], out: [], mean: [], nullGrads: 0 };
  let epochsRun = 0;
  let stopped = false;
  // The nets advance one epoch at a time, so the page's charts grow together.
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

  const summary: Partial<Record<DeepActivation, RunSummary>> = {};
  for (const a of acts) {
    const s = summarize(history[a]!);
    if (s) summary[a] = s;
  }
  return { dataSeed, n, rule, seed, hidden, depth, lr, epochs, sameStart, activations: [...acts], epochsRun, stopped, history, summary };
}
