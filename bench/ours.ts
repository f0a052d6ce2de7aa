// shadergrad's side of the benchmark, on whatever backend setBackend chose: the plain
// PyTorch-style loop a learner writes, plus the loop helper for the device-side history.
// Inputs and first weights come from engine.ts (loadStateDict), as every engine's do.
import { F, backendStats, gpuTimeMs, indexSelect, nn, optim, runSteps, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, TRAIN_WARMUP, median, medianSeconds, transpose } from './engine.ts';
import type { Engine, F32, MatmulFigures, MlpInit, StepFigures } from './engine.ts';

/** The MLP with engine.ts's first weights (ours keeps a Linear's weight as [out, in]). */
function mlp(init: MlpInit): nn.Sequential {
  const { sizes } = init;
  const layers: nn.Module[] = [];
  sizes.slice(1).forEach((out, i) => {
    const layer = new nn.Linear(sizes[i]!, out);
    layer.loadStateDict({ weight: transpose(init.weights[i]!, sizes[i]!, out), bias: init.biases[i]! });
    layers.push(layer);
    if (i < sizes.length - 2) layers.push(new nn.ReLU());
  });
  return new nn.Sequential(...layers);
}

async function timeMs(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function createOursEngine(name: string): Engine {
  return {
    name,

    async matmul(m, k, n, batch, reps, aValues, bValues) {
      const a = tensor(aValues, { shape: [m, k] });
      const b = tensor(bValues, { shape: [k, n] });
      let out: F32 = new Float32Array(0);
      const run = async (): Promise<void> => {
        let last: Tensor | null = null;
        for (let i = 0; i < batch; i++) last = a.matmul(b);
        out = (await last!.data()) as F32;
      };
      // Two warm-ups: the plan and its second output set.
      await run();
      await run();
      const seconds = await medianSeconds(reps, run);
      const flop = batch * 2 * m * n * k;
      const figures: MatmulFigures = { gflops: flop / seconds / 1e9, out };
      // The kernel-only figure from GPU timestamps, where the adapter offers them.
      const kernel: number[] = [];
      for (let r = 0; r < reps; r++) {
        const ms = await gpuTimeMs(run);
        if (ms !== null && ms > 0) kernel.push(ms);
      }
      if (kernel.length === reps) figures.kernelGflops = flop / (median(kernel) / 1000) / 1e9;
      return figures;
    },

    async trainSteps(sizes, batch, lr, steps, readEvery, data): Promise<StepFigures> {
      const X = tensor(data.x, { shape: [batch, sizes[0]!] });
      const y = tensor(data.y, { shape: [batch], dtype: 'int32' });
      const net = mlp(data.init);
      const opt = new optim.Adam(net.parameters(), { lr, betas: [ADAM_BETA1, ADAM_BETA2], eps: ADAM_EPS });
      const step = (): Tensor => {
        const loss = F.crossEntropy(net.forward(X), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss;
      };
      const losses: number[] = [];
      for (let i = 0; i < TRAIN_WARMUP; i++) losses.push(await step().item());
      const s0 = backendStats();
      const ms = await timeMs(async () => {
        if (readEvery === 1) for (let i = 0; i < steps; i++) losses.push(await step().item());
        else losses.push(...(await runSteps(steps, () => ({ loss: step() }), { readEvery })).loss!);
      });
      const s1 = backendStats();
      return {
        stepsPerSecond: steps / (ms / 1000),
        dispatchesPerStep: (s1.dispatches - s0.dispatches) / steps,
        submitsPerStep: (s1.submits - s0.submits) / steps,
        losses,
      };
    },

    async mnistEpoch(rows, batchSize, reps, data) {
      const X = tensor(data.x, { shape: [rows, 784] });
      const y = tensor(data.y, { shape: [rows], dtype: 'int32' });
      const net = mlp(data.init);
      const opt = new optim.Adam(net.parameters(), { lr: 1e-3, betas: [ADAM_BETA1, ADAM_BETA2], eps: ADAM_EPS });
      let epochs = 0;
      const epoch = async (): Promise<number> => {
        const perm = tensor(data.permutation(epochs++), { shape: [rows], dtype: 'int32' });
        const Xs = indexSelect(X, perm);
        const ys = indexSelect(y, perm);
        let loss: Tensor | null = null;
        for (let start = 0; start < rows; start += batchSize) {
          const len = Math.min(batchSize, rows - start);
          loss = F.crossEntropy(net.forward(Xs.narrow(0, start, len)), ys.narrow(0, start, len));
          opt.zeroGrad();
          loss.backward();
          opt.step();
        }
        return loss!.item();
      };
      const loss = await epoch();
      return { seconds: await medianSeconds(reps, epoch), loss };
    },
  };
}
