// shadergrad's side of the benchmark, on whatever backend setBackend chose: the plain
// PyTorch-style loop a learner writes, plus the loop helper for the device-side history.
import { F, backendStats, indexSelect, nn, optim, randint, randn, randperm, runSteps, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import type { Engine, MatmulFigures, StepFigures } from './engine.ts';
import { gpuTimeMs } from 'shadergrad';
import { median, syntheticDigits } from './engine.ts';

function mlp(sizes: number[]): nn.Sequential {
  const layers: nn.Module[] = [];
  sizes.slice(1).forEach((out, i) => {
    layers.push(new nn.Linear(sizes[i]!, out));
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

    async matmul(m, k, n, batch, reps) {
      const a = randn([m, k]);
      const b = randn([k, n]);
      const run = async (): Promise<void> => {
        let last: Tensor | null = null;
        for (let i = 0; i < batch; i++) last = a.matmul(b);
        await last!.data();
      };
      // Two warm-ups: the plan and its second output set.
      await run();
      await run();
      const times: number[] = [];
      for (let r = 0; r < reps; r++) times.push(await timeMs(run));
      const flop = batch * 2 * m * n * k;
      const figures: MatmulFigures = { gflops: flop / (median(times) / 1000) / 1e9 };
      // The kernel-only figure from GPU timestamps, where the adapter offers them.
      const kernel: number[] = [];
      for (let r = 0; r < reps; r++) {
        const ms = await gpuTimeMs(run);
        if (ms !== null && ms > 0) kernel.push(ms);
      }
      if (kernel.length === reps) figures.kernelGflops = flop / (median(kernel) / 1000) / 1e9;
      return figures;
    },

    async trainSteps(sizes, batch, lr, steps, readEvery): Promise<StepFigures> {
      const X = randn([batch, sizes[0]!]);
      const y = randint(0, sizes.at(-1)!, [batch]);
      const net = mlp(sizes);
      const opt = new optim.Adam(net.parameters(), { lr });
      const step = (): Tensor => {
        const loss = F.crossEntropy(net.forward(X), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss;
      };
      for (let i = 0; i < 3; i++) await step().item();
      const s0 = backendStats();
      const ms = await timeMs(async () => {
        if (readEvery === 1) for (let i = 0; i < steps; i++) await step().item();
        else await runSteps(steps, () => ({ loss: step() }), { readEvery });
      });
      const s1 = backendStats();
      return {
        stepsPerSecond: steps / (ms / 1000),
        dispatchesPerStep: (s1.dispatches - s0.dispatches) / steps,
        submitsPerStep: (s1.submits - s0.submits) / steps,
      };
    },

    async mnistEpoch(rows, batchSize, reps) {
      const data = syntheticDigits(rows);
      const X = tensor(data.x, { shape: [rows, 784] });
      const y = tensor(data.y, { shape: [rows], dtype: 'int32' });
      const net = mlp([784, 128, 10]);
      const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
      const epoch = async (): Promise<void> => {
        const perm = randperm(rows);
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
        await loss!.item();
      };
      await epoch();
      const times: number[] = [];
      for (let r = 0; r < reps; r++) times.push(await timeMs(epoch));
      return median(times) / 1000;
    },
  };
}
