// Lesson 01, Part 3.5 ("Backpropagation: Intuition and Hands-On Example"): a two-layer,
// bias-free net on one sample,
//   z1 = x @ W1 (x [1,2], W1 [2,2]),  h = relu(z1),  z2 = h @ W2^T (W2 [1,2]),
//   p = sigmoid(z2),  loss = BCE(p, y),
// with every forward value and every gradient derived by hand below in plain JS arithmetic
// (no engine code), then compared with the engine's forward values and W1.grad / W2.grad.
// Two loss forms: F.binaryCrossEntropy (PyTorch's BCELoss, gradient (p - y) / (p (1 - p)))
// and the lesson's own epsilon form -(y log(p + eps) + (1 - y) log(1 - p + eps)) built from
// tensor ops, whose gradient is not exactly p - y because of eps.
import { describe, it, expect, afterEach } from 'vitest';
import { tensor, setBackend, F } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { readFixture } from '../shared/fixtures.ts';

/** Demos 1 and 2 of Part 3.5 run with PyTorch (tests/fixtures/torch/lesson_backprop.py). */
const torchRun = readFixture<{
  torch: string;
  printed: string[];
  values: { z1: number[]; h: number[]; z2: number; y_pred: number; loss: number; dL_dypred: number; dypred_dz2: number; W2grad: number[]; W1grad: number[] };
}>('torch/lesson_backprop.json');

interface Case {
  name: string;
  x: [number, number];
  W1: [[number, number], [number, number]];
  W2: [number, number];
  y: 0 | 1;
}

// (a) is the lesson's Demo 1; (b) has a dead ReLU unit (z1[1] < 0).
const caseA: Case = { name: '(a) lesson Demo 1', x: [1, 2], W1: [[0.1, -0.2], [0.3, 0.4]], W2: [0.7, -0.5], y: 1 };
const caseB: Case = { name: '(b) a dead ReLU unit', x: [2, 1], W1: [[0.2, -0.3], [0.5, 0.4]], W2: [0.6, -0.7], y: 0 };

type LossForm = 'F.binaryCrossEntropy' | 'epsilon form';
const EPS = 1e-7; // the lesson's eps

interface Values {
  z1: number[];
  h: number[];
  z2: number;
  p: number;
  loss: number;
  dW1: number[]; // row-major [2,2], same layout as W1
  dW2: number[]; // [1,2]
}

/** Every value of the lesson's net, by hand, in float64 JS arithmetic. */
function byHand(c: Case, form: LossForm): Values {
  const [x0, x1] = c.x;
  const [[a00, a01], [a10, a11]] = c.W1; // W1[i][j]: input i -> hidden j (z1 = x @ W1)
  const [w0, w1] = c.W2;
  const y = c.y;

  // Forward.
  // z1_j = sum_i x_i W1[i][j]
  const z1_0 = x0 * a00 + x1 * a10;
  const z1_1 = x0 * a01 + x1 * a11;
  // h = relu(z1)
  const h0 = z1_0 > 0 ? z1_0 : 0;
  const h1 = z1_1 > 0 ? z1_1 : 0;
  // z2 = h . W2 (h @ W2^T with W2 [1,2])
  const z2 = h0 * w0 + h1 * w1;
  // p = sigmoid(z2)
  const p = 1 / (1 + Math.exp(-z2));

  // Loss, and dL/dp for that loss.
  let loss: number;
  let dL_dp: number;
  if (form === 'F.binaryCrossEntropy') {
    // PyTorch's BCELoss: -(y log p + (1 - y) log(1 - p)) (logs clamped at -100: not reached here).
    loss = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    // d/dp = -y/p + (1 - y)/(1 - p) = (p - y) / (p (1 - p)), the form PyTorch's backward uses.
    dL_dp = (p - y) / (p * (1 - p));
  } else {
    // The lesson: -(y log(p + eps) + (1 - y) log(1 - p + eps)).
    loss = -(y * Math.log(p + EPS) + (1 - y) * Math.log(1 - p + EPS));
    // d/dp = -(y / (p + eps)) + (1 - y) / (1 - p + eps): not (p - y)/(p (1 - p)) exactly.
    dL_dp = -(y / (p + EPS)) + (1 - y) / (1 - p + EPS);
  }

  // Backward.
  // dp/dz2 = sigmoid'(z2) = p (1 - p); with PyTorch's BCE this makes dL/dz2 = p - y.
  const dz2 = dL_dp * (p * (1 - p));
  // dL/dW2_j = dz2 * h_j
  const dW2_0 = dz2 * h0;
  const dW2_1 = dz2 * h1;
  // dL/dh_j = dz2 * W2_j
  const dh0 = dz2 * w0;
  const dh1 = dz2 * w1;
  // dL/dz1_j = dL/dh_j * relu'(z1_j), relu'(z) = 1 for z > 0, else 0 (PyTorch's choice at 0)
  const dz1_0 = z1_0 > 0 ? dh0 : 0;
  const dz1_1 = z1_1 > 0 ? dh1 : 0;
  // dL/dW1 = x^T dL/dz1: dW1[i][j] = x_i * dz1_j
  const dW1 = [x0 * dz1_0, x0 * dz1_1, x1 * dz1_0, x1 * dz1_1];

  return { z1: [z1_0, z1_1], h: [h0, h1], z2, p, loss, dW1, dW2: [dW2_0, dW2_1] };
}

/** The same net with the engine, read back at the backend's precision. */
async function byEngine(c: Case, form: LossForm): Promise<Values & { W1grad: Tensor | null; W2grad: Tensor | null }> {
  const x = tensor([c.x]); // [1,2]
  const W1 = tensor(c.W1, { requiresGrad: true }); // [2,2]
  const W2 = tensor([c.W2], { requiresGrad: true }); // [1,2]
  const y = tensor([[c.y]]); // [1,1]

  const z1 = x.matmul(W1);
  const h = F.relu(z1);
  const z2 = h.matmul(W2, { transB: true }); // [1,1]
  const p = F.sigmoid(z2);
  const loss =
    form === 'F.binaryCrossEntropy'
      ? F.binaryCrossEntropy(p, y)
      : y
          .mul(p.add(EPS).log())
          .add(y.neg().add(1).mul(p.neg().add(1).add(EPS).log()))
          .neg()
          .sum(); // sum of one element: a scalar, as the lesson's squeezed loss
  expect(z1.shape).toEqual([1, 2]);
  expect(z2.shape).toEqual([1, 1]);
  expect(loss.shape).toEqual([]);
  loss.backward();

  expect(W1.grad).not.toBeNull();
  expect(W2.grad).not.toBeNull();
  expect(W1.grad!.shape).toEqual([2, 2]);
  expect(W2.grad!.shape).toEqual([1, 2]);
  return {
    z1: Array.from(await z1.data64()),
    h: Array.from(await h.data64()),
    z2: (await z2.data64())[0]!,
    p: (await p.data64())[0]!,
    loss: (await loss.data64())[0]!,
    dW1: Array.from(await W1.grad!.data64()),
    dW2: Array.from(await W2.grad!.data64()),
    W1grad: W1.grad,
    W2grad: W2.grad,
  };
}

/** |actual - expected| <= rel |expected| + abs, elementwise, with a message naming the value. */
function expectClose(label: string, actual: number | number[], expected: number | number[], rel: number, abs: number): void {
  const a = Array.isArray(actual) ? actual : [actual];
  const e = Array.isArray(expected) ? expected : [expected];
  expect(a.length, `${label}: length`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    const tol = rel * Math.abs(e[i]!) + abs;
    expect(err <= tol, `${label}[${i}]: engine ${a[i]} vs hand ${e[i]} (error ${err.toExponential(2)} > ${tol.toExponential(2)})`).toBe(true);
  }
}

async function compare(c: Case, form: LossForm, rel: number, abs: number): Promise<void> {
  const want = byHand(c, form);
  const got = await byEngine(c, form);
  const tag = `${c.name}, ${form}`;
  expectClose(`${tag}: z1`, got.z1, want.z1, rel, abs);
  expectClose(`${tag}: h`, got.h, want.h, rel, abs);
  expectClose(`${tag}: z2`, got.z2, want.z2, rel, abs);
  expectClose(`${tag}: p`, got.p, want.p, rel, abs);
  expectClose(`${tag}: loss`, got.loss, want.loss, rel, abs);
  expectClose(`${tag}: W1.grad`, got.dW1, want.dW1, rel, abs);
  expectClose(`${tag}: W2.grad`, got.dW2, want.dW2, rel, abs);
}

const forms: LossForm[] = ['F.binaryCrossEntropy', 'epsilon form'];

describe('lesson 01 Part 3.5: the hand derivation itself', () => {
  // The lesson printed these (torch, float32, 4 decimals for the gradients): an outside check
  // that the hand derivation above is the lesson's network. Quoted from the lesson
  // (01-activations-backprop-regularization-mnist.md, Part 3.5, the output of Demos 1 and 2 as
  // the follow-up question after the Part's Conclusion quotes it).
  const LESSON_PRINTED = [
    'Manual dL/dy_pred: -1.8269591317215457',
    'Manual dy_pred/dz2: 0.24775725594076548',
    'PyTorch dL/dW2:',
    ' tensor([[-0.3168, -0.2716]])',
    'PyTorch dL/dW1:',
    ' tensor([[-0.3168,  0.2263],',
    '        [-0.6337,  0.4526]])',
  ];

  it(`the lesson's printout is what its code prints with PyTorch ${torchRun.torch} (lesson_backprop.py)`, () => {
    const at = torchRun.printed.indexOf(LESSON_PRINTED[0]!);
    expect(torchRun.printed.slice(at, at + LESSON_PRINTED.length)).toEqual(LESSON_PRINTED);
  });

  it('reproduces the numbers the lesson printed for case (a)', () => {
    const numbers = (...lines: string[]): number[] => lines.flatMap((l) => l.match(/-?\d+\.\d+/g)!.map(Number));
    const [dLdp, dpdz2] = numbers(LESSON_PRINTED[0]!, LESSON_PRINTED[1]!);
    const v = byHand(caseA, 'epsilon form');
    expect(-1 / v.p).toBeCloseTo(dLdp!, 6); // "Manual dL/dy_pred": -1/p, eps left out
    expect(v.p * (1 - v.p)).toBeCloseTo(dpdz2!, 6); // "Manual dy_pred/dz2"
    const near = (a: number[], b: number[]) => a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(6e-5));
    near(v.dW2, numbers(LESSON_PRINTED[3]!));
    near(v.dW1, numbers(LESSON_PRINTED[5]!, LESSON_PRINTED[6]!));
  });

  it("equals PyTorch's unrounded float32 values for case (a) to float32 precision", () => {
    // The lesson's code in float32 (inputs 0.1, 0.3, ... rounded, z2 = 0.49 - 0.3 losing ~2
    // bits to cancellation) against the float64 hand derivation: within 1e-6 relative.
    const v = byHand(caseA, 'epsilon form');
    const t = torchRun.values;
    const pairs: [string, number[], number[]][] = [
      ['z1', v.z1, t.z1], ['h', v.h, t.h], ['z2', [v.z2], [t.z2]], ['p', [v.p], [t.y_pred]], ['loss', [v.loss], [t.loss]],
      ['dW2', v.dW2, t.W2grad], ['dW1', v.dW1, t.W1grad],
    ];
    for (const [name, hand, torch] of pairs) {
      expect(hand, name).toHaveLength(torch.length);
      hand.forEach((x, i) => expect(Math.abs(x - torch[i]!), `${name}[${i}]: hand ${x}, torch ${torch[i]}`).toBeLessThanOrEqual(1e-6 * Math.abs(torch[i]!) + 1e-7));
    }
  });

  it('case (a): z1 = [0.7, 0.6], z2 = 0.19; case (b): z1 = [0.9, -0.2], z2 = 0.54', () => {
    const a = byHand(caseA, 'F.binaryCrossEntropy');
    expectClose('a.z1', a.z1, [0.7, 0.6], 0, 1e-15);
    expectClose('a.z2', a.z2, 0.19, 0, 1e-15);
    const b = byHand(caseB, 'F.binaryCrossEntropy');
    expectClose('b.z1', b.z1, [0.9, -0.2], 0, 1e-15);
    expect(b.h).toEqual([b.z1[0], 0]);
    expectClose('b.z2', b.z2, 0.54, 0, 1e-15);
  });

  it('with PyTorch BCE dL/dz2 is p - y; the eps form differs from it by about eps/p', () => {
    for (const c of [caseA, caseB]) {
      const bce = byHand(c, 'F.binaryCrossEntropy');
      const epsForm = byHand(c, 'epsilon form');
      const pMinusY = bce.p - c.y;
      // dW2_0 = dz2 * h0 with h0 > 0 in both cases: recover dz2.
      const h0 = bce.h[0]!;
      expect(Math.abs(bce.dW2[0]! / h0 - pMinusY)).toBeLessThan(1e-15);
      const dz2Eps = epsForm.dW2[0]! / h0;
      // y = 1: dz2 = -(1 - p) * p/(p + eps); y = 0: dz2 = p * (1 - p)/(1 - p + eps).
      const expected = c.y === 1 ? -(1 - bce.p) * (bce.p / (bce.p + EPS)) : bce.p * ((1 - bce.p) / (1 - bce.p + EPS));
      expect(Math.abs(dz2Eps - expected)).toBeLessThan(1e-15);
      expect(dz2Eps).not.toBe(pMinusY);
      expect(Math.abs(dz2Eps - pMinusY)).toBeLessThan(1e-6);
      expect(Math.abs(dz2Eps - pMinusY)).toBeGreaterThan(1e-9);
    }
  });
});

describe('lesson 01 Part 3.5: engine vs hand (float32 CPU)', () => {
  // float32 rounds the inputs (0.1, 0.3, ...) and every intermediate: each step adds up to
  // 6e-8 relative error, and z2 = 0.49 - 0.3 amplifies it ~4x by cancellation. The errors seen
  // stay below 3e-7, so 1e-6 has headroom; the abs floor only matters for exact zeros. (At this
  // tolerance float32 cannot tell the two loss forms apart, eps/p ~ 2e-7; float64 below can.)
  const rel = 1e-6;
  const abs = 1e-7;
  for (const c of [caseA, caseB]) {
    for (const form of forms) {
      it(`${c.name}, ${form}: forward values and W1.grad, W2.grad`, async () => {
        await compare(c, form, rel, abs);
      });
    }
  }
});

describe('lesson 01 Part 3.5: engine vs hand (float64 CPU)', () => {
  afterEach(async () => {
    await setBackend('cpu');
  });
  for (const c of [caseA, caseB]) {
    for (const form of forms) {
      it(`${c.name}, ${form}: agrees to 1e-12`, async () => {
        await setBackend('cpu', { precision: 'float64' });
        await compare(c, form, 1e-12, 1e-15);
      });
    }
  }
});

describe('lesson 01 Part 3.5: a dead ReLU unit passes no gradient', () => {
  afterEach(async () => {
    await setBackend('cpu');
  });
  for (const precision of ['float32', 'float64'] as const) {
    for (const form of forms) {
      it(`case (b), ${form}, ${precision}: z1[1] < 0, so column 1 of W1.grad and W2.grad[1] are exactly 0`, async () => {
        await setBackend('cpu', { precision });
        const hand = byHand(caseB, form);
        expect(hand.z1[1]).toBeLessThan(0); // -0.2: the unit is off
        expect(hand.z1[0]).toBeGreaterThan(0);
        const got = await byEngine(caseB, form);
        expect(got.z1[1]).toBeLessThan(0);
        expect(Math.abs(got.h[1]!)).toBe(0);
        // W1 is [in, hidden]: hidden unit 1 is column 1, entries [0][1] and [1][1].
        expect(Math.abs(got.dW1[1]!)).toBe(0);
        expect(Math.abs(got.dW1[3]!)).toBe(0);
        // h1 = 0 also zeroes dL/dW2 for that unit.
        expect(Math.abs(got.dW2[1]!)).toBe(0);
        // The live unit does get a gradient, with y = 0 pushing p down: dz2 = p > 0.
        expect(got.dW1[0]).toBeGreaterThan(0); // x0 * dz2 * W2_0 = 2 * dz2 * 0.6
        expect(got.dW1[2]).toBeGreaterThan(0);
        expect(got.dW2[0]).toBeGreaterThan(0);
        // and in case (a) both units are live: no zero anywhere.
        const a = await byEngine(caseA, form);
        for (const v of [...a.dW1, ...a.dW2]) expect(Math.abs(v)).toBeGreaterThan(0.1);
      });
    }
  }
});
