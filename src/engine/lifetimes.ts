// Result lifetimes: the output sets a cached plan reuses (and the eviction that reuse means),
// views of a result's or a variable's memory, keep() and dispose().
import { Node, Variable } from '../graph/ir.ts';
import type { Storage } from '../graph/ir.ts';
import type { Plan } from '../graph/plan.ts';
import { staleView, viewOwner, viewsOfOwner } from '../graph/views.ts';
import { fmt, sizeOf } from '../shape.ts';
import { currentBackend, currentEpoch } from './backend.ts';

/** What the view walks read of a Tensor (the class sits above the engine). */
export interface TensorHandle {
  readonly variable: Variable | null;
  readonly node: Node;
}

/**
 * Each plan owns OUTPUT_SETS sets of output storage and alternates between them, so a
 * result stays readable while the next run of the same step computes (and may read it),
 * with no allocation in steady state. A result is evicted when its set comes round again.
 */
const OUTPUT_SETS = 2;
const planRuns = new WeakMap<Plan, { runs: number; owners: (Node | null)[][] }>();

/** The output set each realized result lives in (absent once it has storage of its own). */
const ownerSetOf = new WeakMap<Node, (Node | null)[]>();

/**
 * Pick the output set for this run and evict the results it last held; one that this run
 * reads as an input is first copied out, so it is not overwritten while read.
 */
export function reuseOutputSet(plan: Plan, externals: Node[]): number {
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
      prev.storage = currentBackend().clone(prev.storage, prev.dtype, sizeOf(prev.shape));
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

/** `n` is output `i` of `plan`'s run in output set `set`: it lives until that set comes round again. */
export function holdResult(plan: Plan, set: number, i: number, n: Node): void {
  const owners = planRuns.get(plan)!.owners[set]!;
  owners[i] = n;
  ownerSetOf.set(n, owners);
}

// ---- views -------------------------------------------------------------------------------

export function realizeView(node: Node, owner: Node | Variable, offset: number): void {
  node.storage = currentBackend().view(owner.storage, offset, sizeOf(node.shape), node.dtype);
  node.state = 'realized';
  viewOwner.set(node, { owner, offset, version: owner instanceof Variable ? owner.version : 0 });
  let set = viewsOfOwner.get(owner);
  if (!set) viewsOfOwner.set(owner, (set = new Set()));
  set.add(node);
}

/**
 * A variable's memory moves to `storage` (holding the same values: an optimizer's arena):
 * its realized views follow, and the old memory is freed.
 */
export function moveVariable(v: Variable, storage: Storage): void {
  const old = v.storage;
  v.storage = storage;
  moveViews(v);
  currentBackend().release(old);
}

/**
 * A variable of a backend that is gone (a lost GPU device, then setBackend) gets memory on the
 * current backend again, holding `values` (a checkpoint's host copy): it is of the current
 * epoch from now on, so the Tensors that hold it (a module's parameters, which an optimizer
 * lists) work again as they are. Its views of the old memory are forgotten: they are of the
 * old epoch, and a new op makes its own.
 */
export function reviveVariable(v: Variable, values: Float32Array | Int32Array, what: string): void {
  const backend = currentBackend();
  if (v.backendName !== backend.name) throw new Error(`${what}: it was saved on the ${v.backendName} backend but the current backend is ${backend.name}; restore it after setBackend('${v.backendName}')`);
  if (values.length !== sizeOf(v.shape)) throw new Error(`${what}: ${values.length} saved values for shape ${fmt(v.shape)}`);
  if (v.epoch === currentEpoch() && !v.disposed) backend.release(v.storage);
  v.storage = backend.upload(values, v.dtype);
  v.epoch = currentEpoch();
  v.pendingWrite = null;
  v.disposed = false;
  v.version++;
  viewsOfOwner.delete(v);
}

/** The owner's memory moved (a copy of its own): its views (and theirs) now read the copy. */
function moveViews(owner: Node | Variable): void {
  for (const v of viewsOfOwner.get(owner) ?? []) {
    if (v.state !== 'realized') continue;
    v.storage = currentBackend().view(owner.storage, viewOwner.get(v)!.offset, sizeOf(v.shape), v.dtype);
    moveViews(v);
  }
}

/** A view of the same memory, made now: what a new op reads of a view whose variable changed. */
export function freshView(node: Node): Node {
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
export function variableUnder(t: TensorHandle): Variable | null {
  return t.variable ?? viewBase(t)?.variable ?? null;
}

/**
 * For a view of a variable's memory (a chain of reshape, narrow of rows, detach, lazy or
 * realized): the variable, and where the view starts in it (elements). null otherwise.
 */
export function viewBase(t: TensorHandle): { variable: Variable; offset: number } | null {
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
  currentBackend().release(node.storage);
}

/** Give a realized result storage of its own, out of its plan's reuse cycle (one copy). */
export function keepRealized(node: Node): void {
  // A view: memory of its own, out of its owner's reach.
  const view = viewOwner.get(node);
  if (view) {
    viewsOfOwner.get(view.owner)?.delete(node);
    viewOwner.delete(node);
    node.storage = currentBackend().clone(node.storage, node.dtype, sizeOf(node.shape));
    moveViews(node);
    return;
  }
  const owners = ownerSetOf.get(node);
  const i = owners ? owners.indexOf(node) : -1;
  if (i < 0) return;
  node.storage = currentBackend().clone(node.storage, node.dtype, sizeOf(node.shape));
  owners![i] = null;
  ownerSetOf.delete(node);
  moveViews(node);
}
