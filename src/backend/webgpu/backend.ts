// The WebGPU backend: a plan is compiled once into pipelines, plan-owned buffers, a
// parameter buffer and cached bind groups; each run is one command buffer and one submit,
// with any readback staged in it.
import type { DType, Storage } from '../../graph/ir.ts';
import type { Plan, PlanStep, Ref } from '../../graph/plan.ts';
import { exactKey } from '../../graph/plan.ts';
import { sizeOf } from '../../shape.ts';
import type { Binding, GpuDispatch, Word } from '../../ops/define.ts';
import { bindsOutput, effectWrites } from '../../ops/define.ts';
import type { Backend, BackendStats, ExecuteResult, HostArray, StageRef } from '../backend.ts';
import { emptyStats, tagStep } from '../backend.ts';
import { entryBindings } from './reflect.ts';
import { PRELUDE_LINES, shaderSource } from './shaders.ts';

// Literal flags: GPUBufferUsage and friends are undefined in Node until Dawn is loaded.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 };
const STAGE_COMPUTE = 0x4;
const MAP_READ = 0x1;
const MAX_WORDS = 64;

interface CompiledDispatch {
  kernel: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  dispatch: GpuDispatch;
  step: number;
  /** The plan refs bound at bindings 1..k. */
  refs: Ref[];
  paramOffset: number;
  /** Bind groups by the identity of the buffers bound (externals may change between runs). */
  bindGroups: Map<string, GPUBindGroup>;
  /** The op's inputs that this dispatch may write (effects). */
  writes: readonly number[];
}

interface Compiled {
  dispatches: CompiledDispatch[];
  slots: GPUBuffer[];
  outputSets: GPUBuffer[][];
  params: GPUBuffer;
  paramWords: ArrayBuffer;
  kernels: string[];
}

let nextBufferId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();
function idOf(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(b, id);
  }
  return id;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly precision = 'float32' as const;
  readonly stats: BackendStats = emptyStats();
  private readonly compiled = new WeakMap<Plan, Compiled>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private readonly paramAlign: number;
  /** Errors reported asynchronously by the device; thrown at the next run or read. */
  private readonly errors: Error[] = [];
  /** Checks still in flight (shader compilation, pipeline creation): a read waits for them. */
  private readonly checks = new Set<Promise<void>>();
  private lostReason: string | null = null;
  /** GPU timestamps around each run's compute pass, while a benchmark times kernels. */
  private timer: { querySet: GPUQuerySet; resolve: GPUBuffer; pending: Promise<void>[]; ns: number } | null = null;

  readonly maxTensorBytes: { bytes: number; source: string };
  readonly storageBuffersPerStage: number;

  constructor(
    readonly device: GPUDevice,
    readonly description: string,
  ) {
    // A tensor is one buffer, bound whole as storage: both limits apply.
    const { maxBufferSize, maxStorageBufferBindingSize } = device.limits;
    this.maxTensorBytes =
      maxStorageBufferBindingSize <= maxBufferSize
        ? { bytes: maxStorageBufferBindingSize, source: `the adapter's maxStorageBufferBindingSize is ${maxStorageBufferBindingSize} bytes` }
        : { bytes: maxBufferSize, source: `the adapter's maxBufferSize is ${maxBufferSize} bytes` };
    this.paramAlign = Math.max(256, device.limits.minStorageBufferOffsetAlignment);
    this.storageBuffersPerStage = device.limits.maxStorageBuffersPerShaderStage;
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (ev) => {
      this.errors.push(new Error(`webgpu: ${(ev as GPUUncapturedErrorEvent).error.message}`));
    });
  }

  private checkHealthy(what: string): void {
    if (this.lostReason !== null) throw new Error(`webgpu: the device was lost (${this.lostReason}); call setBackend('webgpu') to start again (${what})`);
    // A compiler error says the most (file:line:col); report it before what followed from it.
    const err = this.errors.find((e) => e.message.includes('compiling')) ?? this.errors[0];
    if (err) {
      this.errors.length = 0;
      throw err;
    }
  }

  private track(p: Promise<void>): void {
    const done = p.finally(() => this.checks.delete(done));
    this.checks.add(done);
  }

  private createBuffer(bytes: number, usage: number, label: string): GPUBuffer {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    this.stats.buffersAllocated++;
    this.stats.bytesAllocated += size;
    return this.device.createBuffer({ size, usage, label });
  }

  private storageBuffer(elements: number, label: string): GPUBuffer {
    return this.createBuffer(elements * 4, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label);
  }

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    const buf = this.storageBuffer(data.length, 'tensor');
    this.write(buf, data, dtype);
    return buf;
  }

  write(storage: Storage, data: ArrayLike<number>, dtype: DType): void {
    this.checkHealthy('write');
    const arr = dtype === 'int32' ? Int32Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length > 0) this.device.queue.writeBuffer(storage as GPUBuffer, 0, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  release(storage: Storage): void {
    (storage as GPUBuffer | null)?.destroy();
  }

  clone(storage: Storage, dtype: DType, size: number): Storage {
    void dtype;
    this.checkHealthy('clone');
    const copy = this.storageBuffer(size, 'kept result');
    const enc = this.device.createCommandEncoder();
    if (size > 0) enc.copyBufferToBuffer(storage as GPUBuffer, 0, copy, 0, size * 4);
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    return copy;
  }

  read(storage: Storage, dtype: DType, size: number): Promise<HostArray> {
    this.checkHealthy('read');
    const enc = this.device.createCommandEncoder();
    const done = this.stage(enc, storage as GPUBuffer, dtype, size);
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    return done();
  }

  /** Record a copy into a staging buffer; the returned function maps it after the submit. */
  private stage(enc: GPUCommandEncoder, src: GPUBuffer, dtype: DType, size: number): () => Promise<HostArray> {
    this.stats.readbacks++;
    const bytes = Math.max(4, size * 4);
    const pool = this.staging.get(bytes) ?? [];
    this.staging.set(bytes, pool);
    const buf = pool.pop() ?? this.createBuffer(bytes, USAGE.MAP_READ | USAGE.COPY_DST, 'staging');
    if (size > 0) enc.copyBufferToBuffer(src, 0, buf, 0, size * 4);
    return async () => {
      await buf.mapAsync(MAP_READ);
      const raw = buf.getMappedRange(0, bytes).slice(0, size * 4);
      buf.unmap();
      pool.push(buf);
      this.checkHealthy('read');
      return dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
    };
  }

  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult {
    this.checkHealthy(`running ${planName(plan)}`);
    const c = this.compile(plan);
    const outputs = (c.outputSets[set] ??= plan.outputs.map((m, i) => this.storageBuffer(sizeOf(m.shape), `output ${i} of plan ${plan.id}`)));
    const resolve = (r: Ref): GPUBuffer =>
      r.kind === 'ext' ? (externals[r.index] as GPUBuffer) : r.kind === 'slot' ? c.slots[r.index]! : outputs[r.index]!;

    // One write of every dispatch's parameter block.
    const u32 = new Uint32Array(c.paramWords);
    const f32 = new Float32Array(c.paramWords);
    for (const d of c.dispatches) writeWords(u32, f32, d.paramOffset / 4, d.dispatch.words(scalars[d.step]!), d.kernel);
    this.device.queue.writeBuffer(c.params, 0, u32);

    // Bind groups first: a binding error names its op's step, before any error scope opens.
    const groups = c.dispatches.map((d) => {
      try {
        return this.bindGroup(c, d, d.refs.map(resolve), set);
      } catch (err) {
        throw tagStep(err, d.step);
      }
    });

    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const enc = this.device.createCommandEncoder({ label: planName(plan) });
    const timer = this.timer;
    if (c.dispatches.length > 0) {
      const pass = enc.beginComputePass(timer ? { timestampWrites: { querySet: timer.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      c.dispatches.forEach((d, k) => {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, groups[k]!);
        pass.dispatchWorkgroups(...d.dispatch.workgroups);
      });
      pass.end();
    }
    let timed: (() => Promise<HostArray>) | null = null;
    if (timer && c.dispatches.length > 0) {
      enc.resolveQuerySet(timer.querySet, 0, 2, timer.resolve, 0);
      // Two u64 ticks, read as four u32 words; not counted as a readback of the program's.
      timed = this.stage(enc, timer.resolve, 'int32', 4);
      this.stats.readbacks--;
    }
    const reads = stage.map((r) =>
      r.kind === 'out'
        ? this.stage(enc, outputs[r.index]!, plan.outputs[r.index]!.dtype, sizeOf(plan.outputs[r.index]!.shape))
        : this.stage(enc, r.storage as GPUBuffer, r.dtype, r.size),
    );
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    this.stats.dispatches += c.dispatches.length;
    if (timer && timed) {
      timer.pending.push(
        timed().then((w) => {
          const u = new Uint32Array(w.buffer, w.byteOffset, 4);
          const ticks = (i: number): number => u[i]! + u[i + 1]! * 2 ** 32;
          timer.ns += Math.max(0, ticks(2) - ticks(0));
        }),
      );
    }
    const kernels = c.kernels.join(', ');
    const checked = Promise.all([this.device.popErrorScope(), this.device.popErrorScope()]).then(([oom, validation]) => {
      const err = validation ?? oom;
      if (err) {
        const e = new Error(`webgpu: running kernels [${kernels}]: ${err.message}`);
        this.errors.push(e);
        throw e;
      }
    });
    // Keep a failure visible even when nothing is read back.
    checked.catch(() => {});
    const staged = reads.map(async (map) => {
      await Promise.allSettled([checked, ...this.checks]);
      this.checkHealthy(`running ${planName(plan)}`);
      return map();
    });
    return { outputs, staged };
  }

  private bindGroup(c: Compiled, d: CompiledDispatch, buffers: GPUBuffer[], set: number): GPUBindGroup {
    const key = `${set}:${buffers.map(idOf).join(',')}`;
    let bg = d.bindGroups.get(key);
    if (bg) return bg;
    const written = new Set<GPUBuffer>();
    const entries = d.dispatch.bind;
    buffers.forEach((b, i) => {
      if (this.isWritten(d, i)) written.add(b);
    });
    buffers.forEach((b, i) => {
      if (!this.isWritten(d, i) && written.has(b)) {
        throw new Error(`webgpu: ${d.kernel}: the same buffer is bound both read-only (binding ${i + 1}) and written; WebGPU forbids that aliasing`);
      }
    });
    bg = this.device.createBindGroup({
      label: d.kernel,
      layout: d.layout,
      entries: [
        { binding: 0, resource: { buffer: c.params, offset: d.paramOffset, size: MAX_WORDS * 4 } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    this.stats.bindGroups++;
    // A few variants (both output sets, a changing input) are normal; more is churn.
    if (d.bindGroups.size >= 8) d.bindGroups.delete(d.bindGroups.keys().next().value!);
    d.bindGroups.set(key, bg);
    return bg;
  }

  private isWritten(d: CompiledDispatch, i: number): boolean {
    return writesBinding(d.dispatch.bind[i]!, d.writes);
  }

  private compile(plan: Plan): Compiled {
    let c = this.compiled.get(plan);
    if (c) return c;
    const dispatches: CompiledDispatch[] = [];
    plan.steps.forEach((step, index) => {
      try {
        this.compileStep(step, index, dispatches);
      } catch (err) {
        throw tagStep(err, index);
      }
    });
    const params = this.createBuffer(Math.max(1, dispatches.length) * this.paramAlign, USAGE.STORAGE | USAGE.COPY_DST, `params of plan ${plan.id}`);
    c = {
      dispatches,
      slots: plan.slots.map((s, i) => this.storageBuffer(s.size, `slot ${i} of plan ${plan.id}`)),
      outputSets: [],
      params,
      paramWords: new ArrayBuffer(Math.max(1, dispatches.length) * this.paramAlign),
      kernels: [...new Set(dispatches.map((d) => d.kernel))],
    };
    this.compiled.set(plan, c);
    return c;
  }

  /** The dispatches of one plan step, with their pipelines. */
  private compileStep(step: PlanStep, index: number, dispatches: CompiledDispatch[]): void {
    for (const dispatch of gpuDispatches(step)) {
      const kernel = `${step.def.name} (${dispatch.shader}.${dispatch.entry})`;
      const writes = effectWrites(step.def, step.inputs.length);
      const refs = dispatch.bind.map((b) => {
        if (b === 'out') {
          if (!step.out) throw new Error(`webgpu: ${kernel} binds 'out' but ${step.def.name} has no output`);
          return step.out;
        }
        if ('out' in b) {
          const r = step.extraOuts[b.out - 1];
          if (!r) throw new Error(`webgpu: ${kernel} binds output ${b.out}, but ${step.def.name} has ${1 + step.extraOuts.length}`);
          return r;
        }
        const r = step.inputs[b.input];
        if (!r) throw new Error(`webgpu: ${kernel} binds input ${b.input}, but ${step.def.name} has ${step.inputs.length}`);
        return r;
      });
      const { pipeline, layout } = this.pipeline(dispatch, kernel, writes);
      dispatches.push({
        kernel,
        pipeline,
        layout,
        dispatch,
        step: index,
        refs,
        paramOffset: dispatches.length * this.paramAlign,
        bindGroups: new Map(),
        writes,
      });
    }
  }

  /** A pipeline per (family, entry, constants), with its layout built from the WGSL. */
  private pipeline(d: GpuDispatch, kernel: string, writes: readonly number[]): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const declared = entryBindings(d.shader, d.entry);
    checkBindings(kernel, d, declared, writes);
    const key = `${d.shader}.${d.entry}${exactKey(d.constants ?? {})}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    const module = this.module(d.shader);
    const layout = this.device.createBindGroupLayout({
      label: kernel,
      entries: declared.map((b) => ({
        binding: b.binding,
        visibility: STAGE_COMPUTE,
        buffer: { type: b.access === 'read_write' ? 'storage' : 'read-only-storage' } as GPUBufferBindingLayout,
      })),
    });
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline({
      label: kernel,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: d.entry, constants: d.constants ?? {} },
    });
    this.track(
      this.device.popErrorScope().then((err) => {
        if (err) this.errors.push(new Error(`webgpu: creating the pipeline for ${kernel}: ${err.message}`));
      }),
    );
    this.stats.pipelines++;
    p = { pipeline, layout };
    this.pipelines.set(key, p);
    return p;
  }

  private module(family: string): GPUShaderModule {
    let m = this.modules.get(family);
    if (m) return m;
    m = this.device.createShaderModule({ label: `shaders/${family}.wgsl`, code: shaderSource(family) });
    // Compiler messages point into shaders/<family>.wgsl (the common prelude is prepended).
    this.track(
      m.getCompilationInfo().then((info) => {
        const errors = info.messages.filter((msg) => msg.type === 'error');
        if (errors.length === 0) return;
        const lines = errors.map((msg) => `shaders/${family}.wgsl:${msg.lineNum - PRELUDE_LINES}:${msg.linePos}: ${msg.message}`);
        this.errors.push(new Error(`webgpu: compiling shaders/${family}.wgsl failed:\n${lines.join('\n')}`));
      }),
    );
    this.modules.set(family, m);
    return m;
  }

  startTimer(): boolean {
    if (!this.device.features.has('timestamp-query')) return false;
    this.timer = {
      querySet: this.timer?.querySet ?? this.device.createQuerySet({ type: 'timestamp', count: 2 }),
      resolve: this.timer?.resolve ?? this.createBuffer(16, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, 'timestamps'),
      pending: [],
      ns: 0,
    };
    return true;
  }

  async stopTimer(): Promise<number> {
    const timer = this.timer;
    if (!timer) return 0;
    await Promise.all(timer.pending);
    this.timer = null;
    return timer.ns / 1e6;
  }

  /** Wait until the device has finished everything submitted (benchmarks). */
  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.checkHealthy('sync');
  }

  destroy(): void {
    this.device.destroy();
  }
}

function planName(plan: Plan): string {
  return `plan ${plan.id} (${plan.steps.length} steps)`;
}

function gpuDispatches(step: PlanStep): GpuDispatch[] {
  return step.def.gpu({ inShapes: step.inShapes, inDtypes: step.inDtypes, outShape: step.outShape, outDtype: step.dtype, attrs: step.attrs as never });
}

/** The TypeScript side must bind exactly what the entry point declares, with matching access. */
export function checkBindings(kernel: string, d: GpuDispatch, declared: { binding: number; access: string; name: string }[], writes: readonly number[]): void {
  const expected = [{ binding: 0, access: 'read' }, ...d.bind.map((b, i) => ({ binding: i + 1, access: writesBinding(b, writes) ? 'read_write' : 'read' }))];
  const got = declared.map((b) => `${b.binding}:${b.access}`).join(' ');
  const want = expected.map((b) => `${b.binding}:${b.access}`).join(' ');
  if (got !== want) throw new Error(`webgpu: ${kernel} binds [${want}] but the shader declares [${got}] (${declared.map((b) => b.name).join(', ')})`);
}

/** Whether a binding is written: an output, or an input the effect writes. */
function writesBinding(b: Binding, writes: readonly number[]): boolean {
  return bindsOutput(b) || writes.includes((b as { input: number }).input);
}

function writeWords(u32: Uint32Array, f32: Float32Array, at: number, words: Word[], kernel: string): void {
  if (words.length > MAX_WORDS) throw new Error(`webgpu: ${kernel}: ${words.length} parameter words, more than the ${MAX_WORDS} a dispatch has`);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (typeof w === 'number') u32[at + i] = w >>> 0;
    else f32[at + i] = w.f;
  }
}
