// Loss functions, each one op with a dedicated backward op: one kernel, or for a large input
// chunk sums and their fixed-order total (two). All reduce by the mean, as PyTorch's defaults.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { defineOp, f, floatOnly, grid, secondOrder } from './define.ts';
import type { Arr, Binding, GpuDispatch, GpuRule, NoAttrs } from './define.ts';
import { perElement } from './gpu.ts';
import { chunksFor, partials, sumPartials } from './reduce.ts';
import type { Meta } from '../graph/ir.ts';
import { sigmoidScalar } from './unary.ts';
import { logitsAndLabels, pairLoss } from './samples.ts';
import { LAYOUTS, OP_CODES, overrides } from './contract.ts';


/** Workgroup size of a loss reduced by one workgroup (WG override). */
const LOSS_WG = 256;

/**
 * A loss over at least twice this many elements (logits for cross-entropy) is split into
 * chunks (chunksFor), one workgroup of SPLIT_WG threads each: on a GPU one workgroup over a
 * large loss leaves all but one core idle. Below, one workgroup is one dispatch and as fast
 * (measured on SwiftShader, where each extra workgroup costs a fixed amount: 256-thread ones
 * several times more than 64-thread ones).
 */
export const LOSS_MIN_CHUNK = 16384;
const SPLIT_WG = 64;

/**
 * A loss of shaders/loss.wgsl (LOSS picks the formula): one workgroup reduces every
 * element; a large loss, chunks of them into scratch and a second pass their sum.
 */
function pairLossGpu(loss: keyof typeof OP_CODES.LOSS): GpuRule<NoAttrs> {
  return ({ inShapes: [s] }) => {
    const n = sizeOf(s!);
    const chunk = Math.max(1, Math.ceil(n / chunksFor(1, n, LOSS_MIN_CHUNK)));
    const chunks = Math.max(1, Math.ceil(n / chunk));
    const pass1 = (dest: Binding, divisor: number): GpuDispatch => ({
      family: 'loss',
      kernel: 'pair_loss',
      constants: overrides('loss', { WG: chunks === 1 ? LOSS_WG : SPLIT_WG, LOSS: OP_CODES.LOSS[loss] }),
      bind: [{ input: 0 }, { input: 1 }, dest],
      words: () => LAYOUTS.LOSS.pack({ count: n, chunkLength: chunk, divisor: f(divisor) }),
      workgroups: [chunks, 1, 1],
    });
    if (chunks === 1) return [pass1('out', n)];
    return [pass1(partials(chunks), 1), sumPartials(1, chunks, n, false, 'out')];
  };
}

/** The most classes a row has for the narrow xent kernels (shaders/softmax_xent.wgsl's NARROW_ROW). */
export const XENT_NARROW_ROW = 32;

/**
 * Softmax cross-entropy's loss kernels (xent_loss, and xent_fused with its gradient): rows
 * in chunks, one workgroup each, as for the pairwise losses; `loss` is where the loss goes.
 */
export function xentLossGpu(n: number, c: number, entry: 'xent_loss' | 'xent_fused', bind: Binding[], loss: Binding): GpuDispatch[] {
  // Rows of a few classes (a classifier's 10) are a thread's each: the *_narrow kernels,
  // which give the same bits without the general kernels' trees (and compile several times
  // faster on a CPU adapter). NARROW_ROW in shaders/softmax_xent.wgsl.
  // They take 64 threads whether split or not: their one tree (the chunk's sum) is all their
  // workgroup memory is for, and 256 threads doubled their compile time on SwiftShader.
  const narrow = c <= XENT_NARROW_ROW;
  const kernel = narrow ? `${entry}_narrow` : entry;
  const rows = Math.max(1, Math.ceil(n / chunksFor(1, n * c, LOSS_MIN_CHUNK)));
  const chunks = Math.max(1, Math.ceil(n / rows));
  const pass1 = (dest: Binding, divisor: number): GpuDispatch => ({
    family: 'softmax_xent',
    kernel,
    constants: overrides('softmax_xent', { WG: chunks === 1 && !narrow ? LOSS_WG : SPLIT_WG }),
    bind: [...bind, dest],
    words: () => LAYOUTS.XENT.pack({ rows: n, classes: c, rowsPerChunk: rows, divisor: f(divisor) }),
    workgroups: [chunks, 1, 1],
  });
  if (chunks === 1) return [pass1(loss, n)];
  return [pass1(partials(chunks), 1), sumPartials(1, chunks, n, false, loss)];
}

/** A loss backward of shaders/loss.wgsl: one thread per element, binding (input, target, g). */
function pairBackwardGpu(entry: string): GpuRule<NoAttrs> {
  return ({ outShape, tuning }) => {
    const n = sizeOf(outShape);
    const words = LAYOUTS.LOSS.pack({ count: n });
    return [perElement(tuning, 'loss', entry, n, [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'], () => words)];
  };
}


function xentShape(op: string, logits: Meta, labels: Meta): { n: number; c: number } {
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) {
    throw new Error(`${op}: logits must be a float32 [batch, classes] matrix, got ${fmt(logits.shape)} ${logits.dtype}`);
  }
  if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`${op}: labels must be int32 [${logits.shape[0]}] (one class index per row of logits ${fmt(logits.shape)}), got ${fmt(labels.shape)} ${labels.dtype}`);
  }
  return { n: logits.shape[0]!, c: logits.shape[1]! };
}

export function checkLabels(op: string, labels: ArrayLike<number>, classes: number, logitsShape: readonly number[]): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l < classes)) {
      throw new Error(`${op}: label ${l} at row ${i} is out of range for ${classes} classes (logits ${fmt(logitsShape)}); labels must be in [0, ${classes})`);
    }
  }
}

/** For each row: max, and log of the sum of exp(x - max). */
function rowLogSumExp(x: Arr, r: number, c: number): { max: number; lse: number } {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, x[r * c + j]!);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(x[r * c + j]! - max);
  return { max, lse: Math.log(s) };
}

export const softmaxCrossEntropyDef = defineOp<NoAttrs>({
  name: 'softmaxCrossEntropy',
  samples: logitsAndLabels(false, 'the mean loss; labels [N] in [0, C) drawn too'),
  nondiff: [1],
  shape: ([logits, labels]) => {
    xentShape('softmaxCrossEntropy', logits!, labels!);
    return { shape: [], dtype: 'float32' };
  },
  // loss = mean_r (log sum_j exp(x_rj - max_r) - (x_r[label_r] - max_r)): PyTorch's
  // -logSoftmax at the label. Shifting x_r[label] by the max first keeps large logits from
  // cancelling (max + lse - x[label] rounds 1e10 + 0.69 - 1e10 to 0 in float32).
  cpu: ({ ins: [x, labels], inShapes: [s], out }) => {
    const [n, c] = [s![0]!, s![1]!];
    checkLabels('softmaxCrossEntropy', labels!, c, s!);
    let total = 0;
    for (let r = 0; r < n; r++) {
      const { max, lse } = rowLogSumExp(x!, r, c);
      total += lse - (x![r * c + labels![r]!]! - max);
    }
    out[0] = n === 0 ? NaN : total / n;
  },
  // A label out of [0, C) (a device-computed one: the engine checks host labels before
  // recording) makes the loss NaN, since a kernel cannot throw.
  gpu: ({ inShapes: [s] }) => xentLossGpu(s![0]!, s![1]!, 'xent_loss', [{ input: 0 }, { input: 1 }], 'out'),
  grad: ({ g, inputs: [logits, labels] }) => [apply(softmaxCrossEntropyBackwardDef, [logits!, labels!, g], {}), null],
});

/** (softmax(x) - onehot(label)) * g / N */
export const softmaxCrossEntropyBackwardDef = defineOp<NoAttrs>({
  name: 'softmaxCrossEntropyBackward',
  samples: logitsAndLabels(true, 'the gradient of the logits; labels [N] in [0, C) and the loss gradient [] drawn too'),
  nondiff: [1],
  shape: ([logits, labels, g]) => {
    xentShape('softmaxCrossEntropyBackward', logits!, labels!);
    if (sizeOf(g!.shape) !== 1) throw new Error(`softmaxCrossEntropyBackward: gradient must be a scalar, got ${fmt(g!.shape)}`);
    return logits!;
  },
  cpu: ({ ins: [x, labels, g], inShapes: [s], out }) => {
    const [n, c] = [s![0]!, s![1]!];
    checkLabels('softmaxCrossEntropyBackward', labels!, c, s!);
    const scale = g![0]! / n;
    for (let r = 0; r < n; r++) {
      const { max, lse } = rowLogSumExp(x!, r, c);
      for (let j = 0; j < c; j++) {
        const p = Math.exp(x![r * c + j]! - max - lse);
        out[r * c + j] = (p - (j === labels![r] ? 1 : 0)) * scale;
      }
    }
  },
  // One workgroup per row; an out-of-range label makes its row NaN.
  gpu: ({ inShapes: [s] }) => [{
    family: 'softmax_xent',
    kernel: 'xent_backward',
    bind: [{ input: 0 }, { input: 1 }, { input: 2 }, 'out'],
    words: () => LAYOUTS.XENT.pack({ rows: s![0]!, classes: s![1]! }),
    workgroups: grid(s![0]!, 1),
  }],
  grad: secondOrder,
});

function pairShape(op: string, names: [string, string]) {
  return (ins: Meta[]): Meta => {
    floatOnly(op, ins, names);
    if (!sameShape(ins[0]!.shape, ins[1]!.shape)) {
      throw new Error(`${op}: ${names[0]} ${fmt(ins[0]!.shape)} and ${names[1]} ${fmt(ins[1]!.shape)} must have the same shape`);
    }
    return { shape: [], dtype: 'float32' };
  };
}

function pairBackwardShape(op: string) {
  return (ins: Meta[]): Meta => {
    pairShape(op, ['input', 'target'])(ins.slice(0, 2));
    if (sizeOf(ins[2]!.shape) !== 1) throw new Error(`${op}: gradient must be a scalar, got ${fmt(ins[2]!.shape)}`);
    return ins[0]!;
  };
}

function checkProbabilities(op: string, p: Arr): void {
  for (let i = 0; i < p.length; i++) {
    if (!(p[i]! >= 0 && p[i]! <= 1)) throw new Error(`${op}: input ${i} is ${p[i]}; all elements of input must be between 0 and 1 (apply sigmoid first, or use bceWithLogits)`);
  }
}

// PyTorch clamps each log at -100 so that p = 0 or 1 gives a finite loss.
const clampedLog = (v: number): number => Math.max(Math.log(v), -100);

export const binaryCrossEntropyDef = defineOp<NoAttrs>({
  name: 'binaryCrossEntropy',
  samples: pairLoss('prob', 'unit', false, 'probabilities in (0, 1) against targets in [0, 1)'),
  nondiff: [1],
  shape: pairShape('binaryCrossEntropy', ['input', 'target']),
  cpu: ({ ins: [p, y], out }) => {
    checkProbabilities('binaryCrossEntropy', p!);
    let total = 0;
    for (let i = 0; i < p!.length; i++) total -= y![i]! * clampedLog(p![i]!) + (1 - y![i]!) * clampedLog(1 - p![i]!);
    out[0] = total / p!.length;
  },
  // An input outside [0, 1] makes the loss NaN (a kernel cannot throw).
  gpu: pairLossGpu('binaryCrossEntropy'),
  grad: ({ g, inputs: [p, y] }) => [apply(binaryCrossEntropyBackwardDef, [p!, y!, g], {}), null],
});

/** g (p - y) / max(p (1 - p), 1e-12) / N, PyTorch's formula (its epsilon included). */
export const binaryCrossEntropyBackwardDef = defineOp<NoAttrs>({
  name: 'binaryCrossEntropyBackward',
  samples: pairLoss('prob', 'unit', true, 'its gradient; the loss gradient [] drawn too'),
  nondiff: [1],
  shape: pairBackwardShape('binaryCrossEntropyBackward'),
  cpu: ({ ins: [p, y, g], out }) => {
    // The same check as the forward: the gradient of a loss that failed fails too, and so
    // does the update that would read it.
    checkProbabilities('binaryCrossEntropy', p!);
    const scale = g![0]! / p!.length;
    for (let i = 0; i < p!.length; i++) out[i] = (scale * (p![i]! - y![i]!)) / Math.max(p![i]! * (1 - p![i]!), 1e-12);
  },
  gpu: pairBackwardGpu('bce_backward'),
  grad: secondOrder,
});

export const bceWithLogitsDef = defineOp<NoAttrs>({
  name: 'bceWithLogits',
  samples: pairLoss('any', 'unit', false, 'logits against targets in [0, 1)'),
  nondiff: [1],
  shape: pairShape('bceWithLogits', ['input', 'target']),
  // PyTorch's form, (1 - y) x - min(x, 0) + log(1 + exp(-|x|)): it never exponentiates a
  // large positive number, and unlike max(x, 0) - x y it does not cancel for large x.
  cpu: ({ ins: [x, y], out }) => {
    let total = 0;
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      total += (1 - y![i]!) * v - Math.min(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
    out[0] = total / x!.length;
  },
  gpu: pairLossGpu('bceWithLogits'),
  grad: ({ g, inputs: [x, y] }) => [apply(bceWithLogitsBackwardDef, [x!, y!, g], {}), null],
});

/** (sigmoid(x) - y) g / N */
export const bceWithLogitsBackwardDef = defineOp<NoAttrs>({
  name: 'bceWithLogitsBackward',
  samples: pairLoss('any', 'unit', true, 'its gradient; the loss gradient [] drawn too'),
  nondiff: [1],
  shape: pairBackwardShape('bceWithLogitsBackward'),
  cpu: ({ ins: [x, y, g], out }) => {
    const scale = g![0]! / x!.length;
    for (let i = 0; i < x!.length; i++) out[i] = (sigmoidScalar(x![i]!) - y![i]!) * scale;
  },
  gpu: pairBackwardGpu('bce_logits_backward'),
  grad: secondOrder,
});

export const mseLossDef = defineOp<NoAttrs>({
  name: 'mseLoss',
  samples: pairLoss('any', 'any', false, 'the mean of squared differences'),
  shape: pairShape('mseLoss', ['input', 'target']),
  cpu: ({ ins: [a, b], out }) => {
    let total = 0;
    for (let i = 0; i < a!.length; i++) total += (a![i]! - b![i]!) ** 2;
    out[0] = total / a!.length;
  },
  gpu: pairLossGpu('mseLoss'),
  // d/da = 2 (a - b) g / N, and the negative for b.
  grad: ({ g, inputs: [a, b] }) => {
    const d = a!.sub(b!).mul(g.mul(2 / a!.size));
    return [d, d.neg()];
  },
});

// ---- functional API -----------------------------------------------------------------------

export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  // Checked here too, so errors name the function the user called.
  xentShape('crossEntropy', logits, labels);
  const host = labels.hostValues();
  if (host) checkLabels('crossEntropy', host, logits.shape[1]!, logits.shape);
  return apply(softmaxCrossEntropyDef, [logits, labels], {});
}

export function binaryCrossEntropy(p: Tensor, y: Tensor): Tensor {
  return apply(binaryCrossEntropyDef, [p, y], {});
}

export function bceWithLogits(x: Tensor, y: Tensor): Tensor {
  return apply(bceWithLogitsDef, [x, y], {});
}

export function mseLoss(a: Tensor, b: Tensor): Tensor {
  return apply(mseLossDef, [a, b], {});
}
