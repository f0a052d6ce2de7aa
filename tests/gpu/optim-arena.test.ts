// The optimizers' arenas on WebGPU: a step updates every parameter of a group in one
// dispatch (update.wgsl step_multi), whatever their number, with the parameters moved into
// one buffer as views. Checked against the CPU reference over whole programs that use what
// the arena must keep working: twelve parameters of awkward sizes in two groups, a gradient
// missing in one step (so step counts differ), an lr changed mid-run, weight decay, a
// parameter the user rewrites in place, views of a parameter, and a second optimizer that
// takes the parameters over.
import { afterAll, expect, it } from 'vitest';
import { F, backendStats, describeLastRun, manualSeed, nn, noGrad, optim, randint, randn, setBackend } from '../../src/index.ts';
import { matmulTuning, setMatmulTuning } from '../../src/tools/kernels.ts';
import type { Tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

afterAll(async () => {
  await setBackend('cpu');
});

/** Six Linear layers of odd widths (12 parameters: 1-element biases, primes, 66 = 64 + 2). */
function model(): { net: nn.Sequential; params: Tensor[]; X: Tensor; y: Tensor } {
  manualSeed(7);
  const widths = [5, 7, 1, 13, 4, 66, 3];
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new nn.Linear(widths[i]!, widths[i + 1]!));
    if (i + 2 < widths.length) layers.push(new nn.Tanh());
  }
  const net = new nn.Sequential(...layers);
  return { net, params: net.parameters(), X: randn([9, 5]), y: randint(0, 3, [9]) };
}

type Program = (backend: 'cpu' | 'webgpu') => Promise<{ losses: number[]; params: number[][]; stepDispatches: number }>;

/** Count the step_multi dispatches of the last run (WebGPU only). */
async function stepDispatches(): Promise<number> {
  const run = await describeLastRun();
  return run ? run.dispatches.filter((d) => d.kernel === 'step_multi').length : -1;
}

const adamProgram: Program = async (backend) => {
  const { net, params, X, y } = model();
  const opt = new optim.Adam(
    [
      { params: params.slice(0, 8) },
      { params: params.slice(8), lr: 0.02, weightDecay: 0.1 },
    ],
    { lr: 0.05 },
  );
  const losses: number[] = [];
  let dispatches = -1;
  for (let i = 0; i < 7; i++) {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    // torch skips a parameter without a gradient: its step count falls behind the others'.
    if (i === 2 || i === 3) params[3]!.grad = null;
    if (i === 4) opt.paramGroups[0]!.lr = 0.01;
    // A gradient read before the step: the gradients come from an earlier run, and the step
    // gathers them (on WebGPU, copies) instead of finding them placed together.
    if (i === 6) await params[0]!.grad!.data();
    opt.step();
    losses.push(await loss.item());
    if (backend === 'webgpu' && i === 1) dispatches = await stepDispatches();
    // The user rewrites a parameter (now a view of the arena) and reads it through a view.
    if (i === 5) noGrad(() => params[1]!.copy_(params[1]!.mul(0.5)));
    // One parameter copied onto another: on WebGPU both are runs of the arena's buffer.
    if (i === 3) noGrad(() => params[5]!.copy_(params[4]!.reshape([13])));
  }
  const out = await Promise.all(params.map((p) => p.data()));
  const rowView = await params[10]!.narrow(0, 1, 1).data();
  return { losses, params: [...out.map((a) => [...a]), [...rowView]], stepDispatches: dispatches };
};

const sgdProgram: Program = async (backend) => {
  const { net, params, X, y } = model();
  const opt = new optim.SGD(
    [
      { params: params.slice(0, 5), nesterov: true, momentum: 0.9 },
      { params: params.slice(5), momentum: 0.8, dampening: 0.3, weightDecay: 0.01 },
    ],
    { lr: 0.05 },
  );
  const losses: number[] = [];
  let dispatches = -1;
  for (let i = 0; i < 6; i++) {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    if (i === 0) params[6]!.grad = null; // its momentum buffer starts one step later
    opt.step();
    losses.push(await loss.item());
    if (backend === 'webgpu' && i === 2) dispatches = await stepDispatches();
  }
  const out = await Promise.all(params.map((p) => p.data()));
  return { losses, params: out.map((a) => [...a]), stepDispatches: dispatches };
};

/** A second optimizer over the same parameters moves them into its own arena; both stay right. */
const takeoverProgram: Program = async () => {
  const { net, params, X, y } = model();
  const first = new optim.Adam(params, { lr: 0.03 });
  const second = new optim.SGD(params, { lr: 0.1, momentum: 0.5 });
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const loss = F.crossEntropy(net.forward(X), y);
    const opt = i % 2 === 0 ? first : second;
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
  }
  const out = await Promise.all(params.map((p) => p.data()));
  return { losses, params: out.map((a) => [...a]), stepDispatches: -1 };
};

function close(name: string, gpu: number[], cpu: number[], tol: number): void {
  expect(gpu.length, name).toBe(cpu.length);
  for (let i = 0; i < gpu.length; i++) {
    const err = Math.abs(gpu[i]! - cpu[i]!) / Math.max(1e-3, Math.abs(cpu[i]!));
    if (!(err <= tol)) expect.fail(`${name}[${i}]: webgpu ${gpu[i]} vs cpu ${cpu[i]} (relative ${err})`);
  }
}

const programs: [string, Program, number][] = [
  ['Adam, two groups', adamProgram, 2],
  ['SGD momentum, nesterov, dampening, two groups', sgdProgram, 2],
  ['two optimizers over the same parameters', takeoverProgram, -1],
];

const cpu: Awaited<ReturnType<Program>>[] = [];

it('the arena steps equal the CPU reference, one dispatch per group', async () => {
  await setBackend('cpu');
  for (const [, program] of programs) cpu.push(await program('cpu'));
  await startWebGpu();
  for (let k = 0; k < programs.length; k++) {
    const [name, program, dispatches] = programs[k]!;
    const gpu = await program('webgpu');
    close(`${name}: losses`, gpu.losses, cpu[k]!.losses, 1e-4);
    gpu.params.forEach((p, j) => close(`${name}: parameter ${j}`, p, cpu[k]!.params[j]!, 1e-4));
    if (dispatches > 0) expect(gpu.stepDispatches, `${name}: step_multi dispatches per step`).toBe(dispatches);
    // It learned, so equal results are not two equal failures.
    expect(gpu.losses.at(-1)!, name).toBeLessThan(gpu.losses[0]!);
  }
});

// The grid follows the adapter's table (src/ops/update.ts stepGrid): the GPU default (no
// `step` entry: 256-thread groups), and a grid of one 4-thread workgroup, where each thread
// walks every parameter of the range (the table cursor past one-element parameters).
it('the same under the GPU default grid and under a one-workgroup grid that loops', async () => {
  expect(cpu.length, 'the first test ran').toBe(programs.length);
  const table = matmulTuning();
  try {
    for (const step of [undefined, { wg: 4, perThread: 1, maxGroups: 1 }]) {
      setMatmulTuning({ ...table, step } as typeof table);
      const gpu = await adamProgram('webgpu');
      close(`Adam, grid ${JSON.stringify(step ?? 'default')}: losses`, gpu.losses, cpu[0]!.losses, 1e-4);
      gpu.params.forEach((p, j) => close(`Adam, grid ${JSON.stringify(step ?? 'default')}: parameter ${j}`, p, cpu[0]!.params[j]!, 1e-4));
    }
  } finally {
    setMatmulTuning(table);
  }
});

// In a training step the plan places the gradients that feed the step in one buffer, in the
// parameters' layout, and the parameters already lie in the optimizer's arena: the step binds
// both where they are, and nothing is copied around it.
it('a training step copies nothing around its optimizer step; a state dict loads into the arena', async () => {
  await startWebGpu();
  const { net, X, y } = model();
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  const step = async (): Promise<void> => {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    await loss.item();
  };
  await step();
  const before = backendStats().bytesCopied;
  for (let i = 0; i < 3; i++) await step();
  expect(backendStats().bytesCopied - before).toBe(0);
  // The parameters are views of the arena: a state dict saved and loaded back lands in them.
  const saved = Object.fromEntries(await Promise.all(Object.entries(net.stateDict()).map(async ([k, t]) => [k, Float32Array.from(await t.data())] as const)));
  await step();
  net.loadStateDict(saved);
  for (const [k, t] of Object.entries(net.stateDict())) expect(Array.from(await t.data()), k).toEqual(Array.from(saved[k]!));
  await step();
  // A gradient read between backward() and step() lies elsewhere: the step gathers it (and the rest).
  const loss = F.crossEntropy(net.forward(X), y);
  opt.zeroGrad();
  loss.backward();
  await net.parameters()[0]!.grad!.data();
  opt.step();
  // The loss was computed with the gradient: a read of a parameter runs the step.
  await net.parameters()[0]!.data();
  expect(backendStats().bytesCopied - before).toBeGreaterThan(0);
});
