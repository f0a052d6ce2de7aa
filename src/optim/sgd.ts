import type { Tensor } from '../tensor.ts';
import { applyEffect, flush, noGrad } from '../runtime.ts';
import { tensorFromHost } from '../tensor.ts';
import { sgdMomentumStepDef, sgdStepDef } from '../ops/update.ts';
import { Optimizer, checkNumber } from './optimizer.ts';
import type { ParamGroup } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** torch.optim.SGD: weight decay added to the gradient; momentum buffer starts as the first gradient. */
export class SGD extends Optimizer<SGDOptions> {
  private readonly buffers = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, opts: Partial<SGDOptions> = {}) {
    super('optim.SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
  }

  protected validate(g: SGDOptions): void {
    checkNumber('optim.SGD', 'lr', g.lr, 0);
    checkNumber('optim.SGD', 'momentum', g.momentum, 0);
    checkNumber('optim.SGD', 'dampening', g.dampening, 0, 1);
    checkNumber('optim.SGD', 'weightDecay', g.weightDecay, 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error('optim.SGD: nesterov momentum needs momentum > 0 and dampening 0');
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<SGDOptions>): void {
    noGrad(() => {
      if (g.momentum === 0) {
        applyEffect(sgdStepDef, [p, grad], {}, [g.lr, g.weightDecay]);
        return;
      }
      let buf = this.buffers.get(p);
      if (!buf) {
        buf = tensorFromHost(new Float32Array(p.size), p.shape, 'float32');
        this.buffers.set(p, buf);
      }
      // First step = no update has landed in the buffer yet (a failed flush does not count).
      if (buf.variable!.pendingWrite) flush();
      const first = buf.variable!.version === 0;
      applyEffect(sgdMomentumStepDef, [p, grad, buf], { nesterov: g.nesterov }, [g.lr, g.momentum, g.dampening, g.weightDecay, first ? 1 : 0]);
    });
  }
}
