// The backend registry: which backend runs the work, how each one starts, and the epoch that
// tells a tensor made before a switch from one made after. Nothing here records or runs ops.
import type { Backend, BackendName } from '../backend/backend.ts';
import { CpuBackend } from '../backend/cpu/backend.ts';
import type { DType } from '../graph/ir.ts';
import { fmt, sizeOf } from '../shape.ts';
import type { Shape } from '../shape.ts';

/** What the backend checks read of a Tensor (the class sits above the engine). */
export interface OnBackend {
  readonly backendName: string;
  readonly epoch: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

let backend: Backend = new CpuBackend('float32');
/** Bumped by every backend switch: tensors of an earlier epoch have lost their memory. */
let epoch = 0;
let lastSwitch = '';

export function currentBackend(): Backend {
  return backend;
}

export function currentEpoch(): number {
  return epoch;
}

export interface SetBackendOptions {
  /** Fall back to the CPU backend (and report why) instead of throwing. */
  fallback?: boolean;
  /** CPU only: compute in float64, for gradient checks. */
  precision?: 'float32' | 'float64';
}

export interface BackendInfo {
  name: BackendName;
  description: string;
  /** Set when a fallback happened: why the requested backend could not start. */
  fallbackReason?: string;
}

export type BackendFactory = (opts: SetBackendOptions) => Promise<Backend>;
const factories = new Map<BackendName, BackendFactory>([
  ['cpu', async (opts) => new CpuBackend(opts.precision ?? 'float32')],
  // Loaded on demand: a CPU-only program never pulls in the shaders.
  ['webgpu', async () => (await import('../backend/webgpu/index.ts')).createWebGpuBackend()],
]);

/** Plug in (or replace) how a backend starts; returns the factory it replaced. */
export function registerBackend(name: BackendName, factory: BackendFactory): BackendFactory | undefined {
  const previous = factories.get(name);
  factories.set(name, factory);
  return previous;
}

export function checkBackendOptions(name: BackendName, opts: SetBackendOptions): void {
  if (name !== 'cpu' && name !== 'webgpu') throw new Error(`setBackend: unknown backend '${String(name)}'; expected 'cpu' or 'webgpu'`);
  if (opts.precision !== undefined && opts.precision !== 'float32' && opts.precision !== 'float64') {
    throw new Error(`setBackend: precision must be 'float32' or 'float64', got '${String(opts.precision)}'`);
  }
  if (name !== 'cpu' && opts.precision === 'float64') throw new Error(`setBackend: float64 precision is only available on the 'cpu' backend`);
}

export interface StartedBackend {
  backend: Backend;
  /** Set when a fallback happened: why the requested backend could not start. */
  fallbackReason?: string;
}

/** Start `name` (or, with `fallback`, the CPU instead); it is not current until makeCurrent. */
export async function startBackend(name: BackendName, opts: SetBackendOptions): Promise<StartedBackend> {
  const factory = factories.get(name);
  try {
    if (!factory) throw new Error(`the ${name} backend is not available in this build`);
    return { backend: await factory(opts) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (!opts.fallback) throw new Error(`setBackend('${name}'): ${reason}`);
    return { backend: new CpuBackend(opts.precision ?? 'float32'), fallbackReason: reason };
  }
}

/** Make a started backend current: a new epoch, in which earlier tensors are refused. */
export function makeCurrent(started: StartedBackend, name: BackendName, opts: SetBackendOptions): BackendInfo {
  const { backend: next, fallbackReason } = started;
  // The old backend's tensors are unusable from now on; free its device.
  if (backend !== next) backend.destroy?.();
  backend = next;
  epoch++;
  lastSwitch = `setBackend('${name}'${opts.precision ? `, { precision: '${opts.precision}' }` : ''})`;
  const info: BackendInfo = { name: next.name, description: next.description };
  if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
  return info;
}

/**
 * Whether `err` says the GPU device was lost (the WebGPU backend's DeviceLostError: its
 * message gives the browser's reason), rather than a bad input or a failed kernel: then
 * setBackend('webgpu') starts a new device, and a Checkpoint's restore() goes on from a save.
 */
export function isDeviceLost(err: unknown): err is Error & { reason: string } {
  return err instanceof Error && err.name === 'DeviceLostError';
}

/** Whether `t` was made by the backend now in use (not before a setBackend call). */
export function isOnCurrentBackend(t: OnBackend): boolean {
  return t.backendName === backend.name && t.epoch === epoch;
}

/** Throws unless `t` was made by the backend now in use (not before a setBackend call). */
export function assertCurrentBackend(t: OnBackend, op: string): void {
  if (t.backendName !== backend.name) {
    throw new Error(`${op}: a tensor ${fmt(t.shape)} lives on the ${t.backendName} backend but the current backend is ${backend.name}; create it again after setBackend`);
  }
  if (t.epoch !== epoch) {
    throw new Error(
      `${op}: a tensor ${fmt(t.shape)} ${t.dtype} was created before ${lastSwitch} re-initialised the ${backend.name} backend; ` +
        `its memory is gone: create it again`,
    );
  }
}

/** A tensor must fit the backend's largest buffer: checked when recorded, not when run. */
export function checkSize(op: string, shape: readonly number[], dtype: DType): void {
  const bytes = sizeOf(shape) * (dtype === 'float32' && backend.precision === 'float64' ? 8 : 4);
  const limit = backend.maxTensorBytes;
  if (bytes > limit.bytes) {
    throw new Error(
      `${op}: a ${dtype} tensor of shape ${fmt(shape)} has ${sizeOf(shape)} elements (${bytes} bytes), ` +
        `more than the ${backend.name} backend can hold in one tensor: ${limit.source}`,
    );
  }
}
