// The lazy Tensor: a handle on a graph node (or on a variable: persistent storage that
// in-place updates write). Methods record ops; data(), item() and array() realize.
// It sits below the op families (src/ops/<family>.ts record through it), so the few ops
// its own methods use, and its API methods, come from above: src/install.ts hands them in.
import { Node, Variable } from './graph/ir.ts';
import { evictedError } from './graph/plan.ts';
import type { DType, Shape } from './shape.ts';
import { fmt, sizeOf } from './shape.ts';
import type { OpDef } from './ops/define.ts';
import type { HostArray } from './backend/backend.ts';
import { assertCurrentBackend, currentBackend, isOnCurrentBackend } from './engine/backend.ts';
import { flush, keep } from './engine/executor.ts';
import { releaseResult, variableDisposed, viewBase } from './engine/lifetimes.ts';
import { applyEffect, isGradEnabled, newVariable, noGrad } from './engine/recorder.ts';
import type { TensorClass } from './engine/recorder.ts';
import { backward as runBackward } from './autograd.ts';
import type { BackwardOps, BackwardOptions } from './autograd.ts';
// Type-only, and the one import upward from this layer: the methods' types are the API
// functions' own signatures (tests/unit/import-cycles.test.ts allows it, with this reason).
import type * as api from './ops/api.ts';

/** A number broadcasts as a scalar of the other operand's dtype. */
export type Operand = Tensor | number;

/** The ops Tensor's own methods record, from the op families above it (src/install.ts). */
export interface TensorOps extends BackwardOps {
  add(a: Operand, b: Operand): Tensor;
  sub(a: Operand, b: Operand): Tensor;
  mul(a: Operand, b: Operand): Tensor;
  div(a: Operand, b: Operand): Tensor;
  full(shape: Shape, value: number, dtype?: DType): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;
  broadcastTo(x: Tensor, shape: Shape): Tensor;
  reshape(x: Tensor, shape: readonly number[]): Tensor;
  transpose(x: Tensor, dim0: number, dim1: number): Tensor;
  detach(x: Tensor): Tensor;
  /** Writes a variable whole (update.ts assign), or from an offset (assignRange). */
  assign: OpDef;
  assignRange: OpDef;
}

let installedOps: TensorOps | null = null;

/** Called once by src/install.ts, when the op families have loaded. */
export function installTensorOps(ops: TensorOps): void {
  installedOps = ops;
}

function ops(): TensorOps {
  if (!installedOps) throw new Error('shadergrad: the op families are not loaded (import the library through src/index.ts)');
  return installedOps;
}

/** The Tensor that owns each leaf node, so backward() knows whose .grad to fill. */
const leafOwner = new WeakMap<Node, Tensor>();

export type NestedArray = number | NestedArray[];

/** The functions of src/ops/api.ts as methods, the tensor first: `a.add(b)` is `add(a, b)`. */
type ApiMethods = { [K in keyof typeof api]: (typeof api)[K] extends (x: never, ...rest: infer R) => infer O ? (...rest: R) => O : never };
// A class and an interface of one name merge: Tensor has these methods too, installed on
// its prototype by src/install.ts from the same list, so the list lives in one place.
export interface Tensor extends ApiMethods {}

export class Tensor {
  private _node: Node | null;
  private _leaf: Node | null = null;
  private _requiresGrad: boolean;
  private _disposed = false;
  /** Accumulated by backward(); null until a gradient reaches this tensor (as PyTorch). */
  grad: Tensor | null = null;
  /** Set for nn.Module parameters. */
  isParameter = false;

  private constructor(
    node: Node | null,
    readonly variable: Variable | null,
    readonly backendName: string,
    requiresGrad: boolean,
  ) {
    this._node = node;
    this._requiresGrad = requiresGrad;
  }

  static fromNode(node: Node, backendName: string): Tensor {
    return new Tensor(node, null, backendName, node.requiresGrad);
  }

  static fromVariable(v: Variable, requiresGrad = false): Tensor {
    return new Tensor(null, v, v.backendName, requiresGrad);
  }

  /** The node a new op reads: for a variable, a leaf at its current version. */
  get node(): Node {
    if (this._node) return this._node;
    const v = this.variable!;
    const leaf = this._leaf;
    if (leaf && leaf.version === v.version && leaf.requiresGrad === this._requiresGrad) return leaf;
    const fresh = new Node(null, [], {}, [], v.shape, v.dtype, this._requiresGrad, v, v.version);
    fresh.epoch = v.epoch;
    leafOwner.set(fresh, this);
    this._leaf = fresh;
    return fresh;
  }

  /** The backend start that made it (each setBackend call begins a new one). */
  get epoch(): number {
    return this.variable ? this.variable.epoch : this._node!.epoch;
  }

  get shape(): number[] {
    return [...(this.variable ? this.variable.shape : this._node!.shape)];
  }
  get dtype(): DType {
    return this.variable ? this.variable.dtype : this._node!.dtype;
  }
  get ndim(): number {
    return this.variable ? this.variable.shape.length : this._node!.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.variable ? this.variable.shape : this._node!.shape);
  }
  numel(): number {
    return this.size;
  }

  /** True for tensors made from data (and parameters), and for results that need no gradient. */
  get isLeaf(): boolean {
    return this.variable !== null || !this._node!.requiresGrad;
  }

  get requiresGrad(): boolean {
    return this.variable ? this._requiresGrad : this._node!.requiresGrad;
  }

  set requiresGrad(on: boolean) {
    if (!this.variable) {
      if (on === this.requiresGrad) return;
      throw new Error(`requiresGrad: can only be changed on leaf tensors (made from data or parameters), not on the result of ${this._node!.opName} ${fmt(this.shape)}`);
    }
    if (on && this.dtype !== 'float32') throw new Error(`requiresGrad: only float32 tensors can require gradients, got ${fmt(this.shape)} ${this.dtype}`);
    this._requiresGrad = on;
  }

  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Throws a clear error when the tensor was disposed. */
  assertUsable(op: string): void {
    if (this._disposed || this.variable?.disposed || this._node?.state === 'disposed') {
      throw new Error(`${op}: reading a disposed tensor ${fmt(this.shape)} ${this.dtype}: it was freed with dispose()`);
    }
  }

  /** Host values known without a readback (tensors made from int32 data): for early label checks. */
  hostValues(): Int32Array | null {
    const v = this.variable;
    return v && v.version === 0 && !v.pendingWrite ? (hostCopies.get(v) ?? null) : null;
  }

  // ---- reading back ---------------------------------------------------------------------

  private async read(op: string): Promise<HostArray> {
    this.assertUsable(op);
    const b = currentBackend();
    assertCurrentBackend(this, op);
    // When work is pending, its copy back rides in the same submit.
    if (this.variable) {
      if (this.variable.pendingWrite) return flush([], [this.variable])[0]!;
      return b.read(this.variable.storage, this.dtype, this.size);
    }
    const node = this._node!;
    if (node.state === 'evicted') throw evictedError(`${op}: ${node.opName}`, node.shape);
    if (node.state === 'failed') throw node.error!;
    // A view of a variable reads its memory as it is after the updates already recorded.
    if (node.state === 'realized' && viewBase(this)?.variable.pendingWrite) flush();
    if (node.state !== 'realized') {
      const staged = flush([node], [node]);
      if (staged.length > 0) return staged[0]!;
    }
    return b.read(node.storage, this.dtype, this.size);
  }

  /**
   * Keep this result readable for as long as the tensor lives. Results normally live in
   * memory their step reuses two runs later (no allocation per step); keep() copies it out.
   */
  keep(): this {
    this.assertUsable('keep');
    if (!this.variable) keep(this._node!);
    return this;
  }

  /** The values, flat, in row-major order: Float32Array for float32, Int32Array for int32. */
  async data(): Promise<Float32Array | Int32Array> {
    const a = await this.read('data');
    if (a instanceof Float64Array) return Float32Array.from(a);
    return a;
  }

  /** The values at the backend's full precision (float64 on the float64 CPU backend). */
  async data64(): Promise<Float64Array> {
    const a = await this.read('data64');
    return a instanceof Float64Array ? a : Float64Array.from(a);
  }

  /** The single value of a one-element tensor, as loss.item() in PyTorch. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor ${fmt(this.shape)} has ${this.size} elements; item() needs exactly one`);
    return (await this.read('item'))[0]!;
  }

  /** Nested arrays, as tensor.tolist() in PyTorch. */
  async array(): Promise<NestedArray> {
    const flat = await this.read('array');
    const shape = this.shape;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === shape.length) return flat[offset]!;
      const stride = sizeOf(shape.slice(dim + 1));
      return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** Free the storage now; reading the tensor afterwards throws. */
  dispose(): void {
    if (this._disposed) return;
    // A tensor from before a backend switch: its memory went with its backend.
    const current = isOnCurrentBackend(this);
    if (this.variable) {
      if (current && this.variable.pendingWrite) flush();
      if (current) currentBackend().release(this.variable.storage);
      variableDisposed(this.variable);
      this.variable.disposed = true;
      this.variable.storage = null;
    } else if (this._node!.state === 'realized') {
      // A step's result lives in memory its cached plan reuses: only memory of its own is freed.
      if (current) releaseResult(this._node!);
      this._node!.storage = null;
      this._node!.state = 'disposed';
    }
    this._disposed = true;
  }

  // ---- autograd -------------------------------------------------------------------------

  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    runBackward(this, gradient, opts ?? {}, ops());
  }

  /** The same values, cut from the graph: no gradient flows through. */
  detach(): Tensor {
    if (this.variable) return Tensor.fromVariable(this.variable, false);
    // Shares this tensor's memory, as PyTorch's detach(): no copy.
    return ops().detach(this);
  }

  /** A copy that takes part in autograd (gradient flows to the original). */
  clone(): Tensor {
    return ops().copy(this);
  }

  // ---- in-place updates (parameters, hand-written optimizers) ----------------------------

  private checkInPlace(op: string): void {
    this.assertUsable(op);
    assertCurrentBackend(this, op);
    if (isGradEnabled() && this.requiresGrad) {
      throw new Error(
        this.variable
          ? `${op}: a leaf tensor ${fmt(this.shape)} that requires grad is being updated in place; wrap the update in noGrad(() => ...)`
          : `${op}: the result of ${this._node!.opName} ${fmt(this.shape)} takes part in autograd and cannot be updated in place; compute a new tensor instead`,
      );
    }
  }

  private inPlace(op: string, value: () => Tensor): this {
    this.checkInPlace(op);
    const v = noGrad(value);
    const base = this.variable ? null : viewBase(this);
    if (base) {
      // A view of a variable's memory (reshape, view, narrow of rows, detach): the update
      // lands in that memory, as through a PyTorch view, and the view reads it from there.
      if (this._node!.state !== 'realized') flush([this._node!]);
      const src = noGrad(() => ops().broadcastTo(v.dtype === this.dtype ? v : ops().cast(v, this.dtype), this.shape));
      applyEffect(ops().assignRange, [Tensor.fromVariable(base.variable), src], {}, [base.offset]);
      return this;
    }
    if (!this.variable) {
      // A lazy result: an in-place update simply records the new value.
      if (v.dtype !== this.dtype) throw new Error(`${op}: result dtype ${v.dtype} differs from ${this.dtype}`);
      this._node = ops().broadcastTo(v, this.shape).node;
      return this;
    }
    const src = noGrad(() => ops().broadcastTo(v.dtype === this.dtype ? v : ops().cast(v, this.dtype), this.shape));
    applyEffect(ops().assign, [this, src], {});
    return this;
  }

  /** Copy `src` (broadcast to this shape) into this tensor. */
  copy_(src: Tensor | number): this {
    if (typeof src !== 'number') {
      if (!(src instanceof Tensor)) throw new Error(`copy_: expected a Tensor or a number, got ${typeof src}`);
      src.assertUsable('copy_');
    }
    // A copy onto itself (w.copy_(w), loadStateDict(stateDict())) changes nothing.
    if (typeof src !== 'number' && this.variable && src.variable === this.variable) {
      this.checkInPlace('copy_');
      return this;
    }
    return this.inPlace('copy_', () => (typeof src === 'number' ? ops().full(this.shape, src, this.dtype) : src));
  }
  add_(x: Operand): this {
    return this.inPlace('add_', () => ops().add(this, x));
  }
  sub_(x: Operand): this {
    return this.inPlace('sub_', () => ops().sub(this, x));
  }
  mul_(x: Operand): this {
    return this.inPlace('mul_', () => ops().mul(this, x));
  }
  div_(x: Operand): this {
    return this.inPlace('div_', () => ops().div(this, x));
  }
  zero_(): this {
    return this.inPlace('zero_', () => ops().full(this.shape, 0, this.dtype));
  }
  fill_(value: number): this {
    return this.inPlace('fill_', () => ops().full(this.shape, value, this.dtype));
  }

  // ---- ops ------------------------------------------------------------------------------

  reshape(...shape: number[] | [Shape]): Tensor {
    return ops().reshape(this, flatArgs(shape));
  }
  view(...shape: number[] | [Shape]): Tensor {
    return ops().reshape(this, flatArgs(shape));
  }
  flatten(): Tensor {
    return ops().reshape(this, [this.size]);
  }
  /** The transpose of a matrix (last two axes of a batch). */
  get T(): Tensor {
    return ops().transpose(this, -2, -1);
  }
  float(): Tensor {
    return ops().cast(this, 'float32');
  }
  int(): Tensor {
    return ops().cast(this, 'int32');
  }
  to(dtype: DType): Tensor {
    return ops().cast(this, dtype);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

function flatArgs(shape: number[] | [Shape]): number[] {
  return Array.isArray(shape[0]) ? [...(shape[0] as Shape)] : (shape as number[]);
}

/** Int32 host values kept beside small label/index tensors, for early range checks. */
const hostCopies = new WeakMap<Variable, Int32Array>();

export function tensorFromHost(values: ArrayLike<number>, shape: Shape, dtype: DType, requiresGrad = false): Tensor {
  const v = newVariable(values, shape, dtype);
  if (dtype === 'int32') hostCopies.set(v, Int32Array.from(values));
  const t = Tensor.fromVariable(v, false);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/** What the engine needs of this class (src/install.ts hands it to the recorder). */
export const tensorClass: TensorClass = {
  isTensor: (v): v is Tensor => v instanceof Tensor,
  fromNode: (node, backendName) => Tensor.fromNode(node, backendName),
  fromHost: tensorFromHost,
  ownerOf: (leaf) => leafOwner.get(leaf),
};
