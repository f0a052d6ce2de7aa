// The fused linear op against the composite it replaces (matmul, a broadcast add, activation):
// values and gradients, and nn.Sequential's use of it.
import { describe, expect, it } from 'vitest';
import { F, add, leakyRelu, manualSeed, matmul, nn, randn, relu, sigmoid, tanh } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { linear } from '../../src/ops/matmul.ts';
import type { LinearActivation } from '../../src/ops/matmul.ts';

const composite: Record<LinearActivation, (z: Tensor) => Tensor> = {
  none: (z) => z,
  relu: (z) => relu(z),
  sigmoid: (z) => sigmoid(z),
  tanh: (z) => tanh(z),
  leakyRelu: (z) => leakyRelu(z, 0.1),
};

async function valuesAndGrads(f: (x: Tensor, w: Tensor, b: Tensor) => Tensor, xShape: number[]) {
  manualSeed(3);
  const x = randn(xShape, { requiresGrad: true });
  const w = randn([6, xShape.at(-1)!], { requiresGrad: true });
  const b = randn([6], { requiresGrad: true });
  const y = f(x, w, b);
  const weights = randn(y.shape);
  y.mul(weights).sum().backward();
  return [await y.data(), await x.grad!.data(), await w.grad!.data(), await b.grad!.data()];
}

describe('fused linear', () => {
  for (const act of Object.keys(composite) as LinearActivation[]) {
    for (const xShape of [[1, 1], [7, 5], [2, 3, 4]]) {
      it(`${act} ${JSON.stringify(xShape)}: equals matmul + bias + ${act}, values and gradients`, async () => {
        const fused = await valuesAndGrads((x, w, b) => linear(x, w, b, act, act === 'leakyRelu' ? 0.1 : 0), xShape);
        const ref = await valuesAndGrads((x, w, b) => composite[act](add(matmul(x, w, { transB: true }), b)), xShape);
        fused.forEach((a, k) => {
          expect(a.length).toBe(ref[k]!.length);
          for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(ref[k]![i]!, 5);
        });
      });
    }
  }

  it('nn.Sequential fuses Linear + activation and computes the same as the layers one by one', async () => {
    manualSeed(9);
    const net = new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh(), new nn.Linear(5, 4), new nn.LeakyReLU(0.05), new nn.Linear(4, 2));
    const X = randn([10, 3]);
    const fused = await net.forward(X).data();
    const stepwise = await net.layers.reduce((h, m) => m.forward(h), X).data();
    for (let i = 0; i < fused.length; i++) expect(fused[i]!).toBeCloseTo(stepwise[i]!, 6);
    // A negative slope is not fused (its gradient cannot be read off the output) but still works.
    const odd = new nn.Sequential(new nn.Linear(3, 2), new nn.LeakyReLU(-0.5));
    const y = F.mseLoss(odd.forward(X), randn([10, 2]));
    y.backward();
    expect(odd.parameters().every((p) => p.grad !== null)).toBe(true);
  });

  it('rejects a negative fused slope and mismatched bias with clear errors', () => {
    const x = randn([2, 3]);
    const w = randn([4, 3]);
    expect(() => linear(x, w, randn([4]), 'leakyRelu', -1)).toThrow(/linear: .*slope >= 0/);
    expect(() => linear(x, w, randn([3]))).toThrow(/linear: weight \[4,3\] and bias \[3\]/);
  });
});
