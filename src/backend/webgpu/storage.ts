// Tensor memory on WebGPU: buffers and views of them (GpuSlice), host uploads and writes,
// copies, and reads through a pool of staging buffers.
import type { DType, Storage } from '../../graph/ir.ts';
import type { BackendStats, HostArray } from '../backend.ts';
import type { QueueGate } from './gate.ts';
import type { DeviceHealth } from './health.ts';

// Literal flags: GPUBufferUsage and friends are undefined in Node until Dawn is loaded.
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, QUERY_RESOLVE: 0x200 };
// GPUMapMode.READ (a map mode, not the buffer usage of the same value)
const MAP_MODE_READ = 0x1;

/**
 * A run of another tensor's memory (a view: reshape, a narrow of rows), in bytes. Storage on
 * this backend is a GPUBuffer or a GpuSlice of one.
 */
export class GpuSlice {
  constructor(
    readonly buffer: GPUBuffer,
    readonly offset: number,
    readonly size: number,
  ) {}
}

/** A binding: a buffer, or a run of one. */
export interface Span {
  buffer: GPUBuffer;
  offset: number;
  size?: number;
}

export function spanOf(storage: Storage): Span {
  return storage instanceof GpuSlice ? storage : { buffer: storage as GPUBuffer, offset: 0 };
}

export class GpuStorage {
  private readonly staging = new Map<number, GPUBuffer[]>();
  /**
   * Buffers the device refused (out of memory): unusable. Memory the engine owns (a plan's,
   * a staging buffer) is made again at its next use (`renewed`); a tensor's is not, and the
   * error says to make the tensor again.
   */
  private readonly refused = new WeakSet<GPUBuffer>();
  /** How many allocations were refused so far: a plan checks its buffers only when this moved. */
  refusals = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly stats: BackendStats,
    private readonly health: DeviceHealth,
    /** Every queue operation goes through it (gate.ts): a run waiting for its pipelines holds the later ones. */
    readonly gate: QueueGate,
  ) {}

  /**
   * A buffer of at least `bytes`. Past the device's limits it throws at once, naming `label`
   * (what the buffer is for), the bytes and the limit. An allocation the device refuses
   * (out of memory) is only known later, through an error scope: the buffer is marked
   * refused and the error, naming the same, is thrown at the next run or read.
   */
  createBuffer(bytes: number, usage: number, label: string): GPUBuffer {
    // Whole 16-byte units: the matmul kernels read their operands as vec4 arrays, which
    // reach the last element only if the binding covers its whole vec4.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    this.checkLimits(size, usage, label);
    this.stats.buffersAllocated++;
    this.stats.bytesAllocated += size;
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage, label });
    const scope = this.device.popErrorScope().then(
      (err) => {
        if (!err) return;
        this.refused.add(buffer);
        this.refusals++;
        this.health.report(
          new Error(
            `webgpu: out of memory: the device refused ${label} (${size} bytes): ${err.message}. ` +
              'Free what is no longer needed (tensor.dispose(), fewer live results) or use smaller shapes; a tensor whose memory was refused must be made again',
          ),
        );
      },
      // A lost device rejects it; its loss is reported on its own.
      () => {},
    );
    this.health.trackAllocation(scope);
    return buffer;
  }

  /** A tensor is one buffer, bound whole as storage: both limits apply to storage buffers. */
  private checkLimits(size: number, usage: number, label: string): void {
    const { maxBufferSize, maxStorageBufferBindingSize } = this.device.limits;
    const [limit, name] =
      usage & USAGE.STORAGE && maxStorageBufferBindingSize < maxBufferSize
        ? [maxStorageBufferBindingSize, 'maxStorageBufferBindingSize']
        : [maxBufferSize, 'maxBufferSize'];
    if (size > limit) throw new Error(`webgpu: ${label} needs a buffer of ${size} bytes, more than the device allows: its ${name} is ${limit} bytes`);
  }

  /** `buffer`, or a new one like it where the device refused it (memory the engine owns). */
  renewed(buffer: GPUBuffer): GPUBuffer {
    if (!this.refused.has(buffer)) return buffer;
    return this.createBuffer(buffer.size, buffer.usage, buffer.label);
  }

  isRefused(buffer: GPUBuffer): boolean {
    return this.refused.has(buffer);
  }

  storageBuffer(elements: number, label: string): GPUBuffer {
    return this.createBuffer(elements * 4, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label);
  }

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    const buf = this.storageBuffer(data.length, `a ${dtype} tensor of ${data.length} elements`);
    this.write(buf, data, dtype);
    return buf;
  }

  write(storage: Storage, data: ArrayLike<number>, dtype: DType): void {
    this.health.check('write');
    const arr = dtype === 'int32' ? Int32Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
    const { buffer, offset } = spanOf(storage);
    if (arr.length === 0) return;
    // Held, the write sends what the data is now (the caller may change its array after).
    const send = this.gate.open || arr !== data ? arr : arr.slice();
    this.gate.later(() => this.device.queue.writeBuffer(buffer, offset, send.buffer, send.byteOffset, send.byteLength));
  }

  view(storage: Storage, offset: number, size: number): Storage {
    const span = spanOf(storage);
    return new GpuSlice(span.buffer, span.offset + offset * 4, size * 4);
  }

  release(storage: Storage): void {
    // A view's memory belongs to the tensor it is a view of.
    if (storage instanceof GpuSlice) return;
    // After the held runs that may still use it.
    const buffer = storage as GPUBuffer | null;
    if (buffer) this.gate.later(() => buffer.destroy());
  }

  clone(storage: Storage, size: number): Storage {
    this.health.check('clone');
    const copy = this.storageBuffer(size, `a kept result of ${size} elements`);
    const { buffer, offset } = spanOf(storage);
    this.gate.later(() => {
      const enc = this.device.createCommandEncoder();
      if (size > 0) enc.copyBufferToBuffer(buffer, offset, copy, 0, size * 4);
      this.device.queue.submit([enc.finish()]);
    });
    this.stats.submits++;
    return copy;
  }

  /** One buffer holding each part at its offset (elements), zeros between: one submit of copies. */
  arena(parts: { storage: Storage; offset: number; size: number }[], size: number): Storage {
    this.health.check('arena');
    const arena = this.storageBuffer(size, `an arena of ${parts.length} tensors (${size} elements: the optimizer's parameters side by side)`);
    this.gate.later(() => {
      const enc = this.device.createCommandEncoder();
      for (const p of parts) {
        const { buffer, offset } = spanOf(p.storage);
        if (p.size > 0) enc.copyBufferToBuffer(buffer, offset, arena, p.offset * 4, p.size * 4);
      }
      this.device.queue.submit([enc.finish()]);
    });
    this.stats.submits++;
    return arena;
  }

  read(storage: Storage, dtype: DType, size: number): Promise<HostArray> {
    this.health.check('read');
    this.stats.submits++;
    return this.gate
      .run(() => {
        const enc = this.device.createCommandEncoder();
        const done = this.stage(enc, storage, dtype, size);
        this.device.queue.submit([enc.finish()]);
        return done;
      })
      .then((done) => done());
  }

  /**
   * Record a copy into a staging buffer; the returned function maps it after the submit.
   * `counted`: a readback of the program's (not the tools' own timestamps).
   */
  stage(enc: GPUCommandEncoder, src: Storage, dtype: DType, size: number, counted = true): () => Promise<HostArray> {
    if (counted) this.stats.readbacks++;
    const bytes = Math.max(4, size * 4);
    const pool = this.staging.get(bytes) ?? [];
    this.staging.set(bytes, pool);
    let buf = pool.pop();
    while (buf && this.refused.has(buf)) buf = pool.pop();
    buf ??= this.createBuffer(bytes, USAGE.MAP_READ | USAGE.COPY_DST, `a staging buffer to read ${size} elements`);
    const { buffer, offset } = spanOf(src);
    if (size > 0) enc.copyBufferToBuffer(buffer, offset, buf, 0, size * 4);
    return async () => {
      try {
        await buf.mapAsync(MAP_MODE_READ);
      } catch (err) {
        // A read in flight when the device went: mapAsync rejects with the platform's words
        // ('destroyed', an AbortError: "unmapped before mapping was resolved"), and
        // device.lost settles about then: wait a moment for it, so the error gives the
        // browser's reason and is known as a loss (isDeviceLost).
        await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 100))]);
        throw this.health.lostError('read') ?? err;
      }
      const raw = buf.getMappedRange(0, bytes).slice(0, size * 4);
      buf.unmap();
      pool.push(buf);
      // A copy from memory the device refused reads zeros: its error must come first.
      await this.health.settled();
      this.health.check('read', true);
      return dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
    };
  }
}
