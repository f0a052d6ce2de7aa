// Timing one kernel alone: the per-kernel benchmark (npm run bench:kernels) and the matmul
// tuner use this. A figure is never one dispatch's wall time, which on a real GPU is mostly
// submit and readback overhead: the same dispatches are recorded N times in one command
// buffer, and the GPU time of that submit (timestamp queries, where the adapter offers
// 'timestamp-query') or else its wall time, divided by N; the median over several submits.
import { flush } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { currentBackend } from '../../src/engine/backend.ts';
import { WebGpuBackend } from '../../src/backend/webgpu/backend.ts';

export type TimingMethod = 'timestamp' | 'median-of-N-in-one-submit';

export interface TimeOptions {
  /** Aim for submits this long (ms), so per-submit overhead is a small share. Default 100. */
  targetMs?: number;
  /** Timed submits; the figure is their median. Default 5. */
  submits?: number;
  /** The most repetitions recorded in one submit. Default 2000. */
  maxRepeats?: number;
}

export interface Timing {
  /** Milliseconds per repetition of the dispatches: the median over the timed submits. */
  ms: number;
  method: TimingMethod;
  /** Dispatches in one repetition (a multi-pass kernel has several). */
  dispatches: number;
  /** Repetitions recorded in each timed submit. */
  repeats: number;
  /** What ran: "op (shader.entry)" for engine kernels. */
  kernels: string[];
}

/** Dispatches that can be recorded into a compute pass again and again. */
export interface Recordable {
  kernels: string[];
  dispatches: number;
  record(pass: GPUComputePassEncoder): void;
}

// Literal flags: GPUBufferUsage is undefined in Node until Dawn is loaded.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, QUERY_RESOLVE: 0x200 };

/** The current backend, which must be WebGPU: timing reads its device and its last run. */
export function webgpuBackend(who: string): WebGpuBackend {
  const backend = currentBackend();
  if (!(backend instanceof WebGpuBackend)) throw new Error(`${who}: needs the WebGPU backend (await setBackend('webgpu')); the current backend is '${backend.name}'`);
  return backend;
}

/**
 * Time the kernels that `build` records, alone: its inputs (anything pending before it)
 * are realized first, then what it records runs once as one plan (the kernels the engine
 * chooses for those shapes, after fusion), and that plan's dispatches are timed. `build`
 * returns its results, or nothing for an effect (an optimizer step).
 */
export async function timeOp(build: () => Tensor | Tensor[] | void, opts: TimeOptions = {}): Promise<Timing> {
  const backend = webgpuBackend('timeOp');
  flush();
  const submits = backend.stats.submits;
  build();
  flush();
  if (backend.stats.submits === submits) throw new Error('timeOp: build() recorded no work (its results were realized already)');
  await backend.sync();
  const run = backend.lastRunDispatches();
  if (run.dispatches === 0) throw new Error(`timeOp: build() ran no kernel, only views of memory [${run.kernels.join(', ')}]`);
  return timeDispatches(backend.device, run, opts);
}

/** Time `work` on `device`: see the top of this file. */
export async function timeDispatches(device: GPUDevice, work: Recordable, opts: TimeOptions = {}): Promise<Timing> {
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
  await clock.read.mapAsync(USAGE.MAP_READ);
  const [begin, end] = new BigUint64Array(clock.read.getMappedRange(0, 16).slice(0));
  clock.read.unmap();
  return { wallMs, gpuMs: Number(end! - begin!) / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
