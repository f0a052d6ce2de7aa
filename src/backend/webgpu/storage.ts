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

  constructor(
    private readonly device: GPUDevice,
    private readonly stats: BackendStats,
    private readonly health: DeviceHealth,
    /** Every queue operation goes through it (gate.ts): a run waiting for its pipelines holds the later ones. */
    readonly gate: QueueGate,
  ) {}

  createBuffer(bytes: number, usage: number, label: string): GPUBuffer {
    // Whole 16-byte units: the matmul kernels read their operands as vec4 arrays, which
    // reach the last element only if the binding covers its whole vec4.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    this.stats.buffersAllocated++;
    this.stats.bytesAllocated += size;
    return this.device.createBuffer({ size, usage, label });
  }

  storageBuffer(elements: number, label: string): GPUBuffer {
    return this.createBuffer(elements * 4, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label);
  }

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    const buf = this.storageBuffer(data.length, 'tensor');
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
    const copy = this.storageBuffer(size, 'kept result');
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
    const arena = this.storageBuffer(size, 'arena');
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
    const buf = pool.pop() ?? this.createBuffer(bytes, USAGE.MAP_READ | USAGE.COPY_DST, 'staging');
    const { buffer, offset } = spanOf(src);
    if (size > 0) enc.copyBufferToBuffer(buffer, offset, buf, 0, size * 4);
    return async () => {
      await buf.mapAsync(MAP_MODE_READ);
      const raw = buf.getMappedRange(0, bytes).slice(0, size * 4);
      buf.unmap();
      pool.push(buf);
      this.health.check('read');
      return dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
    };
  }
}
