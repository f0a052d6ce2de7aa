// The graph IR: every Tensor op records a Node; a flush realizes the pending ones.
import type { DType, Shape } from '../shape.ts';
import type { OpDef } from '../ops/define.ts';

// Declared with shapes (src/shape.ts), below the op definitions that use them; named here too.
export type { DType, Meta } from '../shape.ts';

/** Backend-owned memory: a typed array on the CPU, a GPUBuffer on WebGPU. */
export type Storage = unknown;

let nextId = 1;
export const newId = (): number => nextId++;

/**
 * Persistent memory that outlives a step: leaf tensors, parameters, optimizer state.
 * Reads see a version; a pending write (an effect node) lands at the next flush, and
 * bumps the version so stale lazy readers are detected instead of silently recomputed.
 */
export class Variable {
  readonly id = newId();
  version = 0;
  pendingWrite: Node | null = null;
  disposed = false;
  constructor(
    public storage: Storage,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly backendName: string,
    /**
     * Which start of a backend made it: each setBackend call begins a new epoch. A
     * checkpoint's restore (src/checkpoint.ts) moves a variable to the current one, with
     * its values uploaded again (reviveVariable).
     */
    public epoch = 0,
  ) {}
}

/**
 * pending: not computed yet; realized: holds storage; discarded: computed as scratch,
 * recomputable; evicted: its plan-owned storage was reused by a later run of the plan.
 */
export type NodeState = 'pending' | 'realized' | 'discarded' | 'failed' | 'disposed' | 'evicted';

export class Node {
  readonly id = newId();
  state: NodeState = 'pending';
  storage: Storage = null;
  error: Error | null = null;
  /** Created by the public API (kept after a flush) rather than inside a gradient rule or composite. */
  exposed = false;
  /** backward() has run through this node and released its graph (as PyTorch without retain_graph). */
  gradFreed = false;
  /** The backend epoch it was recorded in (see Variable.epoch). */
  epoch = 0;
  /** An op with extra outputs (OpDef.extraOutputs): the nodes that stand for them. */
  extras: Node[] | null = null;
  /** Stands for extra output `index` (1, 2, ...) of `node`: computed by the same kernel. */
  extraOf: { node: Node; index: number } | null = null;
  constructor(
    /** null for a leaf: a read of `variable` at `version`. */
    readonly def: OpDef<any> | null,
    public inputs: Node[],
    /** Static attributes: part of the plan's cache key. */
    readonly attrs: Record<string, unknown>,
    /** Dynamic scalars (learning rate, step count, RNG counter): passed at run time, never baked into a plan. */
    readonly scalars: readonly number[],
    readonly shape: Shape,
    readonly dtype: DType,
    readonly requiresGrad: boolean,
    readonly variable: Variable | null = null,
    readonly version = 0,
  ) {}

  get opName(): string {
    if (this.extraOf) return `${this.extraOf.node.opName} output ${this.extraOf.index}`;
    return this.def ? this.def.name : 'leaf';
  }
  get isLeaf(): boolean {
    return this.def === null;
  }
  get isEffect(): boolean {
    return this.def?.effect !== undefined;
  }
}
