// The kernel workbench, for contributors: pick an op of the registry and its shapes, run its
// WebGPU kernels against its CPU reference, see the error, the time and the share of this
// adapter's ceilings, and edit the kernel's WGSL in the page. This module starts the page;
// ./workbench.ts builds the workbench where WebGPU runs (it has nothing to offer on the CPU).
//
// For tests and contributors' scripts:
//   window.__results.workbench  every run of this page, oldest first: a WorkbenchResult
//     (measure.ts: { op, shape, maxAbsErr, maxRelErr, ms, gflops, gbps, timing, runs, flops,
//     bytes, dispatches, families, outputs }) plus { flopShare, bandwidthShare } (shares of
//     the ceilings), { edited } (families that ran edited text), and after Compile and run
//     or Restore, { compile: { family, ok, messages } } and { note } saying which kernel ran.
//   window.__results.ceilings   the adapter's ceilings once measured (measureCeilings).
//   window.__workbench          { editor (demos/ui/wgsl-view.ts), run(): one run as Run does },
//     set once the workbench is built.
//   window.__results.tune       the last "Tune this GPU" run (./tune.ts).
import { el, initPage, prose } from '../ui/index.ts';

const main = document.querySelector<HTMLElement>('#main')!;
const info = await initPage();

prose(
  main,
  'A bench for one kernel at a time. Choose an op and the shapes of its inputs: the page makes the inputs on the host from a fixed seed, runs the op once through its WGSL kernels and once through its CPU reference kernel, and reports how far apart the two answers are. Then it runs the kernels again several times and takes the median time, and turns the work the engine counts for those dispatches into GFLOP/s and GB/s, set against what this adapter reached on two micro-kernels: a plain memory copy and a loop of fused multiply-adds.',
);
prose(
  main,
  'Below the numbers is the kernel itself. Edit it and press Compile and run: text that compiles replaces the kernel for every later run on this page, so the error column shows at once whether the change is still right; text that does not compile is refused with the compiler\u2019s messages at their lines, and the run goes on with the kernel that was there before. Restore puts the file\u2019s text back. Nothing is saved: to keep a change, copy it into shaders/.',
);

if (info.name === 'webgpu') {
  await import('./workbench.ts');
  await import('./tune.ts');
} else {
  main.append(
    el('p', { class: 'wb-error', id: 'wb-error' }, `The workbench times and edits WebGPU kernels, and this browser gave the page no WebGPU (${info.fallbackReason ?? 'the CPU backend is in use'}). Open it in Chrome or Edge with WebGPU.`),
  );
}
