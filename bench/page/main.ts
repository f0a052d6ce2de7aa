// The benchmark page: the same workloads on shadergrad, TensorFlow.js and jax-js, WebGPU
// first (the same adapter for all three), then each one's CPU backend as extra rows.
import { setBackend } from 'shadergrad';
import { measureFloors } from '../floors.ts';
import type { Engine } from '../engine.ts';
import { createOursEngine } from '../ours.ts';
import { createJaxEngine } from '../peer-jax.ts';
import { createTfjsEngine } from '../peer-tfjs.ts';
import { PLANS, collectRows, floorNote } from '../rows.ts';
import type { Mode, PeerName, Result, Row } from '../rows.ts';
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

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Each peer's engine, or null with the reason it could not start (noted, never hidden). */
async function startPeers(
  make: Record<PeerName, () => Promise<Engine>>,
  notes: string[],
): Promise<{ peers: Record<PeerName, Engine | null>; missing: Partial<Record<PeerName, string>> }> {
  const peers: Record<PeerName, Engine | null> = { tfjs: null, jax: null };
  const missing: Partial<Record<PeerName, string>> = {};
  for (const p of Object.keys(make) as PeerName[]) {
    try {
      peers[p] = await make[p]();
    } catch (err) {
      missing[p] = message(err);
      notes.push(`${p} unavailable: ${missing[p]}`);
      log(`${p} unavailable: ${missing[p]}`);
    }
  }
  return { peers, missing };
}

window.runBench = async (mode: Mode): Promise<Result> => {
  const plan = PLANS[mode];
  const notes: string[] = [];
  const gpu = await setBackend('webgpu');
  log(`adapter: ${gpu.description}`);
  const result: Result = { adapter: gpu.description, date: new Date().toISOString(), mode, rows: [], notes };
  try {
    result.floors = await measureFloors(navigator.gpu, mode === 'smoke' ? 10 : 50);
  } catch (err) {
    notes.push(`floors not measured: ${message(err)}`);
  }
  const out: Row[] = result.rows;
  const gpuPeers = await startPeers({ tfjs: () => createTfjsEngine('webgpu'), jax: () => createJaxEngine('webgpu') }, notes);
  out.push(...(await collectRows('', createOursEngine('shadergrad-webgpu'), gpuPeers.peers, gpuPeers.missing, plan, log)));
  if (plan.cpu) {
    await setBackend('cpu');
    const cpuPeers = await startPeers({ tfjs: () => createTfjsEngine('cpu'), jax: () => createJaxEngine('wasm') }, notes);
    out.push(...(await collectRows('cpu/', createOursEngine('shadergrad-cpu'), cpuPeers.peers, cpuPeers.missing, plan, log)));
    if (cpuPeers.peers.jax && !self.crossOriginIsolated) {
      notes.push("cpu/ rows: jax-js's wasm backend runs on one thread here (the page is not cross-origin isolated, so no SharedArrayBuffer), as do our CPU reference and TF.js's cpu backend");
    }
  }
  const floor = floorNote(result);
  if (floor) notes.push(floor);
  return result;
};

window.runTune = async (mode: Mode) => {
  const gpu = await setBackend('webgpu');
  log(`adapter: ${gpu.description}`);
  return tune(gpu.description, 'Chromium', mode === 'full', 5, log);
};

log('ready');
