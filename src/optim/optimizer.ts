// Optimizers as torch.optim: parameter groups with their own hyperparameters, zeroGrad
// and step. step() records one update effect per parameter; hyperparameters travel as
// dynamic scalars, so changing lr between steps never builds a new plan.
import type { Tensor } from '../tensor.ts';
import { fmt } from '../shape.ts';

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
    for (const g of this.paramGroups) for (const p of g.params) if (p.grad !== null) this.update(p, p.grad, g);
  }

  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>): void;
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
