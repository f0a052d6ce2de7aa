// Timing kernels, for benchmarks and the workbench: the GPU time of the runs a function makes
// (gpuTimeMs), the kernels of one run alone, replayed many times in one submit (timeKernels),
// and the adapter's own ceilings to read those figures against (measureCeilings).
import type { CeilingSizes, Ceilings, KernelTiming, TimeKernelsOptions } from '../backend/tooling.ts';
import { CEILING_SIZES, toolsOf } from '../backend/tooling.ts';
import { currentBackend } from '../engine/backend.ts';
import { flush } from '../engine/executor.ts';
import type { Tensor } from '../tensor.ts';
import { gpuTools } from './kernels.ts';

/**
 * GPU time of the kernels that `fn`'s work ran, from timestamp queries (ms); null where the
 * backend has none (the CPU, an adapter without 'timestamp-query'). For benchmarks.
 */
export async function gpuTimeMs(fn: () => Promise<void> | void): Promise<number | null> {
  flush();
  const tools = toolsOf(currentBackend());
  if (!tools?.startTimer()) {
    await fn();
    return null;
  }
  try {
    await fn();
    flush();
  } catch (err) {
    await tools.stopTimer();
    throw err;
  }
  // Waits for the timestamps of every run since startTimer.
  return tools.stopTimer();
}

/**
 * Time the kernels that `build` records, alone (WebGPU only): its inputs (anything pending
 * before it) are realized first, then what it records runs once as one plan (the kernels the
 * engine chooses for those shapes, after fusion), and that plan's dispatches are recorded N
 * times into one command buffer and submitted, N chosen so a submit takes about `targetMs`;
 * the GPU's time of a submit from timestamps where the adapter has them (else its wall time),
 * over N, the median of `submits` submits. `build` returns its results, or nothing for an
 * effect (an optimizer step).
 */
export async function timeKernels(build: () => Tensor | Tensor[] | void, opts: TimeKernelsOptions = {}): Promise<KernelTiming> {
  const tools = gpuTools('timeKernels');
  const backend = currentBackend();
  flush();
  const submits = backend.stats.submits;
  build();
  flush();
  if (backend.stats.submits === submits) throw new Error('timeKernels: build() recorded no work (its results were realized already)');
  await backend.sync();
  return tools.timeLastRun(opts);
}

export interface MeasureCeilingsOptions extends TimeKernelsOptions {
  /** The micro-kernels' sizes: 'full' (the default: a 64 MiB copy, 65536 FMA threads) or 'smoke' (tiny, for tests). */
  sizes?: 'smoke' | 'full' | CeilingSizes;
}

/**
 * The adapter's ceilings (WebGPU only), measured with two micro-kernels timed as timeKernels
 * times: a copy of one buffer into another, one vec4 per thread (GB/s: bytes read plus
 * written over time), and an FMA loop, each thread with eight independent vec4 chains
 * (GFLOP/s: 2 per fused multiply-add). A kernel's figures then read as shares of what this
 * adapter was seen to do. A few seconds on SwiftShader.
 */
export async function measureCeilings(opts: MeasureCeilingsOptions = {}): Promise<Ceilings> {
  const tools = gpuTools('measureCeilings');
  const { sizes = 'full', ...timing } = opts;
  if (typeof sizes === 'string' && !Object.hasOwn(CEILING_SIZES, sizes)) {
    throw new Error(`measureCeilings: sizes must be 'smoke', 'full' or { copyBytes, fmaWorkgroups, fmaIters }, got '${sizes}'`);
  }
  return tools.measureCeilings(typeof sizes === 'string' ? CEILING_SIZES[sizes] : sizes, timing);
}
