// Timing kernels alone (timeKernels, the per-kernel benchmark, the matmul tuner, the
// ceilings): a figure is never one dispatch's wall time, which on a real GPU is mostly submit
// and readback overhead. The same dispatches are recorded N times in one command buffer, and
// the GPU time of that submit (timestamp queries, where the adapter offers 'timestamp-query')
// or else its wall time, divided by N; the median over several submits.
import type { KernelTiming, TimeKernelsOptions } from '../tooling.ts';
import type { LastRun } from './run.ts';
import { record } from './run.ts';
import { USAGE } from './storage.ts';

/** Dispatches that can be recorded into a compute pass again and again. */
export interface Recordable {
  kernels: string[];
  dispatches: number;
  record(pass: GPUComputePassEncoder): void;
}

/**
 * The last run's dispatches, recorded again (as many times as the caller likes, in one
 * command buffer) with the same pipelines, bind groups and parameter block: the same kernels
 * on the same buffers, without a run's own work (parameter writes, bind-group lookups, a
 * submit per run). The buffers hold whatever the last run left; inputs must stay alive while
 * it is used. Not for a run that first copied unaligned views: a copy cannot be recorded
 * inside a pass.
 */
export function replayOf(run: LastRun | null, who: string): Recordable {
  if (!run) throw new Error(`${who}: no plan has run on this device yet`);
  if (run.copied) throw new Error(`${who}: the last run [${run.c.kernels.join(', ')}] copied unaligned views first; time kernels on whole tensors`);
  const { c, groups } = run;
  return {
    kernels: c.kernels,
    dispatches: c.dispatches.length,
    record: (pass) => c.dispatches.forEach((d, k) => record(pass, d, groups[k]!)),
  };
}

/** Time `work` on `device`: see the top of this file. */
export async function timeDispatches(device: GPUDevice, work: Recordable, opts: TimeKernelsOptions = {}): Promise<KernelTiming> {
  const targetMs = opts.targetMs ?? 100;
  const submits = opts.submits ?? 5;
  const maxRepeats = opts.maxRepeats ?? 2000;
  const clock = device.features.has('timestamp-query') ? timestampClock(device) : null;
  try {
    // Untimed: pipelines are compiled lazily by some drivers on first use.
    await submitRepeated(device, work, 1, clock);
    // Grow N until a submit takes about targetMs (a few rounds: the first is mostly overhead).
    let repeats = 1;
    for (let round = 0; round < 4; round++) {
      const { wallMs } = await submitRepeated(device, work, repeats, clock);
      if (wallMs >= targetMs / 2 || repeats >= maxRepeats) break;
      repeats = Math.min(maxRepeats, Math.max(repeats + 1, Math.ceil((repeats * targetMs) / Math.max(wallMs, 0.01))));
    }
    const wall: number[] = [];
    const gpu: number[] = [];
    for (let s = 0; s < submits; s++) {
      const t = await submitRepeated(device, work, repeats, clock);
      wall.push(t.wallMs / repeats);
      if (t.gpuMs !== null) gpu.push(t.gpuMs / repeats);
    }
    // A timestamp pair that reads zero or backwards (a driver that does not really count) is no figure.
    const timed = gpu.length === submits && gpu.every((ms) => ms > 0);
    return { ms: median(timed ? gpu : wall), method: timed ? 'timestamp' : 'median-of-N-in-one-submit', dispatches: work.dispatches, repeats, kernels: work.kernels };
  } finally {
    clock?.destroy();
  }
}

interface Clock {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  read: GPUBuffer;
  destroy(): void;
}

function timestampClock(device: GPUDevice): Clock {
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolve = device.createBuffer({ size: 16, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, label: 'kernel timestamps' });
  const read = device.createBuffer({ size: 16, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'kernel timestamps read' });
  return {
    querySet,
    resolve,
    read,
    destroy: () => {
      querySet.destroy();
      resolve.destroy();
      read.destroy();
    },
  };
}

/** `count` repetitions of `work` in one compute pass, one submit; its wall time and, with a clock, GPU time. */
async function submitRepeated(device: GPUDevice, work: Recordable, count: number, clock: Clock | null): Promise<{ wallMs: number; gpuMs: number | null }> {
  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder({ label: 'kernel benchmark' });
  const pass = enc.beginComputePass(clock ? { timestampWrites: { querySet: clock.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
  for (let i = 0; i < count; i++) work.record(pass);
  pass.end();
  if (clock) {
    enc.resolveQuerySet(clock.querySet, 0, 2, clock.resolve, 0);
    enc.copyBufferToBuffer(clock.resolve, 0, clock.read, 0, 16);
  }
  const commands = enc.finish();
  const t0 = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  const wallMs = performance.now() - t0;
  const err = await device.popErrorScope();
  if (err) throw new Error(`timing [${work.kernels.join(', ')}]: ${err.message}`);
  if (!clock) return { wallMs, gpuMs: null };
  // GPUMapMode.READ, the same value as the MAP_READ usage flag.
  await clock.read.mapAsync(USAGE.MAP_READ);
  const [begin, end] = new BigUint64Array(clock.read.getMappedRange(0, 16).slice(0));
  clock.read.unmap();
  return { wallMs, gpuMs: Number(end! - begin!) / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
