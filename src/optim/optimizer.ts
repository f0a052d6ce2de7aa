// Optimizers as torch.optim: parameter groups with their own hyperparameters, zeroGrad
// and step. step() records one multi-tensor update effect per group (one dispatch for all
// of its parameters), with the parameters and the optimizer's state in arenas of one
// layout; hyperparameters travel as dynamic scalars, so changing lr between steps never
// builds a new plan.
import type { Tensor } from '../tensor.ts';
import { tensorFromHost } from '../tensor.ts';
import { fmt } from '../shape.ts';
import { currentBackend, isOnCurrentBackend } from '../engine/backend.ts';
import { flush } from '../engine/executor.ts';
import { applyEffect, noGrad } from '../engine/recorder.ts';
import { moveVariable } from '../engine/lifetimes.ts';
import type { Storage } from '../graph/ir.ts';
import { arenaLayout } from '../ops/update.ts';
import type { MultiAttrs } from '../ops/update.ts';
import type { OpDef } from '../ops/define.ts';

export type ParamGroup<O> = O & { params: Tensor[] };

export abstract class Optimizer<O extends object> {
  readonly paramGroups: ParamGroup<O>[];

  constructor(
    readonly name: string,
    params: Iterable<Tensor> | ({ params: Iterable<Tensor> } & Partial<O>)[],
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

  /** How many times step() was called: the groups of one step share one flush (StateArena.record). */
  protected steps = 0;

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
    this.steps++;
    for (const g of this.paramGroups) {
      const params = g.params.filter((p) => p.grad !== null);
      if (params.length > 0) this.updateGroup(params, g);
    }
  }

  /** Record the update of `params` (those of `group` that have a gradient). */
  protected abstract updateGroup(params: Tensor[], group: ParamGroup<O>): void;

  /** The arenas holding the optimizer's state (stateDict, loadStateDict). */
  protected abstract stateArenas(): StateArena[];

  /**
   * The optimizer's state, as optimizer.state_dict(): its step count and, per arena, the
   * state (Adam's moments, SGD's momentum buffers; null before the first step) with its
   * parameters' sizes and how many updates of each landed (Adam's bias correction reads
   * them). The state is the live tensor: read it (a checkpoint reads it to the host), do
   * not write it.
   */
  stateDict(): OptimizerState {
    const params = this.paramGroups.flatMap((g) => g.params);
    return { name: this.name, steps: this.steps, arenas: this.stateArenas().map((a) => a.stateDict(params)) };
  }

  /**
   * Take a state that stateDict gave (its tensors, or their values read to the host), for
   * parameters of the same sizes in the same order: every check first, so a refused state
   * changes nothing.
   */
  loadStateDict(state: OptimizerState): void {
    const params = this.paramGroups.flatMap((g) => g.params);
    const arenas = this.stateArenas();
    if (state === null || typeof state !== 'object' || !Array.isArray(state.arenas)) throw new Error(`${this.name}.loadStateDict: expected what stateDict() returns, got ${state === null ? 'null' : typeof state}`);
    if (state.name !== this.name) throw new Error(`${this.name}.loadStateDict: the state is of ${String(state.name)}, not ${this.name}`);
    if (!Number.isSafeInteger(state.steps) || state.steps < 0) throw new Error(`${this.name}.loadStateDict: steps must be a non-negative integer, got ${String(state.steps)}`);
    if (state.arenas.length !== arenas.length) throw new Error(`${this.name}.loadStateDict: ${state.arenas.length} arenas, expected ${arenas.length}`);
    arenas.forEach((a, i) => a.checkLoad(params, state.arenas[i]!, this.name));
    arenas.forEach((a, i) => a.load(params, state.arenas[i]!));
    this.steps = state.steps;
  }
}

/** What Optimizer.stateDict returns and loadStateDict takes. */
export interface OptimizerState {
  name: string;
  /** How many times step() was called. */
  steps: number;
  arenas: ArenaState[];
}

export interface ArenaState {
  /** perParam values per element of the arena's layout (arenaLayout of `sizes`); null before the first step. */
  state: Tensor | Float32Array | null;
  /** The parameters' sizes, in the optimizer's order. */
  sizes: number[];
  /** Per parameter: its updates that landed. */
  counts: number[];
}

/**
 * An optimizer's arenas, made at its first step: its per-parameter state (`perParam` values
 * per arena element: Adam's m and v, SGD's momentum buffer) in one variable, and, where the
 * backend offers it (WebGPU), its parameters moved into one buffer in the same layout, each
 * a view at a multiple of 64 elements (WebGPU binds from 256-byte offsets). A step's
 * dispatch then binds every parameter as one range and every state as another, with no copy
 * and no entry point per parameter count; a user's Tensor still reads and writes its
 * parameter, which is now a run of the arena. Also each parameter's count of updates that
 * landed.
 */
export class StateArena {
  private state: Tensor | null = null;
  private readonly offsets = new Map<Tensor, number>();
  private size = 0;
  /** Each parameter's storage in the parameter arena (a view), to notice one that moved out. */
  private readonly homes = new Map<Tensor, Storage>();
  /** Per parameter: updates that landed, and the arena version its pending update was recorded at. */
  private readonly counts = new Map<Tensor, { landed: number; recordedAt: number }>();
  /** The optimizer step whose groups are being recorded. */
  private recording = -1;

  constructor(
    readonly name: string,
    readonly perParam: number,
  ) {}

  /**
   * Record `def` over `params` (one group's, those with a gradient) as one effect, for
   * optimizer step `step`. `scalars` are shared; `own(t)` gives a parameter's own scalars
   * from its step count t (1 at its first).
   */
  record<A>(step: number, groups: { params: Tensor[] }[], params: Tensor[], def: OpDef<MultiAttrs & A>, attrs: A, scalars: number[], own: (t: number) => number[]): void {
    const state = this.arenaFor(groups);
    const v = state.variable!;
    // The counts below read which updates landed: run a pending one of an earlier step first
    // (the groups of one step are recorded together, so the step stays one submit).
    if (v.pendingWrite && step !== this.recording) flush();
    this.recording = step;
    this.homeParams(groups);
    const perParam = params.flatMap((p) => own(this.stepOf(p, v.version)));
    const inputs = [state, ...params.flatMap((p) => [p, p.grad!])];
    noGrad(() => applyEffect(def, inputs, { ...attrs, offsets: params.map((p) => this.offsets.get(p)!), arena: this.size }, [...scalars, ...perParam]));
  }

  /** The state of `params` (the optimizer's, in order): see Optimizer.stateDict. */
  stateDict(params: Tensor[]): ArenaState {
    const sizes = params.map((p) => p.size);
    if (!this.state || !isOnCurrentBackend(this.state)) return { state: null, sizes, counts: sizes.map(() => 0) };
    const v = this.state.variable!;
    // The counts say which updates landed: the last step's must have run.
    if (v.pendingWrite) flush();
    const counts = params.map((p) => {
      const c = this.counts.get(p);
      return c ? landedBy(c, v.version) : 0;
    });
    return { state: this.state, sizes, counts };
  }

  /** Checks `s` against `params`, throwing an Error that names what differs (before load). */
  checkLoad(params: Tensor[], s: ArenaState, who: string): void {
    const sizes = params.map((p) => p.size);
    if (!Array.isArray(s?.sizes) || s.sizes.length !== sizes.length || s.sizes.some((n, i) => n !== sizes[i])) {
      throw new Error(`${who}.loadStateDict: the state is for parameters of sizes [${Array.isArray(s?.sizes) ? s.sizes.join(', ') : String(s?.sizes)}], this optimizer has [${sizes.join(', ')}]`);
    }
    if (!Array.isArray(s.counts) || s.counts.length !== sizes.length || !s.counts.every((c) => Number.isSafeInteger(c) && c >= 0)) {
      throw new Error(`${who}.loadStateDict: counts must be one non-negative integer per parameter (${sizes.length}), got [${String(s.counts)}]`);
    }
    if (s.state === null) return;
    const n = Math.max(1, this.perParam * arenaLayout(sizes).size);
    const length = s.state instanceof Float32Array ? s.state.length : s.state.size;
    if (length !== n) throw new Error(`${who}.loadStateDict: the state holds ${length} values, expected ${n} for these parameters`);
    if (!(s.state instanceof Float32Array) && !isOnCurrentBackend(s.state)) throw new Error(`${who}.loadStateDict: the state tensor is of another backend; pass its values (await state.data())`);
  }

  /** Install `s`, which checkLoad passed. */
  load(params: Tensor[], s: ArenaState): void {
    const { offsets, size } = arenaLayout(params.map((p) => p.size));
    this.offsets.clear();
    this.homes.clear();
    this.counts.clear();
    this.recording = -1;
    if (s.state === null) {
      this.state = null;
      return;
    }
    params.forEach((p, j) => {
      this.offsets.set(p, offsets[j]!);
      this.counts.set(p, { landed: s.counts[j]!, recordedAt: -1 });
    });
    this.size = size;
    if (s.state instanceof Float32Array) {
      this.state = tensorFromHost(s.state.slice(), [s.state.length], 'float32');
    } else {
      // Another optimizer's live state: a copy of its own, written at the next flush.
      const from = s.state;
      this.state = tensorFromHost(new Float32Array(from.size), [from.size], 'float32');
      noGrad(() => this.state!.copy_(from));
    }
  }

  private stepOf(p: Tensor, version: number): number {
    let c = this.counts.get(p);
    if (!c) {
      c = { landed: 0, recordedAt: -1 };
      this.counts.set(p, c);
    }
    c.landed = landedBy(c, version);
    c.recordedAt = version;
    return c.landed + 1;
  }

  private arenaFor(groups: { params: Tensor[] }[]): Tensor {
    if (this.state && isOnCurrentBackend(this.state)) return this.state;
    const params = groups.flatMap((g) => g.params);
    const { offsets, size } = arenaLayout(params.map((p) => p.size));
    this.offsets.clear();
    this.homes.clear();
    this.counts.clear();
    params.forEach((p, j) => this.offsets.set(p, offsets[j]!));
    this.size = size;
    // Host zeros: no submit, no pending write to wait for. Plain SGD keeps one unused word.
    const n = Math.max(1, this.perParam * size);
    this.state = tensorFromHost(new Float32Array(n), [n], 'float32');
    return this.state;
  }

  /**
   * Move the parameters into one arena, in the state's layout (again if one has moved out
   * since): what lets a step bind them as one range. One submit of copies, at the first step.
   */
  private homeParams(groups: { params: Tensor[] }[]): void {
    const backend = currentBackend();
    if (!backend.arena) return;
    const params = groups.flatMap((g) => g.params);
    if (params.every((p) => this.homes.get(p) === p.variable!.storage)) return;
    if (params.some((p) => p.variable!.disposed)) return;
    // Pending updates of the parameters (an assign, a load) land in their old memory first.
    if (params.some((p) => p.variable!.pendingWrite)) flush();
    const arena = backend.arena(params.map((p) => ({ storage: p.variable!.storage, offset: this.offsets.get(p)!, size: p.size })), this.size);
    for (const p of params) {
      const view = backend.view(arena, this.offsets.get(p)!, p.size, 'float32');
      moveVariable(p.variable!, view);
      this.homes.set(p, view);
    }
  }
}

/**
 * A parameter's updates that landed, given the arena's version now: its pending one has
 * landed if the version moved past the one it was recorded at (effects bump the version when
 * they land; a failed flush leaves it unchanged).
 */
function landedBy(c: { landed: number; recordedAt: number }, version: number): number {
  return c.landed + (c.recordedAt >= 0 && version > c.recordedAt ? 1 : 0);
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
