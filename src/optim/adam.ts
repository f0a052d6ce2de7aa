import type { Tensor } from '../tensor.ts';
import { adamMultiDef } from '../ops/update.ts';
import { Optimizer, StateArena, checkNumber } from './optimizer.ts';
import type { ParamGroup } from './optimizer.ts';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/**
 * torch.optim.Adam with bias correction; weightDecay is L2 added to the gradient (not AdamW).
 * Every parameter's moments live in one arena, so one dispatch updates several parameters.
 */
export class Adam extends Optimizer<AdamOptions> {
  private readonly arena = new StateArena('optim.Adam', 2);

  constructor(params: Iterable<Tensor> | ({ params: Iterable<Tensor> } & Partial<AdamOptions>)[], opts: Partial<AdamOptions> = {}) {
    super('optim.Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...opts });
  }

  protected validate(g: AdamOptions): void {
    checkNumber('optim.Adam', 'lr', g.lr, 0);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error(`optim.Adam: betas must be a pair [beta1, beta2], got ${String(g.betas)}`);
    checkNumber('optim.Adam', 'beta1', g.betas[0], 0, 1, true);
    checkNumber('optim.Adam', 'beta2', g.betas[1], 0, 1, true);
    checkNumber('optim.Adam', 'eps', g.eps, 0);
    checkNumber('optim.Adam', 'weightDecay', g.weightDecay, 0);
  }

  protected stateArenas(): StateArena[] {
    return [this.arena];
  }

  protected updateGroup(params: Tensor[], g: ParamGroup<AdamOptions>): void {
    const [b1, b2] = g.betas;
    // Each parameter's step count is the number of its updates that landed (a step whose
    // flush failed is not counted, as in PyTorch, where a failing loss raises before step()).
    this.arena.record(this.steps, this.paramGroups, params, adamMultiDef, {}, [g.lr, b1, b2, g.eps, g.weightDecay], (t) => [1 - b1 ** t, 1 - b2 ** t]);
  }
}
