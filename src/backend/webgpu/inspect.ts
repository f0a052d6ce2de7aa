// What the last run did on the GPU, dispatch by dispatch (the engine panel, the workbench):
// the op each dispatch implements, its family and kernel, shapes, workgroups, the bytes its
// bindings read and write, an estimate of its floating-point work, and its GPU time where the
// run was inspected.
import type { PlanStep } from '../../graph/plan.ts';
import type { GpuDispatch } from '../../ops/define.ts';
import { writesBinding } from '../../ops/define.ts';
import { sizeOf } from '../../shape.ts';
import type { DispatchDescription, RunDescription } from '../tooling.ts';
import type { LastRun } from './run.ts';

export async function describeRun(run: LastRun): Promise<RunDescription> {
  const times = run.times ? await run.times.catch(() => null) : null;
  const { plan, c, spans } = run;
  const dispatches = c.dispatches.map((d, k): DispatchDescription => {
    const step = plan.steps[d.step]!;
    let bytesRead = 0;
    let bytesWritten = 0;
    d.dispatch.bind.forEach((b, i) => {
      const span = spans[k]![i]!;
      const bytes = span.size ?? span.buffer.size - span.offset;
      if (writesBinding(b, d.writes)) bytesWritten += bytes;
      else bytesRead += bytes;
    });
    return {
      index: k,
      step: d.step,
      op: step.def.name,
      family: d.dispatch.family,
      kernel: d.dispatch.kernel,
      shader: d.dispatch.family,
      entry: d.dispatch.kernel,
      constants: { ...(d.dispatch.constants ?? {}) },
      inShapes: step.inShapes.map((s) => [...s]),
      outShape: [...step.outShape],
      inPlace: step.out === null,
      workgroups: [...d.dispatch.workgroups],
      bytesRead,
      bytesWritten,
      flops: estimateFlops(step, d.dispatch),
      gpuMs: times ? times[k]! : null,
    };
  });
  return { plan: plan.id, steps: plan.steps.length, dispatches, timed: times !== null };
}

/**
 * The dispatch's own count where its rule gives one (a product's 2·M·N·K); otherwise one
 * operation per element of the larger of the output and the inputs, which is what
 * elementwise kernels and reductions do.
 */
function estimateFlops(step: PlanStep, d: GpuDispatch): number {
  return d.flops ?? Math.max(sizeOf(step.outShape), ...step.inShapes.map(sizeOf));
}
