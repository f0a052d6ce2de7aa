// The executor: the queue of recorded work, and the flush that turns it into one plan (from
// the plan cache, after fusion) and one submit. Also the call that must drain that queue
// first (switching backends), and a hook for tools that watch runs (src/tools/).
import type { Backend, BackendName, BackendStats, HostArray, StageRef } from '../backend/backend.ts';
import { Node } from '../graph/ir.ts';
import type { Storage, Variable } from '../graph/ir.ts';
import { PlanCache, needsCompute, schedule, viewsOf } from '../graph/plan.ts';
import type { Group, Plan } from '../graph/plan.ts';
import { effectWrites } from '../ops/define.ts';
import { sizeOf } from '../shape.ts';
import { checkBackendOptions, currentBackend, makeCurrent, startBackend } from './backend.ts';
import type { BackendInfo, SetBackendOptions } from './backend.ts';
import { holdResult, keepRealized, realizeView, reuseOutputSet } from './lifetimes.ts';

/** Groups ordered nodes into kernels; `isOutput` says which results must be kept. */
export type Fusion = (order: Node[], isOutput: (n: Node) => boolean) => Group[];

let fuse: Fusion = () => {
  throw new Error('flush: no fusion pass installed (src/tensor.ts installs it; import the engine through it)');
};

/**
 * The fusion pass names concrete ops (matmul, relu, ...), which sit above the engine: the
 * layer that loads them (src/tensor.ts) installs it.
 */
export function installFusion(pass: Fusion): void {
  fuse = pass;
}

let plans = new PlanCache();
/** Exposed nodes and effects recorded since the last flush. */
let pending: Node[] = [];
let pendingEffects: Node[] = [];
let lastRun: Plan | null = null;

/** Queue a recorded node; it runs at the next flush if it is exposed (or read). */
export function record(node: Node): void {
  pending.push(node);
}

/** Queue a recorded effect: effects always run, in the order recorded. */
export function recordEffect(node: Node): void {
  pendingEffects.push(node);
}

export function hasPending(): boolean {
  return pending.length > 0 || pendingEffects.length > 0;
}

/** The plan the last flush ran (for the docs, the engine view and tests); null before any. */
export function lastPlan(): Plan | null {
  return lastRun;
}

/** Counters since the current backend started: submits, dispatches, readbacks, plans, ... */
export function backendStats(): BackendStats {
  return { ...currentBackend().stats, plans: plans.built };
}

/** A run about to execute: its plan and what it binds, on the backend that runs it. */
export interface RunStart {
  backend: Backend;
  plan: Plan;
  externals: Storage[];
  scalars: (readonly number[])[];
}

/**
 * Watches runs (the CPU check): called before each run executes (its inputs can still be
 * read as they are), it may return what to call with the run's outputs once it is submitted.
 */
export type RunObserver = (run: RunStart) => ((outputs: Storage[]) => void) | null;

const observers = new Set<RunObserver>();

/** Watch every run from now on; returns the function that stops watching. */
export function observeRuns(observer: RunObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
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
  checkBackendOptions(name, opts);
  try {
    flush();
  } catch {
    // The old backend cannot run it (a lost device, a failed kernel): that work is marked
    // failed on its tensors, and switching must still succeed.
  }
  const started = await startBackend(name, opts);
  // In the same task as the switch: nothing may be recorded for the new backend in between.
  plans = new PlanCache();
  pending = [];
  pendingEffects = [];
  return makeCurrent(started, name, opts);
}

/** Give a result storage of its own, out of its plan's reuse cycle (one copy). */
export function keep(node: Node): void {
  if (node.state !== 'realized') flush([node]);
  keepRealized(node);
}

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
    // Tools watching runs (the CPU check) read the run's inputs before it runs.
    const watching = observers.size === 0 ? [] : [...observers].map((o) => o({ backend: currentBackend(), plan: bound.plan, externals, scalars: bound.scalars }));
    const { outputs, staged } = currentBackend().execute(bound.plan, externals, bound.scalars, set, stageRefs);
    for (const after of watching) after?.(outputs);
    bound.outputs.forEach((n, i) => {
      n.storage = outputs[i];
      n.state = 'realized';
      holdResult(bound.plan, set, i, n);
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
      return stage.map((t) => (t instanceof Node && later.includes(t) ? currentBackend().read(t.storage, t.dtype, sizeOf(t.shape)) : staged[k++]!));
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

