// Every GPU test file starts WebGPU without fallback: no adapter is a failure, never a skip.
import { setBackend } from '../../src/index.ts';

export async function startWebGpu(): Promise<void> {
  const info = await setBackend('webgpu');
  if (info.name !== 'webgpu') throw new Error(`expected the webgpu backend, got ${info.name}`);
}
