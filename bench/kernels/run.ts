// The per-kernel benchmark itself, the same in the browser page and in Node on Dawn: the
// adapter's ceilings first, then each op and shape, timed alone (timeKernels: the op's run
// replayed many times in one submit).
import { gpuTimeMs, measureCeilings, setBackend, timeKernels } from 'shadergrad';
import type { Ceilings, KernelTimingMethod, TimeKernelsOptions } from 'shadergrad';
import { KERNEL_OPS } from './ops.ts';
import type { Mode } from './ops.ts';
import type { KernelPlan } from './options.ts';

export interface KernelRow {
  op: string;
  /** What ran, "op (family.kernel)", in dispatch order. */
  kernels: string[];
  shape: string;
  ms: number;
  gflops: number;
  gbs: number;
  /** GFLOP/s and GB/s as fractions of the measured ceilings. */
  flopShare: number;
  bandwidthShare: number;
  /** Milliseconds the adapter's measured copy bandwidth needs to move this row's bytes. */
  copyMs: number;
  /** ms / copyMs: how many times the copy-bandwidth time the kernels take (1 = at the copy ceiling). */
  ofCopyTime: number;
  /** The work model's counts for one run (ops.ts). */
  flop: number;
  bytes: number;
  method: KernelTimingMethod;
  dispatches: number;
  repeats: number;
}

export interface KernelResult {
  adapter: string;
  date: string;
  mode: Mode;
  runtime: 'browser' | 'node';
  timestampQuery: boolean;
  ceilings: Ceilings;
  /** How each op's FLOP and bytes are counted. */
  model: Record<string, string>;
  rows: KernelRow[];
  notes: string[];
}

const TIMING: Record<Mode, TimeKernelsOptions> = {
  // Enough to exercise every path (calibration, several submits), not to measure well.
  smoke: { targetMs: 5, submits: 2, maxRepeats: 8 },
  full: { targetMs: 100, submits: 5, maxRepeats: 2000 },
};

export async function runKernels(plan: Pick<KernelPlan, 'mode' | 'runs'>, runtime: KernelResult['runtime'], log: (msg: string) => void): Promise<KernelResult> {
  const gpu = await setBackend('webgpu');
  const timing = TIMING[plan.mode];
  log(`adapter: ${gpu.description}`);
  try {
    // Nothing recorded: null where the adapter has no timestamp queries, 0 where it has.
    const timestampQuery = (await gpuTimeMs(() => undefined)) !== null;
    const ceilings = await measureCeilings({ sizes: plan.mode, ...timing });
    log(`ceilings: copy ${ceilings.bandwidthGBs.toPrecision(4)} GB/s, FMA ${ceilings.gflops.toPrecision(4)} GFLOP/s`);
    const rows: KernelRow[] = [];
    for (const { op, shapes } of plan.runs) {
      const spec = KERNEL_OPS[op];
      for (const d of shapes) {
        const shape = d.join('x');
        log(`${op} ${shape} ...`);
        const t = await timeKernels(spec.setup(d), timing);
        const flop = spec.flop(d);
        const bytes = spec.bytes(d);
        const gflops = flop / (t.ms * 1e6);
        const gbs = bytes / (t.ms * 1e6);
        const copyMs = bytes / (ceilings.bandwidthGBs * 1e6);
        rows.push({
          op,
          kernels: t.kernels,
          shape,
          ms: t.ms,
          gflops,
          gbs,
          flopShare: gflops / ceilings.gflops,
          bandwidthShare: gbs / ceilings.bandwidthGBs,
          copyMs,
          ofCopyTime: t.ms / copyMs,
          flop,
          bytes,
          method: t.method,
          dispatches: t.dispatches,
          repeats: t.repeats,
        });
        log(`${op} ${shape}: ${t.ms.toPrecision(4)} ms (${t.kernels.join(' + ')})`);
      }
    }
    const notes: string[] = [];
    if (/swiftshader/i.test(gpu.description)) {
      notes.push('SwiftShader is a CPU Vulkan driver: these are CPU figures (per-dispatch overhead, emulated workgroups), not GPU results');
    }
    return {
      adapter: gpu.description,
      date: new Date().toISOString(),
      mode: plan.mode,
      runtime,
      timestampQuery,
      ceilings,
      model: Object.fromEntries(plan.runs.map(({ op }) => [op, `${KERNEL_OPS[op].about}: ${KERNEL_OPS[op].model}`])),
      rows,
      notes,
    };
  } finally {
    // Frees the device (Dawn in Node would otherwise keep the process alive).
    await setBackend('cpu');
  }
}
