// Optimizers as torch.optim: parameter groups with their own hyperparameters, zeroGrad
// and step. step() records one multi-tensor update effect per group and per MULTI_MAX
// parameters (one dispatch each), their state in one arena; hyperparameters travel as
// dynamic scalars, so changing lr between steps never builds a new plan.
import type { Tensor } from '../tensor.ts';
import { tensorFromHost } from '../tensor.ts';
import { fmt } from '../shape.ts';
import { currentBackend, isOnCurrentBackend } from '../engine/backend.ts';
import { flush } from '../engine/executor.ts';
import { applyEffect, noGrad } from '../engine/recorder.ts';
import { MULTI_MAX } from '../ops/contract.ts';
import type { MultiAttrs } from '../ops/update.ts';
import type { OpDef } from '../ops/define.ts';

export type ParamGroup<O> = O & { params: Tensor[] };

export abstract class Optimizer<O extends object> {
  readonly paramGroups: ParamGroup<O>[];

  constructor(
    readonly name: string,
    params: Iterable<Tensor> | { params: Iterable<Tensor> } & Partial<O>[],
    defaults: O,
  ) {
    const list = [...(params as Iterable<unknown>)];
    const groups = (list.length > 0 && !isTensorLike(list[0]) ? list : [{ params: list }]) as ({ params: Iterable<Tensor> } & Partial<O>)[];
    // Where each parameter (its storage) was first listed: one listed twice would be updated twice per step.
    const seen = new Map<unknown, string>();
    this.paramGroups = groups.map((g, i) => {
      if (g === null || typeof g !== 'object' || g.params === undefined || g.params === null) {
        throw new Error(`${name}: parameter group ${i} must be an object with a 'params' list, got ${g === null ? 'null' : typeof g}`);
      }
      const ps = [...g.params];
      if (ps.length === 0) throw new Error(`${name}: parameter group ${i} is empty`);
      ps.forEach((p, j) => {
        if (!isTensorLike(p)) throw new Error(`${name}: parameter ${j} of group ${i} is not a Tensor`);
        if (!p.variable || !p.requiresGrad) throw new Error(`${name}: parameter ${j} ${fmt(p.shape)} must be a leaf tensor that requires grad`);
        const where = `parameter ${j} of group ${i}`;
        const first = seen.get(p.variable);
        if (first !== undefined) {
          throw new Error(
            `${name}: ${where} ${fmt(p.shape)} is the same tensor as ${first}; each parameter may be listed once ` +
              `(in one group only), or a step would update it twice`,
          );
        }
        seen.set(p.variable, where);
      });
      const group = { ...defaults, ...g, params: ps } as ParamGroup<O>;
      this.validate(group);
      return group;
    });
  }

  /** Throws an Error naming the optimizer and the bad value; called again at every step. */
  protected abstract validate(group: O): void;

  /** Clear every gradient (set to null, as PyTorch's default set_to_none). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** Record the update of every parameter that has a gradient. */
  step(): void {
    // Check everything first: a bad hyperparameter must leave every parameter untouched.
    for (const g of this.paramGroups) this.validate(g);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (p.grad.dtype !== 'float32') throw new Error(`${this.name}: gradient of parameter ${fmt(p.shape)} is ${p.grad.dtype}`);
      }
    }
    for (const g of this.paramGroups) {
      const params = g.params.filter((p) => p.grad !== null);
      if (params.length > 0) this.updateGroup(params, g);
    }
  }

  /** Record the update of `params` (those of `group` that have a gradient). */
  protected abstract updateGroup(params: Tensor[], group: ParamGroup<O>): void;
}

/**
 * An optimizer's per-parameter state (`perParam` values per element: Adam's m and v, SGD's
 * momentum buffer) in one variable, made at the first step, so that one dispatch can update
 * several parameters; and each parameter's count of updates that landed.
 */
export class StateArena {
  private state: Tensor | null = null;
  private readonly offsets = new Map<Tensor, number>();
  /** Per parameter: updates that landed, and the arena version its pending update was recorded at. */
  private readonly counts = new Map<Tensor, { landed: number; recordedAt: number }>();

  constructor(
    readonly name: string,
    readonly perParam: number,
  ) {}

  /**
   * Record `def` over `params` in chunks of as many as one dispatch binds. `scalars` are
   * shared; `own(t)` gives a parameter's own scalars from its step count t (1 at its first).
   */
  record<A>(groups: { params: Tensor[] }[], params: Tensor[], def: OpDef<MultiAttrs & A>, attrs: A, scalars: number[], own: (t: number) => number[]): void {
    const state = this.arenaFor(groups);
    const v = state.variable!;
    // The counts below read which updates landed: run a pending one first.
    if (v.pendingWrite) flush();
    const chunk = multiChunk();
    for (let i = 0; i < params.length; i += chunk) {
      const part = params.slice(i, i + chunk);
      const perParam = part.flatMap((p) => own(this.stepOf(p, v.version)));
      const inputs = [state, ...part.flatMap((p) => [p, p.grad!])];
      noGrad(() => applyEffect(def, inputs, { ...attrs, offsets: part.map((p) => this.offsets.get(p)!) }, [...scalars, ...perParam]));
    }
  }

  private stepOf(p: Tensor, version: number): number {
    let c = this.counts.get(p);
    if (!c) {
      c = { landed: 0, recordedAt: -1 };
      this.counts.set(p, c);
    }
    // Effects bump the arena's version when they land; a failed flush leaves it unchanged.
    if (c.recordedAt >= 0 && version > c.recordedAt) c.landed++;
    c.recordedAt = version;
    return c.landed + 1;
  }

  private arenaFor(groups: { params: Tensor[] }[]): Tensor {
    if (this.state && isOnCurrentBackend(this.state)) return this.state;
    let size = 0;
    this.offsets.clear();
    this.counts.clear();
    for (const g of groups) {
      for (const p of g.params) {
        this.offsets.set(p, size);
        size += this.perParam * p.size;
      }
    }
    // Host zeros: no submit, no pending write to wait for. Plain SGD keeps one unused word.
    this.state = tensorFromHost(new Float32Array(Math.max(1, size)), [Math.max(1, size)], 'float32');
    return this.state;
  }
}

/** Parameters per dispatch: binding 0, the arena, then a parameter and its gradient each. */
function multiChunk(): number {
  const bindings = currentBackend().storageBuffersPerStage;
  return Math.max(1, Math.min(MULTI_MAX, Math.floor((bindings - 2) / 2)));
}

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && 'variable' in x;
}

export function checkNumber(opt: string, name: string, v: unknown, min: number, max = Infinity, maxExclusive = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (maxExclusive ? v < max : v <= max);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxExclusive ? ')' : ']'}`;
    throw new Error(`${opt}: ${name} must be a finite number ${range}, got ${String(v)}`);
  }
}
