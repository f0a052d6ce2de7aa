// The soak: the MNIST-shaped model (784-128-10, batch 128, Adam, cross-entropy) trained for
// many steps on WebGPU over moving mini-batches of synthetic data, checking that nothing
// grows after warm-up: the engine's counters (plans, pipelines, bind groups, buffers and
// bytes allocated) and the process's resident memory (SwiftShader's GPU memory is host
// memory, so a leak below the engine's counters shows there). Two feeds:
//   narrow  one shuffled copy of the data, kept; each step a narrow() of it at a new start
//           (a dynamic scalar: the same compiled step, its view bound at a new offset), the
//           loss read back each step as the lesson's loop does. Nothing may be allocated.
//   loader  what a shuffling DataLoader does (the MNIST page's loop): each epoch a new order
//           (data.shuffledIndices), a new shuffled copy kept for the epoch and disposed after,
//           runSteps over its batches. Each epoch allocates the same fixed amount; it must
//           not grow from epoch to epoch, and it must be freed (resident memory stays flat).
// Run by `npm run soak` (scripts/soak.mjs) and, short, by tests/gpu/soak.test.ts.
import { F, backendStats, data, manualSeed, nn, optim, rand, randint, runSteps } from 'shadergrad';
import type { BackendStats, Tensor } from 'shadergrad';

export type Feed = 'narrow' | 'loader';

export interface SoakOptions {
  feed: Feed;
  steps: number;
  /** Steps before the counters are taken as the baseline (at least two epochs' worth is safe). */
  warmup: number;
  /** Rows of the synthetic training set (8,000 as the MNIST page's split). */
  rows?: number;
  batch?: number;
  hidden?: number;
  /** Resident-memory samples taken after warm-up (evenly spread). */
  samples?: number;
  /** Resident growth allowed after warm-up, in MiB (the noise of the heap and the allocator). */
  rssSlackMiB?: number;
  /**
   * Steps after warm-up before resident memory is judged (default a quarter of them): the
   * allocators below the engine (malloc's arenas, SwiftShader's pools) still grow for a
   * hundred steps or so after the counters are flat, then stay level.
   */
  rssSettle?: number;
  log?: (line: string) => void;
}

export interface RssPoint {
  step: number;
  mib: number;
}

export interface SoakResult {
  feed: Feed;
  steps: number;
  warmup: number;
  stepsPerEpoch: number;
  atWarmup: BackendStats;
  atEnd: BackendStats;
  /** Resident growth judged: the median of the settled samples' second half less their first half's, MiB. */
  rssGrowthMiB: number;
  /** Growth from warm-up to the end, per counter. */
  growth: Record<keyof BackendStats, number>;
  /** loader: buffers and bytes allocated by each epoch after warm-up (must all be equal). */
  perEpoch: { buffers: number; bytes: number; bindGroups: number }[];
  rss: RssPoint[];
  stepsPerSecond: number;
  firstLoss: number;
  lastLoss: number;
  /** What did not hold; empty when the soak passed. */
  failures: string[];
}

const PIXELS = 784;
const CLASSES = 10;
const MiB = 1024 * 1024;

/** Resident memory now, MiB: /proc's VmRSS where there is one (no allocation of Node's own), else Node's figure. */
export async function rssMiB(): Promise<number> {
  // A full collection first, so the sample is what is held, not garbage not yet collected.
  (await collector())?.();
  try {
    const { readFileSync } = await import('node:fs');
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss / MiB;
}

let gcFn: (() => void) | null | undefined;

/** global.gc: given by --expose-gc (the soak script), or else turned on at run time (a test's worker). */
async function collector(): Promise<(() => void) | null> {
  if (gcFn !== undefined) return gcFn;
  gcFn = (globalThis as { gc?: () => void }).gc ?? null;
  if (!gcFn) {
    try {
      const v8 = await import('node:v8');
      const vm = await import('node:vm');
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  return gcFn;
}

function growthOf(a: BackendStats, b: BackendStats): Record<keyof BackendStats, number> {
  return Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof BackendStats] - a[k as keyof BackendStats]])) as Record<keyof BackendStats, number>;
}

export async function soak(opts: SoakOptions): Promise<SoakResult> {
  const rows = opts.rows ?? 8000;
  const batch = opts.batch ?? 128;
  const hidden = opts.hidden ?? 128;
  const samples = opts.samples ?? 8;
  const slack = opts.rssSlackMiB ?? 32;
  const log = opts.log ?? (() => {});
  const { steps, warmup, feed } = opts;
  if (!(Number.isInteger(steps) && Number.isInteger(warmup) && warmup >= 1 && steps > warmup)) {
    throw new Error(`soak: steps (${steps}) must be an integer above warmup (${warmup}), and warmup at least 1`);
  }
  const stepsPerEpoch = Math.ceil(rows / batch);

  manualSeed(7);
  // Synthetic digits: pixels in [0, 1) and labels 0..9, drawn on the device.
  const X = rand([rows, PIXELS]).keep();
  const y = randint(0, CLASSES, [rows]).keep();
  const net = new nn.Sequential(new nn.Linear(PIXELS, hidden), new nn.ReLU(), new nn.Linear(hidden, CLASSES));
  const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
  const trainStep = (xb: Tensor, yb: Tensor): Tensor => {
    const loss = F.crossEntropy(net.forward(xb), yb);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };

  const failures: string[] = [];
  const rss: RssPoint[] = [];
  const sampleAt = new Set(Array.from({ length: samples }, (_, i) => warmup + Math.round(((steps - warmup) * (i + 1)) / samples)));
  let atWarmup: BackendStats | null = null;
  let t0 = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  const perEpoch: { buffers: number; bytes: number; bindGroups: number }[] = [];
  // Called after step `done` (1-based count of steps run).
  const after = async (done: number): Promise<void> => {
    if (done === warmup) {
      atWarmup = backendStats();
      rss.push({ step: done, mib: await rssMiB() });
      t0 = performance.now();
    } else if (sampleAt.has(done)) {
      const mib = await rssMiB();
      rss.push({ step: done, mib });
      const s = backendStats();
      log(`  ${feed} step ${done}: rss ${mib.toFixed(1)} MiB, bind groups ${s.bindGroups}, buffers ${s.buffersAllocated}, loss ${lastLoss.toFixed(4)}`);
    }
  };

  if (feed === 'narrow') {
    const perm = data.shuffledIndices(rows);
    const Xs = X.indexSelect(perm).keep();
    const ys = y.indexSelect(perm).keep();
    for (let i = 0; i < steps; i++) {
      const start = (i % stepsPerEpoch) * batch;
      const len = Math.min(batch, rows - start);
      lastLoss = await trainStep(Xs.narrow(0, start, len), ys.narrow(0, start, len)).item();
      if (i === 0) firstLoss = lastLoss;
      await after(i + 1);
    }
    Xs.dispose();
    ys.dispose();
  } else {
    let done = 0;
    let epochStart: BackendStats | null = null;
    while (done < steps) {
      const n = Math.min(stepsPerEpoch, steps - done);
      // A last, shorter epoch still asks runSteps for a whole one (the same history shape,
      // so the same plans) and stops it early.
      const stop = new AbortController();
      // A whole epoch after warm-up: the baseline for what one epoch allocates.
      const counted = atWarmup !== null && n === stepsPerEpoch;
      if (counted) epochStart = backendStats();
      const perm = data.shuffledIndices(rows);
      const Xs = X.indexSelect(perm).keep();
      const ys = y.indexSelect(perm).keep();
      const from = done;
      await runSteps(
        stepsPerEpoch,
        (i) => {
          const start = i * batch;
          const len = Math.min(batch, rows - start);
          return { loss: trainStep(Xs.narrow(0, start, len), ys.narrow(0, start, len)) };
        },
        {
          readEvery: 1,
          signal: stop.signal,
          onRead: async ({ step, values }) => {
            if (step >= n) stop.abort();
            lastLoss = values.loss![step - 1]!;
            if (from + step === 1) firstLoss = lastLoss;
            await after(from + step);
          },
        },
      );
      Xs.dispose();
      ys.dispose();
      done += n;
      if (counted && epochStart) {
        const g = growthOf(epochStart, backendStats());
        perEpoch.push({ buffers: g.buffersAllocated, bytes: g.bytesAllocated, bindGroups: g.bindGroups });
      }
    }
    const first = perEpoch[0];
    if (first && perEpoch.some((e) => e.buffers !== first.buffers || e.bytes !== first.bytes || e.bindGroups !== first.bindGroups)) {
      failures.push(`loader: epochs allocate different amounts (buffers/bytes/bind groups per epoch: ${perEpoch.map((e) => `${e.buffers}/${e.bytes}/${e.bindGroups}`).join(', ')})`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const atEnd = backendStats();
  if (!atWarmup) throw new Error('soak: never reached the end of warm-up');
  const growth = growthOf(atWarmup, atEnd);

  // Counters: nothing new after warm-up. The loader's epochs each make a new shuffled copy
  // (new buffers, so new bind groups for the dispatches that read them): the same per epoch.
  const flat = feed === 'narrow' ? (['plans', 'pipelines', 'bindGroups', 'buffersAllocated', 'bytesAllocated'] as const) : (['plans', 'pipelines'] as const);
  for (const k of flat) if (growth[k] !== 0) failures.push(`${k} grew by ${growth[k]} after warm-up`);
  if (feed === 'loader' && perEpoch.length === 0) failures.push('loader: no whole epoch after warm-up to compare');
  if (!Number.isFinite(lastLoss)) failures.push(`the loss is ${lastLoss}`);
  // Resident memory: a leak is a steady climb, so the later settled samples' median against
  // the earlier ones' (a median, not the largest: a collection's timing makes single spikes).
  const settle = opts.rssSettle ?? Math.floor((steps - warmup) / 4);
  const settled = rss.filter((p) => p.step >= warmup + settle).map((p) => p.mib);
  const half = Math.floor(settled.length / 2);
  const rssGrowthMiB = settled.length >= 2 ? median(settled.slice(settled.length - half)) - median(settled.slice(0, half)) : 0;
  if (settled.length < 2) failures.push(`resident memory: ${settled.length} samples after the settle (${settle} steps); take more samples`);
  if (rssGrowthMiB > slack) failures.push(`resident memory grew ${rssGrowthMiB.toFixed(1)} MiB after step ${warmup + settle} (allowed ${slack}): ${rss.map((p) => `${p.step}:${p.mib.toFixed(0)}`).join(' ')}`);

  X.dispose();
  y.dispose();
  return { feed, steps, warmup, stepsPerEpoch, atWarmup, atEnd, rssGrowthMiB, growth, perEpoch, rss, stepsPerSecond: (steps - warmup) / seconds, firstLoss, lastLoss, failures };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The figures, for a person. */
export function describeSoak(r: SoakResult): string {
  const c = (s: BackendStats) => `plans ${s.plans}, pipelines ${s.pipelines}, bind groups ${s.bindGroups}, buffers ${s.buffersAllocated}, bytes ${s.bytesAllocated}`;
  const lines = [
    `${r.feed}: ${r.steps} steps (${r.stepsPerEpoch} per epoch), warm-up ${r.warmup}; ${r.stepsPerSecond.toFixed(2)} steps/s after warm-up; loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`,
    `  at warm-up: ${c(r.atWarmup)}`,
    `  at the end: ${c(r.atEnd)}`,
    `  growth: plans ${r.growth.plans}, pipelines ${r.growth.pipelines}, bind groups ${r.growth.bindGroups}, buffers ${r.growth.buffersAllocated}, bytes ${r.growth.bytesAllocated}, bytes copied ${r.growth.bytesCopied}, submits ${r.growth.submits}`,
    ...(r.perEpoch.length > 0 ? [`  per epoch after warm-up (buffers/bytes/bind groups): ${[...new Set(r.perEpoch.map((e) => `${e.buffers}/${e.bytes}/${e.bindGroups}`))].join(', ')} over ${r.perEpoch.length} epochs`] : []),
    `  rss MiB (step:MiB): ${r.rss.map((p) => `${p.step}:${p.mib.toFixed(1)}`).join('  ')}; settled growth ${r.rssGrowthMiB.toFixed(1)} MiB`,
    r.failures.length === 0 ? '  flat: yes' : `  FAILED:\n${r.failures.map((f) => `    - ${f}`).join('\n')}`,
  ];
  return lines.join('\n');
}
