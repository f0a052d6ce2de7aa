// Effects: ops that write variables (parameters, optimizer state, a loss history) in place
// at the end of a flush. Hyperparameters are dynamic scalars, so a learning rate changed
// mid-run or Adam's step count never creates a new plan.
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { defineOp, grid } from './define.ts';
import type { Binding, GpuDispatch, Word } from './define.ts';
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

/** One thread per element of the variable, with `words` after the element count. */
function updateKernel(entry: string, shape: readonly number[], bind: Binding[], words: (scalars: readonly number[]) => Word[]): GpuDispatch[] {
  const n = sizeOf(shape);
  return [{ shader: 'update', entry, bind, words: (s) => [n, ...words(s)], workgroups: grid(n) }];
}

/** dst := src */
export const assignDef = defineOp<Record<string, never>>({
  name: 'assign',
  family: 'update',
  effect: { writes: [0] },
  shape: (ins) => sameShapes('assign', ins, ['destination', 'source']),
  cpu: ({ ins: [dst, src] }) => dst!.set(src!),
  gpu: ({ inShapes: [s] }) => updateKernel('assign', s!, [{ input: 0 }, { input: 1 }], () => []),
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
  gpu: ({ inShapes: [s] }) => updateKernel('sgd_step', s!, [{ input: 0 }, { input: 1 }], ([lr, wd]) => [{ f: lr! }, { f: wd! }]),
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
  gpu: ({ inShapes: [s], attrs }) =>
    updateKernel('sgd_momentum_step', s!, [{ input: 0 }, { input: 1 }, { input: 2 }], ([lr, momentum, dampening, wd, first]) => [
      { f: lr! },
      { f: momentum! },
      { f: 1 - dampening! },
      { f: wd! },
      first ? 1 : 0,
      attrs.nesterov ? 1 : 0,
    ]),
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
  // stepSize and sqrt(bc2) computed here as the CPU kernel computes them, rounded once to f32.
  gpu: ({ inShapes: [s] }) =>
    updateKernel('adam_step', s!, [{ input: 0 }, { input: 1 }, { input: 2 }, { input: 3 }], ([lr, b1, b2, eps, wd, bc1, bc2]) => [
      { f: lr! / bc1! },
      { f: b1! },
      { f: 1 - b1! },
      { f: b2! },
      { f: 1 - b2! },
      { f: eps! },
      { f: wd! },
      { f: Math.sqrt(bc2!) },
    ]),
  grad: inPlace,
});

const HISTORY_VALUES_PER_DISPATCH = 6;

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
  // One single-thread dispatch per six values (binding 0 and the history leave six of the
  // eight storage buffers a stage may bind): history_write_<count>.
  gpu: ({ inShapes }) => {
    const [steps, k] = inShapes[0]! as [number, number];
    const dispatches: GpuDispatch[] = [];
    for (let j0 = 0; j0 < k; j0 += HISTORY_VALUES_PER_DISPATCH) {
      const count = Math.min(HISTORY_VALUES_PER_DISPATCH, k - j0);
      const bind: Binding[] = [{ input: 0 }];
      for (let j = 0; j < count; j++) bind.push({ input: 1 + j0 + j });
      dispatches.push({ shader: 'update', entry: `history_write_${count}`, bind, words: ([row]) => [row! * k + j0, steps * k], workgroups: [1, 1, 1] });
    }
    return dispatches;
  },
  grad: inPlace,
});
