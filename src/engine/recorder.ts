// The recorder: grad mode, and the calls that turn an op on tensors into a pending graph node
// (shape rule now, work at the next flush). It makes Tensors and inserts a few ops without
// loading either: both sit above the engine, and src/tensor.ts installs what it needs.
import { Node, Variable } from '../graph/ir.ts';
import type { DType, Meta } from '../graph/ir.ts';
import { staleView } from '../graph/views.ts';
import type { OpDef } from '../ops/define.ts';
import { effectWrites, isDifferentiable } from '../ops/define.ts';
// Type-only: erased at run time, so the engine does not load the Tensor class (it sits above the ops).
import type { Tensor } from '../tensor.ts';
import type { Shape } from '../shape.ts';
import { assertCurrentBackend, checkSize, currentBackend, currentEpoch } from './backend.ts';
import { flush, hasPending, record, recordEffect } from './executor.ts';
import { freshView, variableUnder, viewBase } from './lifetimes.ts';

/** What the engine needs of the Tensor class. */
export interface TensorClass {
  /** Whether `v` is a Tensor (instanceof would need the class loaded here). */
  isTensor(v: unknown): v is Tensor;
  /** The tensor of a recorded node. */
  fromNode(node: Node, backendName: string): Tensor;
  /** A new tensor holding host values (a variable on the current backend). */
  fromHost(values: ArrayLike<number>, shape: Shape, dtype: DType, requiresGrad?: boolean): Tensor;
  /** The tensor a leaf node was read from, if it is still alive (to accumulate its .grad). */
  ownerOf(leaf: Node): Tensor | undefined;
}

/** What the recorder makes or inserts: the Tensor class, and the ops it records itself. */
export interface RecorderParts {
  tensors: TensorClass;
  /** Copies a value an effect reads out of the memory the effect writes. */
  copy: OpDef;
  /** Stands for extra output k of a multi-output op (applyMulti). */
  extraOutput: OpDef<{ index: number }>;
}

let installed: RecorderParts | null = null;

/** Called once by src/tensor.ts, which loads the Tensor class and the op families. */
export function installRecorder(p: RecorderParts): void {
  installed = p;
}

function parts(): RecorderParts {
  if (!installed) throw new Error('shadergrad: the Tensor class is not loaded (import the library through src/index.ts or src/tensor.ts)');
  return installed;
}

export function tensors(): TensorClass {
  return parts().tensors;
}

/** A new tensor holding host values: no submit. */
export function tensorFromHost(values: ArrayLike<number>, shape: Shape, dtype: DType, requiresGrad = false): Tensor {
  return tensors().fromHost(values, shape, dtype, requiresGrad);
}

let gradEnabled = true;
let internalDepth = 0;

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
    if (n.state === 'pending' || n.state === 'discarded') record(n);
  }
  return t;
}

// ---- recording --------------------------------------------------------------------------

function readNode(t: Tensor, op: string, written = false): Node {
  if (!tensors().isTensor(t)) throw new Error(`${op}: expected a Tensor, got ${describeValue(t)}`);
  t.assertUsable(op);
  assertCurrentBackend(t, op);
  // Reading a variable with an update still pending: run it first, so this new node does
  // not chain onto last step's graph (README, "When work runs"). An update
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
  node.epoch = currentEpoch();
  node.exposed = internalDepth === 0;
  record(node);
  return tensors().fromNode(node, currentBackend().name);
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
    const extra = new Node(parts().extraOutput, [node], { index: k + 1 }, [], m.shape, m.dtype, false);
    extra.epoch = currentEpoch();
    extra.exposed = true;
    extra.extraOf = { node, index: k + 1 };
    record(extra);
    return extra;
  });
  return [first, ...node.extras.map((n) => tensors().fromNode(n, currentBackend().name))];
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
  inputs = inputs.map((t, i) => (!writes.includes(i) && written.has(variableUnder(t)) ? noGrad(() => internal(() => apply(parts().copy, [t], {}))) : t));
  const nodes = inputs.map((t, i) => readNode(t, def.name, writes.includes(i)));
  def.shape(nodes.map(metaOf), attrs);
  const node = new Node(def, nodes, attrs as Record<string, unknown>, scalars, [], 'float32', false);
  node.epoch = currentEpoch();
  for (const w of writes) inputs[w]!.variable!.pendingWrite = node;
  recordEffect(node);
}

function metaOf(n: Node): Meta {
  return { shape: n.shape, dtype: n.dtype };
}

/** Storage for a new variable from host values: no submit. */
export function newVariable(data: ArrayLike<number>, shape: readonly number[], dtype: DType): Variable {
  checkSize('tensor', shape, dtype);
  const backend = currentBackend();
  return new Variable(backend.upload(data, dtype), shape, dtype, backend.name, currentEpoch());
}

export function writeVariable(v: Variable, data: ArrayLike<number>): void {
  // Recorded readers of the old value must run before it is overwritten.
  if (hasPending()) flush();
  currentBackend().write(v.storage, data, v.dtype);
  v.version++;
}
