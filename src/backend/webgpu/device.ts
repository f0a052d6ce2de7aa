// Getting a GPUDevice: navigator.gpu in a browser, Dawn (the `webgpu` package) in Node.
// Each failure says what is missing and what to do about it.
import type { AdapterIdentity } from '../tooling.ts';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  description: string;
  adapterInfo: AdapterIdentity;
  /**
   * Whether pipelines are made with createComputePipelineAsync (see Pipelines): in a browser,
   * where they then compile in parallel off the page's thread. Not with Node's Dawn, whose
   * async callbacks are polled: the same kernels took twice the CPU time there (the GPU
   * suite's matmul variants, 1m42 against 53 s).
   */
  asyncPipelines: boolean;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/**
 * Dawn's GPU object owns the instance that delivers every callback: if it is garbage
 * collected while a device lives, Dawn crashes in ProcessEvents. Hold it for good.
 */
let nodeInstance: GPU | null = null;

async function nodeGpu(): Promise<GPU> {
  if (nodeInstance) return nodeInstance;
  // A computed specifier keeps bundlers from pulling Dawn (a native addon) into pages.
  const name = 'webgpu';
  let mod: { create: (opts: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await import(/* @vite-ignore */ name);
  } catch (err) {
    throw new Error(`the 'webgpu' package (Dawn for Node, an optional peer dependency: npm install webgpu) could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  // GPUBufferUsage, GPUMapMode, ... are globals in a browser; Dawn provides them.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  nodeInstance = mod.create([]);
  return nodeInstance;
}

/**
 * `defaultLimits`: ask for WebGPU's default limits (128 MiB bindings, 256 MiB buffers)
 * instead of the adapter's own, as a small GPU would give: the tests of size limits use it.
 */
export async function acquireDevice(opts: { defaultLimits?: boolean } = {}): Promise<AcquiredDevice> {
  let gpu: GPU | undefined = typeof navigator !== 'undefined' ? (navigator as Navigator & { gpu?: GPU }).gpu : undefined;
  const asyncPipelines = !!gpu;
  if (!gpu && isNode) gpu = await nodeGpu();
  if (!gpu) {
    throw new Error('WebGPU is not available in this browser (navigator.gpu is missing); use a recent Chrome or Edge, or enable WebGPU in its flags');
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      isNode
        ? "no WebGPU adapter: Dawn found no Vulkan driver. Without a GPU, point Vulkan at the SwiftShader driver that Chrome ships: set VK_ICD_FILENAMES to its vk_swiftshader_icd.json and add Chrome's directory to LD_LIBRARY_PATH (shadergrad's README, 'Installing the package', says how; its scripts/with-gpu-env.mjs does both)"
        : 'no WebGPU adapter: the browser exposes WebGPU but found no usable GPU (check chrome://gpu)',
    );
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    // Timestamp queries, where offered, let benchmarks time the kernels alone (gpuTimeMs).
    requiredFeatures: (['timestamp-query', 'subgroups'] as GPUFeatureName[]).filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBuffersPerShaderStage: Math.min(10, limits.maxStorageBuffersPerShaderStage),
      ...(opts.defaultLimits ? {} : { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize }),
    },
  });
  const info = adapter.info;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && s.length > 0).join(' ') || 'WebGPU adapter';
  const adapterInfo: AdapterIdentity = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '' };
  return { device, adapter, description, adapterInfo, asyncPipelines };
}
