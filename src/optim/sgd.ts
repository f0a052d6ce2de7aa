import type { Tensor } from '../tensor.ts';
import { sgdMultiDef } from '../ops/update.ts';
import { Optimizer, StateArena, checkNumber } from './optimizer.ts';
import type { ParamGroup } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * torch.optim.SGD: weight decay added to the gradient; momentum buffer starts as the first
 * gradient. The buffers live in one arena, so one dispatch updates several parameters.
 */
export class SGD extends Optimizer<SGDOptions> {
  private readonly arena = new StateArena('optim.SGD', 1);

  constructor(params: Iterable<Tensor> | ({ params: Iterable<Tensor> } & Partial<SGDOptions>)[], opts: Partial<SGDOptions> = {}) {
    super('optim.SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
  }

  protected validate(g: SGDOptions): void {
    checkNumber('optim.SGD', 'lr', g.lr, 0);
    checkNumber('optim.SGD', 'momentum', g.momentum, 0);
    checkNumber('optim.SGD', 'dampening', g.dampening, 0, 1);
    checkNumber('optim.SGD', 'weightDecay', g.weightDecay, 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error('optim.SGD: nesterov momentum needs momentum > 0 and dampening 0');
  }

  protected stateArenas(): StateArena[] {
    return [this.arena];
  }

  protected updateGroup(params: Tensor[], g: ParamGroup<SGDOptions>): void {
    // A momentum buffer starts (as the gradient) at a parameter's first update that lands.
    const attrs = { momentum: g.momentum !== 0, nesterov: g.nesterov };
    this.arena.record(this.steps, this.paramGroups, params, sgdMultiDef, attrs, [g.lr, g.momentum, g.dampening, g.weightDecay], (t) => [t === 1 ? 1 : 0]);
  }
}
