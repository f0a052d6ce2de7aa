// The benchmark page: the same workloads on shadergrad and TensorFlow.js, WebGPU first
// (the same adapter for both), then each one's CPU backend as extra rows.
import { setBackend } from 'shadergrad';
import type { Engine } from '../engine.ts';
import { createOursEngine } from '../ours.ts';
import { createTfjsEngine } from '../peer-tfjs.ts';
import { PLANS, collectRows } from '../rows.ts';
import type { Mode, Result, Row } from '../rows.ts';
import { tune } from '../tune.ts';

const log = (msg: string): void => {
  console.log(`bench: ${msg}`);
  document.querySelector('#log')!.textContent += `${msg}\n`;
};

declare global {
  interface Window {
    runBench: (mode: Mode) => Promise<Result>;
    runTune: (mode: Mode) => ReturnType<typeof tune>;
  }
}

window.runBench = async (mode: Mode): Promise<Result> => {
  const plan = PLANS[mode];
  const notes: string[] = [];
  const gpu = await setBackend('webgpu');
  log(`adapter: ${gpu.description}`);
  const out: Row[] = [];
  let peer: Engine | null = null;
  try {
    peer = await createTfjsEngine('webgpu');
  } catch (err) {
    notes.push(`TensorFlow.js WebGPU unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  out.push(...(await collectRows('', createOursEngine('shadergrad-webgpu'), peer, plan, log)));
  if (plan.cpu) {
    await setBackend('cpu');
    const peerCpu = await createTfjsEngine('cpu');
    out.push(...(await collectRows('cpu/', createOursEngine('shadergrad-cpu'), peerCpu, plan, log)));
  }
  return { adapter: gpu.description, date: new Date().toISOString(), mode, rows: out, notes };
};

window.runTune = async (mode: Mode) => {
  const gpu = await setBackend('webgpu');
  log(`adapter: ${gpu.description}`);
  return tune(gpu.description, 'Chromium', mode === 'full', 5, log);
};

log('ready');
