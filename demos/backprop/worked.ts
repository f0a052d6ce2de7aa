// Lesson 01, Part 3.5, exercises 1 and 2: a two-layer, bias-free net on one sample,
//   z1 = x W1 (x [1,2], W1 [2,2]),  h = relu(z1),  z2 = h W2^T (W2 [1,2]),  p = sigmoid(z2),
//   L = -(y log(p + eps) + (1 - y) log(1 - p + eps))      (the lesson's eps form of BCE)
// Exercise 1 walks the chain rule by hand in plain float64 JS (no engine); exercise 2 runs
// the same net through the engine's autograd and sets the two side by side.
// No DOM here: the page and the Node tests run these same functions.
import { tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

export type Vec2 = [number, number];
export type Mat2 = [Vec2, Vec2];

export interface WorkedInputs {
  x: Vec2;
  /** W1[i][j]: input i -> hidden unit j (z1 = x W1). */
  W1: Mat2;
  W2: Vec2;
  y: number;
  /** The lesson's eps inside both logs. */
  eps: number;
}

/** The lesson's Demo 1 numbers (the defaults). */
export const DEMO_INPUTS: WorkedInputs = { x: [1, 2], W1: [[0.1, -0.2], [0.3, 0.4]], W2: [0.7, -0.5], y: 1, eps: 1e-7 };
/** The lesson's Exercise 1 numbers: hidden unit 1 is off (z1[1] = -0.2), so its gradients are 0. */
export const EXERCISE_INPUTS: WorkedInputs = { x: [2, 1], W1: [[0.2, -0.3], [0.5, 0.4]], W2: [0.6, -0.7], y: 0, eps: 1e-7 };

/** Forward values; the same fields for the hand calculation and for autograd. */
export interface ForwardValues {
  z1: Vec2;
  h: Vec2;
  z2: number;
  p: number;
  loss: number;
}

export interface Gradients {
  /** dL/dW1, laid out as W1. */
  dW1: Mat2;
  /** dL/dW2, laid out as W2. */
  dW2: Vec2;
}

/** Every factor of the chain rule, in the order the backward pass meets them. */
export interface ChainFactors {
  /** dL/dp = -y/(p + eps) + (1 - y)/(1 - p + eps) */
  dL_dp: number;
  /** dp/dz2 = sigmoid'(z2) = p (1 - p) */
  dp_dz2: number;
  /** dL/dz2 = dL/dp * dp/dz2 */
  dL_dz2: number;
  /** dz2/dW2 = h */
  dz2_dW2: Vec2;
  /** dz2/dh = W2 */
  dz2_dh: Vec2;
  /** dL/dh = dL/dz2 * W2 */
  dL_dh: Vec2;
  /** dh/dz1 = relu'(z1): 1 where z1 > 0, else 0 (PyTorch's choice at exactly 0) */
  dh_dz1: Vec2;
  /** dL/dz1 = dL/dh * relu'(z1) */
  dL_dz1: Vec2;
  /** dz1_j/dW1[i][j] = x_i */
  dz1_dW1: Vec2;
}

export type ManualResult = ForwardValues & Gradients & { factors: ChainFactors };

function checkInputs(inp: WorkedInputs): void {
  const all = [...inp.x, ...inp.W1[0], ...inp.W1[1], ...inp.W2, inp.y, inp.eps];
  if (!all.every(Number.isFinite)) throw new Error(`backprop worked example: every input must be a finite number, got ${JSON.stringify(inp)}`);
  if (inp.y < 0 || inp.y > 1) throw new Error(`backprop worked example: the target y must lie in [0, 1], got ${inp.y}`);
  if (inp.eps < 0) throw new Error(`backprop worked example: eps must be >= 0, got ${inp.eps}`);
}

/** Exercise 1: the forward pass and every chain-rule factor, by hand, in float64. */
export function manualBackprop(inp: WorkedInputs): ManualResult {
  checkInputs(inp);
  const { x, W1, W2, y, eps } = inp;
  // Forward.
  const z1: Vec2 = [x[0] * W1[0][0] + x[1] * W1[1][0], x[0] * W1[0][1] + x[1] * W1[1][1]];
  const h: Vec2 = [Math.max(z1[0], 0), Math.max(z1[1], 0)];
  const z2 = h[0] * W2[0] + h[1] * W2[1];
  const p = 1 / (1 + Math.exp(-z2));
  const loss = -(y * Math.log(p + eps) + (1 - y) * Math.log(1 - p + eps));

  // Backward, one factor at a time.
  const dL_dp = -y / (p + eps) + (1 - y) / (1 - p + eps);
  const dp_dz2 = p * (1 - p);
  const dL_dz2 = dL_dp * dp_dz2;
  const dz2_dW2: Vec2 = [h[0], h[1]];
  const dW2: Vec2 = [dL_dz2 * dz2_dW2[0], dL_dz2 * dz2_dW2[1]];
  const dz2_dh: Vec2 = [W2[0], W2[1]];
  const dL_dh: Vec2 = [dL_dz2 * dz2_dh[0], dL_dz2 * dz2_dh[1]];
  const dh_dz1: Vec2 = [z1[0] > 0 ? 1 : 0, z1[1] > 0 ? 1 : 0];
  const dL_dz1: Vec2 = [dL_dh[0] * dh_dz1[0], dL_dh[1] * dh_dz1[1]];
  const dz1_dW1: Vec2 = [x[0], x[1]];
  // dL/dW1 = x^T dL/dz1, an outer product: row i is x_i times dL/dz1.
  const dW1: Mat2 = [
    [dz1_dW1[0] * dL_dz1[0], dz1_dW1[0] * dL_dz1[1]],
    [dz1_dW1[1] * dL_dz1[0], dz1_dW1[1] * dL_dz1[1]],
  ];
  return { z1, h, z2, p, loss, dW1, dW2, factors: { dL_dp, dp_dz2, dL_dz2, dz2_dW2, dz2_dh, dL_dh, dh_dz1, dL_dz1, dz1_dW1 } };
}

export type AutogradResult = ForwardValues & Gradients;

/** The lesson's loss, -(y log(p + eps) + (1 - y) log(1 - p + eps)), from engine tensors. */
function bceWithEps(p: Tensor, inp: WorkedInputs): Tensor {
  const y = tensor([inp.y]).squeeze(); // a scalar tensor, as the lesson's y
  const eps = inp.eps;
  return y
    .mul(p.add(eps).log())
    .add(y.neg().add(1).mul(p.neg().add(1).add(eps).log()))
    .neg();
}

/** Exercise 2: the same net with engine tensors; W1.grad and W2.grad from loss.backward(). */
export async function autogradBackprop(inp: WorkedInputs): Promise<AutogradResult> {
  checkInputs(inp);
  const x = tensor([inp.x]); // [1, 2]
  const W1 = tensor(inp.W1, { requiresGrad: true }); // [2, 2]
  const W2 = tensor([inp.W2], { requiresGrad: true }); // [1, 2]

  const z1 = x.matmul(W1); // [1, 2]
  const h = z1.relu();
  const z2 = h.matmul(W2, { transB: true }); // [1, 1]
  const p = z2.sigmoid().squeeze(); // the lesson's .squeeze(): a scalar
  const loss = bceWithEps(p, inp);
  loss.backward();
  if (!W1.grad || !W2.grad) throw new Error('autogradBackprop: backward() left W1.grad or W2.grad null');

  // Read everything inside this one step (the results' memory is reused two runs later);
  // data64() so a float64 CPU backend hands back its full precision.
  const [z1v, hv, z2v, pv, lossv, g1, g2] = await Promise.all([z1.data64(), h.data64(), z2.data64(), p.data64(), loss.data64(), W1.grad.data64(), W2.grad.data64()]);
  return {
    z1: [z1v[0]!, z1v[1]!],
    h: [hv[0]!, hv[1]!],
    z2: z2v[0]!,
    p: pv[0]!,
    loss: lossv[0]!,
    dW1: [
      [g1[0]!, g1[1]!],
      [g1[2]!, g1[3]!],
    ],
    dW2: [g2[0]!, g2[1]!],
  };
}

export interface ComparisonRow {
  name: string;
  manual: number;
  autograd: number;
  /** autograd - manual */
  diff: number;
}

/** One row per number both sides compute: forward values, then the gradients. */
export function compareRows(m: ForwardValues & Gradients, a: ForwardValues & Gradients): ComparisonRow[] {
  const pairs: [string, number, number][] = [
    ['z1[0]', m.z1[0], a.z1[0]],
    ['z1[1]', m.z1[1], a.z1[1]],
    ['h[0]', m.h[0], a.h[0]],
    ['h[1]', m.h[1], a.h[1]],
    ['z2', m.z2, a.z2],
    ['p', m.p, a.p],
    ['loss', m.loss, a.loss],
    ['dL/dW1[0][0]', m.dW1[0][0], a.dW1[0][0]],
    ['dL/dW1[0][1]', m.dW1[0][1], a.dW1[0][1]],
    ['dL/dW1[1][0]', m.dW1[1][0], a.dW1[1][0]],
    ['dL/dW1[1][1]', m.dW1[1][1], a.dW1[1][1]],
    ['dL/dW2[0]', m.dW2[0], a.dW2[0]],
    ['dL/dW2[1]', m.dW2[1], a.dW2[1]],
  ];
  return pairs.map(([name, manual, autograd]) => ({ name, manual, autograd, diff: autograd - manual }));
}

export interface SideBySide {
  inputs: WorkedInputs;
  manual: ManualResult;
  autograd: AutogradResult;
  rows: ComparisonRow[];
  /** Largest |autograd - manual| over the gradient entries. */
  maxGradDiff: number;
  /** Largest |autograd - manual| over every row, forward values included. */
  maxDiff: number;
}

export async function sideBySide(inp: WorkedInputs): Promise<SideBySide> {
  const manual = manualBackprop(inp);
  const autograd = await autogradBackprop(inp);
  const rows = compareRows(manual, autograd);
  const maxOf = (rs: ComparisonRow[]): number => Math.max(...rs.map((r) => Math.abs(r.diff)));
  return { inputs: inp, manual, autograd, rows, maxGradDiff: maxOf(rows.filter((r) => r.name.startsWith('dL/'))), maxDiff: maxOf(rows) };
}

// ---- every quantity of exercise 1, as numbers a learner can type ----------------------------

/** The quantities exercise 1 asks for, in the order the forward and backward passes meet them. */
export const QUANTITIES = ['z1', 'h', 'z2', 'p', 'loss', 'dL_dp', 'dp_dz2', 'dL_dz2', 'dW2', 'dL_dh', 'dh_dz1', 'dL_dz1', 'dW1'] as const;
export type Quantity = (typeof QUANTITIES)[number];
/** Each quantity flat: scalars as [v], vectors as [v0, v1], dW1 row-major as W1. */
export type QuantityValues = Record<Quantity, number[]>;

/** The hand calculation's values of every quantity. */
export function manualValues(m: ManualResult): QuantityValues {
  const f = m.factors;
  return {
    z1: [...m.z1],
    h: [...m.h],
    z2: [m.z2],
    p: [m.p],
    loss: [m.loss],
    dL_dp: [f.dL_dp],
    dp_dz2: [f.dp_dz2],
    dL_dz2: [f.dL_dz2],
    dW2: [...m.dW2],
    dL_dh: [...f.dL_dh],
    dh_dz1: [...f.dh_dz1],
    dL_dz1: [...f.dL_dz1],
    dW1: m.dW1.flat(),
  };
}

/**
 * Autograd's value of every quantity, the reference a learner's answers are checked against.
 * W1.grad and W2.grad come from one backward pass through the whole net. A factor in the
 * middle of the chain is the gradient at a fresh leaf: the forward value there (as the engine
 * computed it) made a leaf with requiresGrad, the rest of the net applied to it, backward().
 * So dL/dz2 is the gradient of the loss at a leaf z2, and the local slope dp/dz2 that of
 * sigmoid(z2) alone (one input, one output).
 */
export async function autogradValues(inp: WorkedInputs): Promise<QuantityValues> {
  const a = await autogradBackprop(inp);
  const W2 = tensor([inp.W2]);
  const fromZ2 = (z2: Tensor): Tensor => bceWithEps(z2.sigmoid().squeeze(), inp);
  const fromH = (h: Tensor): Tensor => fromZ2(h.matmul(W2, { transB: true }));
  const gradAt = async (value: number[], f: (leaf: Tensor) => Tensor): Promise<number[]> => {
    const leaf = tensor([value], { requiresGrad: true }); // [1, k], as the net's rows
    f(leaf).sum().backward();
    if (!leaf.grad) throw new Error('autogradValues: backward() left a leaf without a gradient');
    return Array.from(await leaf.grad.data64());
  };
  return {
    z1: [...a.z1],
    h: [...a.h],
    z2: [a.z2],
    p: [a.p],
    loss: [a.loss],
    dL_dp: await gradAt([a.p], (p) => bceWithEps(p, inp)),
    dp_dz2: await gradAt([a.z2], (z2) => z2.sigmoid()),
    dL_dz2: await gradAt([a.z2], fromZ2),
    dW2: [...a.dW2],
    dL_dh: await gradAt(a.h, fromH),
    dh_dz1: await gradAt(a.z1, (z1) => z1.relu()),
    dL_dz1: await gradAt(a.z1, (z1) => fromH(z1.relu())),
    dW1: a.dW1.flat(),
  };
}
