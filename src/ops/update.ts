// Effects: ops that write variables (parameters, optimizer state, a loss history) in place
// at the end of a flush. Hyperparameters are dynamic scalars, so a learning rate changed
// mid-run or Adam's step count never creates a new plan.
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { defineOp } from './define.ts';
import type { Meta } from '../graph/ir.ts';

const inPlace = { notDifferentiable: 'an in-place update, run under noGrad' };

function sameShapes(op: string, ins: Meta[], names: string[]): Meta {
  const first = ins[0]!;
  ins.forEach((m, i) => {
    if (m.dtype !== first.dtype || !sameShape(m.shape, first.shape)) {
      throw new Error(`${op}: ${names[i]} ${fmt(m.shape)} ${m.dtype} does not match ${names[0]} ${fmt(first.shape)} ${first.dtype}`);
    }
  });
  return first;
}

/** dst := src */
export const assignDef = defineOp<Record<string, never>>({
  name: 'assign',
  family: 'update',
  effect: { writes: [0] },
  shape: (ins) => sameShapes('assign', ins, ['destination', 'source']),
  cpu: ({ ins: [dst, src] }) => dst!.set(src!),
  grad: inPlace,
});

/** torch.optim.SGD without momentum: p -= lr (g + wd p). Scalars: [lr, weightDecay]. */
export const sgdStepDef = defineOp<Record<string, never>>({
  name: 'sgdStep',
  family: 'update',
  effect: { writes: [0] },
  shape: (ins) => sameShapes('sgdStep', ins, ['parameter', 'gradient']),
  cpu: ({ ins: [p, g], scalars: [lr, wd] }) => {
    for (let i = 0; i < p!.length; i++) p![i] = p![i]! - lr! * (g![i]! + wd! * p![i]!);
  },
  grad: inPlace,
});

/**
 * torch.optim.SGD with momentum: g' = g + wd p; buf = momentum buf + (1 - dampening) g'
 * (buf = g' on the first step); p -= lr (nesterov ? g' + momentum buf : buf).
 * Scalars: [lr, momentum, dampening, weightDecay, firstStep].
 */
export const sgdMomentumStepDef = defineOp<{ nesterov: boolean }>({
  name: 'sgdMomentumStep',
  family: 'update',
  effect: { writes: [0, 2] },
  shape: (ins) => sameShapes('sgdMomentumStep', ins, ['parameter', 'gradient', 'momentum buffer']),
  cpu: ({ ins: [p, g, buf], attrs, scalars: [lr, momentum, dampening, wd, first] }) => {
    for (let i = 0; i < p!.length; i++) {
      const d = g![i]! + wd! * p![i]!;
      const b = first ? d : momentum! * buf![i]! + (1 - dampening!) * d;
      buf![i] = b;
      p![i] = p![i]! - lr! * (attrs.nesterov ? d + momentum! * b : b);
    }
  },
  grad: inPlace,
});

/**
 * torch.optim.Adam (L2 weight decay added to the gradient, not AdamW):
 * g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), with bc_i = 1 - b_i^t.
 * Scalars: [lr, beta1, beta2, eps, weightDecay, bc1, bc2].
 */
export const adamStepDef = defineOp<Record<string, never>>({
  name: 'adamStep',
  family: 'update',
  effect: { writes: [0, 2, 3] },
  shape: (ins) => sameShapes('adamStep', ins, ['parameter', 'gradient', 'first moment', 'second moment']),
  cpu: ({ ins: [p, g, m, v], scalars: [lr, b1, b2, eps, wd, bc1, bc2] }) => {
    const stepSize = lr! / bc1!;
    const sqrtBc2 = Math.sqrt(bc2!);
    for (let i = 0; i < p!.length; i++) {
      const d = g![i]! + wd! * p![i]!;
      const mi = b1! * m![i]! + (1 - b1!) * d;
      const vi = b2! * v![i]! + (1 - b2!) * d * d;
      m![i] = mi;
      v![i] = vi;
      p![i] = p![i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps!);
    }
  },
  grad: inPlace,
});

/** history[row, j] := value_j (each a one-element tensor). Scalar: [row]. */
export const historyWriteDef = defineOp<Record<string, never>>({
  name: 'historyWrite',
  family: 'update',
  effect: { writes: [0] },
  shape: (ins) => {
    const [h, ...values] = ins;
    if (h!.shape.length !== 2 || h!.shape[1] !== values.length || h!.dtype !== 'float32') {
      throw new Error(`historyWrite: history ${fmt(h!.shape)} ${h!.dtype} must be float32 [steps, ${values.length}]`);
    }
    values.forEach((m, j) => {
      if (sizeOf(m.shape) !== 1 || m.dtype !== 'float32') throw new Error(`historyWrite: value ${j} must be a float32 scalar, got ${fmt(m.shape)} ${m.dtype}`);
    });
    return h!;
  },
  cpu: ({ ins: [h, ...values], inShapes, scalars: [row] }) => {
    const k = inShapes[0]![1]!;
    values.forEach((v, j) => {
      h![row! * k + j] = v[0]!;
    });
  },
  grad: inPlace,
});
