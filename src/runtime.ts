// Engine state: the current backend, the pending graph, grad mode, and the flush that
// turns pending nodes into one plan and one submit.
import type { Backend, BackendName, BackendStats, HostArray, StageRef } from './backend/backend.ts';
import { CpuBackend } from './backend/cpu/backend.ts';
import { Node, Variable } from './graph/ir.ts';
import type { DType, Meta } from './graph/ir.ts';
import { PlanCache } from './graph/plan.ts';
import type { Plan } from './graph/plan.ts';
import { schedule } from './graph/plan.ts';
import type { OpDef } from './ops/define.ts';
import { assignDef } from './ops/update.ts';
import { isDifferentiable } from './ops/define.ts';
import { fmt, sizeOf } from './shape.ts';
import { Tensor } from './tensor.ts';

let backend: Backend = new CpuBackend('float32');
let plans = new PlanCache();
/** Exposed nodes and effects recorded since the last flush. */
let pending: Node[] = [];
let pendingEffects: Node[] = [];
let gradEnabled = true;
let internalDepth = 0;

export function currentBackend(): Backend {
  return backend;
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
  ['webgpu', async () => (await import('./backend/webgpu/index.ts')).createWebGpuBackend()],
]);

/** Plug in (or replace) how a backend starts; returns the factory it replaced. */
export function registerBackend(name: BackendName, factory: BackendFactory): BackendFactory | undefined {
  const previous = factories.get(name);
  factories.set(name, factory);
  return previous;
}

/**
 * Switch backends. Tensors made on the old backend cannot be used with the new one.
 * Pending work is run on the old backend first, so nothing recorded is lost.
 */
export async function setBackend(name: BackendName, opts: SetBackendOptions = {}): Promise<BackendInfo> {
  if (name !== 'cpu' && name !== 'webgpu') throw new Error(`setBackend: unknown backend '${String(name)}'; expected 'cpu' or 'webgpu'`);
  if (opts.precision !== undefined && opts.precision !== 'float32' && opts.precision !== 'float64') {
    throw new Error(`setBackend: precision must be 'float32' or 'float64', got '${String(opts.precision)}'`);
  }
  if (name !== 'cpu' && opts.precision === 'float64') throw new Error(`setBackend: float64 precision is only available on the 'cpu' backend`);
  try {
    flush();
  } catch {
    // The old backend cannot run it (a lost device, a failed kernel): that work is marked
    // failed on its tensors, and switching must still succeed.
  }
  const factory = factories.get(name);
  let next: Backend;
  let fallbackReason: string | undefined;
  try {
    if (!factory) throw new Error(`the ${name} backend is not available in this build`);
    next = await factory(opts);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (!opts.fallback) throw new Error(`setBackend('${name}'): ${reason}`);
    fallbackReason = reason;
    next = new CpuBackend(opts.precision ?? 'float32');
  }
  // The old backend's tensors are unusable from now on; free its device.
  if (backend !== next) backend.destroy?.();
  backend = next;
  plans = new PlanCache();
  pending = [];
  pendingEffects = [];
  const info: BackendInfo = { name: next.name, description: next.description };
  if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
  return info;
}

/**
 * GPU time of the kernels that `fn`'s work ran, from timestamp queries (ms); null where the
 * backend has none (the CPU, an adapter without 'timestamp-query'). For benchmarks.
 */
export async function gpuTimeMs(fn: () => Promise<void> | void): Promise<number | null> {
  flush();
  if (!backend.startTimer?.()) {
    await fn();
    return null;
  }
  try {
    await fn();
    flush();
  } catch (err) {
    await backend.stopTimer!();
    throw err;
  }
  // Waits for the timestamps of every run since startTimer.
  return backend.stopTimer!();
}

/** Counters since the current backend started: submits, dispatches, readbacks, plans, ... */
export function backendStats(): BackendStats {
  return { ...backend.stats, plans: plans.built };
}

// ---- grad mode and exposure -------------------------------------------------------------

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording gradients, as `torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Nodes made inside `fn` are internal (gradient rules, composite functions): a flush may
 * keep them in reused scratch memory instead of handing each its own storage.
 */
export function internal<T>(fn: () => T): T {
  internalDepth++;
  try {
    return fn();
  } finally {
    internalDepth--;
  }
}

/** Make a node made internally (a gradient, a composite's result) a kept result of the next flush. */
export function expose(t: Tensor): Tensor {
  const n = t.node;
  if (t.variable === null && !n.exposed) {
    n.exposed = true;
    if (n.state === 'pending' || n.state === 'discarded') pending.push(n);
  }
  return t;
}

// ---- recording --------------------------------------------------------------------------

function readNode(t: Tensor, op: string): Node {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describeValue(t)}`);
  t.assertUsable(op);
  if (t.backendName !== backend.name) {
    throw new Error(`${op}: a tensor ${fmt(t.shape)} lives on the ${t.backendName} backend but the current backend is ${backend.name}; create it again after setBackend`);
  }
  // Reading a variable with an update still pending: run it first, so this new node does
  // not chain onto last step's graph (see DESIGN.md, "when work is submitted").
  if (t.variable?.pendingWrite) flush();
  return t.node;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array (wrap it with tensor(...))';
  return typeof v;
}

/** Record one op: shape rule now (errors are immediate), work later. */
export function apply<A>(def: OpDef<A>, inputs: Tensor[], attrs: A, scalars: readonly number[] = []): Tensor {
  const nodes = inputs.map((t) => readNode(t, def.name));
  const meta = def.shape(nodes.map(metaOf), attrs);
  const requiresGrad =
    gradEnabled &&
    meta.dtype === 'float32' &&
    isDifferentiable(def) &&
    nodes.some((n, i) => n.requiresGrad && !(def.nondiff ?? []).includes(i));
  const node = new Node(def, nodes, attrs as Record<string, unknown>, scalars, meta.shape, meta.dtype, requiresGrad);
  node.exposed = internalDepth === 0;
  pending.push(node);
  return Tensor.fromNode(node, backend.name);
}

/** Record an effect: writes `def.effect.writes` inputs (variables) in place at the next flush. */
export function applyEffect<A>(def: OpDef<A>, inputs: Tensor[], attrs: A, scalars: readonly number[] = []): void {
  const writes = def.effect!.writes;
  for (const w of writes) {
    const v = inputs[w]?.variable;
    if (!v) throw new Error(`${def.name}: input ${w} must be a leaf tensor (parameter or state) to be updated in place`);
    if (v.pendingWrite) flush();
  }
  const nodes = inputs.map((t) => readNode(t, def.name));
  def.shape(nodes.map(metaOf), attrs);
  const node = new Node(def, nodes, attrs as Record<string, unknown>, scalars, [], 'float32', false);
  for (const w of writes) inputs[w]!.variable!.pendingWrite = node;
  pendingEffects.push(node);
}

function metaOf(n: Node): Meta {
  return { shape: n.shape, dtype: n.dtype };
}

/** Storage for a new variable from host values: no submit. */
export function newVariable(data: ArrayLike<number>, shape: readonly number[], dtype: DType): Variable {
  return new Variable(backend.upload(data, dtype), shape, dtype, backend.name);
}

export function writeVariable(v: Variable, data: ArrayLike<number>): void {
  // Recorded readers of the old value must run before it is overwritten.
  if (pending.length > 0 || pendingEffects.length > 0) flush();
  backend.write(v.storage, data, v.dtype);
  v.version++;
}

// ---- flush ------------------------------------------------------------------------------

/**
 * Each plan owns OUTPUT_SETS sets of output storage and alternates between them, so a
 * result stays readable while the next run of the same step computes (and may read it),
 * with no allocation in steady state. A result is evicted when its set comes round again.
 */
const OUTPUT_SETS = 2;
const planRuns = new WeakMap<Plan, { runs: number; owners: (Node | null)[][] }>();

/** What a flush should copy back to the host in its own submit. */
export type StageTarget = Node | Variable;

/**
 * Realize the pending graph: every exposed node, `extra` and every effect, as one plan run
 * (one submit). Scratch results are dropped and recomputed on demand. `stage` lists
 * results (or variables, read after the effects) to copy back in the same submit.
 */
export function flush(extra: Node[] = [], stage: StageTarget[] = []): Promise<HostArray>[] {
  const targets = pending.filter((n) => n.state === 'pending' || n.state === 'discarded');
  for (const n of extra) if (n.state !== 'realized') targets.push(n);
  const effects = pendingEffects;
  if (targets.length === 0 && effects.length === 0) return [];
  const wanted = new Set(extra);
  pending = [];
  pendingEffects = [];
  let order: Node[] = [];
  try {
    order = schedule(targets, effects);
    if (order.length === 0) return [];
    const bound = plans.bind(order, (n) => n.exposed || wanted.has(n));
    const externals = bound.externals.map((x) => (x.isLeaf ? x.variable!.storage : x.storage));
    const set = reuseOutputSet(bound.plan, bound.externals);
    const outIndex = new Map(bound.outputs.map((n, i) => [n, i]));
    const stageRefs: StageRef[] = stage.map((t) =>
      t instanceof Node
        ? { kind: 'out', index: outIndex.get(t)! }
        : { kind: 'storage', storage: t.storage, dtype: t.dtype, size: sizeOf(t.shape) },
    );
    const { outputs, staged } = backend.execute(bound.plan, externals, bound.scalars, set, stageRefs);
    const owners = planRuns.get(bound.plan)!.owners[set]!;
    bound.outputs.forEach((n, i) => {
      n.storage = outputs[i];
      n.state = 'realized';
      owners[i] = n;
      ownerSetOf.set(n, owners);
      // A realized node needs its inputs only for a backward() still to come: otherwise
      // drop them, so last step's graph can be collected.
      if (!n.requiresGrad || n.gradFreed) n.inputs = [];
    });
    for (const n of order) if (n.state === 'pending') n.state = 'discarded';
    for (const e of effects) {
      for (const w of e.def!.effect!.writes) {
        const v = e.inputs[w]!.variable!;
        v.version++;
        v.pendingWrite = null;
      }
      e.state = 'realized';
      e.inputs = [];
    }
    return staged;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    // Nothing was written (effects run last and a failed plan writes no variable), so drop
    // the pending updates and mark what this flush should have produced as failed.
    for (const e of effects) for (const w of e.def!.effect!.writes) e.inputs[w]!.variable!.pendingWrite = null;
    for (const n of [...targets, ...order]) {
      if (n.state !== 'realized') {
        n.state = 'failed';
        n.error = error;
      }
    }
    throw error;
  }
}

/**
 * Pick the output set for this run and evict the results it last held; one that this run
 * reads as an input is first copied out, so it is not overwritten while read.
 */
function reuseOutputSet(plan: Plan, externals: Node[]): number {
  let state = planRuns.get(plan);
  if (!state) {
    state = { runs: 0, owners: Array.from({ length: OUTPUT_SETS }, () => plan.outputs.map(() => null)) };
    planRuns.set(plan, state);
  }
  const set = state.runs++ % OUTPUT_SETS;
  const inputs = new Set(externals);
  const owners = state.owners[set]!;
  owners.forEach((prev, i) => {
    if (!prev || prev.state !== 'realized') return;
    ownerSetOf.delete(prev);
    if (inputs.has(prev)) {
      prev.storage = backend.clone(prev.storage, prev.dtype, sizeOf(prev.shape));
    } else {
      prev.state = 'evicted';
      prev.storage = null;
    }
    owners[i] = null;
  });
  return set;
}

/** The output set each realized result lives in (absent once it has storage of its own). */
const ownerSetOf = new WeakMap<Node, (Node | null)[]>();

/** Give a result storage of its own, out of its plan's reuse cycle (one copy). */
export function keep(node: Node): void {
  if (node.state !== 'realized') flush([node]);
  const owners = ownerSetOf.get(node);
  const i = owners ? owners.indexOf(node) : -1;
  if (i < 0) return;
  node.storage = backend.clone(node.storage, node.dtype, sizeOf(node.shape));
  owners![i] = null;
  ownerSetOf.delete(node);
}

/** A new variable whose first value is a lazy tensor: written at the next flush. */
export function variableFrom(t: Tensor): Variable {
  const v = new Variable(backend.upload(new Float32Array(t.size), t.dtype), t.shape, t.dtype, backend.name);
  applyEffectOnVariable(v, t);
  return v;
}

function applyEffectOnVariable(v: Variable, value: Tensor): void {
  noGrad(() => applyEffect(assignDef, [Tensor.fromVariable(v), value], {}));
}
