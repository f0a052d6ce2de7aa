// Part 3.4's shared pieces: the four activations, the lesson's TinyNet (2 -> hidden ->
// 2, the activation chosen by name and swappable at any time), its toy data set, and the
// lesson's order of random draws. No DOM here: the page and the Node tests use these same
// definitions.
import { F, manualSeed, nn, randn, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyrelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const ACTIVATION_LABELS: Record<Activation, string> = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'ReLU', leakyrelu: 'LeakyReLU' };

/** One activation applied elementwise; `slope` is LeakyReLU's alpha (unused by the others). */
export function activate(act: Activation, z: Tensor, slope: number): Tensor {
  switch (act) {
    case 'sigmoid':
      return z.sigmoid();
    case 'tanh':
      return z.tanh();
    case 'relu':
      return F.relu(z);
    case 'leakyrelu':
      return F.leakyRelu(z, slope);
    default:
      throw new Error(`activate: unknown activation '${String(act)}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}

/**
 * The lesson's TinyNet (Demo code: 8 hidden units, LeakyReLU slope 0.05) and SmallNet
 * (Exercise code: 6 hidden units, slope 0.08). `activation` is a plain field, so it can
 * be swapped between epochs, as the lesson's `net.activation = "relu"`.
 */
export class TinyNet extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  activation: Activation;
  slope: number;

  constructor(activation: Activation, hidden = 8, slope = 0.05) {
    super();
    if (!ACTIVATIONS.includes(activation)) throw new Error(`TinyNet: unknown activation '${String(activation)}'`);
    // fc1 is built (and drawn from the generator) before fc2, as in PyTorch.
    this.fc1 = new nn.Linear(2, hidden);
    this.fc2 = new nn.Linear(hidden, 2);
    this.activation = activation;
    this.slope = slope;
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(activate(this.activation, this.fc1.forward(x), this.slope));
  }
}

/**
 * Which side of a line a point is on. Demo 2: x0 + x1 > 0. Exercise 2: 1.1 x0 - x1 > 0.
 */
export const LABEL_RULES = { sum: [1, 1], tilted: [1.1, -1] } as const;
export type LabelRule = keyof typeof LABEL_RULES;
export const RULE_TEXT: Record<LabelRule, string> = { sum: 'x0 + x1 > 0', tilted: '1.1 x0 - x1 > 0' };

export interface Dataset {
  /** [n, 2] standard-normal points. */
  X: Tensor;
  /** [n] int32 class labels, 0 or 1. */
  y: Tensor;
}

/** X = randn(n, 2) from the global generator (seed it first), y from the rule. */
export function makeData(n: number, rule: LabelRule): Dataset {
  if (!Number.isInteger(n) || n < 2) throw new Error(`makeData: n must be an integer >= 2, got ${n}`);
  const w = LABEL_RULES[rule];
  if (!w) throw new Error(`makeData: unknown rule '${String(rule)}'; expected sum or tilted`);
  const X = randn([n, 2]);
  const y = X.mul(tensor([...w])).sum(1).gt(0);
  return { X, y };
}

export interface StartOptions {
  seed: number;
  n: number;
  rule: LabelRule;
  hidden: number;
  slope: number;
  /**
   * Nets the lesson builds from the same generator after the data and before this run's:
   * its Demos are one script (Demo 3's nets come after Demo 2's four, Demo 4's after those
   * eight), and so are its Exercises.
   */
  skipNets: number;
}

/**
 * The lesson's draws, in its order: `torch.manual_seed(seed)` (PyTorch's own generator,
 * so the numbers are the ones its code draws), `X = torch.randn(n, 2)`, the nets earlier
 * sections built (drawn, then freed), then one net per activation, fc1 before fc2.
 */
export function lessonStart(o: StartOptions, activations: readonly Activation[]): Dataset & { nets: TinyNet[] } {
  manualSeed(o.seed, { generator: 'torch' });
  const data = makeData(o.n, o.rule);
  for (let k = 0; k < o.skipNets; k++) {
    for (const p of new TinyNet('relu', o.hidden, o.slope).parameters()) p.dispose();
  }
  return { ...data, nets: activations.map((act) => new TinyNet(act, o.hidden, o.slope)) };
}

/** Checks shared by the training exercises: clear errors instead of NaN charts. */
export function checkTraining(where: string, o: { n: number; hidden: number; lr: number; epochs: number; slope: number; seed: number; skipNets: number }): void {
  const bad = (what: string, v: number): never => {
    throw new Error(`${where}: ${what} is ${v}`);
  };
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) bad('seed (a non-negative integer expected)', o.seed);
  if (!Number.isInteger(o.n) || o.n < 2) bad('n (an integer >= 2 expected)', o.n);
  if (!Number.isInteger(o.hidden) || o.hidden < 1) bad('hidden (a positive integer expected)', o.hidden);
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) bad('lr (a positive number expected)', o.lr);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) bad('epochs (a positive integer expected)', o.epochs);
  if (!Number.isFinite(o.slope)) bad('slope (a number expected)', o.slope);
  if (!Number.isInteger(o.skipNets) || o.skipNets < 0) bad('skipNets (a non-negative integer expected)', o.skipNets);
}
