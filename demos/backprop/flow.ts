// Lesson 01, Part 3.5, exercise 3: gradient flow in a small MLP. A 2-10-2 ReLU net learns a
// linear rule on random 2-D points (Adam, full batch); after every backward pass we record
// each weight matrix's mean |grad| (the lesson's `p.grad.abs().mean()`, with its later fix:
// a parameter whose .grad is still null counts as 0 instead of crashing).
// Random numbers come from PyTorch's generator (manualSeed(seed, { generator: 'torch' })),
// drawn in the lesson's order: X, then fc1, then fc2. So with the lesson's seed the data, the
// initial weights and the curves are those of the lesson's PyTorch code (tests/fixtures/torch).
// No DOM here: the page and the Node tests run this same function.
import { F, manualSeed, nn, noGrad, optim, randn, stack, zeros } from 'shadergrad';
import type { Tensor } from 'shadergrad';

/** Which side of a line is class 1: Demo 3 uses x0 + x1 > 0, Exercise 3 uses x0 - x1 > 0. */
export type LabelRule = 'x0 + x1 > 0' | 'x0 - x1 > 0';
export const LABEL_RULES: readonly LabelRule[] = ['x0 + x1 > 0', 'x0 - x1 > 0'];

/**
 * torch.manual_seed(seed) (PyTorch's generator), then X = randn(n, 2) and y = rule(X) as int32
 * class labels: the lesson's `X = torch.randn(N, 2); y = (X[:,0] + X[:,1] > 0).long()`.
 */
export function makeData(seed: number, n: number, rule: LabelRule): { X: Tensor; y: Tensor } {
  manualSeed(seed, { generator: 'torch' });
  const X = randn([n, 2]);
  const a = X.narrow(1, 0, 1);
  const b = X.narrow(1, 1, 1);
  const y = (rule === 'x0 + x1 > 0' ? a.add(b) : a.sub(b)).gt(0).reshape([n]);
  return { X, y };
}

/**
 * One readback per epoch: [loss, accuracy, mean |grad| of each parameter]. The lesson's fix
 * for `.grad` being None: a parameter without a gradient counts as 0 (`missing` marks it).
 */
export function epochStats(loss: Tensor, logits: Tensor, y: Tensor, params: Tensor[]): { stats: Tensor; missing: boolean[] } {
  const missing = params.map((p) => p.grad === null);
  const stats = noGrad(() => {
    const acc = logits.argmax(1).float().eq(y.float()).float().mean();
    const grads = params.map((p) => (p.grad ? p.grad.abs().mean() : zeros([])));
    return stack([loss.detach(), acc, ...grads]);
  });
  return { stats, missing };
}

export interface FlowOptions {
  /** The seed of PyTorch's generator for the data and then the net (the lesson's torch.manual_seed(11)). */
  seed?: number;
  n?: number;
  rule?: LabelRule;
  hidden?: number;
  lr?: number;
  epochs?: number;
  onProgress?: (p: FlowProgress) => void | Promise<void>;
  /** Checked every epoch; a stop ends the run and returns what was recorded. */
  signal?: AbortSignal;
}

export interface FlowProgress {
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  fc1: number;
  fc2: number;
  msPerEpoch: number;
}

export interface FlowResult {
  seed: number;
  n: number;
  rule: LabelRule;
  hidden: number;
  lr: number;
  epochs: number;
  epochsRun: number;
  stopped: boolean;
  /** Per epoch, measured before that epoch's update (as the lesson's loop). */
  loss: number[];
  accuracy: number[];
  /** Mean |dL/dW| of fc1.weight [hidden, 2] and fc2.weight [2, hidden]. */
  fc1: number[];
  fc2: number[];
  /** Epochs in which some weight had no gradient yet (counted as 0): none in this net. */
  nullGrads: number;
}

/** Demo 3's numbers (the page's defaults). */
export const FLOW_DEMO = { seed: 11, n: 200, rule: 'x0 + x1 > 0', hidden: 10, lr: 0.1, epochs: 60 } as const satisfies FlowOptions;
/** Exercise 3's numbers (the lesson's exercise sets no seed; the page keeps the seed box's). */
export const FLOW_EXERCISE = { n: 150, rule: 'x0 - x1 > 0', hidden: 10, lr: 0.1, epochs: 50 } as const satisfies FlowOptions;

export async function runGradientFlow(opts: FlowOptions = {}): Promise<FlowResult> {
  const seed = opts.seed ?? FLOW_DEMO.seed;
  const n = opts.n ?? FLOW_DEMO.n;
  const rule = opts.rule ?? FLOW_DEMO.rule;
  const hidden = opts.hidden ?? FLOW_DEMO.hidden;
  const lr = opts.lr ?? FLOW_DEMO.lr;
  const epochs = opts.epochs ?? FLOW_DEMO.epochs;
  for (const [k, v] of Object.entries({ n, hidden, epochs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`runGradientFlow: ${k} must be a positive integer, got ${v}`);
  }
  if (!(lr > 0)) throw new Error(`runGradientFlow: lr must be > 0, got ${lr}`);

  const { X, y } = makeData(seed, n, rule);
  // The net draws its initial weights from the same stream, right after the data.
  const fc1 = new nn.Linear(2, hidden);
  const fc2 = new nn.Linear(hidden, 2);
  const net = new nn.Sequential(fc1, new nn.ReLU(), fc2);
  const opt = new optim.Adam(net.parameters(), { lr });

  const out: FlowResult = { seed, n, rule, hidden, lr, epochs, epochsRun: 0, stopped: false, loss: [], accuracy: [], fc1: [], fc2: [], nullGrads: 0 };
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (opts.signal?.aborted) {
      out.stopped = true;
      break;
    }
    const t0 = performance.now();
    const logits = net.forward(X);
    const loss = F.crossEntropy(logits, y);
    opt.zeroGrad();
    loss.backward();
    // Read the loss, the accuracy and both mean |grad|s in one readback, before the update.
    const { stats, missing } = epochStats(loss, logits, y, [fc1.weight, fc2.weight]);
    const v = await stats.data();
    opt.step();
    if (missing.some(Boolean)) out.nullGrads++;
    const statValues = [v[0]!, v[1]!];
    const [g1, g2] = [v[2]!, v[3]!];
    out.loss.push(statValues[0]!);
    out.accuracy.push(statValues[1]!);
    out.fc1.push(g1);
    out.fc2.push(g2);
    out.epochsRun = epoch + 1;
    await opts.onProgress?.({ epoch: epoch + 1, epochs, loss: statValues[0]!, accuracy: statValues[1]!, fc1: g1, fc2: g2, msPerEpoch: performance.now() - t0 });
  }
  return out;
}

const g2 = (v: number): string => (v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(1));

/** What the run showed, in sentences built only from its numbers (the page prints them). */
export function describeFlow(r: FlowResult): string {
  const n = r.epochsRun;
  if (!n) return 'No epoch ran.';
  const nulls = r.nullGrads === 0 ? `none, in all ${n} epochs: every backward pass reached both weight matrices` : `some, in ${r.nullGrads} of the ${n} epochs`;
  return (
    `Weights whose gradient was still null when read (each counted as 0): ${nulls}. ` +
    `Mean |grad| of fc1.weight went from ${g2(r.fc1[0]!)} at epoch 1 to ${g2(r.fc1[n - 1]!)} at epoch ${n}, of fc2.weight from ${g2(r.fc2[0]!)} to ${g2(r.fc2[n - 1]!)}; ` +
    `the loss from ${r.loss[0]!.toFixed(3)} to ${r.loss[n - 1]!.toFixed(3)}, with training accuracy ${(100 * r.accuracy[n - 1]!).toFixed(1)}% at the end.`
  );
}
