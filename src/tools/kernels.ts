// The kernels behind a run, for the engine panel and the workbench: inspecting what the last
// run dispatched, reading and replacing a family's WGSL, and (for bench --tune and tests) the
// kernel-choice table. They reach the WebGPU backend through its narrow tooling interface
// (src/backend/tooling.ts), never through Backend, and never hand out its device.
import type { KernelTools, FamilyCompile, RunDescription } from '../backend/tooling.ts';
import { toolsOf } from '../backend/tooling.ts';
import type { MatmulTuning } from '../ops/matmul-choice.ts';
import { currentBackend } from '../engine/backend.ts';
import { flush } from '../engine/executor.ts';

/** The current backend's kernel tools; an Error naming `who` where it runs no kernels. */
export function gpuTools(who: string): KernelTools {
  const b = currentBackend();
  const tools = toolsOf(b);
  if (!tools) throw new Error(`${who}: needs the WebGPU backend (await setBackend('webgpu')); the current backend is '${b.name}'`);
  return tools;
}

/**
 * The engine panel's inspection: while on, every run on WebGPU times each of its dispatches
 * with GPU timestamps. Returns whether it can (false on the CPU backend, or where the
 * adapter offers no timestamp queries: describeLastRun then has no per-dispatch times).
 */
export function inspectRuns(on: boolean): boolean {
  return toolsOf(currentBackend())?.inspect(on) ?? false;
}

/**
 * What the last run (the last flush that ran kernels) did on the GPU, dispatch by dispatch:
 * op, family and kernel, shapes, workgroups, bytes, estimated FLOPs and, while inspecting,
 * GPU time. null on the CPU backend (it runs no kernels) and before the first run.
 */
export async function describeLastRun(): Promise<RunDescription | null> {
  return (await toolsOf(currentBackend())?.describeLastRun()) ?? null;
}

/**
 * The WGSL of kernel family `family` (shaders/<family>.wgsl, or what setFamilySource put in
 * its place); with `withPrelude`, as the GPU compiles it (the generated contract constants
 * and common.wgsl first). null on the CPU backend.
 */
export function familySource(family: string, opts: { withPrelude?: boolean } = {}): string | null {
  return toolsOf(currentBackend())?.familySource(family, opts) ?? null;
}

/**
 * Replace kernel family `family` for every later run with `wgsl` (its own text, as
 * familySource gives it), or restore the file's with null. It is compiled first: on an error
 * (`messages`, lines counted in `wgsl`) the old kernels keep running. Runs already recorded
 * use the new text from their next flush. WebGPU only.
 */
export async function setFamilySource(family: string, wgsl: string | null): Promise<FamilyCompile> {
  const b = currentBackend();
  const tools = toolsOf(b);
  if (!tools) throw new Error(`setFamilySource: the ${b.name} backend runs no kernels; switch to 'webgpu' first`);
  flush();
  return tools.setFamilySource(family, wgsl);
}

/** @deprecated renamed familySource (a shader file is a kernel family); kept for one release. */
export const kernelSource = familySource;

/** @deprecated renamed setFamilySource; kept for one release. */
export const setKernelSource = setFamilySource;

/** The WebGPU backend's matmul kernel-choice table (the one its GPU rules get). */
export function matmulTuning(): MatmulTuning {
  return gpuTools('matmulTuning').tuning;
}

/**
 * Install a matmul kernel-choice table on the WebGPU backend (bench --tune's candidates, tests
 * that force one kernel): refused, naming the class, if it could not run; otherwise every
 * plan compiles again under it. Work recorded before it runs first, under the old table.
 */
export function setMatmulTuning(t: MatmulTuning): void {
  const tools = gpuTools('setMatmulTuning');
  flush();
  tools.setTuning(t);
}
