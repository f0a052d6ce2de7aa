// Bad input gets an Error that names the op and the shapes or values involved, and a
// training step that fails leaves the parameters (and the optimizer) as they were, with
// the engine still usable afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackend } from '../../src/engine/backend.ts';
import { rejectsWith, throwsWith } from '../support/expect-error.ts';
import {
  F,
  Tensor,
  arange,
  cat,
  init,
  manualSeed,
  matmul,
  nn,
  noGrad,
  optim,
  setBackend,
  tensor,
  zeros,
} from '../../src/index.ts';

// ---- helpers ------------------------------------------------------------------------------

const int32 = (data: number[]): Tensor => tensor(data, { dtype: 'int32' });

async function snapshot(params: Tensor[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const p of params) out.push(Array.from(await p.data()));
  return out;
}

/** Every parameter moved (each one has a non-zero gradient in the steps used below). */
function expectAllChanged(before: number[][], after: number[][]): void {
  expect(after.length).toBe(before.length);
  after.forEach((a, i) => expect(a, `parameter ${i} should have changed`).not.toEqual(before[i]));
}

// A small classification set: 3 rows, 2 features, 3 classes.
const X3 = (): Tensor => tensor([[1, 2], [-1, 0.5], [0.5, -2]]);
const Y3 = (): Tensor => int32([0, 2, 1]);

function classifier(): nn.Sequential {
  manualSeed(7);
  return new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 3));
}

/** One correct step: forward, loss, zeroGrad, backward, step, read. */
async function goodStep(net: nn.Module, opt: { zeroGrad(): void; step(): void }): Promise<number> {
  const loss = F.crossEntropy(net.forward(X3()), Y3());
  opt.zeroGrad();
  loss.backward();
  opt.step();
  const v = await loss.item();
  expect(Number.isFinite(v)).toBe(true);
  return v;
}

/** After a failure: a correct step succeeds and moves every parameter. */
async function expectEngineStillTrains(net: nn.Module, opt: { zeroGrad(): void; step(): void }): Promise<void> {
  const before = await snapshot(net.parameters());
  await goodStep(net, opt);
  expectAllChanged(before, await snapshot(net.parameters()));
}

// ---- shape rules --------------------------------------------------------------------------

describe('shape errors name the op and the shapes', () => {
  it('matmul: inner dimension mismatch', () => {
    throwsWith(() => matmul(zeros([3, 4]), zeros([5, 2])), 'matmul', '[3,4]', '[5,2]', '4', '5');
    throwsWith(() => zeros([3, 4]).matmul(zeros([5, 2])), 'matmul', '[3,4]', '[5,2]');
    // With a transpose flag the inner dimension is the other one: [3,4]ᵀ is 4x3.
    throwsWith(() => matmul(zeros([3, 4]), zeros([4, 2]), { transA: true }), 'matmul', '[3,4]', '[4,2]');
  });

  it('matmul: batch sizes differ', () => {
    throwsWith(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), 'matmul', '[2,3,4]', '[3,4,5]', 'batch', '2', '3');
  });

  it('add and mul: shapes that do not broadcast name both shapes', () => {
    throwsWith(() => zeros([2, 3]).add(zeros([4])), 'add', '[2,3]', '[4]', 'broadcast');
    throwsWith(() => zeros([2, 3]).mul(zeros([3, 3])), 'mul', '[2,3]', '[3,3]', 'broadcast');
  });

  it('dtype mixing: float32 + int32', () => {
    throwsWith(() => tensor([1.5, 2]).add(int32([1, 2])), 'add', 'float32', 'int32', '[2]');
    throwsWith(() => int32([1, 2]).mul(tensor([1.5, 2])), 'mul', 'float32', 'int32');
  });

  it('reshape to a wrong element count', () => {
    throwsWith(() => zeros([2, 3]).reshape(4, 2), 'reshape', '[2,3]', '[4,2]', '6', '8');
    throwsWith(() => zeros([2, 3]).reshape(-1, 4), 'reshape', '[2,3]');
    throwsWith(() => zeros([2, 3]).view([7]), 'reshape', '[2,3]', '[7]');
  });

  it('cat with mismatched shapes', () => {
    throwsWith(() => cat([zeros([2, 3]), zeros([2, 4])], 0), 'cat', '[2,3]', '[2,4]');
    throwsWith(() => cat([zeros([2, 3]), zeros([3])], 0), 'cat', '[2,3]', '[3]');
  });

  it('narrow out of range', () => {
    throwsWith(() => zeros([3, 2]).narrow(0, 1, 5), 'narrow', '[3,2]', 'out of range');
    throwsWith(() => zeros([3, 2]).narrow(1, -1, 1), 'narrow', '[3,2]');
    throwsWith(() => zeros([3, 2]).narrow(2, 0, 1), 'narrow', 'axis 2');
  });

  it('indexSelect: an out-of-range host-known index throws at call time', () => {
    const x = zeros([3, 2]);
    throwsWith(() => x.indexSelect(int32([0, 3])), 'indexSelect', 'index 3', '[3,2]', '3 rows');
    throwsWith(() => x.indexSelect(int32([-1])), 'indexSelect', 'index -1', '[3,2]');
  });

  it('indexSelect: a non-int32 index', () => {
    throwsWith(() => zeros([3, 2]).indexSelect(tensor([0, 1])), 'indexSelect', 'int32', 'float32', '[2]');
    throwsWith(() => zeros([3, 2]).indexSelect(int32([0, 1]).reshape(2, 1)), 'indexSelect', '1-D', '[2,1]');
  });

  it('Linear forward with the wrong feature count', () => {
    manualSeed(1);
    const lin = new nn.Linear(3, 2);
    throwsWith(() => lin.forward(zeros([4, 5])), 'Linear', '[4,5]', '3');
    throwsWith(() => F.linear(zeros([4, 5]), lin.weight, lin.bias), 'matmul', '[4,5]', '[2,3]');
  });
});

// ---- losses -------------------------------------------------------------------------------

describe('loss errors', () => {
  it('crossEntropy: labels out of range throw at call time, naming the label, the row and the class count', () => {
    const logits = zeros([2, 3]);
    const m1 = throwsWith(() => F.crossEntropy(logits, int32([0, 3])), 'crossEntropy', 'label 3', 'row 1', '3 classes');
    expect(m1).toContain('[2,3]');
    throwsWith(() => F.crossEntropy(logits, int32([-1, 0])), 'crossEntropy', 'label -1', 'row 0', '3 classes');
  });

  it('crossEntropy: labels computed lazily are range-checked when the loss is computed', async () => {
    const labels = int32([0, 2]).add(1); // [1, 3]: 3 is out of range, known only at flush
    const loss = F.crossEntropy(zeros([2, 3]), labels);
    await rejectsWith(() => loss.item(), /crossEntropy/i, 'label 3', 'row 1', '3 classes');
  });

  it('crossEntropy: float labels and a wrong label length', () => {
    throwsWith(() => F.crossEntropy(zeros([2, 3]), tensor([0, 1])), /crossEntropy/i, 'int32', 'float32', '[2,3]');
    throwsWith(() => F.crossEntropy(zeros([2, 3]), int32([0, 1, 2])), /crossEntropy/i, '[3]', '[2,3]');
    throwsWith(() => F.crossEntropy(zeros([2, 3]), int32([0])), /crossEntropy/i, '[1]', '[2,3]');
  });

  it('binaryCrossEntropy: mismatched shapes', () => {
    throwsWith(() => F.binaryCrossEntropy(zeros([4, 1]), zeros([4])), 'binaryCrossEntropy', '[4,1]', '[4]');
  });

  it('binaryCrossEntropy: probabilities outside [0, 1] are caught when the value is computed', async () => {
    const loss = F.binaryCrossEntropy(tensor([0.5, 1.5, 0.2]), tensor([1, 0, 0]));
    await rejectsWith(() => loss.item(), 'binaryCrossEntropy', '1.5', 'between 0 and 1');
    const neg = F.binaryCrossEntropy(tensor([-0.25]), tensor([1]));
    await rejectsWith(() => neg.item(), 'binaryCrossEntropy', '-0.25');
    const nan = F.binaryCrossEntropy(tensor([NaN]), tensor([1]));
    await rejectsWith(() => nan.item(), 'binaryCrossEntropy', 'NaN');
  });

  it('mseLoss and bceWithLogits: shape mismatch', () => {
    throwsWith(() => F.mseLoss(zeros([3, 1]), zeros([3])), 'mseLoss', '[3,1]', '[3]');
    throwsWith(() => F.bceWithLogits(zeros([2, 2]), zeros([4])), 'bceWithLogits', '[2,2]', '[4]');
  });
});

// ---- state dicts ----------------------------------------------------------------------------

describe('loadStateDict', () => {
  const make = (): nn.Linear => {
    manualSeed(3);
    return new nn.Linear(3, 2);
  };
  const W = [[1, 2, 3], [4, 5, 6]];
  const B = [0.5, -0.5];

  it('a wrong shape names the key and both shapes, and writes nothing', async () => {
    const lin = make();
    const before = await snapshot(lin.parameters());
    throwsWith(() => lin.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]]), bias: B }), 'loadStateDict', 'weight', '[3,2]', '[2,3]');
    // The good weight must not be written when the bias is bad: checks come before writes.
    throwsWith(() => lin.loadStateDict({ weight: W, bias: [1, 2, 3] }), 'loadStateDict', 'bias', '[3]', '[2]');
    expect(await snapshot(lin.parameters())).toEqual(before);
  });

  it('strict: a missing key and an unexpected key', async () => {
    const lin = make();
    const before = await snapshot(lin.parameters());
    throwsWith(() => lin.loadStateDict({ weight: W }), 'loadStateDict', 'missing', 'bias');
    throwsWith(() => lin.loadStateDict({ weight: W, bias: B, extra: [1] }), 'loadStateDict', 'unexpected', 'extra');
    expect(await snapshot(lin.parameters())).toEqual(before);
  });

  it('strict: false ignores extra keys and loads the rest', async () => {
    const lin = make();
    lin.loadStateDict({ weight: W, bias: B, extra: [1, 2] }, { strict: false });
    expect(Array.from(await lin.weight.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await lin.bias!.data())).toEqual([0.5, -0.5]);
    // A missing key is allowed too; the present one is loaded.
    lin.loadStateDict({ bias: [2, 3] }, { strict: false });
    expect(Array.from(await lin.bias!.data())).toEqual([2, 3]);
    expect(Array.from(await lin.weight.data())).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

// ---- tensor creation and hyperparameters ----------------------------------------------------

describe('creation and hyperparameter errors', () => {
  it('tensor(): ragged nested arrays', () => {
    throwsWith(() => tensor([[1, 2], [3]]), 'tensor', 'ragged');
    throwsWith(() => tensor([[1, 2], 3] as never), 'tensor', 'ragged');
    throwsWith(() => tensor([1, [2]] as never), 'tensor', 'ragged');
  });

  it('tensor(): non-integer int32 values', () => {
    throwsWith(() => tensor([1, 2.5], { dtype: 'int32' }), 'tensor', '2.5', 'int32');
    throwsWith(() => tensor([NaN], { dtype: 'int32' }), 'tensor', 'NaN', 'int32');
  });

  it('optimizers: non-finite learning rates at construction', () => {
    const p = (): Tensor[] => [tensor([1, 2], { requiresGrad: true })];
    throwsWith(() => new optim.Adam(p(), { lr: NaN }), 'optim.Adam', 'lr', 'NaN');
    throwsWith(() => new optim.Adam(p(), { lr: Infinity }), 'optim.Adam', 'lr', 'Infinity');
    throwsWith(() => new optim.SGD(p(), { lr: NaN }), 'optim.SGD', 'lr', 'NaN');
    throwsWith(() => new optim.SGD(p(), { lr: Infinity }), 'optim.SGD', 'lr', 'Infinity');
    throwsWith(() => new optim.SGD(p(), { lr: 0.1, momentum: NaN }), 'optim.SGD', 'momentum', 'NaN');
    throwsWith(() => new optim.Adam(p(), { betas: [1, 0.999] }), 'optim.Adam', 'beta1', '1');
  });

  it('init: non-finite gain (and other arguments) leave the tensor untouched', async () => {
    manualSeed(2);
    const lin = new nn.Linear(3, 2);
    const before = Array.from(await lin.weight.data());
    throwsWith(() => init.xavierNormal_(lin.weight, NaN), 'xavierNormal_', 'gain', 'NaN');
    throwsWith(() => init.xavierUniform_(lin.weight, Infinity), 'xavierUniform_', 'gain', 'Infinity');
    throwsWith(() => init.kaimingNormal_(lin.weight, { a: NaN }), 'kaimingNormal_', 'NaN');
    throwsWith(() => init.normal_(lin.weight, 0, NaN), 'normal_', 'std', 'NaN');
    throwsWith(() => init.constant_(lin.weight, Infinity), 'constant_', 'Infinity');
    expect(Array.from(await lin.weight.data())).toEqual(before);
  });

  it('dropout p = 1.5, leakyRelu slope NaN, arange step 0', () => {
    const x = zeros([2, 2]);
    throwsWith(() => F.dropout(x, 1.5), 'dropout', '1.5');
    throwsWith(() => F.dropout(x, -0.1, true), 'dropout', '-0.1');
    throwsWith(() => new nn.Dropout(1.5), 'Dropout', '1.5');
    throwsWith(() => F.leakyRelu(x, NaN), 'leakyRelu', 'NaN');
    throwsWith(() => x.leakyRelu(NaN), 'leakyRelu', 'NaN');
    throwsWith(() => new nn.LeakyReLU(NaN), 'LeakyReLU', 'NaN');
    throwsWith(() => arange(0, 5, 0), 'arange', 'step');
    throwsWith(() => arange(0, 5, -1), 'arange', '-1');
    throwsWith(() => arange(0, NaN), 'arange', 'NaN');
  });
});

// ---- lifetime and autograd misuse -------------------------------------------------------------

describe('lifetime and autograd errors', () => {
  it('reading a disposed tensor names "disposed" and the shape', async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    t.dispose();
    await rejectsWith(() => t.data(), 'disposed', '[2,3]');
    await rejectsWith(() => t.item(), /disposed|elements/);
    throwsWith(() => t.add(1), 'add', 'disposed', '[2,3]');

    const r = tensor([1, 2]).mul(3);
    await r.data();
    r.dispose();
    await rejectsWith(() => r.array(), 'disposed', '[2]');
  });

  it('using a result that depends on a disposed tensor', async () => {
    const x = tensor([1, 2, 3]);
    const y = x.mul(2); // lazy: reads x at the next flush
    x.dispose();
    await rejectsWith(() => y.data(), 'disposed', '[3]');

    const a = tensor([1, 2]).add(1);
    await a.data();
    const b = a.mul(2); // pending, reads a's storage
    a.dispose();
    await rejectsWith(() => b.data(), 'disposed', '[2]');

    // The engine keeps working.
    expect(Array.from(await tensor([1, 2]).mul(2).data())).toEqual([2, 4]);
  });

  it('backward on a tensor that does not require grad', () => {
    throwsWith(() => tensor([1, 2]).sum().backward(), 'backward', 'does not require grad', '[]');
    const x = tensor([1, 2], { requiresGrad: true });
    throwsWith(() => noGrad(() => x.mul(2).sum()).backward(), 'backward', 'does not require grad');
    // A non-scalar output needs an explicit gradient.
    throwsWith(() => x.mul(2).backward(), 'backward', '[2]');
  });

  it('backward twice through the same graph throws unless retainGraph', async () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    throwsWith(() => y.backward(), 'backward', 'second time', 'retainGraph');
    expect(Array.from(await x.grad!.data())).toEqual([2, 4, 6]);

    const z = tensor([1, 2, 3], { requiresGrad: true });
    const w = z.mul(z).sum();
    w.backward(undefined, { retainGraph: true });
    w.backward(); // allowed: the first call kept the graph
    // d/dz sum(z^2) = 2z, accumulated twice.
    expect(Array.from(await z.grad!.data())).toEqual([4, 8, 12]);
    throwsWith(() => w.backward(), 'backward', 'second time');
  });

  it('in-place update of a leaf that requires grad outside noGrad', async () => {
    const p = tensor([1, 2], { requiresGrad: true });
    throwsWith(() => p.add_(1), 'add_', '[2]', 'noGrad');
    throwsWith(() => p.mul_(2), 'mul_', '[2]');
    throwsWith(() => p.zero_(), 'zero_', '[2]');
    throwsWith(() => p.copy_(tensor([5, 6])), 'copy_', '[2]');
    expect(Array.from(await p.data())).toEqual([1, 2]);
    noGrad(() => p.add_(1));
    expect(Array.from(await p.data())).toEqual([2, 3]);
  });

  it('item() on a multi-element tensor', async () => {
    await rejectsWith(() => tensor([1, 2, 3]).item(), 'item', '[3]', '3 elements');
    await rejectsWith(() => zeros([2, 2]).item(), 'item', '[2,2]');
    expect(await tensor([[7]]).item()).toBe(7);
  });
});

// ---- failing training steps leave parameters untouched ------------------------------------------

describe('a failing training step leaves the parameters untouched', () => {
  it('bad labels to crossEntropy (thrown at call time)', async () => {
    const net = classifier();
    const opt = new optim.Adam(net.parameters(), { lr: 0.05 });
    await goodStep(net, opt);
    const before = await snapshot(net.parameters());
    throwsWith(() => F.crossEntropy(net.forward(X3()), int32([0, 3, 1])), 'crossEntropy', 'label 3', 'row 1', '3 classes');
    throwsWith(() => F.crossEntropy(net.forward(X3()), int32([-1, 0, 1])), 'crossEntropy', 'label -1', 'row 0');
    expect(await snapshot(net.parameters())).toEqual(before);
    await expectEngineStillTrains(net, opt);
  });

  it('bad shapes to the loss', async () => {
    manualSeed(5);
    const net = new nn.Linear(2, 1);
    const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const X = tensor([[1, 2], [3, -1]]);
    const before = await snapshot(net.parameters());
    throwsWith(() => F.mseLoss(net.forward(X), tensor([1, 0])), 'mseLoss', '[2,1]', '[2]');
    throwsWith(() => F.binaryCrossEntropy(net.forward(X).sigmoid(), tensor([1, 0])), 'binaryCrossEntropy', '[2,1]', '[2]');
    throwsWith(() => F.crossEntropy(net.forward(X), int32([0, 0, 0])), /crossEntropy/i, '[3]');
    expect(await snapshot(net.parameters())).toEqual(before);

    const loss = F.mseLoss(net.forward(X), tensor([[1], [0]]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    expect(Number.isFinite(await loss.item())).toBe(true);
    expectAllChanged(before, await snapshot(net.parameters()));
  });

  it('a bad lr at opt.step() (Adam and SGD)', async () => {
    const net = classifier();
    const adam = new optim.Adam(net.parameters(), { lr: 0.05 });
    await goodStep(net, adam);
    for (const bad of [NaN, Infinity, -1]) {
      const before = await snapshot(net.parameters());
      const loss = F.crossEntropy(net.forward(X3()), Y3());
      adam.zeroGrad();
      loss.backward();
      adam.paramGroups[0]!.lr = bad;
      throwsWith(() => adam.step(), 'optim.Adam', 'lr', String(bad));
      expect(Number.isFinite(await loss.item())).toBe(true);
      expect(await snapshot(net.parameters())).toEqual(before);
      adam.paramGroups[0]!.lr = 0.05;
    }
    await expectEngineStillTrains(net, adam);

    const sgd = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const before = await snapshot(net.parameters());
    const loss = F.crossEntropy(net.forward(X3()), Y3());
    sgd.zeroGrad();
    loss.backward();
    sgd.paramGroups[0]!.lr = NaN;
    throwsWith(() => sgd.step(), 'optim.SGD', 'lr', 'NaN');
    await loss.item();
    expect(await snapshot(net.parameters())).toEqual(before);
    sgd.paramGroups[0]!.lr = 0.1;
    await expectEngineStillTrains(net, sgd);
  });

  // A Linear(2, 1) whose raw output (not a probability) is fed to BCE: the range check
  // runs in the loss kernel, in the same flush as the update opt.step() already recorded.
  async function failedBceStep(net: nn.Linear, opt: { zeroGrad(): void; step(): void }): Promise<void> {
    const X = tensor([[1, 2], [3, -1]]);
    const loss = F.binaryCrossEntropy(net.forward(X), tensor([[1], [0]]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    await rejectsWith(() => loss.item(), 'binaryCrossEntropy', 'between 0 and 1');
  }

  function bceNet(): nn.Linear {
    manualSeed(11);
    const net = new nn.Linear(2, 1);
    // Outputs 1*1 + 2*1 + 0.5 = 3.5 and 3 - 1 + 0.5 = 2.5: both outside [0, 1].
    net.loadStateDict({ weight: [[1, 1]], bias: [0.5] });
    return net;
  }

  /** A correct step that moves both parameters: BCE on logits. */
  async function logitStep(net: nn.Linear, opt: { zeroGrad(): void; step(): void }): Promise<void> {
    const loss = F.bceWithLogits(net.forward(tensor([[1, 2], [3, -1]])), tensor([[0], [1]]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    expect(Number.isFinite(await loss.item())).toBe(true);
  }

  it('a value check failing at flush time (BCE with p outside [0, 1]) drops the recorded update', async () => {
    for (const makeOpt of [
      (ps: Tensor[]) => new optim.Adam(ps, { lr: 0.01 }),
      (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1 }),
      (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }),
    ]) {
      const net = bceNet();
      const opt = makeOpt(net.parameters());
      const before = await snapshot(net.parameters());
      await failedBceStep(net, opt);
      expect(await snapshot(net.parameters())).toEqual(before);
      // Reading again does not throw (the update was dropped, not left pending).
      expect(await snapshot(net.parameters())).toEqual(before);
      await logitStep(net, opt);
      expectAllChanged(before, await snapshot(net.parameters()));
    }
  });

  // A failed step must also leave the optimizer's own state as it was: the next correct
  // step is then exactly the first step of a fresh optimizer (Adam's bias correction uses
  // step 1; SGD's momentum buffer starts as the gradient).
  for (const [name, makeOpt] of [
    ['Adam', (ps: Tensor[]) => new optim.Adam(ps, { lr: 0.01 })],
    ['SGD with momentum and dampening', (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.5 })],
  ] as const) {
    it(`a value check failing at flush time leaves the ${name} state as it was`, async () => {
      const failed = bceNet();
      const fresh = bceNet();
      const optFailed = makeOpt(failed.parameters());
      const optFresh = makeOpt(fresh.parameters());
      await failedBceStep(failed, optFailed);
      expect(await snapshot(failed.parameters())).toEqual(await snapshot(fresh.parameters()));
      await logitStep(failed, optFailed);
      await logitStep(fresh, optFresh);
      expect(await snapshot(failed.parameters()), `${name}: the step after a failed one should be a first step`).toEqual(
        await snapshot(fresh.parameters()),
      );
    });
  }
});

// ---- backends (last: setBackend resets the engine) -----------------------------------------------

describe('setBackend', () => {
  // WebGPU made unavailable on purpose, whatever this machine has (the GPU suite covers
  // the real thing): the factory fails as acquireDevice does without an adapter.
  let restore: (() => void) | null = null;
  beforeAll(() => {
    const previous = registerBackend('webgpu', async () => {
      throw new Error('no WebGPU adapter (made unavailable by the test)');
    });
    restore = () => registerBackend('webgpu', previous!);
  });
  afterAll(async () => {
    restore?.();
    await setBackend('cpu');
  });

  it("setBackend('webgpu') without fallback throws an Error that names webgpu and says why", async () => {
    await rejectsWith(() => setBackend('webgpu'), "setBackend('webgpu')", 'no WebGPU adapter');
  });

  it("setBackend('webgpu', { fallback: true }) falls back to cpu and says why", async () => {
    const info = await setBackend('webgpu', { fallback: true });
    expect(info.name).toBe('cpu');
    expect(typeof info.fallbackReason).toBe('string');
    expect(info.fallbackReason!.length).toBeGreaterThan(0);
    // The fallback backend works.
    expect(Array.from(await tensor([1, 2]).add(1).data())).toEqual([2, 3]);
  });

  it('unknown backends and float64 on webgpu are rejected', async () => {
    await rejectsWith(() => setBackend('metal' as never), 'setBackend', 'metal');
    await rejectsWith(() => setBackend('webgpu', { precision: 'float64' }), 'setBackend', 'float64');
  });
});
