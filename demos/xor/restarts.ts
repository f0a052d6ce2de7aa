// Many restarts at once: what a learner would see after pressing Reset Network and then
// Train to Convergence a hundred times, for every algorithm and learning rate. Every
// (algorithm, learning rate) pair trains the same `starts` multi-start networks, and all of
// them (2 x 4 x 100 = 800 nets by default) train together as one batch: one fixed set of
// dispatches per epoch, however many starts there are.
import { backendStats, cat, manualSeed, noGrad, tensor, where } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { createXorDataset, toTensors } from './data.ts';
import type { DatasetName } from './data.ts';
import { ALGORITHMS, LEARNING_RATES, XorNets, multiStart } from './net.ts';
import type { Algorithm, NetConfig } from './net.ts';
import { INIT_SCALE, LOSS_GOAL, MAX_EPOCHS, RESET_TRIALS } from './lab.ts';

export interface RestartOptions {
  dataset?: DatasetName;
  /** Multi-start networks per configuration (the same ones for every configuration). */
  starts?: number;
  /** Epochs at most (the lab's Train to Convergence allows 500). */
  epochs?: number;
  /** manualSeed for the starts' draws. */
  seed?: number;
  algorithms?: readonly Algorithm[];
  learningRates?: readonly number[];
  /** Report progress (live charts) every this many epochs, and at least every 250 ms. */
  readEvery?: number;
  /** Record every net's loss for this many first epochs (a fine-grained check). */
  probeEpochs?: number;
  /** Checked before every epoch: once aborted, the run ends with the epochs done so far. */
  signal?: AbortSignal;
  onProgress?: (p: RestartProgress) => void | Promise<void>;
}

export interface ConfigSummary {
  algorithm: Algorithm;
  lr: number;
  /** Share of the starts that reached accuracy >= 99% or loss < 0.01 within the epochs run. */
  converged: number;
  convergedCount: number;
  /** Median epochs to converge over the starts that did (numpy's median); null if none did. */
  medianEpochs: number | null;
}

export interface RestartProgress {
  epoch: number;
  epochs: number;
  configs: NetConfig[];
  /** Per configuration, per start: the epoch it converged at, 0 while it has not. */
  firstEpochs: number[][];
  msPerEpoch: number;
}

export interface RestartResult {
  dataset: DatasetName;
  starts: number;
  epochs: number;
  /** Epochs actually run (fewer when every net converged, or when stopped). */
  epochsRun: number;
  /** True when the signal ended the run (not the epoch limit, nor every net converging). */
  stopped: boolean;
  seed: number;
  nets: number;
  summary: ConfigSummary[];
  firstEpochs: number[][];
  /** lossProbe[e][i]: net i's loss after epoch e + 1 (nets ordered by configuration, then start). */
  lossProbe: number[][];
  /** Best initial loss of every start (the multi-start's winners). */
  initLoss: number[];
  /** Engine counters per epoch, over the epochs after the loss probe (0 if there were none). */
  dispatchesPerEpoch: number;
  submitsPerEpoch: number;
  msPerEpoch: number;
}

/** numpy.median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarize(configs: readonly NetConfig[], firstEpochs: number[][]): ConfigSummary[] {
  return configs.map((cfg, c) => {
    const done = firstEpochs[c]!.filter((e) => e > 0);
    return {
      algorithm: cfg.algorithm,
      lr: cfg.lr,
      converged: done.length / firstEpochs[c]!.length,
      convergedCount: done.length,
      medianEpochs: median(done),
    };
  });
}

export function restartConfigs(algorithms: readonly Algorithm[] = ALGORITHMS, lrs: readonly number[] = LEARNING_RATES): NetConfig[] {
  return algorithms.flatMap((algorithm) => lrs.map((lr) => ({ algorithm, lr })));
}

export async function runRestarts(opts: RestartOptions = {}): Promise<RestartResult> {
  const dataset = opts.dataset ?? 'clean';
  const starts = opts.starts ?? 100;
  const epochs = opts.epochs ?? MAX_EPOCHS;
  const seed = opts.seed ?? 0;
  const readEvery = opts.readEvery ?? 25;
  const probeEpochs = Math.min(opts.probeEpochs ?? 3, epochs);
  if (!Number.isInteger(starts) || starts < 1) throw new Error(`runRestarts: starts must be a positive integer, got ${starts}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`runRestarts: epochs must be a positive integer, got ${epochs}`);
  const configs = restartConfigs(opts.algorithms, opts.learningRates);
  const data = toTensors(createXorDataset(dataset));

  // The starts: each one is a Reset Network (10 draws from N(0, 0.5), lowest loss wins).
  manualSeed(seed);
  const init = await multiStart(data, { starts, trials: RESET_TRIALS, scale: INIT_SCALE });
  // Every configuration gets the same starts: net index = configuration * starts + start.
  const flat = new Float32Array(configs.length * starts * 9);
  configs.forEach((_, c) => flat.set(init.weights, c * starts * 9));
  const netConfigs = configs.flatMap((cfg) => Array.from({ length: starts }, () => cfg));
  const nets = new XorNets(data, flat, netConfigs);
  const B = nets.size;

  // On the device: the epoch each net first met the lab's stopping rule (0 = not yet).
  const first = tensor(new Float32Array(B), { shape: [B] });
  const counter = tensor(new Float32Array(1), { shape: [1] });
  const correctGoal = data.minCorrect - 0.5; // correct >= minCorrect <=> accuracy >= 99%

  const unpack = (flatFirst: ArrayLike<number>): number[][] =>
    configs.map((_, c) => Array.from({ length: starts }, (_, s) => flatFirst[c * starts + s]!));

  const lossProbe: number[][] = [];
  let firstEpochs = unpack(new Float32Array(B));
  let latest: ArrayLike<number> = new Float32Array(B);
  // Counted over the epochs after the probe (which also copies the losses back).
  let before = backendStats();
  let counted = 0;
  const t0 = performance.now();
  let lastReport = t0;
  let epoch = 0;
  let stopped = false;
  while (epoch < epochs) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    const { loss, correct } = nets.step();
    const firstNow = noGrad(() => {
      const now = counter.add(1);
      const met = correct.gt(correctGoal).float().add(loss.lt(LOSS_GOAL).float());
      const isNew = met.mul(first.lt(0.5).float()).gt(0.5);
      const f = where(isNew, now, first);
      first.copy_(f);
      counter.copy_(now);
      return f;
    });
    epoch++;
    // Read every epoch (B numbers, copied back in the epoch's own submit): it keeps the
    // page from queueing many epochs ahead of the GPU, so Stop acts within an epoch.
    const probe = epoch <= probeEpochs;
    const read = await (probe ? cat([firstNow, loss]) : firstNow).data();
    const f = read.subarray(0, B);
    if (probe) lossProbe.push(Array.from(read.subarray(B)));
    latest = f;
    if (epoch === probeEpochs) before = backendStats();
    else if (epoch > probeEpochs) counted++;
    const allDone = f.every((e) => e > 0);
    const now = performance.now();
    if (epoch % readEvery === 0 || epoch === epochs || allDone || now - lastReport > 250) {
      lastReport = now;
      firstEpochs = unpack(f);
      await opts.onProgress?.({ epoch, epochs, configs, firstEpochs, msPerEpoch: (now - t0) / epoch });
    }
    if (allDone) break;
  }
  firstEpochs = unpack(latest);
  const after = backendStats();
  const ms = performance.now() - t0;
  for (const t of [first, counter] as Tensor[]) t.dispose();
  return {
    dataset,
    starts,
    epochs,
    epochsRun: epoch,
    stopped,
    seed,
    nets: B,
    summary: summarize(configs, firstEpochs),
    firstEpochs,
    lossProbe,
    initLoss: init.bestLoss,
    dispatchesPerEpoch: counted > 0 ? (after.dispatches - before.dispatches) / counted : 0,
    submitsPerEpoch: counted > 0 ? (after.submits - before.submits) / counted : 0,
    msPerEpoch: epoch > 0 ? ms / epoch : 0,
  };
}
