import { acquireDevice } from './device.ts';
import { WebGpuBackend } from './backend.ts';

export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  const { device, description, adapterInfo, asyncPipelines } = await acquireDevice();
  return new WebGpuBackend(device, description, adapterInfo, asyncPipelines);
}
