// The fusion pass (src/passes/fuse.ts) on the CPU backend: which kernels a training step's
// plan holds, whatever API built the model, and that fusing changes no value (the fused CPU
// kernels compute what the ops they replace compute, in the same order).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { F, manualSeed, nn, optim, randint, randn, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { lastPlan } from '../../src/engine/executor.ts';
import { setFusion } from '../../src/passes/fuse.ts';

beforeAll(async () => {
  await setBackend('cpu');
});
afterEach(() => setFusion(true));

const kernels = (): string[] => lastPlan()!.steps.map((s) => s.def.name);

class HandWritten extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  constructor(
    sizes: [number, number, number],
    readonly act: 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu',
  ) {
    super();
    this.fc1 = new nn.Linear(sizes[0], sizes[1]);
    this.fc2 = new nn.Linear(sizes[1], sizes[2]);
  }
  hidden: Tensor | null = null;
  forward(x: Tensor): Tensor {
    const z = this.fc1.forward(x);
    this.hidden = z;
    const h = this.act === 'relu' ? F.relu(z) : this.act === 'sigmoid' ? z.sigmoid() : this.act === 'tanh' ? z.tanh() : F.leakyRelu(z, 0.05);
    return this.fc2.forward(h);
  }
}

/** Three Adam steps of a 2-layer net; the losses, the parameters after, and each step's kernels. */
async function train(make: () => nn.Module, sizes: [number, number, number], batch: number, steps = 3) {
  manualSeed(7);
  const net = make();
  const X = randn([batch, sizes[0]]);
  const y = randint(0, sizes[2], [batch]);
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  let plan: string[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
    plan = kernels();
  }
  const params = await Promise.all(net.parameters().map((p) => p.data()));
  return { losses, params, plan, net };
}

const FUSED_STEP = ['linear', 'linear', 'softmaxCrossEntropyFused', 'linearParamGrad', 'matmulActBackward', 'linearParamGrad', 'adamMulti'];

describe('a training step as fused kernels', () => {
  it('nn.Sequential 784-128-10 at batch 128: seven kernels', async () => {
    const sizes: [number, number, number] = [784, 128, 10];
    const { plan } = await train(() => new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)), sizes, 128, 2);
    expect(plan).toEqual(FUSED_STEP);
  });

  for (const act of ['relu', 'sigmoid', 'tanh', 'leakyRelu'] as const) {
    it(`a forward written by hand (${act}) fuses as nn.Sequential does, and gives the same values as unfused`, async () => {
      const sizes: [number, number, number] = [2, 8, 2];
      const fused = await train(() => new HandWritten(sizes, act), sizes, 100);
      // The hidden layer's own result is kept (the forward stored it), so it is an extra
      // output of the fused linear layer rather than folded away.
      expect(fused.plan).toEqual(['linearPre', ...FUSED_STEP.slice(1)]);
      setFusion(false);
      const plain = await train(() => new HandWritten(sizes, act), sizes, 100);
      expect(plain.plan).toHaveLength(12);
      expect(fused.losses).toEqual(plain.losses);
      fused.params.forEach((p, i) => expect(Array.from(p), `parameter ${i}`).toEqual(Array.from(plain.params[i]!)));
    });
  }

  it('a result the program held on to stays readable after the step', async () => {
    const sizes: [number, number, number] = [3, 5, 2];
    manualSeed(3);
    const net = new HandWritten(sizes, 'relu');
    const X = randn([4, 3]);
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    const W1 = await net.fc1.weight.data();
    const b1 = await net.fc1.bias!.data();
    const x = await X.data();
    const loss = F.crossEntropy(net.forward(X), tensor([0, 1, 1, 0], { dtype: 'int32' }));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    await loss.item();
    expect(kernels()[0]).toBe('linearPre');
    // The pre-activation, computed by the fused kernel before the update, read after it.
    const z = await net.hidden!.data();
    for (let r = 0; r < 4; r++) {
      for (let o = 0; o < 5; o++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s = Math.fround(s + Math.fround(x[r * 3 + k]! * W1[o * 3 + k]!));
        expect(z[r * 5 + o]).toBeCloseTo(s + b1[o]!, 5);
      }
    }
  });

  it('a loss read before backward() is not recomputed: the gradient then runs on its own', async () => {
    manualSeed(2);
    const net = new nn.Sequential(new nn.Linear(4, 3));
    const loss = F.crossEntropy(net.forward(randn([5, 4])), randint(0, 3, [5]));
    await loss.item();
    loss.backward();
    await net.parameters()[0]!.grad!.data();
    expect(kernels()).toContain('softmaxCrossEntropyBackward');
    expect(kernels()).not.toContain('softmaxCrossEntropyFused');
  });
});

describe('multi-tensor optimizer steps', () => {
  it('one dispatch for every parameter of a group; each parameter counts its own steps', async () => {
    manualSeed(4);
    const shapes = [[3, 2], [5], [2, 2], [1], [7]];
    const values = shapes.map((s) => randn(s));
    const ps = await Promise.all(values.map(async (v) => tensor(await v.data(), { shape: v.shape, requiresGrad: true })));
    const solo = await Promise.all(values.map(async (v) => tensor(await v.data(), { shape: v.shape, requiresGrad: true })));
    const opt = new optim.Adam(ps, { lr: 0.1 });
    const opts = solo.map((p) => new optim.Adam([p], { lr: 0.1 }));
    for (let step = 0; step < 3; step++) {
      // Parameter 1 has no gradient at the first step: its first update is at step 2, with
      // the bias correction of a first step, as in PyTorch.
      const live = (i: number): boolean => !(i === 1 && step === 0);
      ps.forEach((p, i) => (p.grad = live(i) ? p.detach().mul(step + 1) : null));
      solo.forEach((p, i) => (p.grad = live(i) ? p.detach().mul(step + 1) : null));
      opt.step();
      await ps[0]!.data();
      // Four parameters with gradients at the first step, five after: one kernel each time.
      expect(kernels().filter((k) => k === 'adamMulti')).toHaveLength(1);
      solo.forEach((p, i) => {
        if (live(i)) opts[i]!.step();
      });
    }
    for (let i = 0; i < ps.length; i++) expect(Array.from(await ps[i]!.data()), `parameter ${i}`).toEqual(Array.from(await solo[i]!.data()));
  });
});
