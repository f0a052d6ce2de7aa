// Inputs that once gave wrong numbers without a word, or broke the engine for good, each
// checked on both backends (the CPU reference and WebGPU): the right value or a clear
// Error at the call, and the engine still usable afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import {
  F,
  Tensor,
  arange,
  argmax,
  backendStats,
  full,
  logSoftmax,
  manualSeed,
  nn,
  noGrad,
  optim,
  runSteps,
  setBackend,
  softmax,
  stack,
  tensor,
  zeros,
} from '../../src/index.ts';
import type { BackendName } from '../../src/index.ts';
import { currentBackend } from '../../src/engine/backend.ts';
import { apply, applyEffect } from '../../src/engine/recorder.ts';
import { defineOp } from '../../src/ops/define.ts';
import { assignDef } from '../../src/ops/update.ts';
import { linear } from '../../src/ops/matmul.ts';
import { rejectsWith, throwsWith } from '../support/expect-error.ts';
import { noSamples } from '../../src/ops/samples.ts';

afterAll(async () => {
  await setBackend('cpu');
});

/** An op that fails when it runs, on either backend: its kernel throws. */
const failsWhenRun = defineOp<Record<string, never>>({
  name: 'testFailsWhenRun',
  samples: noSamples('a test op, outside the registry'),
  shape: () => ({ shape: [2], dtype: 'float32' }),
  cpu: () => {
    throw new Error('testFailsWhenRun: this op always fails when it runs');
  },
  gpu: () => {
    throw new Error('testFailsWhenRun: this op always fails when it runs');
  },
  grad: { notDifferentiable: 'a test op that always fails' },
});

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** A 2-4-1 net and a loss on fixed data, for whole training steps. */
function tinyStep(net: nn.Sequential, opt: optim.SGD): { loss: Tensor; out: Tensor } {
  const X = tensor([[0.5, -1], [1.5, 2], [-0.25, 0.75]]);
  const y = tensor([[1], [0], [1]]);
  const out = net.forward(X);
  const loss = F.mseLoss(out, y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return { loss, out };
}

function tinyNet(): nn.Sequential {
  manualSeed(5);
  return new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1));
}

for (const name of ['cpu', 'webgpu'] as BackendName[]) {
  describe(`${name}: silent wrong results`, () => {
    it('starts the backend (no adapter is a failure, never a skip)', async () => {
      const info = await setBackend(name);
      expect(info.name).toBe(name);
    });

    it('constants that JSON cannot tell apart (NaN, +-Infinity, -0) each get their own plan', async () => {
      expect(await values(full([5], -Infinity))).toEqual(Array(5).fill(-Infinity));
      expect(await values(full([5], Infinity))).toEqual(Array(5).fill(Infinity));
      expect(await full([5000], Infinity).sum().item()).toBe(Infinity);
      expect(await full([5000], NaN).sum().item()).toBeNaN();
      await values(full([3], 0));
      const negZero = await values(full([3], -0));
      expect(negZero.every((v) => Object.is(v, -0)), `got ${negZero}`).toBe(true);
      expect(await values(full([2], -Infinity).leakyRelu(0.5))).toEqual([-Infinity, -Infinity]);
    });

    it('int32 values outside [-2^31, 2^31 - 1] are an error at the call, never wrapped', async () => {
      throwsWith(() => tensor([2 ** 31], { dtype: 'int32' }), 'tensor', 'element 0', '2147483648', 'int32 range');
      throwsWith(() => tensor([1, -(2 ** 31) - 1], { dtype: 'int32' }), 'tensor', 'element 1', 'int32 range');
      throwsWith(() => full([2], 3e9, 'int32'), 'full', '3000000000', 'int32 range');
      throwsWith(() => arange(2 ** 31 - 2, 2 ** 31 + 2, 1, 'int32'), 'arange', 'last value', 'int32 range');
      throwsWith(() => tensor([1, 2], { dtype: 'int32' }).add(3e9), '3000000000', 'int32 range');
      // The edges themselves are fine.
      expect(await values(tensor([2 ** 31 - 1, -(2 ** 31)], { dtype: 'int32' }))).toEqual([2147483647, -2147483648]);
      expect(await values(full([2], -(2 ** 31), 'int32'))).toEqual([-2147483648, -2147483648]);
    });

    it('argmax() without a dim indexes the flattened tensor, as PyTorch', async () => {
      const t = tensor([[1, 9, 3, 0, 2], [4, 5, 9.5, 7, 8], [0, 0, 0, 0, 0]]);
      const flat = t.argmax();
      expect(flat.shape).toEqual([]);
      expect(await flat.item()).toBe(7);
      expect(t.argmax(undefined, true).shape).toEqual([1, 1]);
      expect(await argmax(t).item()).toBe(7);
      expect(await values(t.argmax(1))).toEqual([1, 2, 0]);
    });

    it('an optimizer refuses a parameter listed twice, in one group or two', () => {
      const net = tinyNet();
      const [w, b] = net.parameters() as [Tensor, Tensor];
      throwsWith(() => new optim.SGD([w, b, w], { lr: 0.1 }), 'SGD', 'parameter 2 of group 0', 'same tensor as parameter 0 of group 0');
      throwsWith(() => new optim.Adam([{ params: [w] }, { params: [b, w] }] as never, { lr: 0.1 }), 'Adam', 'parameter 1 of group 1', 'parameter 0 of group 0');
      // The same storage through another handle (a state-dict view) counts too.
      throwsWith(() => new optim.SGD([w, Object.assign(net.stateDict()['0.weight']!, {}).requiresGrad_()], { lr: 0.1 }), 'same tensor');
    });

    it('tensor(number, { shape }) uses the shape', async () => {
      const t = tensor(5, { shape: [1, 1] });
      expect(t.shape).toEqual([1, 1]);
      expect(await t.array()).toEqual([[5]]);
      throwsWith(() => tensor(5, { shape: [2, 2] }), 'tensor', '1 values do not fill shape [2,2]');
    });

    it('noGrad refuses async functions: the mode cannot follow an await', async () => {
      const x = tensor([1, 2], { requiresGrad: true });
      throwsWith(() => noGrad(async () => x.mul(2)), 'noGrad', 'async', 'await');
      throwsWith(() => noGrad(() => Promise.resolve(x)), 'noGrad', 'Promise');
      // Gradient mode is back on afterwards.
      expect(x.mul(2).requiresGrad).toBe(true);
      expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    });

    it('sum([]) and mean([]) reduce every axis, as PyTorch', async () => {
      const t = tensor([[1, 2, 3], [4, 5, 6]]);
      expect(t.sum([]).shape).toEqual([]);
      expect(await t.sum([]).item()).toBe(21);
      expect(await t.mean([]).item()).toBe(3.5);
    });
  });

  describe(`${name}: divergences the fuzz test found (tests/gpu/fuzz.test.ts)`, () => {
    it('starts the backend', async () => {
      await setBackend(name);
    });

    const close = (got: number, want: number): void => {
      expect(Math.abs(got - want), `got ${got}, want ${want}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
    };

    it('softmax and logSoftmax of a 0-d tensor, as PyTorch', async () => {
      expect(softmax(tensor(-1.25)).shape).toEqual([]);
      expect(await softmax(tensor(-1.25)).item()).toBe(1);
      expect(await logSoftmax(tensor(-1.25), 0).item()).toBe(0);
    });

    it('crossEntropy does not cancel for large logits', async () => {
      close(await F.crossEntropy(tensor([[1e10, 1e10]]), tensor([0], { dtype: 'int32' })).item(), Math.log(2));
      close(await F.crossEntropy(tensor([[-1e30, -1e30, -1e30]]), tensor([1], { dtype: 'int32' })).item(), Math.log(3));
    });

    it('bceWithLogits does not cancel for large logits', async () => {
      const y = Math.fround(0.99999994);
      close(await F.bceWithLogits(tensor([1e10]), tensor([y])).item(), (1 - y) * 1e10);
    });

    it('pow near 1 with a large exponent keeps its precision', async () => {
      close(await tensor([0.99999994]).pow(16777216).item(), Math.pow(Math.fround(0.99999994), 16777216));
    });

    it('the fused linear rounds to float32 before its activation, as the separate ops', async () => {
      const out = await linear(tensor([[1]]), tensor([[-2e38]]), tensor([-3e38]), 'leakyRelu', 0.01).item();
      expect(out).toBe(-Infinity);
    });

    it('broadcasting to more than six dimensions works when the layout needs fewer', async () => {
      expect(await values(tensor([5]).broadcastTo([2, 1, 1, 1, 1, 1, 3]))).toEqual(Array(6).fill(5));
      expect(await values(tensor([1, 2]).reshape([1, 1, 1, 1, 1, 1, 2]).transpose(0, 6))).toEqual([1, 2]);
      const a = tensor([1, 2, 3]).reshape([1, 1, 1, 1, 1, 1, 3]);
      expect(await values(a.add(tensor([10, 20]).reshape([2, 1, 1, 1, 1, 1, 1])))).toEqual([11, 12, 13, 21, 22, 23]);
    });
  });

  describe(`${name}: state that must not break`, () => {
    it('starts the backend', async () => {
      await setBackend(name);
    });

    it("dispose() of a step's results never breaks later runs of that step", async () => {
      const run = async (dispose: boolean): Promise<number[]> => {
        const net = tinyNet();
        const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
        const losses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const { loss, out } = tinyStep(net, opt);
          losses.push(await loss.item());
          if (dispose) {
            loss.dispose();
            out.dispose();
            net.parameters()[0]!.grad!.dispose();
            await expect(loss.item()).rejects.toThrow('disposed');
          }
        }
        return losses;
      };
      const kept = await run(false);
      expect(await run(true)).toEqual(kept);
    });

    it('one failing unread op does not poison unrelated reads', async () => {
      // A failure found only when the op runs: a bad probability on the CPU (the GPU cannot
      // throw and gives NaN); on WebGPU, an op whose kernel cannot be built.
      const bad = (): Tensor => (name === 'cpu' ? F.binaryCrossEntropy(tensor([1.5]), tensor([1])) : apply(failsWhenRun, [], {}));
      const unread = bad();
      const a = tensor([1, 2, 3]).mul(2);
      expect(await values(a)).toEqual([2, 4, 6]);
      // And again, with the failing op still pending beside a new read.
      const again = bad();
      const b = tensor([4]).add(1);
      expect(await b.item()).toBe(5);
      expect(await values(a)).toEqual([2, 4, 6]);
      // The failing op itself still reports its error, every time it is read.
      const reason = name === 'cpu' ? 'between 0 and 1' : 'always fails when it runs';
      await rejectsWith(() => unread.data(), reason);
      await rejectsWith(() => again.data(), reason);
      // Something that depends on it fails with it; a training step beside it still runs.
      const dependent = again.mul(2);
      const net = tinyNet();
      const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
      const { loss } = tinyStep(net, opt);
      expect(Number.isFinite(await loss.item())).toBe(true);
      await rejectsWith(() => dependent.data(), reason);
    });

    it('copying a tensor onto itself is a no-op (w.copy_(w), loadStateDict(stateDict()))', async () => {
      const net = tinyNet();
      const before = await Promise.all(net.parameters().map(values));
      const w = net.parameters()[0]!;
      noGrad(() => w.copy_(w));
      noGrad(() => w.copy_(w.detach()));
      net.loadStateDict(net.stateDict());
      expect(await Promise.all(net.parameters().map(values))).toEqual(before);
      // An update that reads the tensor it writes reads a copy (WebGPU forbids binding one
      // buffer both ways).
      const v = tensor([1, 2, 3]);
      applyEffect(assignDef, [v, v], {});
      expect(await values(v)).toEqual([1, 2, 3]);
      // Training still works afterwards.
      const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
      tinyStep(net, opt);
      expect(await values(net.parameters()[0]!)).not.toEqual(before[0]);
    });

    it('sizes are checked when an op is recorded, against the backend limit', async () => {
      const limit = currentBackend().maxTensorBytes;
      const source = name === 'cpu' ? '2 GiB per tensor' : /maxStorageBufferBindingSize|maxBufferSize/;
      throwsWith(() => zeros([1e5, 1e5]), 'full', '[100000,100000]', '10000000000 elements', source);
      throwsWith(() => zeros([2 ** 31]), 'full', `${2 ** 31} elements`, source);
      const fits = Math.floor(limit.bytes / 4);
      // A product of fitting shapes that does not fit is caught at the op that makes it.
      const side = Math.ceil(Math.sqrt(fits + 1));
      const col = zeros([side, 1]);
      const row = zeros([1, side]);
      throwsWith(() => col.add(row), 'add', `[${side},${side}]`, source);
      // Nothing was corrupted: the engine keeps working.
      expect(await tensor([1, 2]).sum().item()).toBe(3);
    });

    it('runSteps(0, step) runs no step', async () => {
      let calls = 0;
      const out = await runSteps(0, () => {
        calls++;
        return tensor(1);
      });
      expect(calls).toBe(0);
      expect(out).toEqual({});
    });
  });

  describe(`${name}: clear messages`, () => {
    it('starts the backend', async () => {
      await setBackend(name);
    });

    it('a tensor made before setBackend re-initialised the backend says to create it again', async () => {
      const old = tensor([1, 2]);
      const pendingOld = old.mul(2);
      await setBackend(name);
      const again = `created before setBackend('${name}') re-initialised the ${name} backend`;
      throwsWith(() => old.add(1), 'add', again, 'create it again');
      await rejectsWith(() => old.data(), again);
      await rejectsWith(() => pendingOld.data(), again);
      expect(await tensor([3]).item()).toBe(3);
      if (name === 'cpu') {
        // A switch to float64 on the same (CPU) backend makes earlier tensors unusable too.
        const f32 = tensor([0.1]);
        await setBackend('cpu', { precision: 'float64' });
        throwsWith(() => f32.mul(1), "setBackend('cpu', { precision: 'float64' })", 'create it again');
        await setBackend('cpu');
      }
    });

    it('backward() with an int32 gradient names backward and the dtype', () => {
      const x = tensor([1, 2], { requiresGrad: true });
      throwsWith(() => x.mul(2).backward(tensor([1, 1], { dtype: 'int32' })), 'backward', 'int32', 'float32');
    });

    it('unsqueeze and stack report the number of dimensions of their input', () => {
      throwsWith(() => tensor([[1, 2]]).unsqueeze(3), 'unsqueeze', 'axis 3', 'tensors of 2 dimensions', '-3 .. 2');
      throwsWith(() => stack([tensor([1, 2]), tensor([3, 4])], -3), 'stack', 'axis -3', 'tensors of 1 dimension', '-2 .. 1');
    });

    it('a Module without forward says so', () => {
      // TypeScript rejects this; JavaScript (or a misspelt method) does not.
      // @ts-expect-error forward is missing on purpose
      class NoForward extends nn.Module {}
      throwsWith(() => new NoForward().forward(tensor([1])), 'NoForward', 'no forward(x) method');
    });

    it('loadStateDict names a bad dict or the key whose value is wrong', () => {
      const net = tinyNet();
      throwsWith(() => net.loadStateDict(null as never), 'loadStateDict', 'got null');
      const state: Record<string, unknown> = Object.fromEntries(net.namedParameters().map(([k, p]) => [k, p.detach()]));
      state['0.bias'] = new Float32Array(3);
      throwsWith(() => net.loadStateDict(state as never), 'loadStateDict', '0.bias', '[4]', '3 values');
    });

    it('runSteps with an async step says the step must be synchronous', async () => {
      await rejectsWith(() => runSteps(2, (async () => tensor(1)) as never), 'runSteps', 'Promise', 'no async');
    });

    it('manualSeed("3") shows the string it got', () => {
      throwsWith(() => manualSeed('3' as never), 'manualSeed', 'the string "3"');
    });
  });
}

describe('setBackend calls take effect in call order', () => {
  it('the last call wins, whichever backend starts faster', async () => {
    const first = setBackend('webgpu');
    const second = setBackend('cpu');
    await Promise.all([first, second]);
    expect(currentBackend().name).toBe('cpu');
    const a = setBackend('cpu');
    const b = setBackend('webgpu');
    const infoA = await a;
    // A tensor made while the switch to WebGPU is queued belongs to the CPU started by `a`.
    const t = tensor([1, 2]);
    expect(t.backendName).toBe('cpu');
    expect(infoA.name).toBe('cpu');
    await b;
    expect(currentBackend().name).toBe('webgpu');
    expect(await tensor([2, 3]).sum().item()).toBe(5);
    expect(backendStats().submits).toBeGreaterThan(0);
  });
});
