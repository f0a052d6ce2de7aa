// Running a compiled plan: one write of every dispatch's parameter block, the bind groups
// (cached by the buffers bound), views at unaligned offsets copied to aligned scratch, the
// dispatches in compute passes (timed as Timestamps says), the readbacks staged in the same
// command buffer, and one submit. The last run is kept for the tools (describe, replay).
import type { Storage } from '../../graph/ir.ts';
import type { Plan, ViewAt } from '../../graph/plan.ts';
import { viewsOf } from '../../graph/plan.ts';
import type { Word } from '../../ops/define.ts';
import { writesBinding } from '../../ops/define.ts';
import { MAX_WORDS } from '../../ops/contract.ts';
import { fmt, sizeOf } from '../../shape.ts';
import type { BackendStats, ExecuteResult, HostArray, StageRef } from '../backend.ts';
import { tagStep } from '../backend.ts';
import type { Compiled, CompiledDispatch, GatherRef, PlanCompiler } from './compile.ts';
import type { DeviceHealth } from './health.ts';
import type { GpuStorage, Span } from './storage.ts';
import { GpuSlice, spanOf } from './storage.ts';
import type { Timestamps } from './timing.ts';


/** A copy around a dispatch: a view to an aligned place, a gathered input to its range, or back. */
interface Copy {
  from: Span;
  to: Span;
  bytes: number;
}

/** A dispatch's bind group and its dynamic offsets (PipelineEntry.dynamic, in binding order). */
export interface Bound {
  group: GPUBindGroup;
  offsets: number[];
}

/** The last run: its compiled dispatches, bind groups and bound memory. */
export interface LastRun {
  plan: Plan;
  c: Compiled;
  groups: Bound[];
  spans: Span[][];
  /**
   * Whether it copied unaligned views first (such a run cannot be replayed in one pass).
   * Gathers (GatherBinding) do not count: a replay runs the kernels on what the last run
   * gathered, and a step's own bytes are what a kernel benchmark times.
   */
  copied: boolean;
  /** Each dispatch's GPU time in ms, when the run was inspected. */
  times: Promise<number[]> | null;
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

export class PlanRunner {
  lastRun: LastRun | null = null;
  private emptyBuffer: GPUBuffer | null = null;
  /** The storage's refusal count when each compiled plan's memory was last checked (renewRefused). */
  private readonly refusalsSeen = new WeakMap<Compiled, number>();

  constructor(
    private readonly device: GPUDevice,
    private readonly stats: BackendStats,
    private readonly health: DeviceHealth,
    private readonly storage: GpuStorage,
    private readonly compiler: PlanCompiler,
    private readonly timestamps: Timestamps,
  ) {}

  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult {
    this.health.check(`running ${planName(plan)}`);
    const refusals = this.storage.refusals;
    const c = this.compiler.compile(plan);
    this.renewRefused(c);
    const outputs = (c.outputSets[set] ??= this.outputStorage(plan));
    const views = plan.viewSteps.length > 0 ? viewsOf(plan, scalars) : null;
    const whole = (r: ViewAt['root']): Span =>
      r.kind === 'ext' ? spanOf(externals[r.index]) : r.kind === 'slot' ? { buffer: c.slots[r.index]!, offset: 0 } : spanOf(outputs[r.index]);
    const resolve = (r: Exclude<CompiledDispatch['refs'][number], GatherRef | { kind: 'table' }>): Span => {
      if (r.kind === 'scratch') return { buffer: c.scratch[r.index]!, offset: 0 };
      if (r.kind !== 'view') return whole(r);
      const at = views!.get(r.step)!;
      const root = whole(at.root);
      return { buffer: root.buffer, offset: root.offset + at.offset * 4, size: sizeOf(plan.steps[r.step]!.outShape) * 4 };
    };

    // One write of every dispatch's parameter block.
    const u32 = new Uint32Array(c.paramWords);
    const f32 = new Float32Array(c.paramWords);
    for (const d of c.dispatches) {
      writeWords(u32, f32, d.paramOffset / 4, d.dispatch.words(scalars[d.step]!), d.label);
      const t = d.dispatch.table;
      if (t) {
        const words = t.pack(scalars[d.step]!);
        if (words.length !== t.words) throw new Error(`webgpu: ${d.label}: a table of ${words.length} words, expected ${t.words}`);
        writeWords(u32, f32, d.tableOffset / 4, words, d.label, Infinity);
      }
    }

    // Bind groups first: a binding error names its op's step, before any error scope opens.
    const copies: Copy[][] = c.dispatches.map(() => []);
    const gathers: Copy[][] = c.dispatches.map(() => []);
    const back: Copy[][] = c.dispatches.map(() => []);
    const spans: Span[][] = [];
    const groups = c.dispatches.map((d, k) => {
      try {
        spans[k] = d.refs.map((r, i) => {
          if (r.kind === 'table') return { buffer: c.params!, offset: d.tableOffset, size: d.dispatch.table!.words * 4 };
          if (r.kind === 'gather') return this.gathered(c, r.refs.map(resolve), r, `${k}:${i}`, gathers[k]!, isWritten(d, i) ? back[k]! : null);
          return resolve(r);
        });
        // Buffers the dispatch writes: a read of another run of one of them (a parameter
        // read by an update of another parameter in the optimizer's arena) reads a copy.
        const written = new Set(spans[k]!.filter((_, i) => isWritten(d, i)).map((s) => s.buffer));
        return this.bindGroup(
          c,
          d,
          spans[k]!.map((span, i) => (d.refs[i]!.kind === 'gather' ? span : this.bindable(c, span, k, i, copies[k]!, !isWritten(d, i) && written.has(span.buffer)))),
          set,
        );
      } catch (err) {
        throw tagStep(err, d.step);
      }
    });

    const run: LastRun = { plan, c, groups, spans, copied: copies.some((x) => x.length > 0), times: null };
    copies.forEach((x, k) => x.push(...gathers[k]!));
    this.lastRun = run;
    this.stats.submits++;
    this.stats.dispatches += c.dispatches.length;
    // A plan whose pipelines are still being made holds the queue until they are (gate.ts);
    // its parameter words are sent as they are now (the next run rewrites the array).
    const gate = this.storage.gate;
    const ready = c.ready;
    if (ready) {
      gate.hold(ready);
      ready.then(() => (c.ready = null), () => {});
    }
    const words = gate.open ? u32 : u32.slice();
    const submitted = gate.run(() => {
      if (c.params) this.device.queue.writeBuffer(c.params, 0, words);
      return this.submit(plan, c, outputs, stage, groups, copies, back, run, refusals);
    });
    const checked = submitted.then((s) => s.checked);
    // Keep a failure visible even when nothing is read back.
    checked.catch(() => {});
    const staged = stage.map(async (_, i) => {
      // A run that could not be sent (a pipeline that was not made): the device's own error says more.
      const { reads } = await submitted.catch(async (err: unknown) => {
        await Promise.allSettled([ready, this.health.settled()]);
        this.health.check(`running ${planName(plan)}`, true);
        throw err;
      });
      const [run] = await Promise.allSettled([checked, this.health.settled()]);
      this.health.check(`running ${planName(plan)}`, true);
      if (run.status === 'rejected') {
        this.health.discard(run.reason);
        throw run.reason;
      }
      return reads[i]!();
    });
    return { outputs, staged };
  }

  /** Record the run's copies and passes, stage its readbacks, submit: what execute sends to the queue. */
  private submit(plan: Plan, c: Compiled, outputs: Storage[], stage: StageRef[], groups: Bound[], copies: Copy[][], back: Copy[][], run: LastRun, refusals: number): { reads: (() => Promise<HostArray>)[]; checked: Promise<void> } {
    const unmade = c.dispatches.find((d) => !d.pipe.pipeline);
    if (unmade) throw new Error(`webgpu: ${unmade.label}: its pipeline could not be made, so ${planName(plan)} did not run`);
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const enc = this.device.createCommandEncoder({ label: planName(plan) });
    // The benchmark timer's timestamps around the run, or the inspection's around each dispatch.
    const clock = this.timestamps.forRun(c.dispatches.length);
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
        for (const cp of copies[k]!) {
          enc.copyBufferToBuffer(cp.from.buffer, cp.from.offset, cp.to.buffer, cp.to.offset, cp.bytes);
          this.stats.bytesCopied += cp.bytes;
        }
        if (clock?.each) {
          // One pass per dispatch, each between its own pair of timestamps.
          pass = enc.beginComputePass({ timestampWrites: clock.writes(k, false, false)! });
          record(pass, d, groups[k]!);
          pass.end();
          pass = null;
          return;
        }
        if (!pass) {
          const ends = !copies.slice(k + 1).some((x) => x.length > 0) && !back.slice(k).some((x) => x.length > 0);
          const writes = clock?.writes(k, k === 0, ends);
          pass = enc.beginComputePass(writes ? { timestampWrites: writes } : {});
        }
        record(pass, d, groups[k]!);
        if (k === last || back[k]!.length > 0) {
          pass.end();
          pass = null;
        }
        // Gathered inputs the dispatch wrote go back where they live.
        for (const cp of back[k]!) {
          enc.copyBufferToBuffer(cp.from.buffer, cp.from.offset, cp.to.buffer, cp.to.offset, cp.bytes);
          this.stats.bytesCopied += cp.bytes;
        }
      });
    }
    clock?.resolve(enc);
    const reads = stage.map((r) =>
      r.kind === 'out'
        ? this.storage.stage(enc, outputs[r.index]!, plan.outputs[r.index]!.dtype, sizeOf(plan.outputs[r.index]!.shape))
        : this.storage.stage(enc, r.storage, r.dtype, r.size),
    );
    this.device.queue.submit([enc.finish()]);
    run.times = clock?.collect() ?? null;
    const kernels = c.kernels.join(', ');
    const checked = Promise.all([this.device.popErrorScope(), this.device.popErrorScope()]).then(async ([oom, validation]) => {
      const err = validation ?? oom;
      if (!err) return;
      const e = new Error(`webgpu: running kernels [${kernels}]: ${err.message}`);
      // Memory refused since the run was recorded (out of memory) makes its buffers invalid:
      // the refusal, reported on its own, is the error to give; this one is its consequence,
      // thrown to the run's own reads but not kept to fail a later, unrelated op.
      await this.health.settled();
      if (this.storage.refusals === refusals) this.health.report(e);
      throw e;
    });
    return { reads, checked };
  }

  /**
   * The plan's own memory that the device refused (out of memory: reported at the run that
   * used it) is made again, so that the plan runs once memory is free instead of failing for
   * good; its bind groups go with it. Checked only after a refusal.
   */
  private renewRefused(c: Compiled): void {
    const s = this.storage;
    if ((this.refusalsSeen.get(c) ?? 0) === s.refusals) return;
    this.refusalsSeen.set(c, s.refusals);
    const refused = (b: GPUBuffer): boolean => s.isRefused(b);
    const badSets = c.outputSets.map((set) => !!set && set.some((o) => refused(spanOf(o).buffer)));
    const own = [...c.slots, ...c.scratch, ...c.unaligned.values(), ...(c.params ? [c.params] : [])];
    if (!own.some(refused) && !badSets.some(Boolean)) return;
    c.slots.forEach((b, i) => (c.slots[i] = s.renewed(b)));
    c.scratch.forEach((b, i) => (c.scratch[i] = s.renewed(b)));
    if (c.params) c.params = s.renewed(c.params);
    for (const [k, b] of [...c.unaligned]) if (refused(b)) c.unaligned.delete(k);
    // Made again at their next use (execute's outputStorage).
    badSets.forEach((bad, i) => bad && delete c.outputSets[i]);
    for (const d of c.dispatches) d.bindGroups.clear();
  }

  /** An output set: a buffer each, or a run of its pack's buffer (Plan.packs: a step's gradients, bound as one range). */
  private outputStorage(plan: Plan): Storage[] {
    const packs = plan.packs.map((n, i) => this.storage.storageBuffer(n, `pack ${i} of plan ${plan.id}`));
    return plan.outputs.map((m, i) =>
      m.pack ? new GpuSlice(packs[m.pack.index]!, m.pack.offset * 4, sizeOf(m.shape) * 4) : this.storage.storageBuffer(sizeOf(m.shape), `output ${i} of plan ${plan.id} (${m.dtype} ${fmt(m.shape)})`),
    );
  }

  /**
   * A span a dispatch can bind: WebGPU binds a buffer from an offset that is a multiple of
   * minStorageBufferOffsetAlignment (256 bytes). A view that starts elsewhere (a narrow
   * whose rows do not start on that boundary) is first copied, in the same command buffer
   * and after the dispatches that write it, into scratch memory the plan keeps for that
   * binding: no kernel, but bytes. So is a read-only view of a buffer the dispatch writes
   * elsewhere (`aliased`): WebGPU forbids binding one buffer both ways in a dispatch.
   */
  private bindable(c: Compiled, span: Span, dispatch: number, binding: number, copies: Copy[], aliased = false): Span {
    // A binding of zero bytes is invalid: an empty view binds a word nothing reads.
    if (span.size === 0) return { buffer: (this.emptyBuffer ??= this.storage.storageBuffer(1, 'empty view')), offset: 0 };
    if (span.offset % this.device.limits.minStorageBufferOffsetAlignment === 0 && !(aliased && span.size !== undefined)) return span;
    const key = `${dispatch}:${binding}`;
    const bytes = span.size!;
    let scratch = c.unaligned.get(key);
    if (!scratch || scratch.size < bytes) {
      scratch = this.storage.storageBuffer(bytes / 4, `unaligned view ${key}`);
      c.unaligned.set(key, scratch);
    }
    copies.push({ from: span, to: { buffer: scratch, offset: 0 }, bytes });
    return { buffer: scratch, offset: 0, size: bytes };
  }

  /**
   * A GatherBinding's range: where its inputs already lie in one buffer as it expects (the
   * optimizer's parameter arena), that run of the buffer; otherwise scratch the plan keeps
   * for this binding, each input copied to its place first (`into`) and, for a binding the
   * dispatch writes, copied back after (`back`). Scratch is zeroed when made, and only the
   * inputs' places are ever written, so the padding between them stays zero.
   */
  private gathered(c: Compiled, spans: Span[], g: GatherRef, key: string, into: Copy[], back: Copy[] | null): Span {
    const last = spans.length - 1;
    const bytes = (g.at[last]! + g.sizes[last]!) * 4;
    const first = spans[0]!;
    const inPlace =
      first.offset % this.device.limits.minStorageBufferOffsetAlignment === 0 &&
      first.offset + bytes <= first.buffer.size &&
      spans.every((s, j) => s.buffer === first.buffer && s.offset === first.offset + g.at[j]! * 4);
    if (inPlace && bytes > 0) return { buffer: first.buffer, offset: first.offset, size: bytes };
    // Parameters with no elements too bind scratch of their own: a binding of zero bytes is
    // invalid, and the empty view's shared word would alias a written range with a read one.
    let scratch = c.unaligned.get(`gather ${key}`);
    if (!scratch || scratch.size < bytes) {
      if (scratch) this.storage.release(scratch);
      scratch = this.storage.storageBuffer(Math.max(1, bytes / 4), `gathered ${key}`);
      c.unaligned.set(`gather ${key}`, scratch);
    }
    spans.forEach((s, j) => {
      const n = g.sizes[j]! * 4;
      if (n === 0) return;
      const to = { buffer: scratch, offset: g.at[j]! * 4 };
      into.push({ from: s, to, bytes: n });
      back?.push({ from: to, to: s, bytes: n });
    });
    return { buffer: scratch, offset: 0, size: Math.max(4, bytes) };
  }

  /**
   * A dispatch's bind group, cached by what it binds. A binding the layout gives a dynamic
   * offset (PipelineEntry.dynamic) is keyed by its buffer and size alone, its offset passed
   * at setBindGroup: a view at a new offset each step (a narrow with a moving start over a
   * kept batch tensor) reuses the group instead of making one per step. The offsets are
   * multiples of minStorageBufferOffsetAlignment: bindable() copied any other view to scratch.
   */
  private bindGroup(c: Compiled, d: CompiledDispatch, spans: Span[], set: number): Bound {
    const dynamic = d.pipe.dynamic;
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    const offsets: number[] = [];
    const parts = spans.map((b, i) => {
      if (!dynamic.has(i + 1)) return `${idOf(b.buffer)}+${b.offset}/${b.size ?? ''}`;
      if (b.offset % align !== 0) throw new Error(`webgpu: ${d.label}: binding ${i + 1} at offset ${b.offset}, not a multiple of minStorageBufferOffsetAlignment (${align})`);
      offsets.push(b.offset);
      return `${idOf(b.buffer)}~${boundSize(b)}`;
    });
    const key = `${set}:${parts.join(',')}`;
    let bg = d.bindGroups.get(key);
    if (bg) return { group: bg, offsets };
    const buffers = spans.map((b) => b.buffer);
    const written = new Set<GPUBuffer>();
    buffers.forEach((b, i) => {
      if (isWritten(d, i)) written.add(b);
    });
    buffers.forEach((b, i) => {
      if (!isWritten(d, i) && written.has(b)) {
        throw new Error(`webgpu: ${d.label}: the same buffer is bound both read-only (binding ${i + 1}) and written; WebGPU forbids that aliasing`);
      }
    });
    bg = this.device.createBindGroup({
      label: d.label,
      layout: d.layout,
      entries: [
        { binding: 0, resource: { buffer: c.params!, offset: d.paramOffset, size: MAX_WORDS * 4 } },
        ...spans.map((b, i) => ({
          binding: i + 1,
          resource: dynamic.has(i + 1) ? { buffer: b.buffer, offset: 0, size: boundSize(b) } : b.size === undefined ? { buffer: b.buffer } : { buffer: b.buffer, offset: b.offset, size: vec4Size(b) },
        })),
      ],
    });
    this.stats.bindGroups++;
    // A few variants (both output sets, a changing input) are normal; more is churn.
    if (d.bindGroups.size >= 8) d.bindGroups.delete(d.bindGroups.keys().next().value!);
    d.bindGroups.set(key, bg);
    return { group: bg, offsets };
  }
}

function isWritten(d: CompiledDispatch, i: number): boolean {
  return writesBinding(d.dispatch.bind[i]!, d.writes);
}

/** One compiled dispatch into a compute pass. */
export function record(pass: GPUComputePassEncoder, d: CompiledDispatch, bound: Bound): void {
  pass.setPipeline(d.pipe.pipeline!);
  pass.setBindGroup(0, bound.group, bound.offsets);
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

/**
 * A binding's size at a dynamic offset: a whole buffer (offset 0) binds all of it, a view
 * its vec4Size (the same at every offset where it fits, so one group serves them all).
 */
function boundSize(b: Span): number {
  return b.size === undefined ? b.buffer.size : vec4Size(b);
}

function planName(plan: Plan): string {
  return `plan ${plan.id} (${plan.steps.length} steps)`;
}

function writeWords(u32: Uint32Array, f32: Float32Array, at: number, words: Word[], kernel: string, max = MAX_WORDS): void {
  if (words.length > max) throw new Error(`webgpu: ${kernel}: ${words.length} parameter words, more than the ${max} a dispatch has`);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (typeof w === 'number') u32[at + i] = w >>> 0;
    else f32[at + i] = w.f;
  }
}
