// Exercises 2 and 3: one TinyNet per activation, all trained with Adam on the same data,
// full batch, one step per epoch. Exercise 2 records each net's loss per epoch; Exercise 3
// also records the mean absolute gradient of the first layer's weight (fc1.weight) per
// epoch, read after backward() and before the optimizer step, as the lesson does.
//
// The four nets train side by side (epoch 1 of each, then epoch 2 of each, ...), so the
// charts grow together. Their starting weights are those of the lesson's loop, one net
// after another: all four are built, in order, before any training draws anything (and
// training draws nothing), from PyTorch's generator as the lesson seeds it (lessonStart).
import { F, optim } from 'shadergrad';
import { ACTIVATIONS, checkTraining, lessonStart } from './nets.ts';
import type { Activation, LabelRule } from './nets.ts';

export interface CompareOptions {
  /** The seed of PyTorch's generator before the data and the nets (the lesson: torch.manual_seed(3)). */
  seed?: number;
  /** Nets of the same shape drawn (and dropped) between the data and these (Demo 3: Demo 2's four). */
  skipNets?: number;
  /** Points in the data set. */
  n?: number;
  rule?: LabelRule;
  hidden?: number;
  lr?: number;
  epochs?: number;
  /** LeakyReLU's negative slope inside the nets. */
  slope?: number;
  activations?: readonly Activation[];
  /** Exercise 3: also read mean |dL/d fc1.weight| every epoch. */
  recordGrad?: boolean;
  onEpoch?: (e: CompareEpoch) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface CompareEpoch {
  /** 1-based: the number of optimizer steps taken so far. */
  epoch: number;
  epochs: number;
  /** Each net's loss at this epoch (computed before its step, as loss.item() in the lesson). */
  loss: Partial<Record<Activation, number>>;
  grad: Partial<Record<Activation, number>> | null;
}

export interface CompareResult {
  settings: Required<Omit<CompareOptions, 'onEpoch' | 'signal' | 'activations'>> & { activations: Activation[] };
  losses: Partial<Record<Activation, number[]>>;
  /** Exercise 3's traces; null when recordGrad is off. */
  grads: Partial<Record<Activation, number[]>> | null;
  epochsRun: number;
  stopped: boolean;
}

/** Demo 2's numbers (the issue's: Adam lr 0.08, 80 epochs), right after torch.manual_seed(3) and the data. */
export const DEMO2 = { seed: 3, n: 100, rule: 'sum', hidden: 8, lr: 0.08, epochs: 80, slope: 0.05, skipNets: 0 } as const;
/**
 * Exercise 2's numbers: SmallNet 2-6-2, 120 points, 1.1 x0 - x1 > 0, lr 0.1, 60 epochs. The
 * lesson's Exercise code seeds nothing; the page seeds it with 3, as the Demos.
 */
export const EXERCISE2 = { seed: 3, n: 120, rule: 'tilted', hidden: 6, lr: 0.1, epochs: 60, slope: 0.08, skipNets: 0 } as const;
/** Demo 3's numbers: Demo 2's data, four new nets drawn after Demo 2's four, Adam lr 0.07, 60 epochs. */
export const DEMO3 = { ...DEMO2, lr: 0.07, epochs: 60, skipNets: 4 } as const;
/** Exercise 3's numbers: Exercise 2's data, four new nets after Exercise 2's, lr 0.1, 40 epochs. */
export const EXERCISE3 = { ...EXERCISE2, lr: 0.1, epochs: 40, skipNets: 4 } as const;

export async function compareActivations(opts: CompareOptions = {}): Promise<CompareResult> {
  const defaults = opts.recordGrad ? DEMO3 : DEMO2;
  const s = {
    seed: opts.seed ?? defaults.seed,
    n: opts.n ?? defaults.n,
    rule: opts.rule ?? defaults.rule,
    hidden: opts.hidden ?? defaults.hidden,
    lr: opts.lr ?? defaults.lr,
    epochs: opts.epochs ?? defaults.epochs,
    slope: opts.slope ?? defaults.slope,
    skipNets: opts.skipNets ?? defaults.skipNets,
    recordGrad: opts.recordGrad ?? false,
    activations: [...(opts.activations ?? ACTIVATIONS)],
  };
  checkTraining('compareActivations', s);

  const { X, y, nets } = lessonStart(s, s.activations);
  const runs = nets.map((net, k) => ({ act: s.activations[k]!, net, opt: new optim.Adam(net.parameters(), { lr: s.lr }) }));
  const losses: Partial<Record<Activation, number[]>> = Object.fromEntries(s.activations.map((a) => [a, []]));
  const grads: Partial<Record<Activation, number[]>> | null = s.recordGrad ? Object.fromEntries(s.activations.map((a) => [a, []])) : null;

  let epochsRun = 0;
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    if (opts.signal?.aborted) break;
    const loss: Partial<Record<Activation, number>> = {};
    const grad: Partial<Record<Activation, number>> | null = grads && {};
    for (const { act, net, opt } of runs) {
      const l = F.crossEntropy(net.forward(X), y);
      opt.zeroGrad();
      l.backward();
      if (grad) {
        // The lesson's corrected read: a weight no gradient reached has grad None (null
        // here); count it as 0 rather than fail. Reading it now, between backward() and
        // step(), costs one extra submit per net and epoch.
        const g = net.fc1.weight.grad;
        grad[act] = g ? await g.abs().mean().item() : 0;
      }
      opt.step();
      loss[act] = await l.item();
      losses[act]!.push(loss[act]);
      if (grad) grads![act]!.push(grad[act]!);
    }
    epochsRun = epoch + 1;
    await opts.onEpoch?.({ epoch: epochsRun, epochs: s.epochs, loss, grad });
  }
  return { settings: s, losses, grads, epochsRun, stopped: epochsRun < s.epochs };
}
