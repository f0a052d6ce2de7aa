// The trained net's answer for some digits: its class (argmax of the logits, as evaluate()
// counts the confusion matrix) and its ten probabilities (softmax of the logits), in one
// no-grad pass. No DOM: the page's confusion-cell view and drawing pad both use it.
import { F, noGrad, tensor } from 'shadergrad';
import type { nn } from 'shadergrad';
import { CLASSES, PIXELS } from './mnist.ts';

export interface Predictions {
  /** [n, 10] row-major. */
  probs: Float32Array;
  preds: Int32Array;
}

export async function predict(net: nn.Module, x: Float32Array): Promise<Predictions> {
  const n = x.length / PIXELS;
  if (!Number.isInteger(n) || n < 1) throw new Error(`predict: ${x.length} values are not whole digits of ${PIXELS} pixels`);
  net.eval();
  const X = tensor(x, { shape: [n, PIXELS] });
  const { probs, preds } = noGrad(() => {
    const logits = net.forward(X);
    // argmax of the logits, not of the probabilities: the very decision evaluate() counted in
    // the confusion matrix (two logits a rounding apart can round to equal probabilities).
    return { probs: F.softmax(logits, 1), preds: logits.argmax(1) };
  });
  const [p, c] = await Promise.all([probs.data(), preds.data()]);
  X.dispose();
  if (p.length !== n * CLASSES) throw new Error(`predict: expected ${n}x${CLASSES} probabilities, got ${p.length}`);
  return { probs: p as Float32Array, preds: c as Int32Array };
}
