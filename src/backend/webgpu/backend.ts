// The WebGPU backend: a plan is compiled once into pipelines, plan-owned buffers, a
// parameter buffer and cached bind groups; each run is one command buffer and one submit,
// with any readback staged in it.
import type { DType, Storage } from '../../graph/ir.ts';
import type { Plan, PlanStep, Ref, ViewAt } from '../../graph/plan.ts';
import { exactKey, viewsOf } from '../../graph/plan.ts';
import { sizeOf } from '../../shape.ts';
import type { Binding, GpuDispatch, Word } from '../../ops/define.ts';
import { effectWrites, isScratch, writesBinding } from '../../ops/define.ts';
import type { Backend, BackendStats, DispatchDescription, ExecuteResult, HostArray, KernelCompile, RunDescription, StageRef } from '../backend.ts';
import { emptyStats, tagStep } from '../backend.ts';
import { entryBindings } from './bindings.ts';
import { setMatmulTuning, tuningGeneration } from '../../ops/matmul-choice.ts';
import { tuningFor } from './tuning.ts';
import { PRELUDE_LINES, familySource, fileSource, replaceShaderSource, shaderSource, withPrelude } from './shaders.ts';
import { MAX_WORDS } from '../../ops/contract.ts';

// Literal flags: GPUBufferUsage and friends are undefined in Node until Dawn is loaded.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, QUERY_RESOLVE: 0x200 };
const STAGE_COMPUTE = 0x4;
// GPUMapMode.READ (a map mode, not the buffer usage of the same value)
const MAP_MODE_READ = 0x1;

interface CompiledDispatch {
  kernel: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  dispatch: GpuDispatch;
  step: number;
  /** What is bound at bindings 1..k: plan refs, or the plan's scratch buffer i. */
  refs: (Ref | { kind: 'scratch'; index: number })[];
  paramOffset: number;
  /** Bind groups by the identity of the buffers bound (externals may change between runs). */
  bindGroups: Map<string, GPUBindGroup>;
  /** The op's inputs that this dispatch may write (effects). */
  writes: readonly number[];
}

/** A pipeline, its bind group layout, and what it was made from (to make it again). */
interface PipelineEntry {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  entry: string;
  constants: Record<string, number>;
}

interface Compiled {
  dispatches: CompiledDispatch[];
  /** Scratch for views bound at offsets WebGPU cannot bind from (see bindable). */
  unaligned: Map<string, GPUBuffer>;
  slots: GPUBuffer[];
  /** Scratch k of the steps' multi-pass kernels (ScratchBinding), shared by all steps. */
  scratch: GPUBuffer[];
  outputSets: GPUBuffer[][];
  /** The tuning table's and the kernel sources' generations it was compiled under. */
  generation: string;
  /** null for a plan of views only: nothing to dispatch. */
  params: GPUBuffer | null;
  paramWords: ArrayBuffer;
  kernels: string[];
}

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

/** A view copied to an aligned place before the dispatch that binds it. */
interface Copy {
  from: Span;
  to: GPUBuffer;
  bytes: number;
}

/** A binding: a buffer, or a run of one. */
interface Span {
  buffer: GPUBuffer;
  offset: number;
  size?: number;
}

function spanOf(storage: Storage): Span {
  return storage instanceof GpuSlice ? storage : { buffer: storage as GPUBuffer, offset: 0 };
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
  private readonly pipelines = new Map<string, PipelineEntry>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private readonly paramAlign: number;
  /** Errors reported asynchronously by the device; thrown at the next run or read. */
  private readonly errors: Error[] = [];
  /** Checks still in flight (shader compilation, pipeline creation): a read waits for them. */
  private readonly checks = new Set<Promise<void>>();
  private lostReason: string | null = null;
  private emptyBuffer: GPUBuffer | null = null;
  /** GPU timestamps around each run's compute pass, while a benchmark times kernels. */
  private timer: { querySet: GPUQuerySet; resolve: GPUBuffer; pending: Promise<void>[]; ns: number } | null = null;
  /**
   * The last run: its compiled dispatches, bind groups and bound memory, for
   * lastRunDispatches (kernel benchmarks) and describeLastRun (the engine panel).
   */
  private lastRun: { plan: Plan; c: Compiled; groups: GPUBindGroup[]; spans: Span[][]; copied: boolean; times: Promise<number[]> | null } | null = null;
  /** Time each dispatch of every run with its own timestamps (the engine panel's inspection). */
  private inspecting: { querySet: GPUQuerySet; resolve: GPUBuffer; count: number } | null = null;

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
    setMatmulTuning(tuningFor(description));
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
    // Whole 16-byte units: the matmul kernels read their operands as vec4 arrays, which
    // reach the last element only if the binding covers its whole vec4.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
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
    const { buffer, offset } = spanOf(storage);
    if (arr.length > 0) this.device.queue.writeBuffer(buffer, offset, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  view(storage: Storage, offset: number, size: number): Storage {
    const span = spanOf(storage);
    return new GpuSlice(span.buffer, span.offset + offset * 4, size * 4);
  }

  release(storage: Storage): void {
    // A view's memory belongs to the tensor it is a view of.
    if (storage instanceof GpuSlice) return;
    (storage as GPUBuffer | null)?.destroy();
  }

  clone(storage: Storage, dtype: DType, size: number): Storage {
    void dtype;
    this.checkHealthy('clone');
    const copy = this.storageBuffer(size, 'kept result');
    const enc = this.device.createCommandEncoder();
    const { buffer, offset } = spanOf(storage);
    if (size > 0) enc.copyBufferToBuffer(buffer, offset, copy, 0, size * 4);
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    return copy;
  }

  read(storage: Storage, dtype: DType, size: number): Promise<HostArray> {
    this.checkHealthy('read');
    const enc = this.device.createCommandEncoder();
    const done = this.stage(enc, storage, dtype, size);
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    return done();
  }

  /** Record a copy into a staging buffer; the returned function maps it after the submit. */
  private stage(enc: GPUCommandEncoder, src: Storage, dtype: DType, size: number): () => Promise<HostArray> {
    this.stats.readbacks++;
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
      this.checkHealthy('read');
      return dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
    };
  }

  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult {
    this.checkHealthy(`running ${planName(plan)}`);
    const c = this.compile(plan);
    const outputs = (c.outputSets[set] ??= plan.outputs.map((m, i) => this.storageBuffer(sizeOf(m.shape), `output ${i} of plan ${plan.id}`)));
    const views = plan.viewSteps.length > 0 ? viewsOf(plan, scalars) : null;
    const whole = (r: ViewAt['root']): Span =>
      r.kind === 'ext' ? spanOf(externals[r.index]) : { buffer: r.kind === 'slot' ? c.slots[r.index]! : outputs[r.index]!, offset: 0 };
    const resolve = (r: CompiledDispatch['refs'][number]): Span => {
      if (r.kind === 'scratch') return { buffer: c.scratch[r.index]!, offset: 0 };
      if (r.kind !== 'view') return whole(r);
      const at = views!.get(r.step)!;
      const root = whole(at.root);
      return { buffer: root.buffer, offset: root.offset + at.offset * 4, size: sizeOf(plan.steps[r.step]!.outShape) * 4 };
    };

    // One write of every dispatch's parameter block.
    const u32 = new Uint32Array(c.paramWords);
    const f32 = new Float32Array(c.paramWords);
    for (const d of c.dispatches) writeWords(u32, f32, d.paramOffset / 4, d.dispatch.words(scalars[d.step]!), d.kernel);
    if (c.params) this.device.queue.writeBuffer(c.params, 0, u32);

    // Bind groups first: a binding error names its op's step, before any error scope opens.
    const copies: Copy[][] = c.dispatches.map(() => []);
    const spans: Span[][] = [];
    const groups = c.dispatches.map((d, k) => {
      try {
        spans[k] = d.refs.map(resolve);
        return this.bindGroup(c, d, spans[k]!.map((span, i) => this.bindable(c, span, k, i, copies[k]!)), set);
      } catch (err) {
        throw tagStep(err, d.step);
      }
    });

    this.lastRun = { plan, c, groups, spans, copied: copies.some((x) => x.length > 0), times: null };
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const enc = this.device.createCommandEncoder({ label: planName(plan) });
    const timer = this.timer;
    // Per-dispatch timestamps while the engine panel inspects runs (not while a benchmark times them).
    const inspect = !timer && this.inspecting && c.dispatches.length > 0 ? this.inspectQueries(2 * c.dispatches.length) : null;
    if (c.dispatches.length > 0) {
      // One compute pass, split where a view must be copied to an aligned place first (a
      // copy cannot be recorded inside a pass); timestamps at the first start and last end.
      const last = c.dispatches.length - 1;
      let pass: GPUComputePassEncoder | null = null;
      c.dispatches.forEach((d, k) => {
        if (copies[k]!.length > 0 && pass) {
          pass.end();
          pass = null;
        }
        for (const cp of copies[k]!) enc.copyBufferToBuffer(cp.from.buffer, cp.from.offset, cp.to, 0, cp.bytes);
        if (inspect) {
          // One pass per dispatch, each between its own pair of timestamps.
          pass = enc.beginComputePass({ timestampWrites: { querySet: inspect.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 } });
          record(pass, d, groups[k]!);
          pass.end();
          pass = null;
          return;
        }
        if (!pass) {
          const first = k === 0;
          const ends = timer && !copies.slice(k + 1).some((x) => x.length > 0);
          const writes = timer && (first || ends) ? { querySet: timer.querySet, ...(first ? { beginningOfPassWriteIndex: 0 } : {}), ...(ends ? { endOfPassWriteIndex: 1 } : {}) } : undefined;
          pass = enc.beginComputePass(writes ? { timestampWrites: writes } : {});
        }
        record(pass, d, groups[k]!);
        if (k === last) pass.end();
      });
    }
    let inspected: (() => Promise<HostArray>) | null = null;
    if (inspect) {
      enc.resolveQuerySet(inspect.querySet, 0, 2 * c.dispatches.length, inspect.resolve, 0);
      inspected = this.stage(enc, inspect.resolve, 'int32', 4 * c.dispatches.length);
      this.stats.readbacks--;
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
        : this.stage(enc, r.storage, r.dtype, r.size),
    );
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    this.stats.dispatches += c.dispatches.length;
    if (timer && timed) {
      timer.pending.push(
        timed().then((w) => {
          timer.ns += elapsedNs(w, 0);
        }),
      );
    }
    if (inspected) {
      const run = this.lastRun;
      run.times = inspected().then((w) => c.dispatches.map((_, k) => elapsedNs(w, k) / 1e6));
      run.times.catch(() => {});
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

  /**
   * A span a dispatch can bind: WebGPU binds a buffer from an offset that is a multiple of
   * minStorageBufferOffsetAlignment (256 bytes). A view that starts elsewhere (a narrow
   * whose rows do not start on that boundary) is first copied, in the same command buffer
   * and after the dispatches that write it, into scratch memory the plan keeps for that
   * binding: no kernel, but bytes.
   */
  private bindable(c: Compiled, span: Span, dispatch: number, binding: number, copies: Copy[]): Span {
    // A binding of zero bytes is invalid: an empty view binds a word nothing reads.
    if (span.size === 0) return { buffer: (this.emptyBuffer ??= this.storageBuffer(1, 'empty view')), offset: 0 };
    if (span.offset % this.device.limits.minStorageBufferOffsetAlignment === 0) return span;
    const key = `${dispatch}:${binding}`;
    const bytes = span.size!;
    let scratch = c.unaligned.get(key);
    if (!scratch || scratch.size < bytes) {
      scratch = this.storageBuffer(bytes / 4, `unaligned view ${key}`);
      c.unaligned.set(key, scratch);
    }
    copies.push({ from: span, to: scratch, bytes });
    return { buffer: scratch, offset: 0, size: bytes };
  }

  private bindGroup(c: Compiled, d: CompiledDispatch, spans: Span[], set: number): GPUBindGroup {
    const buffers = spans.map((b) => b.buffer);
    const key = `${set}:${spans.map((b) => `${idOf(b.buffer)}+${b.offset}/${b.size ?? ''}`).join(',')}`;
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
        { binding: 0, resource: { buffer: c.params!, offset: d.paramOffset, size: MAX_WORDS * 4 } },
        ...spans.map((b, i) => ({ binding: i + 1, resource: b.size === undefined ? { buffer: b.buffer } : { buffer: b.buffer, offset: b.offset, size: vec4Size(b) } })),
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
    if (c && c.generation === this.generation()) return c;
    // A new kernel-choice table (the tuner tries candidates) recompiles; the plan's outputs
    // keep their buffers, which results may hold, and its own memory is freed (work already
    // submitted keeps what it uses).
    const outputSets = c?.outputSets ?? [];
    if (c) for (const b of [...c.slots, ...c.scratch, ...c.unaligned.values(), ...(c.params ? [c.params] : [])]) b.destroy();
    const dispatches: CompiledDispatch[] = [];
    const scratch: number[] = [];
    plan.steps.forEach((step, index) => {
      // A view is no kernel: its readers bind a run of its root's memory.
      if (step.out?.kind === 'view') return;
      try {
        this.compileStep(step, index, dispatches, scratch);
      } catch (err) {
        throw tagStep(err, index);
      }
    });
    const params = dispatches.length === 0 ? null : this.createBuffer(dispatches.length * this.paramAlign, USAGE.STORAGE | USAGE.COPY_DST, `params of plan ${plan.id}`);
    c = {
      dispatches,
      unaligned: new Map(),
      slots: plan.slots.map((s, i) => this.storageBuffer(s.size, `slot ${i} of plan ${plan.id}`)),
      scratch: Array.from(scratch, (size, i) => this.storageBuffer(size ?? 1, `scratch ${i} of plan ${plan.id}`)),
      outputSets,
      generation: this.generation(),
      params,
      paramWords: new ArrayBuffer(Math.max(1, dispatches.length) * this.paramAlign),
      kernels: [...new Set(dispatches.map((d) => d.kernel))],
    };
    this.compiled.set(plan, c);
    return c;
  }

  /** The dispatches of one plan step, with their pipelines. */
  private compileStep(step: PlanStep, index: number, dispatches: CompiledDispatch[], scratch: number[]): void {
    for (const dispatch of gpuDispatches(step)) {
      const kernel = `${step.def.name} (${dispatch.shader}.${dispatch.entry})`;
      const writes = effectWrites(step.def, step.inputs.length);
      const refs = dispatch.bind.map((b): CompiledDispatch['refs'][number] => {
        // Scratch k is one buffer for the whole plan, as large as its largest binding: its
        // contents matter only between the dispatches of one step.
        if (isScratch(b)) {
          scratch[b.scratch] = Math.max(scratch[b.scratch] ?? 1, b.size);
          return { kind: 'scratch', index: b.scratch };
        }
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
    p = { pipeline, layout, entry: d.entry, constants: d.constants ?? {} };
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
        const lines = errors.map(familyMessage).map((m) => `shaders/${family}.wgsl:${m.line}:${m.column}: ${m.message}`);
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

  /** Kernel sources replaced at run time (the workbench): bumps recompile every plan. */
  private sourceEdits = 0;

  /** Plans compile again when the tuning table or a kernel's source changes. */
  private generation(): string {
    return `${tuningGeneration()}:${this.sourceEdits}`;
  }

  /** The WGSL of kernel family `shader`: its own text, or with the prelude as it is compiled. */
  shaderSource(shader: string, opts: { withPrelude?: boolean } = {}): string {
    return opts.withPrelude ? shaderSource(shader) : familySource(shader);
  }

  /**
   * Replace kernel family `shader` with `wgsl` (its own text, without the prelude) for every
   * later run, or with null restore the file's. The text is compiled first, and the
   * pipelines already made from the family are made again from it: on a compiler error
   * (lines counted in `wgsl`) or a pipeline error, nothing changes and the old text keeps
   * running.
   */
  async setShaderSource(shader: string, wgsl: string | null): Promise<KernelCompile> {
    this.checkHealthy('setKernelSource');
    familySource(shader); // an unknown family is an error that names it
    const code = withPrelude(wgsl ?? fileSource(shader));
    // In an error scope of its own: a text that does not compile is this call's answer, not
    // an error of the device that the next run would report.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: `shaders/${shader}.wgsl (edited)`, code });
    const [info] = await Promise.all([module.getCompilationInfo(), this.device.popErrorScope()]);
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      return { ok: false, messages: errors.map(familyMessage) };
    }
    // Make the family's pipelines again from the new module, inside an error scope.
    const remade = new Map<string, PipelineEntry>();
    this.device.pushErrorScope('validation');
    for (const [key, old] of this.pipelines) {
      if (!key.startsWith(`${shader}.`)) continue;
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [old.layout] });
      const pipeline = this.device.createComputePipeline({ label: key, layout, compute: { module, entryPoint: old.entry, constants: old.constants } });
      remade.set(key, { ...old, pipeline });
    }
    const failed = await this.device.popErrorScope();
    if (failed) return { ok: false, messages: [{ line: 0, column: 0, message: `making the pipelines of shaders/${shader}.wgsl: ${failed.message}` }] };
    replaceShaderSource(shader, wgsl);
    this.modules.set(shader, module);
    for (const [key, p] of remade) this.pipelines.set(key, p);
    this.sourceEdits++;
    return { ok: true, messages: info.messages.filter((m) => m.type !== 'error').map(familyMessage) };
  }

  /**
   * The engine panel's inspection: while on, every run times each of its dispatches with GPU
   * timestamps (one compute pass per dispatch, so a little slower). Returns false, and times
   * nothing, where the adapter offers no timestamp queries.
   */
  inspect(on: boolean): boolean {
    if (!on || !this.device.features.has('timestamp-query')) {
      this.inspecting?.querySet.destroy();
      this.inspecting?.resolve.destroy();
      this.inspecting = null;
      return false;
    }
    this.inspecting ??= this.newInspectQueries(64);
    return true;
  }

  private newInspectQueries(count: number): { querySet: GPUQuerySet; resolve: GPUBuffer; count: number } {
    return {
      querySet: this.device.createQuerySet({ type: 'timestamp', count }),
      resolve: this.createBuffer(count * 8, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, 'inspection timestamps'),
      count,
    };
  }

  /** A query set with room for `count` timestamps (grown, never shrunk). */
  private inspectQueries(count: number): { querySet: GPUQuerySet; resolve: GPUBuffer; count: number } {
    const q = this.inspecting!;
    if (q.count >= count) return q;
    const grown = this.newInspectQueries(Math.max(count, 2 * q.count));
    q.querySet.destroy();
    q.resolve.destroy();
    this.inspecting = grown;
    return grown;
  }

  /**
   * What the last run did on the GPU, dispatch by dispatch: the op each implements, its
   * kernel (shader family and entry point), shapes, workgroups, the bytes its bindings read
   * and write, an estimate of its floating-point work, and its GPU time when runs are being
   * inspected (see inspect) on an adapter with timestamp queries; null otherwise.
   */
  async describeLastRun(): Promise<RunDescription | null> {
    const run = this.lastRun;
    if (!run) return null;
    const times = run.times ? await run.times.catch(() => null) : null;
    const { plan, c, spans } = run;
    const dispatches = c.dispatches.map((d, k): DispatchDescription => {
      const step = plan.steps[d.step]!;
      let bytesRead = 0;
      let bytesWritten = 0;
      d.dispatch.bind.forEach((b, i) => {
        const span = spans[k]![i]!;
        const bytes = span.size ?? span.buffer.size - span.offset;
        if (writesBinding(b, d.writes)) bytesWritten += bytes;
        else bytesRead += bytes;
      });
      return {
        index: k,
        step: d.step,
        op: step.def.name,
        shader: d.dispatch.shader,
        entry: d.dispatch.entry,
        constants: { ...(d.dispatch.constants ?? {}) },
        inShapes: step.inShapes.map((s) => [...s]),
        outShape: [...step.outShape],
        inPlace: step.out === null,
        workgroups: [...d.dispatch.workgroups],
        bytesRead,
        bytesWritten,
        flops: estimateFlops(step, d.dispatch),
        gpuMs: times ? times[k]! : null,
      };
    });
    return { plan: plan.id, steps: plan.steps.length, dispatches, timed: times !== null };
  }

  /**
   * Kernel benchmarks (bench/kernels/time.ts): the last execute()'s dispatches, as a function
   * that records them again into a compute pass (as many times as the caller likes, in one
   * command buffer), with the same pipelines, bind groups and parameter block: the same
   * kernels on the same buffers, without a run's own work (parameter writes, bind-group
   * lookups, a submit per run). The buffers hold whatever the last run left; inputs must
   * stay alive while it is used. Not for a run that first copied unaligned views: a copy
   * cannot be recorded inside a pass.
   */
  lastRunDispatches(): { kernels: string[]; dispatches: number; record(pass: GPUComputePassEncoder): void } {
    const run = this.lastRun;
    if (!run) throw new Error('webgpu: lastRunDispatches: no plan has run on this device yet');
    if (run.copied) throw new Error(`webgpu: lastRunDispatches: the last run [${run.c.kernels.join(', ')}] copied unaligned views first; time kernels on whole tensors`);
    const { c, groups } = run;
    return {
      kernels: c.kernels,
      dispatches: c.dispatches.length,
      record: (pass) => c.dispatches.forEach((d, k) => record(pass, d, groups[k]!)),
    };
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

/**
 * The dispatch's own count where its rule gives one (a product's 2·M·N·K); otherwise one
 * operation per element of the larger of the output and the inputs, which is what
 * elementwise kernels and reductions do.
 */
function estimateFlops(step: PlanStep, d: GpuDispatch): number {
  return d.flops ?? Math.max(sizeOf(step.outShape), ...step.inShapes.map(sizeOf));
}

/**
 * Nanoseconds between timestamp pair k of resolved queries (u64 ticks read back as int32
 * words: begin at words 4k, 4k+1, end at 4k+2, 4k+3); 0 where the clock stepped back.
 */
function elapsedNs(words: HostArray, k: number): number {
  const u = new Uint32Array(words.buffer, words.byteOffset, 4 * (k + 1));
  const tick = (i: number): number => u[i]! + u[i + 1]! * 2 ** 32;
  return Math.max(0, tick(4 * k + 2) - tick(4 * k));
}

/** A compiler message, its line counted in the family's own text (after the prelude). */
function familyMessage(m: GPUCompilationMessage): { line: number; column: number; message: string } {
  return { line: m.lineNum - PRELUDE_LINES, column: m.linePos, message: m.message };
}

/** One compiled dispatch into a compute pass. */
function record(pass: GPUComputePassEncoder, d: CompiledDispatch, group: GPUBindGroup): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(...d.dispatch.workgroups);
}

/**
 * A view's binding size in whole 16-byte units where its buffer has them (it always does:
 * buffers are sized in those units and views start 256-byte aligned), so vec4 readers see
 * its last elements. The extra bytes belong to no other view a dispatch could write.
 */
function vec4Size(b: Span): number {
  return Math.min(Math.ceil(b.size! / 16) * 16, b.buffer.size - b.offset);
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


function writeWords(u32: Uint32Array, f32: Float32Array, at: number, words: Word[], kernel: string): void {
  if (words.length > MAX_WORDS) throw new Error(`webgpu: ${kernel}: ${words.length} parameter words, more than the ${MAX_WORDS} a dispatch has`);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (typeof w === 'number') u32[at + i] = w >>> 0;
    else f32[at + i] = w.f;
  }
}
