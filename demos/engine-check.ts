// The index page's engine check, DOM-free so the e2e test can run the same code in Node:
// the README's first network (2-8-2, ReLU, Adam lr 0.08, 80 epochs) on 100 random points.
import { F, manualSeed, nn, optim, randn } from 'shadergrad';

export interface EngineCheckOptions {
  epochs?: number;
  /** Checked before every epoch: once aborted, the run ends with the losses so far. */
  signal?: AbortSignal;
  /** Called after every epoch with its loss; may be async (to let the page paint). */
  onEpoch?: (epoch: number, loss: number) => void | Promise<void>;
}

export async function engineCheck({ epochs = 80, signal, onEpoch }: EngineCheckOptions = {}): Promise<{ losses: number[]; stopped: boolean }> {
  manualSeed(3);
  const X = randn([100, 2]);
  const y = X.sum(1).gt(0);
  const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
  const opt = new optim.Adam(net.parameters(), { lr: 0.08 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (signal?.aborted) return { losses, stopped: true };
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
    await onEpoch?.(epoch, losses.at(-1)!);
  }
  return { losses, stopped: false };
}
