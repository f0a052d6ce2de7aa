// Hand-computed values for the CPU reference backend (float32). Every expected number is
// written out by hand or computed here in plain JS from its textbook formula, never by
// the engine itself; PyTorch's documented conventions decide the edge cases.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  F,
  Tensor,
  arange,
  cat,
  linspace,
  matmul,
  setBackend,
  stack,
  tensor,
  where,
  zeros,
} from '../../src/index.ts';

beforeAll(async () => {
  await setBackend('cpu');
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** |a - e| <= tol * max(1, |e|) for every element, and the same length. */
function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    expect(Number.isFinite(a), `element ${i} is ${a}`).toBe(Number.isFinite(e));
    if (Number.isFinite(e)) expect(Math.abs(a - e), `element ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
    else expect(a).toBe(e);
  }
}

const int32 = (data: number[]): Tensor => tensor(data, { dtype: 'int32' });

/** The float32 rounding of a number: what float32 storage can hold. */
const f32 = (x: number): number => Math.fround(x);

// ---- matmul -------------------------------------------------------------------------------

describe('matmul', () => {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]
  // A @ B = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]] = [[58,64],[139,154]]
  const A = [[1, 2, 3], [4, 5, 6]];
  const At = [[1, 4], [2, 5], [3, 6]];
  const B = [[7, 8], [9, 10], [11, 12]];
  const Bt = [[7, 9, 11], [8, 10, 12]];
  const AB = [58, 64, 139, 154];

  it('all four transpose-flag combinations read the stored operand correctly', async () => {
    const none = matmul(tensor(A), tensor(B));
    const ta = matmul(tensor(At), tensor(B), { transA: true });
    const tb = matmul(tensor(A), tensor(Bt), { transB: true });
    const both = matmul(tensor(At), tensor(Bt), { transA: true, transB: true });
    for (const r of [none, ta, tb, both]) {
      expect(r.shape).toEqual([2, 2]);
      expect(await values(r)).toEqual(AB);
    }
  });

  it('flags on the same operand give A Aᵀ and Aᵀ A', async () => {
    // A Aᵀ = [[1+4+9, 4+10+18], [32, 16+25+36]]
    const aat = matmul(tensor(A), tensor(A), { transB: true });
    expect(aat.shape).toEqual([2, 2]);
    expect(await values(aat)).toEqual([14, 32, 32, 77]);
    // Aᵀ A: entry (i,j) = A[0][i] A[0][j] + A[1][i] A[1][j]
    const ata = matmul(tensor(A), tensor(A), { transA: true });
    expect(ata.shape).toEqual([3, 3]);
    expect(await values(ata)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    // Method form, and the .T view.
    expect(await values(tensor(A).matmul(tensor(A).T))).toEqual([14, 32, 32, 77]);
  });

  // A2 = [[0,1,0],[1,0,-1]]: row 0 picks B's row 1, row 1 is B row 0 - B row 2.
  const A2 = [[0, 1, 0], [1, 0, -1]];
  const A2B = [9, 10, -4, -4];
  // B2 = [[1,0],[0,1],[1,1]]: A @ B2 = [[1+3, 2+3], [4+6, 5+6]]
  const B2 = [[1, 0], [0, 1], [1, 1]];
  const AB2 = [4, 5, 10, 11];

  it('batched [2,2,3] @ [2,3,2]', async () => {
    const r = matmul(tensor([A, A2]), tensor([B, B]));
    expect(r.shape).toEqual([2, 2, 2]);
    expect(await values(r)).toEqual([...AB, ...A2B]);
    const r2 = matmul(tensor([A, A]), tensor([B, B2]));
    expect(await values(r2)).toEqual([...AB, ...AB2]);
  });

  it('a 2-D operand is shared across the batch', async () => {
    const right = matmul(tensor([A, A2]), tensor(B));
    expect(right.shape).toEqual([2, 2, 2]);
    expect(await values(right)).toEqual([...AB, ...A2B]);
    const left = matmul(tensor(A), tensor([B, B2]));
    expect(left.shape).toEqual([2, 2, 2]);
    expect(await values(left)).toEqual([...AB, ...AB2]);
  });

  it('gradient of a 2-D operand shared across a batch sums over the batch', async () => {
    // L = sum(A_b @ W) over b: dL/dW = sum_b A_bᵀ 1, i.e. the column sums of all A_b.
    const W = tensor(B, { requiresGrad: true });
    matmul(tensor([A, A2]), W).sum().backward();
    // Column sums of A: [5,7,9]; of A2: [1,1,-1]; each row of dW repeats the sum for both outputs.
    expect(await values(W.grad!)).toEqual([6, 6, 8, 8, 8, 8]);
  });
});

// ---- broadcasting and reductions ----------------------------------------------------------

describe('broadcasting and reductions', () => {
  it('[3,1] + [1,4] broadcasts to [3,4]', async () => {
    const r = tensor([[0], [10], [20]]).add(tensor([[1, 2, 3, 4]]));
    expect(r.shape).toEqual([3, 4]);
    expect(await values(r)).toEqual([1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]);
  });

  // x[i,j,k] = 12 i + 4 j + k for shape [2,3,4] (arange(24) reshaped).
  const x = (): Tensor => arange(24).reshape(2, 3, 4);

  it('sum over everything and over each axis', async () => {
    expect(await x().sum().item()).toBe(276); // 0 + 1 + ... + 23
    // axis 0: x[0,j,k] + x[1,j,k] = 12 + 2 (4 j + k)
    const s0 = x().sum(0);
    expect(s0.shape).toEqual([3, 4]);
    expect(await values(s0)).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
    // axis 1: sum_j = 36 i + 12 + 3 k
    const s1 = x().sum(1);
    expect(s1.shape).toEqual([2, 4]);
    expect(await values(s1)).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    // axis 2: sum_k = 48 i + 16 j + 6
    const s2 = x().sum(2);
    expect(s2.shape).toEqual([2, 3]);
    expect(await values(s2)).toEqual([6, 22, 38, 54, 70, 86]);
    // negative axis, several axes: over i and k, 60 + 32 j
    expect(await values(x().sum(-1))).toEqual([6, 22, 38, 54, 70, 86]);
    expect(await values(x().sum([0, 2]))).toEqual([60, 92, 124]);
  });

  it('keepdim keeps a size-1 axis', async () => {
    expect(x().sum(0, true).shape).toEqual([1, 3, 4]);
    expect(x().sum(1, true).shape).toEqual([2, 1, 4]);
    expect(x().sum(2, true).shape).toEqual([2, 3, 1]);
    expect(x().mean(-1, true).shape).toEqual([2, 3, 1]);
    expect(await values(x().sum(1, true))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(x().sum([0, 1, 2], true).shape).toEqual([1, 1, 1]);
  });

  it('mean over everything and over each axis', async () => {
    expect(await x().mean().item()).toBe(11.5);
    expect(await values(x().mean(0))).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(await values(x().mean(1))).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
    expect(await values(x().mean(2))).toEqual([1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
  });

  it('argmax: the first of tied maxima wins; negative axes count from the end', async () => {
    const t = tensor([[1, 3, 3], [5, 5, 0]]);
    const last = t.argmax(-1);
    expect(last.dtype).toBe('int32');
    expect(last.shape).toEqual([2]);
    expect(await values(last)).toEqual([1, 0]);
    expect(await values(t.argmax(1))).toEqual([1, 0]);
    expect(await values(t.argmax(0))).toEqual([1, 1, 0]);
    expect(await values(t.argmax(-2))).toEqual([1, 1, 0]);
    expect(await values(tensor([[2, 2], [2, 1]]).argmax(0))).toEqual([0, 0]);
    expect(t.argmax(-1, true).shape).toEqual([2, 1]);
  });
});

// ---- softmax and losses -------------------------------------------------------------------

function jsSoftmax(row: number[]): number[] {
  const e = row.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('softmax and logSoftmax', () => {
  const rows = [[1, 2, 3], [0, 0, 0], [-1, 0.5, 2]];

  it('rows sum to 1 and equal exp(x) / sum(exp(x))', async () => {
    const s = tensor(rows).softmax(-1);
    const v = await values(s);
    expectClose(v, rows.flatMap(jsSoftmax), 1e-6);
    for (let r = 0; r < 3; r++) expect(Math.abs(v[3 * r]! + v[3 * r + 1]! + v[3 * r + 2]! - 1)).toBeLessThan(1e-6);
  });

  it('along axis 0 it normalizes columns', async () => {
    const v = await values(tensor(rows).softmax(0));
    const cols = [0, 1, 2].map((j) => jsSoftmax(rows.map((r) => r[j]!)));
    expectClose(v, [0, 1, 2].flatMap((i) => cols.map((c) => c[i]!)), 1e-6);
  });

  it('is stable for x = [1000, 1001, 1002]: the same as for [0, 1, 2]', async () => {
    const v = await values(tensor([[1000, 1001, 1002]]).softmax(-1));
    expect(v.every(Number.isFinite)).toBe(true);
    expectClose(v, jsSoftmax([0, 1, 2]), 1e-6); // [0.0900306, 0.2447285, 0.6652410]
    const lv = await values(tensor([[1000, 1001, 1002]]).logSoftmax(-1));
    expectClose(lv, jsSoftmax([0, 1, 2]).map(Math.log), 1e-6);
  });

  it('logSoftmax equals the log of softmax', async () => {
    const v = await values(tensor(rows).logSoftmax(-1));
    expectClose(v, rows.flatMap(jsSoftmax).map(Math.log), 1e-6);
  });
});

describe('losses', () => {
  it('crossEntropy is the mean of -log softmax at the label', async () => {
    const logits = [[1, 2, 3], [1, 0, -1], [0.5, 0.5, 0.5]];
    const labels = [2, 0, 1];
    const expected = -labels.reduce((acc, l, r) => acc + Math.log(jsSoftmax(logits[r]!)[l]!), 0) / 3;
    const loss = F.crossEntropy(tensor(logits), int32(labels));
    expect(loss.shape).toEqual([]);
    expectClose([await loss.item()], [expected], 1e-6);
    // Uniform logits over C classes give log C.
    expectClose([await F.crossEntropy(zeros([2, 4]), int32([0, 3])).item()], [Math.log(4)], 1e-6);
  });

  it('crossEntropy gradient is (softmax - onehot) / N', async () => {
    const logits = [[1, 2, 3], [1, 0, -1]];
    const x = tensor(logits, { requiresGrad: true });
    F.crossEntropy(x, int32([2, 0])).backward();
    const expected = logits.flatMap((row, r) => jsSoftmax(row).map((p, j) => (p - (j === [2, 0][r] ? 1 : 0)) / 2));
    expectClose(await values(x.grad!), expected, 1e-6);
  });

  it('binaryCrossEntropy: moderate probabilities', async () => {
    // -(log 0.8 + log 0.9) / 2 for p = [0.2, 0.9], y = [0, 1]
    const loss = F.binaryCrossEntropy(tensor([0.2, 0.9]), tensor([0, 1]));
    expectClose([await loss.item()], [-(Math.log(1 - f32(0.2)) + Math.log(f32(0.9))) / 2], 1e-6);
  });

  it('binaryCrossEntropy: p = 0 and 1 use PyTorch\'s log clamp at -100 (finite)', async () => {
    // per element: y=1,p=0 -> 100; y=0,p=1 -> 100; y=0,p=0 -> 0; y=1,p=1 -> 0. Mean 50.
    const loss = F.binaryCrossEntropy(tensor([0, 1, 0, 1]), tensor([1, 0, 0, 1]));
    expect(await loss.item()).toBe(50);
    expect(await F.binaryCrossEntropy(tensor([0]), tensor([1])).item()).toBe(100);
    expect(await F.binaryCrossEntropy(tensor([1]), tensor([0])).item()).toBe(100);
    expect(await F.binaryCrossEntropy(tensor([1, 0]), tensor([1, 0])).item()).toBe(0);
  });

  it('bceWithLogits equals BCE of sigmoid(x) for moderate x', async () => {
    const xs = [-3, -0.5, 0, 0.7, 2.5];
    const ys = [0, 1, 1, 0, 1];
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const expected = -xs.reduce((a, v, i) => a + ys[i]! * Math.log(sig(v)) + (1 - ys[i]!) * Math.log(1 - sig(v)), 0) / xs.length;
    const loss = F.bceWithLogits(tensor(xs), tensor(ys));
    expectClose([await loss.item()], [expected], 1e-6);
    const viaSigmoid = F.binaryCrossEntropy(tensor(xs).sigmoid(), tensor(ys));
    expectClose([await viaSigmoid.item()], [expected], 1e-5);
  });

  it('bceWithLogits is finite for x = ±1000', async () => {
    // x=1000,y=1 -> 0; x=1000,y=0 -> 1000; x=-1000,y=0 -> 0; x=-1000,y=1 -> 1000. Mean 500.
    const loss = F.bceWithLogits(tensor([1000, 1000, -1000, -1000]), tensor([1, 0, 0, 1]));
    expect(await loss.item()).toBe(500);
    const x = tensor([1000, -1000], { requiresGrad: true });
    F.bceWithLogits(x, tensor([0, 1])).backward();
    // (sigmoid(x) - y) / N = [(1 - 0) / 2, (0 - 1) / 2]
    expect(await values(x.grad!)).toEqual([0.5, -0.5]);
  });

  it('mseLoss is the mean squared difference', async () => {
    // (0 + 4 + 9) / 3
    expectClose([await F.mseLoss(tensor([1, 2, 3]), tensor([1, 0, 6])).item()], [13 / 3], 1e-6);
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    F.mseLoss(a, tensor([[0, 2], [5, 4]])).backward();
    // 2 (a - b) / N = [2/4, 0, -4/4, 0]
    expect(await values(a.grad!)).toEqual([0.5, 0, -1, 0]);
  });
});

// ---- activations --------------------------------------------------------------------------

describe('activations', () => {
  it('sigmoid(±1000) is finite: 1 and 0; sigmoid(0) = 0.5', async () => {
    expect(await values(tensor([1000, -1000, 0]).sigmoid())).toEqual([1, 0, 0.5]);
    const mid = [-2, 1.5];
    expectClose(await values(tensor(mid).sigmoid()), mid.map((v) => 1 / (1 + Math.exp(-v))), 1e-6);
  });

  it('tanh(±1000) = ±1', async () => {
    expect(await values(tensor([1000, -1000, 0]).tanh())).toEqual([1, -1, 0]);
    expectClose(await values(tensor([0.5, -2]).tanh()), [Math.tanh(0.5), Math.tanh(-2)], 1e-6);
  });

  it('relu and leakyRelu at 0 and for negatives', async () => {
    expect(await values(tensor([-2, 0, 3]).relu())).toEqual([0, 0, 3]);
    expectClose(await values(tensor([-2, 0, 3]).leakyRelu(0.1)), [-0.2, 0, 3], 1e-7);
    // PyTorch's default negative slope is 0.01.
    expectClose(await values(F.leakyRelu(tensor([-2, 0, 3]))), [-0.02, 0, 3], 1e-7);
  });

  it('relu gradient at 0 is 0 (PyTorch)', async () => {
    const x = tensor([-2, 0, 3], { requiresGrad: true });
    x.relu().sum().backward();
    expect(await values(x.grad!)).toEqual([0, 0, 1]);
  });

  it('leakyRelu gradient: slope for x <= 0, 1 for x > 0', async () => {
    const x = tensor([-2, 0, 3], { requiresGrad: true });
    x.leakyRelu(0.25).sum().backward();
    expect(await values(x.grad!)).toEqual([0.25, 0.25, 1]);
  });

  it('abs gradient at 0 is 0 (PyTorch)', async () => {
    const x = tensor([-2, 0, 3], { requiresGrad: true });
    x.abs().sum().backward();
    expect(await values(x.grad!)).toEqual([-1, 0, 1]);
  });
});

// ---- elementwise, comparisons, cast ----------------------------------------------------------

describe('elementwise', () => {
  it('where picks by a nonzero condition, with broadcasting', async () => {
    const cond = int32([1, 0, 1, 0]);
    expect(await values(where(cond, tensor([1, 2, 3, 4]), tensor([-1, -2, -3, -4])))).toEqual([1, -2, 3, -4]);
    expect(await values(where(cond, tensor([1, 2, 3, 4]), 0))).toEqual([1, 0, 3, 0]);
    expect(await values(where(tensor([[1], [0]], { dtype: 'int32' }), tensor([5, 6]), tensor([7, 8])))).toEqual([5, 6, 7, 8]);
  });

  it('eq, gt, lt give int32 0/1', async () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([3, 2, 1]);
    const cases: [Tensor, number[]][] = [
      [a.eq(b), [0, 1, 0]],
      [a.gt(b), [0, 0, 1]],
      [a.lt(b), [1, 0, 0]],
      [a.gt(2), [0, 0, 1]],
    ];
    for (const [r, want] of cases) {
      expect(r.dtype).toBe('int32');
      expect(await values(r)).toEqual(want);
    }
    const labels = int32([0, 3, 3]);
    expect(await values(labels.eq(3))).toEqual([0, 1, 1]);
  });

  it('cast float -> int truncates toward zero (as PyTorch)', async () => {
    const r = tensor([-2.7, -0.5, 0.5, 2.7, 3, -3]).int();
    expect(r.dtype).toBe('int32');
    expect(await values(r)).toEqual([-2, 0, 0, 2, 3, -3]);
    const back = int32([-2, 7]).float();
    expect(back.dtype).toBe('float32');
    expect(await values(back)).toEqual([-2, 7]);
  });

  it('pow and sqrt', async () => {
    expect(await values(tensor([2, 3, 4]).pow(tensor([3, 2, 0.5])))).toEqual([8, 9, 2]);
    expect(await values(tensor([2, -3]).pow(2))).toEqual([4, 9]);
    expectClose(await values(tensor([0, 4, 2]).sqrt()), [0, 2, Math.SQRT2], 1e-7);
    // d/dx x^3 = 3 x^2 at x = 2 -> 12
    const x = tensor([2], { requiresGrad: true });
    x.pow(3).sum().backward();
    expectClose(await values(x.grad!), [12], 1e-6);
  });
});

// ---- layout -------------------------------------------------------------------------------

describe('layout', () => {
  it('transpose of [2,3,4] dims (0,2): y[k,j,i] = x[i,j,k]', async () => {
    const y = arange(24).reshape(2, 3, 4).transpose(0, 2);
    expect(y.shape).toEqual([4, 3, 2]);
    const v = await values(y);
    for (let k = 0; k < 4; k++) {
      for (let j = 0; j < 3; j++) {
        for (let i = 0; i < 2; i++) expect(v[k * 6 + j * 2 + i]).toBe(12 * i + 4 * j + k);
      }
    }
    // The same with a negative axis.
    expect(await values(arange(24).reshape(2, 3, 4).transpose(-1, 0))).toEqual(v);
  });

  it('cat along each axis', async () => {
    const a = tensor([[1, 2], [3, 4]]);
    const r0 = cat([a, tensor([[5, 6]])], 0);
    expect(r0.shape).toEqual([3, 2]);
    expect(await values(r0)).toEqual([1, 2, 3, 4, 5, 6]);
    const r1 = cat([a, tensor([[7], [8]])], 1);
    expect(r1.shape).toEqual([2, 3]);
    expect(await values(r1)).toEqual([1, 2, 7, 3, 4, 8]);
    const rNeg = cat([a, tensor([[7], [8]]), a], -1);
    expect(await values(rNeg)).toEqual([1, 2, 7, 1, 2, 3, 4, 8, 3, 4]);
  });

  it('stack along each axis', async () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    const s0 = stack([a, b], 0);
    expect(s0.shape).toEqual([2, 2, 2]);
    expect(await values(s0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const s1 = stack([a, b], 1);
    expect(s1.shape).toEqual([2, 2, 2]);
    expect(await values(s1)).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    const s2 = stack([a, b], 2);
    expect(s2.shape).toEqual([2, 2, 2]);
    expect(await values(s2)).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
    expect(await values(stack([a, b], -1))).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
  });

  it('narrow', async () => {
    const x = arange(12).reshape(3, 4);
    const n1 = x.narrow(1, 1, 2);
    expect(n1.shape).toEqual([3, 2]);
    expect(await values(n1)).toEqual([1, 2, 5, 6, 9, 10]);
    expect(await values(x.narrow(0, 2, 1))).toEqual([8, 9, 10, 11]);
    expect(await values(x.narrow(-1, 3, 1))).toEqual([3, 7, 11]);
  });

  it('squeeze and unsqueeze shapes', () => {
    const z = zeros([1, 3, 1]);
    expect(z.squeeze().shape).toEqual([3]);
    expect(z.squeeze(0).shape).toEqual([3, 1]);
    expect(z.squeeze(-1).shape).toEqual([1, 3]);
    expect(z.squeeze(1).shape).toEqual([1, 3, 1]); // not size 1: unchanged, as PyTorch
    expect(zeros([3]).unsqueeze(0).shape).toEqual([1, 3]);
    expect(zeros([3]).unsqueeze(-1).shape).toEqual([3, 1]);
    expect(zeros([2, 3]).unsqueeze(1).shape).toEqual([2, 1, 3]);
  });

  it('indexSelect with repeated indices, and its gradient scatter-adds', async () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    const idx = int32([2, 0, 2]);
    const y = x.indexSelect(idx);
    expect(y.shape).toEqual([3, 2]);
    expect(await values(y)).toEqual([5, 6, 1, 2, 5, 6]);
    y.backward(tensor([[1, 10], [100, 1000], [2, 20]]));
    // Row 0 picked once (position 1); row 1 never; row 2 twice (positions 0 and 2).
    expect(await values(x.grad!)).toEqual([100, 1000, 0, 0, 3, 30]);
  });
});

// ---- ranges -------------------------------------------------------------------------------

describe('arange and linspace', () => {
  it('arange values', async () => {
    expect(await values(arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(await values(arange(2, 6))).toEqual([2, 3, 4, 5]);
    expect(await values(arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75]);
    expect(await values(arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(arange(3, 3).shape).toEqual([0]);
    const ints = arange(0, 4, 1, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(await values(ints)).toEqual([0, 1, 2, 3]);
  });

  it('linspace(0, 1, 5) is exactly [0, 0.25, 0.5, 0.75, 1]', async () => {
    expect(await values(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await values(linspace(-1, 1, 3))).toEqual([-1, 0, 1]);
    expect(await values(linspace(2, 2, 1))).toEqual([2]);
    // Both ends exact even when the step is not representable.
    const v = await values(linspace(0, 1, 11));
    expect(v[0]).toBe(0);
    expect(v[10]).toBe(1);
    expectClose(v, Array.from({ length: 11 }, (_, i) => i / 10), 1e-7);
  });
});
