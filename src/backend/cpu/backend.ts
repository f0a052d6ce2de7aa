// The reference backend: each op's CPU kernel on typed arrays, in float32 (as the GPU) or
// float64 (for finite-difference gradient checks).
import type { DType, Storage } from '../../graph/ir.ts';
import type { Plan, Ref, ViewAt } from '../../graph/plan.ts';
import { viewsOf } from '../../graph/plan.ts';
import { sizeOf } from '../../shape.ts';
import type { Arr, CpuArgs } from '../../ops/define.ts';
import type { Backend, BackendStats, ExecuteResult, HostArray, StageRef } from '../backend.ts';
import { emptyStats, tagStep } from '../backend.ts';

interface CompiledStep {
  run: (args: CpuArgs<any>) => void;
  args: CpuArgs<any>;
  inputs: Ref[];
  out: Ref | null;
  /** Views of plan-owned scratch, made once: a slot is shared by steps of different sizes. */
  slotIns: (Arr | null)[];
  slotOut: Arr | null;
  extraOuts: Ref[];
  slotExtras: (Arr | null)[];
}

interface Compiled {
  steps: CompiledStep[];
  slotArrays: Arr[];
  /** Output arrays per output set, made on first use and reused by every later run. */
  outputSets: Arr[][];
}

const EMPTY = new Float32Array(0);

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly description: string;
  readonly stats: BackendStats = emptyStats();
  private readonly compiled = new WeakMap<Plan, Compiled>();
  /**
   * 2 GiB per tensor: about what a browser tab's typed arrays allow, and far past what the
   * reference backend can compute on in reasonable time.
   */
  readonly storageBuffersPerStage = Infinity;
  readonly maxTensorBytes = { bytes: 2 ** 31, source: 'the CPU backend allows 2 GiB per tensor' };

  constructor(readonly precision: 'float32' | 'float64' = 'float32') {
    this.description = `CPU (${precision})`;
  }

  alloc(dtype: DType, size: number): Arr {
    if (dtype === 'int32') return new Int32Array(size);
    return this.precision === 'float64' ? new Float64Array(size) : new Float32Array(size);
  }

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    const a = this.alloc(dtype, data.length);
    a.set(data);
    return a;
  }

  write(storage: Storage, data: ArrayLike<number>): void {
    (storage as Arr).set(data);
  }

  async read(storage: Storage, _dtype: DType, size: number): Promise<HostArray> {
    this.stats.readbacks++;
    return (storage as Arr).slice(0, size);
  }

  clone(storage: Storage, dtype: DType, size: number): Storage {
    this.count(dtype, size);
    return (storage as Arr).slice(0, size);
  }

  view(storage: Storage, offset: number, size: number): Storage {
    return (storage as Arr).subarray(offset, offset + size);
  }

  release(): void {
    // Typed arrays are reclaimed by the JS garbage collector.
  }

  /** Nothing to free but typed arrays, which the garbage collector takes. */
  destroy(): void {}

  /** The CPU runs a plan when it is executed: nothing is ever in flight. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  private count(dtype: DType, size: number): void {
    this.stats.buffersAllocated++;
    this.stats.bytesAllocated += size * (dtype === 'int32' ? 4 : this.precision === 'float64' ? 8 : 4);
  }

  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult {
    const c = this.compile(plan);
    const outputs = (c.outputSets[set] ??= plan.outputs.map((m) => {
      this.count(m.dtype, sizeOf(m.shape));
      return this.alloc(m.dtype, sizeOf(m.shape));
    }));
    this.stats.submits++;
    const views = plan.viewSteps.length > 0 ? viewsOf(plan, scalars) : null;
    const whole = (r: ViewAt['root']): Arr => (r.kind === 'ext' ? (externals[r.index] as Arr) : r.kind === 'out' ? outputs[r.index]! : c.slotArrays[r.index]!);
    for (let i = 0; i < c.steps.length; i++) {
      const s = c.steps[i]!;
      if (s.out?.kind === 'view') continue;
      for (let k = 0; k < s.inputs.length; k++) {
        const r = s.inputs[k]!;
        if (r.kind === 'view') {
          const at = views!.get(r.step)!;
          s.args.ins[k] = whole(at.root).subarray(at.offset, at.offset + sizeOf(s.args.inShapes[k]!));
        } else {
          s.args.ins[k] = r.kind === 'ext' ? (externals[r.index] as Arr) : r.kind === 'out' ? outputs[r.index]! : s.slotIns[k]!;
        }
      }
      s.args.out = s.out === null ? EMPTY : s.out.kind === 'out' ? outputs[s.out.index]! : s.slotOut!;
      for (let k = 0; k < s.extraOuts.length; k++) {
        const r = s.extraOuts[k]!;
        s.args.extraOuts![k] = r.kind === 'out' ? outputs[r.index]! : s.slotExtras[k]!;
      }
      s.args.scalars = scalars[i]!;
      try {
        s.run(s.args);
      } catch (err) {
        throw tagStep(err, i);
      }
      this.stats.dispatches++;
    }
    const staged = stage.map((r) => (r.kind === 'out' ? this.read(outputs[r.index], plan.outputs[r.index]!.dtype, outputs[r.index]!.length) : this.read(r.storage, r.dtype, r.size)));
    return { outputs, staged };
  }

  private compile(plan: Plan): Compiled {
    let c = this.compiled.get(plan);
    if (c) return c;
    const slotArrays = plan.slots.map((s) => {
      this.count(s.dtype, s.size);
      return this.alloc(s.dtype, s.size);
    });
    const view = (r: Ref | null, shape: readonly number[]): Arr | null =>
      r?.kind === 'slot' ? slotArrays[r.index]!.subarray(0, sizeOf(shape)) : null;
    const steps = plan.steps.map<CompiledStep>((s) => ({
      run: s.def.cpu,
      inputs: s.inputs,
      out: s.out,
      slotIns: s.inputs.map((r, k) => view(r, s.inShapes[k]!)),
      slotOut: view(s.out, s.outShape),
      extraOuts: s.extraOuts,
      slotExtras: s.extraOuts.map((r, k) => view(r, s.extraShapes[k]!)),
      args: { ins: new Array(s.inputs.length), inShapes: s.inShapes, out: EMPTY, outShape: s.outShape, extraOuts: new Array(s.extraOuts.length), attrs: s.attrs, scalars: [] },
    }));
    c = { steps, slotArrays, outputSets: [] };
    this.compiled.set(plan, c);
    return c;
  }
}
