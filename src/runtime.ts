// Engine state: the current backend, the pending graph, grad mode, and the flush that
// turns pending nodes into one plan and one submit.
import type { Backend, BackendName, BackendStats, HostArray, StageRef } from './backend/backend.ts';
import { CpuBackend } from './backend/cpu/backend.ts';
import { Node, Variable } from './graph/ir.ts';
import type { DType, Meta } from './graph/ir.ts';
import { PlanCache } from './graph/plan.ts';
import type { Group, Plan } from './graph/plan.ts';
import { fuse } from './graph/fuse.ts';
import { needsCompute, schedule, viewsOf } from './graph/plan.ts';
import { staleView, viewOwner, viewsOfOwner } from './graph/views.ts';
import type { OpDef } from './ops/define.ts';
import { assignDef } from './ops/update.ts';
import { copyDef } from './ops/layout.ts';
import { extraOutputDef } from './ops/fused.ts';
import { effectWrites, isDifferentiable } from './ops/define.ts';
import { fmt, sizeOf } from './shape.ts';
import { Tensor } from './tensor.ts';

let backend: Backend = new CpuBackend('float32');
let plans = new PlanCache();
/** Exposed nodes and effects recorded since the last flush. */
let pending: Node[] = [];
let pendingEffects: Node[] = [];
let gradEnabled = true;
/** Bumped by every backend switch: tensors of an earlier epoch have lost their memory. */
let epoch = 0;
let lastSwitch = '';
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
export function setBackend(name: BackendName, opts: SetBackendOptions = {}): Promise<BackendInfo> {
  // Calls take effect in call order, so the last call wins: a slow WebGPU start begun
  // before a quick switch to the CPU must not finish last and replace it.
  const run = switchQueue.then(() => switchBackend(name, opts));
  switchQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let switchQueue: Promise<void> = Promise.resolve();

async function switchBackend(name: BackendName, opts: SetBackendOptions): Promise<BackendInfo> {
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
  epoch++;
  lastSwitch = `setBackend('${name}'${opts.precision ? `, { precision: '${opts.precision}' }` : ''})`;
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

let lastRun: Plan | null = null;

/** The plan the last flush ran (for the docs, the engine view and tests); null before any. */
export function lastPlan(): Plan | null {
  return lastRun;
}

/** Counters since the current backend started: submits, dispatches, readbacks, plans, ... */
export function backendStats(): BackendStats {
  return { ...backend.stats, plans: plans.built };
}

// ---- grad mode and exposure -------------------------------------------------------------

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run `fn` without recording gradients, as `torch.no_grad()`. `fn` must be synchronous: the
 * mode is a global flag, and after an await other code runs under whatever mode is current.
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`noGrad: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  if (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction') throw asyncNoGradError();
  const prev = gradEnabled;
  gradEnabled = false;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = prev;
  }
  // A function that returned a promise ran only up to its first await without gradients.
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as unknown as Promise<unknown>).then(undefined, () => {});
    throw asyncNoGradError();
  }
  return result;
}

function asyncNoGradError(): Error {
  return new Error(
    'noGrad: the function is async (or returned a Promise); gradient mode cannot follow it across an await, so ops after ' +
      'the first await would record gradients again. Pass a synchronous function and await its results outside: ' +
      'const y = noGrad(() => net.forward(x)); const values = await y.data()',
  );
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

/** Whether `t` was made by the backend now in use (not before a setBackend call). */
export function isOnCurrentBackend(t: Tensor): boolean {
  return t.backendName === backend.name && t.epoch === epoch;
}

/** Throws unless `t` was made by the backend now in use (not before a setBackend call). */
export function assertCurrentBackend(t: Tensor, op: string): void {
  if (t.backendName !== backend.name) {
    throw new Error(`${op}: a tensor ${fmt(t.shape)} lives on the ${t.backendName} backend but the current backend is ${backend.name}; create it again after setBackend`);
  }
  if (t.epoch !== epoch) {
    throw new Error(
      `${op}: a tensor ${fmt(t.shape)} ${t.dtype} was created before ${lastSwitch} re-initialised the ${backend.name} backend; ` +
        `its memory is gone: create it again`,
    );
  }
}

function readNode(t: Tensor, op: string, written = false): Node {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describeValue(t)}`);
  t.assertUsable(op);
  assertCurrentBackend(t, op);
  // Reading a variable with an update still pending: run it first, so this new node does
  // not chain onto last step's graph (see DESIGN.md, "when work is submitted"). An update
  // of it is the exception: effects run in the order recorded, in the same flush.
  if (!written && (t.variable ?? viewBase(t)?.variable)?.pendingWrite) flush();
  const n = t.node;
  return n.state === 'realized' && staleView(n) ? freshView(n) : n;
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
  checkSize(def.name, meta.shape, meta.dtype);
  const requiresGrad =
    gradEnabled &&
    meta.dtype === 'float32' &&
    isDifferentiable(def) &&
    nodes.some((n, i) => n.requiresGrad && !(def.nondiff ?? []).includes(i));
  const node = new Node(def, nodes, attrs as Record<string, unknown>, scalars, meta.shape, meta.dtype, requiresGrad);
  node.epoch = epoch;
  node.exposed = internalDepth === 0;
  pending.push(node);
  return Tensor.fromNode(node, backend.name);
}

/**
 * Record an op with extra outputs (OpDef.extraOutputs), all of them computed by one kernel:
 * its results in order. The fusion pass makes these itself; this is for running one directly.
 */
export function applyMulti<A>(def: OpDef<A>, inputs: Tensor[], attrs: A, scalars: readonly number[] = []): Tensor[] {
  const first = apply(def, inputs, attrs, scalars);
  const node = first.node;
  // All of them are results of the program: computed (and kept) together.
  node.exposed = true;
  const metas = def.extraOutputs?.(inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })), attrs) ?? [];
  node.extras = metas.map((m, k) => {
    checkSize(def.name, m.shape, m.dtype);
    const extra = new Node(extraOutputDef, [node], { index: k + 1 }, [], m.shape, m.dtype, false);
    extra.epoch = epoch;
    extra.exposed = true;
    extra.extraOf = { node, index: k + 1 };
    pending.push(extra);
    return extra;
  });
  return [first, ...node.extras.map((n) => Tensor.fromNode(n, backend.name))];
}

/** Record an effect: writes `def.effect.writes` inputs (variables) in place at the next flush. */
export function applyEffect<A>(def: OpDef<A>, inputs: Tensor[], attrs: A, scalars: readonly number[] = []): void {
  const writes = effectWrites(def as OpDef<any>, inputs.length);
  for (const w of writes) {
    const v = inputs[w]?.variable;
    if (!v) throw new Error(`${def.name}: input ${w} must be a leaf tensor (parameter or state) to be updated in place`);
  }
  // An effect must not read the memory it writes (WebGPU forbids binding one buffer both
  // ways, and a kernel would read values it already overwrote): read a copy instead.
  const written = new Set(writes.map((w) => inputs[w]!.variable));
  inputs = inputs.map((t, i) => (!writes.includes(i) && written.has(variableUnder(t)) ? noGrad(() => internal(() => apply(copyDef, [t], {}))) : t));
  const nodes = inputs.map((t, i) => readNode(t, def.name, writes.includes(i)));
  def.shape(nodes.map(metaOf), attrs);
  const node = new Node(def, nodes, attrs as Record<string, unknown>, scalars, [], 'float32', false);
  node.epoch = epoch;
  for (const w of writes) inputs[w]!.variable!.pendingWrite = node;
  pendingEffects.push(node);
}

function metaOf(n: Node): Meta {
  return { shape: n.shape, dtype: n.dtype };
}

/** A tensor must fit the backend's largest buffer: checked when recorded, not when run. */
export function checkSize(op: string, shape: readonly number[], dtype: DType): void {
  const bytes = sizeOf(shape) * (dtype === 'float32' && backend.precision === 'float64' ? 8 : 4);
  const limit = backend.maxTensorBytes;
  if (bytes > limit.bytes) {
    throw new Error(
      `${op}: a ${dtype} tensor of shape ${fmt(shape)} has ${sizeOf(shape)} elements (${bytes} bytes), ` +
        `more than the ${backend.name} backend can hold in one tensor: ${limit.source}`,
    );
  }
}

/** Storage for a new variable from host values: no submit. */
export function newVariable(data: ArrayLike<number>, shape: readonly number[], dtype: DType): Variable {
  checkSize('tensor', shape, dtype);
  return new Variable(backend.upload(data, dtype), shape, dtype, backend.name, epoch);
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
  // Only what can be observed runs: results the program was handed (exposed), what is read
  // (`extra`), and the effects. A node made inside a gradient rule or a composite that
  // nothing observable reads (the gradient of an input that needs none) is never computed.
  let targets = pending.filter((n) => n.exposed && (n.state === 'pending' || n.state === 'discarded'));
  for (const n of extra) if (n.state !== 'realized') targets.push(n);
  let effects = pendingEffects;
  if (targets.length === 0 && effects.length === 0) return [];
  const wanted = new Set(extra);
  pending = [];
  pendingEffects = [];
  // Work that cannot run (it reads a failed, evicted or disposed result, or a value since
  // updated in place) fails on its own: the rest of the pending work is not held up by it.
  const blocked = blockedBy([...targets, ...effects]);
  if (blocked.size > 0) {
    for (const [n, err] of blocked) fail(n, err);
    const refused = [...extra, ...effects].map((n) => blocked.get(n)).find((e) => e !== undefined);
    targets = targets.filter((n) => !blocked.has(n));
    effects = effects.filter((e) => !blocked.has(e));
    if (refused) {
      requeue(targets, effects, wanted);
      return refuse(refused);
    }
  }
  let order: Node[] = [];
  let groups: Group[] = [];
  try {
    order = schedule(targets, effects);
    if (order.length === 0) return [];
    const isOutput = (n: Node): boolean => n.exposed || wanted.has(n);
    groups = fuse(order, isOutput);
    const bound = plans.bind(groups, isOutput);
    lastRun = bound.plan;
    // The output set first: a result it evicts that this run reads is copied out, and the
    // copy is what this run binds.
    const set = reuseOutputSet(bound.plan, bound.externals);
    const externals = bound.externals.map((x) => (x.isLeaf ? x.variable!.storage : x.storage));
    const outIndex = new Map(bound.outputs.map((n, i) => [n, i]));
    // A view read in this flush is read after it, from its root's memory (one more copy back).
    const later = stage.filter((t): t is Node => t instanceof Node && !outIndex.has(t));
    const stageRefs: StageRef[] = stage
      .filter((t) => !later.includes(t as Node))
      .map((t) =>
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
    if (bound.views.length > 0) {
      const at = viewsOf(bound.plan, bound.scalars);
      for (const { node, step } of bound.views) {
        const { root, offset } = at.get(step)!;
        const owner = root.kind === 'ext' ? bound.externals[root.index]! : bound.outputs[root.index]!;
        realizeView(node, owner.isLeaf ? owner.variable! : owner, offset);
        if (!node.requiresGrad || node.gradFreed) node.inputs = [];
      }
    }
    for (const n of order) if (n.state === 'pending') n.state = 'discarded';
    for (const e of effects) {
      for (const w of effectWrites(e.def!, e.inputs.length)) {
        const v = e.inputs[w]!.variable!;
        v.version++;
        v.pendingWrite = null;
      }
      e.state = 'realized';
      e.inputs = [];
    }
    if (later.length > 0) {
      let k = 0;
      return stage.map((t) => (t instanceof Node && later.includes(t) ? backend.read(t.storage, t.dtype, sizeOf(t.shape)) : staged[k++]!));
    }
    return staged;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const step = failedStepOf(error);
    const group = step === null ? undefined : groups[step];
    if (group === undefined) {
      // Nothing says which op failed (a device-level error): nothing was written (effects
      // run last and a failed plan writes no variable), so everything this flush should
      // have produced fails.
      for (const n of [...targets, ...order, ...effects]) if (n.state !== 'realized') fail(n, error);
      throw error;
    }
    // One kernel failed: its ops and whatever depends on them fail; the rest runs again without them.
    const failed = new Set<Node>([...group.members, ...group.outputs]);
    for (const n of order) if (n.inputs.some((x) => failed.has(x))) failed.add(n);
    for (const n of failed) fail(n, error);
    const refused = [...extra, ...effects].some((n) => failed.has(n));
    requeue(
      targets.filter((n) => !failed.has(n)),
      effects.filter((e) => !failed.has(e)),
      wanted,
    );
    if (refused) return refuse(error);
    return flush(extra, stage);
  }
}

/** Put work back in front of what is pending; the reads in `wanted` are asked for again. */
function requeue(targets: Node[], effects: Node[], wanted: Set<Node>): void {
  pending = [...targets.filter((n) => n.exposed || !wanted.has(n)), ...pending];
  pendingEffects = [...effects, ...pendingEffects];
}

/** Mark a node failed; a failed update leaves its variables as they were. */
function fail(n: Node, error: Error): void {
  n.state = 'failed';
  n.error = error;
  if (n.isEffect) for (const w of effectWrites(n.def!, n.inputs.length)) n.inputs[w]!.variable!.pendingWrite = null;
}

/**
 * What was asked for failed, or an update the program recorded cannot happen: run the rest
 * of the pending work (so a failure never leaves unrelated work, or an update that depends
 * on the failure too, pending), then report the error.
 */
function refuse(error: Error): never {
  try {
    flush();
  } catch {
    // Each failure is recorded on the nodes it failed; their own reads report it.
  }
  throw error;
}

/**
 * The targets (and effects) that cannot run, each with the error of the first input in its
 * way: a failed, evicted or disposed result, or a leaf whose value was since updated.
 */
function blockedBy(roots: Node[]): Map<Node, Error> {
  const memo = new Map<Node, Error | null>();
  const problem = (n: Node): Error | null => {
    try {
      needsCompute(n);
      return null;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  // Iterative post-order: deep chains must not overflow the JS stack.
  for (const root of roots) {
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i === 0) {
        if (memo.has(node)) {
          stack.pop();
          continue;
        }
        const own = node.isEffect ? null : problem(node);
        if (own || (!node.isEffect && (node.isLeaf || node.state === 'realized'))) {
          memo.set(node, own);
          stack.pop();
          continue;
        }
      }
      if (i < node.inputs.length) {
        top[1] = i + 1;
        if (!memo.has(node.inputs[i]!)) stack.push([node.inputs[i]!, 0]);
        continue;
      }
      stack.pop();
      memo.set(node, node.inputs.map((x) => memo.get(x) ?? null).find((e) => e !== null) ?? null);
    }
  }
  // Leaves are never marked: their problem is charged to the nodes that read them.
  const out = new Map<Node, Error>();
  for (const [n, e] of memo) if (e && !n.isLeaf) out.set(n, e);
  return out;
}

/** Backends tag an error from one op's kernel with its step in the plan (see tagStep). */
function failedStepOf(err: Error): number | null {
  const step = (err as Error & { planStep?: unknown }).planStep;
  return typeof step === 'number' ? step : null;
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
    if (inputs.has(prev) || [...(viewsOfOwner.get(prev) ?? [])].some((v) => inputs.has(v))) {
      prev.storage = backend.clone(prev.storage, prev.dtype, sizeOf(prev.shape));
      moveViews(prev);
    } else {
      prev.state = 'evicted';
      prev.storage = null;
      dropViews(prev, 'evicted');
    }
    owners[i] = null;
  });
  return set;
}

// ---- views -------------------------------------------------------------------------------

function realizeView(node: Node, owner: Node | Variable, offset: number): void {
  node.storage = backend.view(owner.storage, offset, sizeOf(node.shape), node.dtype);
  node.state = 'realized';
  viewOwner.set(node, { owner, offset, version: owner instanceof Variable ? owner.version : 0 });
  let set = viewsOfOwner.get(owner);
  if (!set) viewsOfOwner.set(owner, (set = new Set()));
  set.add(node);
}

/** The owner's memory moved (a copy of its own): its views (and theirs) now read the copy. */
function moveViews(owner: Node | Variable): void {
  for (const v of viewsOfOwner.get(owner) ?? []) {
    if (v.state !== 'realized') continue;
    v.storage = backend.view(owner.storage, viewOwner.get(v)!.offset, sizeOf(v.shape), v.dtype);
    moveViews(v);
  }
}

/** A view of the same memory, made now: what a new op reads of a view whose variable changed. */
function freshView(node: Node): Node {
  const { owner, offset } = viewOwner.get(node)!;
  const fresh = new Node(node.def, node.inputs, node.attrs, node.scalars, node.shape, node.dtype, node.requiresGrad);
  fresh.epoch = node.epoch;
  fresh.exposed = node.exposed;
  realizeView(fresh, owner instanceof Variable ? owner : freshViewOf(owner), offset);
  return fresh;
}

function freshViewOf(owner: Node): Node {
  return staleView(owner) ? freshView(owner) : owner;
}

/** The owner's memory is gone: its views are too (`how` says why, for their reads). */
function dropViews(owner: Node | Variable, how: 'evicted' | 'disposed'): void {
  const views = viewsOfOwner.get(owner);
  if (!views) return;
  viewsOfOwner.delete(owner);
  for (const v of views) {
    if (v.state !== 'realized') continue;
    viewOwner.delete(v);
    v.storage = null;
    if (how === 'evicted') {
      v.state = 'evicted';
    } else {
      v.state = 'failed';
      v.error = new Error(`${v.opName} ${fmt(v.shape)}: a view of a tensor that was freed with dispose(); its memory is gone (keep() the view, or read it, before disposing)`);
    }
    dropViews(v, how);
  }
}

/** The variable whose memory `t` is (or is a view of), if any. */
function variableUnder(t: Tensor): Variable | null {
  return t.variable ?? viewBase(t)?.variable ?? null;
}

/**
 * For a view of a variable's memory (a chain of reshape, narrow of rows, detach, lazy or
 * realized): the variable, and where the view starts in it (elements). null otherwise.
 */
export function viewBase(t: Tensor): { variable: Variable; offset: number } | null {
  if (t.variable) return { variable: t.variable, offset: 0 };
  let n: Node | undefined = t.node;
  let offset = 0;
  while (n) {
    const realized = viewOwner.get(n);
    if (realized) {
      offset += realized.offset;
      if (realized.owner instanceof Variable) return { variable: realized.owner, offset };
      n = realized.owner;
      continue;
    }
    if (n.isLeaf) return { variable: n.variable!, offset };
    const alias = n.def!.alias;
    if (n.state !== 'pending' && n.state !== 'discarded') return null;
    if (!alias || !(alias.when?.(n.inputs[0]!.shape, n.attrs as never) ?? true)) return null;
    offset += alias.offset(n.inputs[0]!.shape, n.attrs as never, n.scalars);
    n = n.inputs[0];
  }
  return null;
}

/** A variable was freed: its views go with its memory. */
export function variableDisposed(v: Variable): void {
  dropViews(v, 'disposed');
}

/** The output set each realized result lives in (absent once it has storage of its own). */
const ownerSetOf = new WeakMap<Node, (Node | null)[]>();

/**
 * Free a realized result's memory, unless a cached plan owns it: then it only leaves the
 * plan's output set (the next run of that plan reuses the memory anyway).
 */
export function releaseResult(node: Node): void {
  dropViews(node, 'disposed');
  const view = viewOwner.get(node);
  if (view) {
    viewsOfOwner.get(view.owner)?.delete(node);
    viewOwner.delete(node);
    return;
  }
  const owners = ownerSetOf.get(node);
  if (owners) {
    const i = owners.indexOf(node);
    if (i >= 0) owners[i] = null;
    ownerSetOf.delete(node);
    return;
  }
  backend.release(node.storage);
}

/** Give a result storage of its own, out of its plan's reuse cycle (one copy). */
export function keep(node: Node): void {
  if (node.state !== 'realized') flush([node]);
  // A view: memory of its own, out of its owner's reach.
  const view = viewOwner.get(node);
  if (view) {
    viewsOfOwner.get(view.owner)?.delete(node);
    viewOwner.delete(node);
    node.storage = backend.clone(node.storage, node.dtype, sizeOf(node.shape));
    moveViews(node);
    return;
  }
  const owners = ownerSetOf.get(node);
  const i = owners ? owners.indexOf(node) : -1;
  if (i < 0) return;
  node.storage = backend.clone(node.storage, node.dtype, sizeOf(node.shape));
  owners![i] = null;
  ownerSetOf.delete(node);
  moveViews(node);
}

/** A new variable whose first value is a lazy tensor: written at the next flush. */
export function variableFrom(t: Tensor): Variable {
  const v = new Variable(backend.upload(new Float32Array(t.size), t.dtype), t.shape, t.dtype, backend.name, epoch);
  applyEffectOnVariable(v, t);
  return v;
}

function applyEffectOnVariable(v: Variable, value: Tensor): void {
  noGrad(() => applyEffect(assignDef, [Tensor.fromVariable(v), value], {}));
}
