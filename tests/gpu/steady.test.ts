// Steady state on WebGPU: one submit per step, and after the first steps no new plans,
// pipelines, bind groups or bytes; the loop helper reads back only at its read points.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { F, backendStats, describeLastRun, manualSeed, nn, optim, randint, randn, runSteps, setBackend } from '../../src/index.ts';
import type { BackendStats, Tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';
import { chooseMatmul } from '../../src/ops/matmul-choice.ts';
import { matmulTuning } from '../../src/tools/kernels.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

function lessonStep(sizes: number[], batch: number, classes: number) {
  manualSeed(1);
  const X = randn([batch, sizes[0]!]);
  const y = randint(0, classes, [batch]);
  const layers: nn.Module[] = [];
  sizes.slice(1).forEach((n, i) => {
    layers.push(new nn.Linear(sizes[i]!, n));
    if (i < sizes.length - 2) layers.push(new nn.ReLU());
  });
  const net = new nn.Sequential(...layers);
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  return (): Tensor => {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

const diff = (a: BackendStats, b: BackendStats) => ({
  submits: b.submits - a.submits,
  dispatches: b.dispatches - a.dispatches,
  readbacks: b.readbacks - a.readbacks,
  plans: b.plans - a.plans,
  pipelines: b.pipelines - a.pipelines,
  bindGroups: b.bindGroups - a.bindGroups,
  buffersAllocated: b.buffersAllocated - a.buffersAllocated,
  bytesAllocated: b.bytesAllocated - a.bytesAllocated,
});

it('300 steps of the 2-8-2 lesson loop: one submit each, nothing new after warm-up', async () => {
  const step = lessonStep([2, 8, 2], 100, 2);
  // Warm-up: the first run builds the plan, the second the other output set.
  for (let i = 0; i < 3; i++) await step().item();
  const before = backendStats();
  let last = Infinity;
  for (let i = 0; i < 300; i++) {
    const s0 = backendStats().submits;
    last = await step().item();
    expect(backendStats().submits - s0, `submits in step ${i}`).toBe(1);
  }
  const d = diff(before, backendStats());
  expect(Number.isFinite(last)).toBe(true);
  expect(d.submits).toBe(300);
  expect(d.readbacks).toBe(300);
  expect(d.plans).toBe(0);
  expect(d.pipelines).toBe(0);
  expect(d.bindGroups).toBe(0);
  expect(d.buffersAllocated).toBe(0);
  expect(d.bytesAllocated).toBe(0);
  // Forward 2 (linear+relu, linear), loss and its gradient 1, the layers' parameter
  // gradients 2 and the hidden layer's input gradient through relu 1, Adam 1.
  expect(d.dispatches).toBe(7 * 300);
  console.log(`2-8-2 Adam step on WebGPU: ${d.dispatches / 300} dispatches, ${d.submits / 300} submit per step`);
});

/** Five steps after three of warm-up: what they cost. */
async function fiveSteps(step: () => Tensor): Promise<ReturnType<typeof diff>> {
  for (let i = 0; i < 3; i++) await step().item();
  const before = backendStats();
  for (let i = 0; i < 5; i++) await step().item();
  return diff(before, backendStats());
}

it('a 784-128-10 step at batch 128: one submit, counted dispatches', async () => {
  const d = await fiveSteps(lessonStep([784, 128, 10], 128, 10));
  expect(d.submits).toBe(5);
  expect(d.bytesAllocated).toBe(0);
  expect(d.bindGroups).toBe(0);
  // The 2-8-2 step's 7, plus a second pass for each of the two large products (the first
  // layer's forward and weight gradient) that the adapter's matmul table splits along K.
  const large = [
    { batch: 1, m: 128, k: 784, n: 128, transA: false, transB: true },
    { batch: 1, m: 128, k: 128, n: 784, transA: true, transB: false, onesCol: true },
  ];
  const splits = large.filter((p) => {
    const c = chooseMatmul(p, matmulTuning());
    return c.kernel !== 'small' && c.splits > 1;
  }).length;
  expect(d.dispatches).toBe((7 + splits) * 5);
  console.log(`784-128-10 Adam step (batch 128) on WebGPU: ${d.dispatches / 5} dispatches, ${d.submits / 5} submit per step`);
});

it('a forward written by hand (the README TinyNet) takes as few dispatches as nn.Sequential', async () => {
  manualSeed(1);
  class TinyNet extends nn.Module {
    fc1 = new nn.Linear(2, 8);
    fc2 = new nn.Linear(8, 2);
    forward(x: Tensor): Tensor {
      return this.fc2.forward(F.relu(this.fc1.forward(x)));
    }
  }
  const net = new TinyNet();
  const X = randn([100, 2]);
  const y = randint(0, 2, [100]);
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  const step = (): Tensor => {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
  const d = await fiveSteps(step);
  expect(d.submits).toBe(5);
  expect(d.dispatches).toBe(7 * 5);
  expect(d.bytesAllocated).toBe(0);
});

it('a model with eight parameter tensors: one submit per step, one optimizer dispatch', async () => {
  const d = await fiveSteps(lessonStep([6, 16, 16, 16, 3], 32, 3));
  expect(d.submits).toBe(5);
  expect(d.bytesAllocated).toBe(0);
  // Eight parameter tensors, one step_multi dispatch (was two of four, one binding each).
  const run = (await describeLastRun())!;
  expect(run.dispatches.filter((x) => x.op === 'adamMulti').map((x) => x.kernel)).toEqual(['step_multi']);
  console.log(`6-16-16-16-3 Adam step on WebGPU: ${d.dispatches / 5} dispatches`);
});

it('the loop helper: no readbacks between read points, one submit per step', async () => {
  const step = lessonStep([2, 8, 2], 100, 2);
  await runSteps(4, () => ({ loss: step() }));
  const before = backendStats();
  const reads: number[] = [];
  let afterWarmup: BackendStats | null = null;
  const out = await runSteps(300, () => ({ loss: step() }), {
    readEvery: 50,
    onRead: ({ step: n }) => {
      // This run's history has 300 rows (a new external shape: a new plan at its first
      // step) and its first read makes a staging buffer; from then on, nothing new.
      if (n === 50) afterWarmup = backendStats();
      reads.push(n);
      // Between read points nothing was read back.
      expect(backendStats().readbacks - before.readbacks).toBe(reads.length);
    },
  });
  const d = diff(before, backendStats());
  expect(reads).toEqual([50, 100, 150, 200, 250, 300]);
  expect(d.readbacks).toBe(6);
  expect(d.submits).toBe(300);
  expect(out.loss!.length).toBe(300);
  expect(out.loss!.every(Number.isFinite)).toBe(true);
  const steady = diff(afterWarmup!, backendStats());
  expect(steady.plans).toBe(0);
  expect(steady.pipelines).toBe(0);
  expect(steady.bindGroups).toBe(0);
  expect(steady.bytesAllocated).toBe(0);
});
