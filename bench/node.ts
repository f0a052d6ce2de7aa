// The benchmark in Node on Dawn, for a machine where no browser starts (a GPU server):
// our rows only: TensorFlow.js's WebGPU backend needs a browser, and jax-js's WebGPU device
// does not run in Node.
import { mkdirSync, writeFileSync } from 'node:fs';
import { setBackend } from 'shadergrad';
import { createOursEngine } from './ours.ts';
import { PLANS, collectRows } from './rows.ts';
import type { Mode, Result } from './rows.ts';
import { tune } from './tune.ts';

export async function run(mode: Mode): Promise<Result> {
  const log = (msg: string): void => console.error(`bench: ${msg}`);
  const gpu = await setBackend('webgpu');
  const none = { tfjs: null, jax: null };
  const why = { tfjs: 'Node (Dawn): TensorFlow.js WebGPU needs a browser', jax: 'Node (Dawn): jax-js has no WebGPU device in Node' };
  const rows = await collectRows('', createOursEngine('shadergrad-webgpu'), none, why, PLANS[mode], log);
  await setBackend('cpu');
  rows.push(...(await collectRows('cpu/', createOursEngine('shadergrad-cpu'), none, why, PLANS[mode], log)));
  return {
    adapter: gpu.description,
    date: new Date().toISOString(),
    mode,
    rows,
    notes: ['Node (Dawn): ours only (the peers need a browser); the floors are measured in the browser page only'],
  };
}

export function save(result: Result): void {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
}

/** `--tune --node`: the matmul candidates on Dawn's adapter (see tune.ts). */
export async function runTune(mode: Mode): Promise<Awaited<ReturnType<typeof tune>>> {
  const gpu = await setBackend('webgpu');
  return tune(gpu.description, 'Node (Dawn)', mode === 'full', 5, (msg) => console.error(`bench: ${msg}`));
}
