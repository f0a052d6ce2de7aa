// The shape of an op declaration. Every op is declared once, in src/ops/<family>.ts,
// with all of its pieces; the required fields make `tsc` reject an op missing one.
import type { DType, Meta, Shape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
// Type-only imports upward (tests/unit/import-cycles.test.ts allows them, with these reasons):
// a gradient rule takes and returns Tensors, and may call any function users call (`ops`).
import type * as api from './api.ts';
import type { MatmulTuning } from './matmul-choice.ts';
import { WG } from './contract.ts';
import type { Packed, Word } from './contract.ts';
import type { OpSamples } from './samples.ts';

export type FloatArray = Float32Array | Float64Array;
export type Arr = FloatArray | Int32Array;

export interface CpuArgs<A> {
  ins: Arr[];
  inShapes: Shape[];
  /** The output array; effects (which write inputs in place) get an empty one. */
  out: Arr;
  outShape: Shape;
  /** An op with `extraOutputs`: its further output arrays, in order. */
  extraOuts?: Arr[];
  attrs: A;
  scalars: readonly number[];
}

export interface GradArgs<A> {
  /** Gradient of the loss with respect to this op's output. */
  g: Tensor;
  inputs: Tensor[];
  out: Tensor;
  attrs: A;
  scalars: readonly number[];
  /**
   * Per input: whether a gradient is wanted (PyTorch's needs_input_grad). A rule may
   * return null for the others and build nothing for them.
   */
  needsGrad: readonly boolean[];
  /**
   * The functions users call (src/ops/api.ts), bound when backward() runs: for a rule whose
   * family cannot import the op it needs without a cycle (pow's gradient takes log, div's
   * takes neg, and the unary ops' gradients (unary-ops.ts) import elementwise.ts).
   */
  ops: GradOps;
}

/** What gradient rules get as `ops`. */
export type GradOps = typeof api;

/** One entry per input: a gradient with the input's shape, or null (no gradient flows there). */
export type GradRule<A> = (args: GradArgs<A>) => (Tensor | null)[];

/** Ops that take no gradient say why, so the registry walk can tell a choice from an omission. */
export interface NotDifferentiable {
  notDifferentiable: string;
}

/** The gradient of every backward op: we do not differentiate gradients. */
export const secondOrder: NotDifferentiable = { notDifferentiable: 'a backward op: second-order gradients are not supported' };

/** The attributes of an op that takes none. */
export type NoAttrs = Record<string, never>;

export type { Word } from './contract.ts';

/**
 * What one dispatch binds after the parameter block (binding 0), in binding order: an
 * input, the output, extra output k (k >= 1) of an op with `extraOutputs`, or scratch
 * memory of the op's own.
 */
export type Binding = { input: number } | 'out' | { out: number } | ScratchBinding | GatherBinding | TableBinding;

/**
 * Several inputs bound as one range (the multi-tensor optimizer steps, which update any
 * number of parameters through three bindings): input `inputs[j]` at element `at[j]` of it
 * (`at[0]` is 0, each a multiple of GATHER_ALIGN). Where the inputs already lie that way in
 * one buffer (the optimizer's parameter arena), the range is bound as it is; otherwise the
 * backend gathers them into scratch first, and copies the written ones back after.
 */
export interface GatherBinding {
  inputs: readonly number[];
  at: readonly number[];
}

/** Elements: where a gathered input may start (64 floats: WebGPU's 256-byte binding offsets). */
export const GATHER_ALIGN = 64;

/** The dispatch's table (GpuDispatch.table), bound read-only as `array<u32>`. */
export interface TableBinding {
  table: true;
}

export function isGather(b: Binding): b is GatherBinding {
  return typeof b === 'object' && 'inputs' in b;
}

/**
 * Scratch k of a step: `size` float32 words that the plan owns and its dispatches share,
 * for a kernel that runs in passes (partial sums written by one dispatch and read by the
 * next: split-K products, multi-workgroup reductions). Its contents are undefined when a
 * step starts; `write` binds it read_write.
 */
export interface ScratchBinding {
  scratch: number;
  size: number;
  write?: boolean;
}

export function isScratch(b: Binding): b is ScratchBinding {
  return typeof b === 'object' && 'scratch' in b;
}

export function isTable(b: Binding): b is TableBinding {
  return typeof b === 'object' && 'table' in b;
}

/**
 * One compute dispatch. Bindings: 0 is the parameter block (`P: array<u32>`), then `bind`
 * in order; an input listed in the op's `effect.writes`, and 'out', bind read_write.
 */
export interface GpuDispatch {
  /** The kernel family: shaders/<family>.wgsl. */
  family: string;
  /** The kernel: the family's entry point this dispatch runs. */
  kernel: string;
  /**
   * Override constants: part of the pipeline's identity (op selectors, tile sizes). Made by
   * the contract's overrides(family, ...), which takes only the names the family declares.
   */
  constants?: Record<string, number>;
  /**
   * Override constants that specialise the pipeline to this dispatch's shape (the sizes its
   * parameter block also carries): added to `constants` by the plan compiler while the plan
   * has fewer than MAX_SHAPED_PIPELINES shaped pipelines (ShapedBudget), and left out past
   * that, when the generic pipeline reads the same sizes from the parameter block.
   */
  shaped?: Record<string, number>;
  bind: Binding[];
  /**
   * The parameter block, from the step's dynamic scalars: packed by the layout the entry
   * reads (LAYOUTS.X.pack), at most MAX_WORDS words (both in src/ops/contract.ts).
   */
  words: (scalars: readonly number[]) => Packed;
  workgroups: [number, number, number];
  /**
   * Words past the parameter block, for a dispatch whose per-item data (one entry per
   * parameter of a multi-tensor step) does not fit MAX_WORDS: `words` of them, from the
   * step's dynamic scalars, bound where the rule lists a TableBinding.
   */
  table?: { words: number; pack: (scalars: readonly number[]) => Word[] };
  /**
   * Floating-point operations it performs, where a rule knows better than the default
   * estimate of one per element of its largest operand (a product's 2·M·N·K).
   */
  flops?: number;
}

export interface GpuArgs<A> {
  inShapes: Shape[];
  inDtypes: DType[];
  outShape: Shape;
  outDtype: DType;
  attrs: A;
  /**
   * The backend's kernel-choice table for its adapter (which matmul kernel runs for which
   * size class, and how per-element work is spread): the rules read it from here, so a rule
   * is a function of its arguments.
   */
  tuning: Tuning;
}

/**
 * The tuning a GPU rule gets: the matmul table (src/ops/matmul-choice.ts) and, where the
 * adapter's table has them, the per-element dispatch shape (DEFAULT_ELEMENTWISE otherwise) and
 * the optimizer step's (src/ops/update.ts stepGrid, in vec4s).
 */
export type Tuning = MatmulTuning & { elementwise?: ElementwiseTuning; step?: ElementwiseTuning };

/** How an op runs on WebGPU: its dispatches, fixed when a plan is compiled. */
export type GpuRule<A> = (args: GpuArgs<A>) => GpuDispatch[];

export interface OpDef<A = Record<string, never>> {
  name: string;
  /** Input positions that never take a gradient (labels, indices, masks). */
  nondiff?: readonly number[];
  /**
   * An effect writes the listed inputs (variables) in place and has no output: positions,
   * or a function of the input count (a multi-tensor step takes any number of parameters).
   * Positions past an op's inputs are ignored.
   */
  effect?: { writes: readonly number[] | ((inputs: number) => readonly number[]) };
  /**
   * Inputs the op reads as one range (its GPU rule's GatherBindings, at the same offsets): a
   * plan that computes all of them places them so, in one buffer, and the range binds with
   * no copy (a multi-tensor step's gradients).
   */
  gathers?(inputs: number, attrs: A): GatherBinding[];
  /** Validates inputs; throws an Error naming the op and the shapes. */
  shape(ins: Meta[], attrs: A): Meta;
  /**
   * A shape-only op whose output is a contiguous run of its input's elements: in a plan it
   * is an alias of the input's memory (no kernel, no bytes), when `when` holds (decided by
   * shapes and attributes only); `offset` is where the run starts, in elements.
   */
  alias?: {
    when?(inShape: Shape, attrs: A): boolean;
    offset(inShape: Shape, attrs: A, scalars: readonly number[]): number;
  };
  /**
   * Outputs beyond the first, for the kernels that compute several results in one pass
   * (the fusions of src/ops/fused.ts): their metas, in order (extra output k is k + 1).
   */
  extraOutputs?(ins: Meta[], attrs: A): Meta[];
  cpu(args: CpuArgs<A>): void;
  /** Its WebGPU dispatches: each names its kernel family (shaders/<family>.wgsl) and kernel (entry point). */
  gpu: GpuRule<A>;
  grad: GradRule<A> | NotDifferentiable;
  /**
   * The inputs it takes (src/ops/samples.ts): shapes by role, value domains, dtypes, attributes
   * and scalars. Its GPU-vs-CPU cases, its gradient check and its workbench entry derive from
   * these, so an op cannot exist without them.
   */
  samples: OpSamples<A>;
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** The inputs an effect with `inputs` inputs writes (none for an op that is not an effect). */
export function effectWrites(def: OpDef<any>, inputs: number): readonly number[] {
  const w = def.effect?.writes ?? [];
  return (typeof w === 'function' ? w(inputs) : w).filter((i) => i < inputs);
}

/** Whether a binding writes: the output, an extra output, or an input the effect writes. */
export function bindsOutput(b: Binding): boolean {
  return b === 'out' || (typeof b === 'object' && 'out' in b);
}

/** Whether a dispatch writes a binding: an output, scratch it fills, or an input the effect writes. */
export function writesBinding(b: Binding, writes: readonly number[]): boolean {
  if (isScratch(b)) return b.write === true;
  if (isTable(b)) return false;
  if (isGather(b)) return b.inputs.some((i) => writes.includes(i));
  return bindsOutput(b) || writes.includes((b as { input: number }).input);
}

export function isDifferentiable<A>(def: OpDef<A>): def is OpDef<A> & { grad: GradRule<A> } {
  return typeof def.grad === 'function';
}

export function floatOnly(op: string, ins: Meta[], names: string[] = ['input']): void {
  ins.forEach((m, i) => {
    if (m.dtype !== 'float32') throw new Error(`${op}: ${names[i] ?? `input ${i}`} must be float32, got ${m.dtype}`);
  });
}

export const float32 = (shape: Shape): Meta => ({ shape, dtype: 'float32' as DType });

/** WebGPU's guaranteed workgroups per dimension of a dispatch. */
export const MAX_GROUPS = 65535;

/** Workgroups for n threads of WG each, folded into 2-D past the 65535-groups limit. */
export function grid(n: number, wg = WG): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

export const f = (x: number): Word => ({ f: x });

// ---- per-element work: a bounded grid of threads that loop ------------------------------

/**
 * How per-element kernels spread their items (an element, or a vec4 of four) over threads:
 * workgroups of `wg` threads, each thread taking at least `perThread` items before another
 * workgroup is added, and at most `maxGroups` workgroups, past which every thread loops over
 * more items (a grid-stride loop: item i, i + threads, ...). A workgroup costs a fixed
 * amount to start (large on SwiftShader, where each is a coroutine), and a GPU needs only
 * enough threads to fill its cores, so the grid follows the adapter, not the element count.
 */
export interface ElementwiseTuning {
  wg: number;
  perThread: number;
  maxGroups: number;
  /** How the entry was chosen (measured how and when, or by hand). */
  source?: string;
}

/**
 * For an adapter without a measured entry: chosen by hand for GPUs, not measured. 256-thread
 * workgroups; up to 2048 of them (half a million threads, enough to fill the largest GPUs
 * with a vec4 each), one item per thread until then.
 */
export const DEFAULT_ELEMENTWISE: ElementwiseTuning = { wg: 256, perThread: 1, maxGroups: 2048, source: 'chosen by hand for GPUs, not measured' };

/** Refuses an entry that could not run (WebGPU's 256 threads a workgroup, 65535 workgroups a dimension). */
export function checkElementwiseTuning(t: ElementwiseTuning, adapter: string, entry = 'elementwise tuning'): void {
  const bad = (what: string): never => {
    throw new Error(`${entry} for ${adapter}: ${what}, got ${JSON.stringify(t)}`);
  };
  if (!Number.isInteger(t.wg) || t.wg < 1 || t.wg > 256) bad('wg must be an integer in 1 .. 256');
  if (!Number.isInteger(t.perThread) || t.perThread < 1) bad('perThread must be an integer >= 1');
  if (!Number.isInteger(t.maxGroups) || t.maxGroups < 1 || t.maxGroups > MAX_GROUPS) bad(`maxGroups must be an integer in 1 .. ${MAX_GROUPS}`);
}

/** Refuses a table whose per-element or optimizer-step grid entry (where it has them) could not run. */
export function checkGridEntries(t: Pick<Tuning, 'adapter' | 'elementwise' | 'step'>): void {
  if (t.elementwise) checkElementwiseTuning(t.elementwise, t.adapter);
  if (t.step) checkElementwiseTuning(t.step, t.adapter, 'optimizer step grid');
}

/** The per-element dispatch shape of a table (its entry, or the default), checked. */
export function elementwiseTuning(tuning: Pick<Tuning, 'adapter' | 'elementwise'>): ElementwiseTuning {
  const t = tuning.elementwise ?? DEFAULT_ELEMENTWISE;
  checkElementwiseTuning(t, tuning.adapter);
  return t;
}

/** Workgroups for `items` items: enough for `perThread` each, at most `maxGroups`, at least one. */
export function strideGrid(items: number, t: ElementwiseTuning): [number, number, number] {
  const want = Math.ceil(items / (t.wg * t.perThread));
  return [Math.max(1, Math.min(t.maxGroups, want)), 1, 1];
}

/**
 * The most shape-specialised pipelines one compiled plan makes. Each is a pipeline of its
 * own, compiled when a page first runs the plan (a tiled or register matmul pipeline takes
 * about a second on SwiftShader), while the generic pipeline of the same kernel serves every
 * shape: 8 covers the products of a training step of a three-layer MLP (three forward, three
 * weight gradients, two input gradients) and keeps a deep model's first step from compiling
 * a pipeline per layer shape.
 */
export const MAX_SHAPED_PIPELINES = 8;

/**
 * A plan's count of shaped pipelines: each dispatch with `shaped` constants gets them while
 * fewer than `max` distinct shaped pipelines were admitted (a repeat of an admitted pipeline
 * costs nothing more), in the plan's step order; past that it runs the generic pipeline.
 */
export class ShapedBudget {
  private readonly admitted = new Set<string>();

  constructor(private readonly max = MAX_SHAPED_PIPELINES) {}

  admit(d: GpuDispatch): GpuDispatch {
    if (!d.shaped) return d;
    const { shaped, ...generic } = d;
    const constants = { ...d.constants, ...shaped };
    const key = `${d.family}.${d.kernel}${JSON.stringify(Object.entries(constants).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (!this.admitted.has(key)) {
      if (this.admitted.size >= this.max) return generic;
      this.admitted.add(key);
    }
    return { ...generic, constants };
  }

  /** Shaped pipelines admitted so far. */
  get count(): number {
    return this.admitted.size;
  }
}
