// Exercise 4: train a TinyNet with tanh, and after a chosen epoch switch its hidden
// activation to ReLU (the lesson's `net.activation = "relu"`), keeping the weights and
// Adam's state. The same net (a copy of its starting weights) also trains with tanh all
// the way, so the chart can show what the swap changed (the lesson has no such twin; it
// takes no draws, so the swapped net's start is the lesson's).
import { F, optim } from 'shadergrad';
import { checkTraining, lessonStart } from './nets.ts';
import type { Activation, LabelRule } from './nets.ts';

export interface SwapOptions {
  /** The seed of PyTorch's generator before the data and the nets (the lesson: torch.manual_seed(3)). */
  seed?: number;
  /** Nets of the same shape drawn (and dropped) between the data and this one (Demo 4: Demos 2 and 3's eight). */
  skipNets?: number;
  n?: number;
  rule?: LabelRule;
  hidden?: number;
  lr?: number;
  epochs?: number;
  slope?: number;
  /** The swap happens after the step of this 0-based epoch (the lesson's `if epoch == 35`). */
  swapAfter?: number;
  from?: Activation;
  to?: Activation;
  /** Also train the unswapped net from the same start. */
  baseline?: boolean;
  onEpoch?: (e: SwapEpoch) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface SwapEpoch {
  /** 0-based, as the lesson's range(60) and its plot's x axis. */
  epoch: number;
  epochs: number;
  /** The activation this epoch's forward pass used. */
  activation: Activation;
  loss: number;
  baseline: number | null;
}

export interface SwapResult {
  settings: Required<Omit<SwapOptions, 'onEpoch' | 'signal'>>;
  /** The swapped net's loss per epoch (index = 0-based epoch). */
  losses: number[];
  /** The unswapped net's, or null. */
  baseline: number[] | null;
  /** The first epoch whose forward pass used the new activation. */
  firstSwappedEpoch: number;
  epochsRun: number;
  stopped: boolean;
}

/** Demo 4: Demo 2's data, the net after Demos 2 and 3's eight, Adam lr 0.08, 60 epochs, swap after epoch 35. */
export const DEMO4 = { seed: 3, n: 100, rule: 'sum', hidden: 8, lr: 0.08, epochs: 60, slope: 0.05, skipNets: 8, swapAfter: 35 } as const;
/** Exercise 4: a SmallNet on Exercise 2's data after Exercises 2 and 3's eight, lr 0.11, 60 epochs, swap after epoch 30. */
export const EXERCISE4 = { seed: 3, n: 120, rule: 'tilted', hidden: 6, lr: 0.11, epochs: 60, slope: 0.08, skipNets: 8, swapAfter: 30 } as const;

export async function swapActivation(opts: SwapOptions = {}): Promise<SwapResult> {
  const s = {
    seed: opts.seed ?? DEMO4.seed,
    n: opts.n ?? DEMO4.n,
    rule: opts.rule ?? DEMO4.rule,
    hidden: opts.hidden ?? DEMO4.hidden,
    lr: opts.lr ?? DEMO4.lr,
    epochs: opts.epochs ?? DEMO4.epochs,
    slope: opts.slope ?? DEMO4.slope,
    skipNets: opts.skipNets ?? DEMO4.skipNets,
    swapAfter: opts.swapAfter ?? DEMO4.swapAfter,
    from: opts.from ?? 'tanh',
    to: opts.to ?? 'relu',
    baseline: opts.baseline ?? true,
  };
  checkTraining('swapActivation', s);
  if (!Number.isInteger(s.swapAfter) || s.swapAfter < 0) throw new Error(`swapActivation: swapAfter must be a non-negative integer, got ${s.swapAfter}`);

  const { X, y, nets } = lessonStart(s, [s.from]);
  const net = nets[0]!;
  // clone() copies the starting weights: both nets begin in the same place.
  const runs = [{ net, opt: new optim.Adam(net.parameters(), { lr: s.lr }), losses: [] as number[] }];
  if (s.baseline) {
    const twin = net.clone();
    runs.push({ net: twin, opt: new optim.Adam(twin.parameters(), { lr: s.lr }), losses: [] });
  }

  let epochsRun = 0;
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    if (opts.signal?.aborted) break;
    const activation = net.activation;
    for (const r of runs) {
      const loss = F.crossEntropy(r.net.forward(X), y);
      r.opt.zeroGrad();
      loss.backward();
      r.opt.step();
      r.losses.push(await loss.item());
    }
    // The lesson swaps after recording this epoch's loss: epoch swapAfter still used tanh.
    if (epoch === s.swapAfter) net.activation = s.to;
    epochsRun = epoch + 1;
    await opts.onEpoch?.({ epoch, epochs: s.epochs, activation, loss: runs[0]!.losses[epoch]!, baseline: runs[1]?.losses[epoch] ?? null });
  }
  return {
    settings: s,
    losses: runs[0]!.losses,
    baseline: runs[1]?.losses ?? null,
    firstSwappedEpoch: s.swapAfter + 1,
    epochsRun,
    stopped: epochsRun < s.epochs,
  };
}
