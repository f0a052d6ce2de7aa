// The adapter's ceilings, measured once per page with the engine's own micro-kernels
// (measureCeilings: a 64 MiB copy for GB/s, an FMA loop for GFLOP/s, timed as the per-kernel
// benchmark times kernels), on the engine's device, so a kernel's figures read as shares of
// what this adapter was seen to do.
import { measureCeilings } from 'shadergrad';
import type { Ceilings } from 'shadergrad';

export type { Ceilings };

let measured: Promise<Ceilings> | null = null;

/** The ceilings, measured on the first call (a few seconds on SwiftShader) and kept. */
export function adapterCeilings(): Promise<Ceilings> {
  if (!measured) {
    measured = measureCeilings({ sizes: 'full', targetMs: 100, submits: 5 });
    // A failure is not kept: the next run measures again.
    measured.catch(() => {
      measured = null;
    });
  }
  return measured;
}

export const CEILING_TEXT =
  'copy: a 64 MiB buffer copied into another, one vec4 per thread, bytes read plus written over time; FMA: 65536 threads, each with eight independent vec4 fused multiply-add chains, 2 FLOP per multiply-add';
