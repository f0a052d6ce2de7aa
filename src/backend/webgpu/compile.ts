// Compiling a plan for WebGPU, once per plan: each step's dispatches from its op's GPU rule
// (under this adapter's kernel-choice table), their pipelines, the plan's own memory (slots,
// scratch) and its parameter buffer. A plan compiles again when the table or a family's text
// changes.
import type { Storage } from '../../graph/ir.ts';
import type { Plan, PlanStep, Ref } from '../../graph/plan.ts';
import type { GpuDispatch } from '../../ops/define.ts';
import { ShapedBudget, checkGridEntries, effectWrites, isGather, isScratch, isTable } from '../../ops/define.ts';
import type { Tuning } from '../../ops/define.ts';
import { sizeOf } from '../../shape.ts';
import { checkTuning, withoutQuads } from '../../ops/matmul-choice.ts';
import { tagStep } from '../backend.ts';
import type { PipelineEntry, Pipelines } from './pipelines.ts';
import type { GpuStorage } from './storage.ts';
import { USAGE } from './storage.ts';

export interface CompiledDispatch {
  /** For errors and labels: `op (family.kernel)`. */
  label: string;
  /** Its pipeline (null until made: Compiled.ready) and bind group layout. */
  pipe: PipelineEntry;
  layout: GPUBindGroupLayout;
  dispatch: GpuDispatch;
  step: number;
  /**
   * What is bound at bindings 1..k: plan refs, the plan's scratch buffer i, the dispatch's
   * table (in the parameter buffer), or several refs bound as one range (GatherBinding).
   */
  refs: (Ref | { kind: 'scratch'; index: number } | { kind: 'table' } | GatherRef)[];
  paramOffset: number;
  /** Where its table (GpuDispatch.table) starts in the parameter buffer, in bytes. */
  tableOffset: number;
  /** Bind groups by the identity of the buffers bound (externals may change between runs). */
  bindGroups: Map<string, GPUBindGroup>;
  /** The op's inputs that this dispatch may write (effects). */
  writes: readonly number[];
}

/** A GatherBinding's inputs: ref j (of `sizes[j]` elements) at element `at[j]` of one range. */
export interface GatherRef {
  kind: 'gather';
  refs: Ref[];
  at: readonly number[];
  sizes: number[];
}

export interface Compiled {
  dispatches: CompiledDispatch[];
  /** Scratch for views bound at offsets WebGPU cannot bind from (see PlanRunner.bindable). */
  unaligned: Map<string, GPUBuffer>;
  slots: GPUBuffer[];
  /** Scratch k of the steps' multi-pass kernels (ScratchBinding), shared by all steps. */
  scratch: GPUBuffer[];
  /** Each output set's storage: buffers, or runs of a pack's buffer. */
  outputSets: Storage[][];
  /** The tuning table's and the family texts' generations it was compiled under. */
  generation: string;
  /** null for a plan of views only: nothing to dispatch. */
  params: GPUBuffer | null;
  paramWords: ArrayBuffer;
  kernels: string[];
  /**
   * Settles when every pipeline of the plan is made (they compile in parallel); null when
   * they all were already. Its runs wait for it at the queue's gate (gate.ts).
   */
  ready: Promise<void> | null;
}

export class PlanCompiler {
  private readonly compiled = new WeakMap<Plan, Compiled>();
  /** Where each dispatch's parameter block starts in the plan's parameter buffer. */
  private readonly paramAlign: number;
  private table!: Tuning;
  private tables = 0;
  /** Whether the device offers 'subgroups' (matmul_quad.wgsl's quadBroadcast). */
  private readonly subgroups: boolean;

  constructor(
    device: GPUDevice,
    private readonly storage: GpuStorage,
    private readonly pipelines: Pipelines,
    tuning: Tuning,
  ) {
    this.paramAlign = Math.max(256, device.limits.minStorageBufferOffsetAlignment);
    this.subgroups = device.features.has('subgroups');
    this.setTuning(tuning);
  }

  /** The kernel-choice table the GPU rules get (GpuArgs.tuning). */
  get tuning(): Tuning {
    return this.table;
  }

  /** Install a table (refused, naming the class, if it could not run); every plan compiles again. */
  setTuning(t: Tuning): void {
    checkTuning(t);
    checkGridEntries(t);
    // A table's quad choices run as register ones where the device has no subgroups.
    this.table = this.subgroups ? t : { ...t, ...withoutQuads(t) };
    this.tables++;
  }

  /** Plans compile again when the tuning table or a family's text changes. */
  private generation(): string {
    return `${this.tables}:${this.pipelines.edits}`;
  }

  compile(plan: Plan): Compiled {
    let c = this.compiled.get(plan);
    if (c && c.generation === this.generation()) return c;
    // A new kernel-choice table (the tuner tries candidates) recompiles; the plan's outputs
    // keep their buffers, which results may hold, and its own memory is freed (work already
    // submitted keeps what it uses).
    const outputSets = c?.outputSets ?? [];
    if (c) for (const b of [...c.slots, ...c.scratch, ...c.unaligned.values(), ...(c.params ? [c.params] : [])]) this.storage.release(b);
    const dispatches: CompiledDispatch[] = [];
    const scratch: number[] = [];
    const bytes = { params: 0 };
    const making = new Set<Promise<void>>();
    // Shape-specialised pipelines cost a compile each at the plan's first run: a few per plan.
    const shapes = new ShapedBudget();
    plan.steps.forEach((step, index) => {
      // A view is no kernel: its readers bind a run of its root's memory.
      if (step.out?.kind === 'view') return;
      try {
        this.compileStep(step, index, dispatches, scratch, bytes, making, shapes);
      } catch (err) {
        throw tagStep(err, index);
      }
    });
    const params = dispatches.length === 0 ? null : this.storage.createBuffer(bytes.params, USAGE.STORAGE | USAGE.COPY_DST, `params of plan ${plan.id}`);
    c = {
      dispatches,
      unaligned: new Map(),
      slots: plan.slots.map((s, i) => this.storage.storageBuffer(s.size, `slot ${i} of plan ${plan.id}`)),
      scratch: Array.from(scratch, (size, i) => this.storage.storageBuffer(size ?? 1, `scratch ${i} of plan ${plan.id}`)),
      outputSets,
      generation: this.generation(),
      params,
      paramWords: new ArrayBuffer(Math.max(this.paramAlign, bytes.params)),
      kernels: [...new Set(dispatches.map((d) => d.label))],
      ready: making.size > 0 ? Promise.all(making).then(() => {}) : null,
    };
    this.compiled.set(plan, c);
    return c;
  }

  /** The dispatches of one plan step, with their pipelines. */
  private compileStep(step: PlanStep, index: number, dispatches: CompiledDispatch[], scratch: number[], bytes: { params: number }, making: Set<Promise<void>>, shapes: ShapedBudget): void {
    for (const dispatch of this.gpuDispatches(step).map((d) => shapes.admit(d))) {
      const label = `${step.def.name} (${dispatch.family}.${dispatch.kernel})`;
      const writes = effectWrites(step.def, step.inputs.length);
      const refs = dispatch.bind.map((b): CompiledDispatch['refs'][number] => {
        // Scratch k is one buffer for the whole plan, as large as its largest binding: its
        // contents matter only between the dispatches of one step.
        if (isScratch(b)) {
          scratch[b.scratch] = Math.max(scratch[b.scratch] ?? 1, b.size);
          return { kind: 'scratch', index: b.scratch };
        }
        if (isTable(b)) {
          if (!dispatch.table) throw new Error(`webgpu: ${label} binds a table but its rule gives none`);
          return { kind: 'table' };
        }
        if (isGather(b)) {
          const refs = b.inputs.map((i) => {
            const r = step.inputs[i];
            if (!r) throw new Error(`webgpu: ${label} gathers input ${i}, but ${step.def.name} has ${step.inputs.length}`);
            return r;
          });
          return { kind: 'gather', refs, at: b.at, sizes: b.inputs.map((i) => sizeOf(step.inShapes[i]!)) };
        }
        if (b === 'out') {
          if (!step.out) throw new Error(`webgpu: ${label} binds 'out' but ${step.def.name} has no output`);
          return step.out;
        }
        if ('out' in b) {
          const r = step.extraOuts[b.out - 1];
          if (!r) throw new Error(`webgpu: ${label} binds output ${b.out}, but ${step.def.name} has ${1 + step.extraOuts.length}`);
          return r;
        }
        const r = step.inputs[b.input];
        if (!r) throw new Error(`webgpu: ${label} binds input ${b.input}, but ${step.def.name} has ${step.inputs.length}`);
        return r;
      });
      const { entry, ready } = this.pipelines.get(dispatch, label, writes);
      if (ready) making.add(ready);
      // Its parameter block, then its table (if any), each from a multiple of the binding alignment.
      const paramOffset = bytes.params;
      const tableBytes = dispatch.table ? Math.ceil((dispatch.table.words * 4) / this.paramAlign) * this.paramAlign : 0;
      bytes.params += this.paramAlign + tableBytes;
      dispatches.push({
        label,
        pipe: entry,
        layout: entry.layout,
        dispatch,
        step: index,
        refs,
        paramOffset,
        tableOffset: paramOffset + this.paramAlign,
        bindGroups: new Map(),
        writes,
      });
    }
  }

  private gpuDispatches(step: PlanStep): GpuDispatch[] {
    return step.def.gpu({ inShapes: step.inShapes, inDtypes: step.inDtypes, outShape: step.outShape, outDtype: step.dtype, attrs: step.attrs as never, tuning: this.table });
  }
}
