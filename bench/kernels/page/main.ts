// The kernel benchmark's page: bench/kernels.mjs opens it in headless Chromium and calls
// window.runKernelBench with the options it checked.
import { runKernels } from '../run.ts';
import type { KernelResult } from '../run.ts';
import type { KernelPlan } from '../options.ts';

const log = (msg: string): void => {
  console.log(`bench: ${msg}`);
  document.querySelector('#log')!.textContent += `${msg}\n`;
};

declare global {
  interface Window {
    runKernelBench: (plan: Pick<KernelPlan, 'mode' | 'runs'>) => Promise<KernelResult>;
  }
}

window.runKernelBench = (plan) => runKernels(plan, 'browser', log);
log('ready');
