import type { Tensor } from '../tensor.ts';
import { applyEffect, flush, noGrad } from '../runtime.ts';
import { tensorFromHost } from '../tensor.ts';
import { adamStepDef } from '../ops/update.ts';
import { Optimizer, checkNumber } from './optimizer.ts';
import type { ParamGroup } from './optimizer.ts';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

interface AdamState {
  m: Tensor;
  v: Tensor;
}

/** torch.optim.Adam with bias correction; weightDecay is L2 added to the gradient (not AdamW). */
export class Adam extends Optimizer<AdamOptions> {
  private readonly state = new Map<Tensor, AdamState>();

  constructor(params: Iterable<Tensor>, opts: Partial<AdamOptions> = {}) {
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

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    let s = this.state.get(p);
    if (!s) {
      // State starts as host zeros: no submit, no pending write to wait for.
      s = { m: tensorFromHost(new Float32Array(p.size), p.shape, 'float32'), v: tensorFromHost(new Float32Array(p.size), p.shape, 'float32') };
      this.state.set(p, s);
    }
    // The step count is the number of updates that landed, read off m's version (only
    // this update writes m): a step whose flush failed is not counted, as in PyTorch,
    // where a failing loss raises before step() runs.
    const m = s.m.variable!;
    if (m.pendingWrite) flush();
    const t = m.version + 1;
    const [b1, b2] = g.betas;
    const scalars = [g.lr, b1, b2, g.eps, g.weightDecay, 1 - b1 ** t, 1 - b2 ** t];
    noGrad(() => applyEffect(adamStepDef, [p, grad, s.m, s.v], {}, scalars));
  }
}
