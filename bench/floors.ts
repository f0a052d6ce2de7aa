// The adapter's fixed costs, measured on a device of our own on the same adapter, with
// nothing of any engine in between: the floor under any row that submits work and reads a
// result back (the smallest matmul is bound by it, not by its arithmetic).
import { median } from './engine.ts';

export interface Floors {
  /** An empty command buffer submitted, until onSubmittedWorkDone resolves (ms, median). */
  submitMs: number;
  /**
   * A 4-byte copy into a mappable buffer submitted, then mapAsync(READ), the range read
   * and unmapped (ms, median): what reading one number back costs at the least.
   */
  readbackMs: number;
  /** Measurements per figure (after REPS_WARMUP untimed ones). */
  reps: number;
}

const REPS_WARMUP = 5;

export async function measureFloors(gpu: GPU, reps = 50): Promise<Floors> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('measureFloors: requestAdapter returned null');
  const device = await adapter.requestDevice();
  try {
    const src = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(src, 0, new Float32Array([1]));
    const dst = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const submit = async (): Promise<void> => {
      device.queue.submit([device.createCommandEncoder().finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    const readback = async (): Promise<void> => {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, dst, 0, 4);
      device.queue.submit([enc.finish()]);
      await dst.mapAsync(GPUMapMode.READ);
      const v = new Float32Array(dst.getMappedRange())[0];
      dst.unmap();
      if (v !== 1) throw new Error(`measureFloors: read back ${v}, expected 1`);
    };
    const time = async (fn: () => Promise<void>): Promise<number> => {
      for (let i = 0; i < REPS_WARMUP; i++) await fn();
      const ms: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await fn();
        ms.push(performance.now() - t0);
      }
      return median(ms);
    };
    return { submitMs: await time(submit), readbackMs: await time(readback), reps };
  } finally {
    device.destroy();
  }
}
