// F: the functional forms, as torch.nn.functional.
import type { Tensor } from '../tensor.ts';
import { linear as fusedLinear, matmul } from '../ops/matmul.ts';
import { softmaxCrossEntropy, binaryCrossEntropy as bce, bceWithLogits as bceLogits, mseLoss as mse } from '../ops/loss.ts';

export { relu, sigmoid, tanh } from '../ops/unary-ops.ts';
export { softmax, logSoftmax } from '../ops/softmax.ts';
export { dropout } from '../ops/dropout.ts';
import { leakyRelu as leaky } from '../ops/unary-ops.ts';

/** PyTorch's default negative slope is 0.01. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return leaky(x, negativeSlope);
}

/** y = x W^T + b */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return bias ? fusedLinear(x, weight, bias) : matmul(x, weight, { transB: true });
}

/** Mean cross-entropy of logits [N, C] against int32 class labels [N] (log-softmax fused in). */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return softmaxCrossEntropy(logits, labels);
}

/** Mean binary cross-entropy of probabilities (each log clamped at -100, as PyTorch). */
export function binaryCrossEntropy(p: Tensor, target: Tensor): Tensor {
  return bce(p, target);
}

/** Mean binary cross-entropy on logits: sigmoid fused in, stable for any logit. */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  return bceLogits(logits, target);
}
export const binaryCrossEntropyWithLogits = bceWithLogits;

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  return mse(input, target);
}
