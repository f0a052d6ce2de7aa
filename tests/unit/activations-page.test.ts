// The activations page's modules (demos/activations/*.ts) on the CPU backend, checked
// against numbers derived here independently: the activations and their textbook
// derivatives in float64, and the first epoch's loss and first-layer gradient of every
// TinyNet written out by hand (forward, softmax cross-entropy, backprop) in float64.
import { describe, expect, it } from 'vitest';
import { setBackend } from 'shadergrad';
import { ACTIVATIONS, lessonStart } from '../../demos/activations/nets.ts';
import type { Activation, StartOptions } from '../../demos/activations/nets.ts';
import { activationCurves } from '../../demos/activations/curves.ts';
import { DEMO2, DEMO3, EXERCISE2, EXERCISE3, compareActivations } from '../../demos/activations/compare.ts';
import { EXERCISE4, swapActivation } from '../../demos/activations/swap.ts';

await setBackend('cpu');

const sig = (z: number): number => 1 / (1 + Math.exp(-z));
const F64: Record<Activation, (z: number, a: number) => number> = {
  sigmoid: sig,
  tanh: Math.tanh,
  relu: (z) => Math.max(0, z),
  leakyrelu: (z, a) => (z >= 0 ? z : a * z),
};
const DF64: Record<Activation, (z: number, a: number) => number> = {
  sigmoid: (z) => sig(z) * (1 - sig(z)),
  tanh: (z) => 1 - Math.tanh(z) ** 2,
  relu: (z) => (z > 0 ? 1 : 0),
  leakyrelu: (z, a) => (z > 0 ? 1 : a),
};

describe('curves (Exercise 1)', () => {
  it('200 points on [-5, 5]; values and autograd derivatives equal the formulas', async () => {
    const r = await activationCurves({ alpha: 0.1, derivatives: true });
    expect(r.z).toHaveLength(200);
    expect(r.z[0]).toBe(-5);
    expect(r.z[199]).toBe(5);
    // torch.linspace(-5, 5, 200) steps by 10/199; no point is exactly 0 (ReLU's corner).
    expect(r.z[100]).toBeCloseTo(-5 + 1000 / 199, 6);
    expect(r.z.includes(0)).toBe(false);
    for (const act of ACTIVATIONS) {
      const v = r.values[act]!;
      const d = r.derivatives![act]!;
      for (let i = 0; i < 200; i++) {
        const z = r.z[i]!;
        // float32 kernels against float64 formulas: a few float32 ulps of values <= 5.
        expect(Math.abs(v[i]! - F64[act](z, 0.1)), `${act}(${z})`).toBeLessThan(2e-6);
        expect(Math.abs(d[i]! - DF64[act](z, 0.1)), `${act}'(${z})`).toBeLessThan(2e-6);
      }
    }
    // Known landmarks: sigmoid' peaks at 1/4, tanh' at 1, the leak is alpha.
    expect(Math.max(...r.derivatives!.sigmoid!)).toBeLessThan(0.25);
    expect(Math.max(...r.derivatives!.sigmoid!)).toBeGreaterThan(0.2499);
    expect(r.derivatives!.leakyrelu![0]).toBeCloseTo(0.1, 7);
    expect(r.derivatives!.relu![0]).toBe(0);
    expect(r.derivatives!.relu![199]).toBe(1);
  });

  it('derivatives only on demand; alpha is honoured; Stop returns what was done', async () => {
    const r = await activationCurves({ alpha: 0.3 });
    expect(r.derivatives).toBeNull();
    expect(r.values.leakyrelu![0]).toBeCloseTo(-1.5, 6);
    const ctl = new AbortController();
    const s = await activationCurves({ signal: ctl.signal, onCurve: (p) => (p.done === 2 ? ctl.abort() : undefined) });
    expect(s.stopped).toBe(true);
    expect(Object.keys(s.values)).toEqual(['sigmoid', 'tanh']);
  });
});

/** The first epoch by hand, in float64: loss and mean |dL/dW1| of a fresh TinyNet. */
function firstEpochByHand(X: number[], y: number[], p: Record<string, number[]>, act: Activation, hidden: number, slope: number): { loss: number; meanAbsGradW1: number } {
  const n = y.length;
  const [W1, b1, W2, b2] = [p['fc1.weight']!, p['fc1.bias']!, p['fc2.weight']!, p['fc2.bias']!];
  const gW1 = new Float64Array(hidden * 2);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = [X[2 * i]!, X[2 * i + 1]!];
    const z = Array.from({ length: hidden }, (_, j) => W1[2 * j]! * x[0]! + W1[2 * j + 1]! * x[1]! + b1[j]!);
    const h = z.map((v) => F64[act](v, slope));
    const s = [0, 1].map((k) => b2[k]! + h.reduce((acc, hj, j) => acc + W2[k * hidden + j]! * hj, 0));
    const m = Math.max(s[0]!, s[1]!);
    const lse = m + Math.log(Math.exp(s[0]! - m) + Math.exp(s[1]! - m));
    loss += (lse - s[y[i]!]!) / n;
    // dL/ds = (softmax - onehot) / n; dL/dh = W2^T dL/ds; dL/dz = dL/dh * f'(z); dL/dW1 = dL/dz x^T
    const ds = [0, 1].map((k) => (Math.exp(s[k]! - lse) - (y[i] === k ? 1 : 0)) / n);
    for (let j = 0; j < hidden; j++) {
      const dz = (W2[j]! * ds[0]! + W2[hidden + j]! * ds[1]!) * DF64[act](z[j]!, slope);
      gW1[2 * j] += dz * x[0]!;
      gW1[2 * j + 1] += dz * x[1]!;
    }
  }
  return { loss, meanAbsGradW1: gW1.reduce((a, g) => a + Math.abs(g), 0) / gW1.length };
}

/** The data and the starting weights the module uses (activations-torch.test.ts checks them against PyTorch's). */
async function startingPoint(o: StartOptions) {
  const { X, y, nets } = lessonStart(o, ACTIVATIONS);
  const params = await Promise.all(nets.map(async (net) => Object.fromEntries(await Promise.all(net.namedParameters().map(async ([k, t]) => [k, Array.from(await t.data())] as const)))));
  return { X: Array.from(await X.data()), y: Array.from(await y.data()), params };
}

describe('compare (Exercises 2 and 3)', () => {
  it("Demo 2: labels follow x0 + x1 > 0, epoch 1's loss equals the hand computation, all four learn", async () => {
    const start = await startingPoint(DEMO2);
    start.y.forEach((label, i) => expect(label).toBe(start.X[2 * i]! + start.X[2 * i + 1]! > 0 ? 1 : 0));
    const r = await compareActivations();
    expect(r.settings).toMatchObject({ seed: 3, n: 100, hidden: 8, lr: 0.08, epochs: 80, slope: 0.05 });
    expect(r.grads).toBeNull();
    for (const [k, act] of ACTIVATIONS.entries()) {
      const losses = r.losses[act]!;
      expect(losses).toHaveLength(80);
      const hand = firstEpochByHand(start.X, start.y, start.params[k]!, act, 8, 0.05);
      // float32 engine vs float64 by hand, over 100 points: ~1e-7 relative; 1e-5 is ample.
      expect(Math.abs(losses[0]! - hand.loss), act).toBeLessThan(1e-5);
      expect(losses[79]!, act).toBeLessThan(0.1);
      expect(losses[79]!, act).toBeLessThan(losses[0]! / 4);
    }
  });

  it("Demo 3: epoch 1's mean |grad| of fc1.weight equals the hand backprop; Exercise 3's settings", async () => {
    const start = await startingPoint(DEMO3);
    const r = await compareActivations({ recordGrad: true });
    expect(r.settings).toMatchObject({ lr: 0.07, epochs: 60, hidden: 8, recordGrad: true });
    for (const [k, act] of ACTIVATIONS.entries()) {
      const g = r.grads![act]!;
      expect(g).toHaveLength(60);
      const hand = firstEpochByHand(start.X, start.y, start.params[k]!, act, 8, 0.05);
      expect(Math.abs(g[0]! - hand.meanAbsGradW1) / hand.meanAbsGradW1, act).toBeLessThan(1e-4);
      expect(g.every((v) => v > 0 && Number.isFinite(v)), act).toBe(true);
      // Demo 3's curves: gradients fall as the net fits.
      expect(g[59]!, act).toBeLessThan(g[0]! / 4);
    }
    // Sigmoid's slope is at most 1/4: its first-layer gradient starts well below tanh's.
    expect(r.grads!.sigmoid![0]!).toBeLessThan(r.grads!.tanh![0]! / 1.5);

    const ex = await compareActivations({ ...EXERCISE3, recordGrad: true });
    const exStart = await startingPoint(EXERCISE3);
    exStart.y.forEach((label, i) => expect(label).toBe(1.1 * exStart.X[2 * i]! - exStart.X[2 * i + 1]! > 0 ? 1 : 0));
    for (const [k, act] of ACTIVATIONS.entries()) {
      expect(ex.grads![act]).toHaveLength(40);
      const hand = firstEpochByHand(exStart.X, exStart.y, exStart.params[k]!, act, 6, 0.08);
      expect(Math.abs(ex.grads![act]![0]! - hand.meanAbsGradW1) / hand.meanAbsGradW1, act).toBeLessThan(1e-4);
    }
  });

  it('Exercise 2 preset, Stop mid-run, and bad input', async () => {
    const r = await compareActivations({ ...EXERCISE2 });
    for (const act of ACTIVATIONS) expect(r.losses[act]![59]!, act).toBeLessThan(0.15);
    const ctl = new AbortController();
    const s = await compareActivations({ signal: ctl.signal, onEpoch: (e) => (e.epoch === 5 ? ctl.abort() : undefined) });
    expect(s.stopped).toBe(true);
    expect(s.epochsRun).toBe(5);
    expect(s.losses.relu).toHaveLength(5);
    await expect(compareActivations({ lr: -1 })).rejects.toThrow(/lr/);
    await expect(compareActivations({ epochs: 2.5 })).rejects.toThrow(/epochs/);
  });
});

describe('swap (Exercise 4)', () => {
  it('identical to tanh throughout up to the swap, ReLU afterwards; the loss jumps at the swap', async () => {
    const r = await swapActivation();
    expect(r.settings).toMatchObject({ lr: 0.08, epochs: 60, swapAfter: 35, from: 'tanh', to: 'relu' });
    expect(r.firstSwappedEpoch).toBe(36);
    expect(r.losses).toHaveLength(60);
    // Same start, same computations: bit-identical until the swap takes effect.
    expect(r.losses.slice(0, 36)).toEqual(r.baseline!.slice(0, 36));
    expect(r.losses[36]).not.toBe(r.baseline![36]);
    // Tanh-tuned weights fed through ReLU: the loss rises at the swap (this seed, on the CPU).
    expect(r.losses[36]!).toBeGreaterThan(r.losses[35]!);

    // A swap after the last epoch is no swap at all.
    const none = await swapActivation({ swapAfter: 59, baseline: false });
    expect(none.baseline).toBeNull();
    expect(none.losses).toEqual(r.baseline);
  });

  it('Exercise 4 preset and Stop', async () => {
    const r = await swapActivation({ ...EXERCISE4 });
    expect(r.losses.slice(0, 31)).toEqual(r.baseline!.slice(0, 31));
    expect(r.losses[31]).not.toBe(r.baseline![31]);
    const ctl = new AbortController();
    const s = await swapActivation({ signal: ctl.signal, onEpoch: (e) => (e.epoch === 9 ? ctl.abort() : undefined) });
    expect(s).toMatchObject({ stopped: true, epochsRun: 10 });
    await expect(swapActivation({ swapAfter: -1 })).rejects.toThrow(/swapAfter/);
  });
});
