// CPU-vs-WebGPU fuzz of the paths the graph fuzz (fuzz.test.ts) cannot record directly: the
// fused kernels, which the plan chooses (a Linear and its activation as one `linear`, the
// weight and bias gradients as one `linearParamGrad`, an activation's gradient inside the
// matmul that produces it, `matmulActBackward`, and softmax with cross-entropy as one
// `softmaxCrossEntropyFused`), and the optimizers' multi-parameter steps (SGD with momentum,
// dampening, Nesterov and weight decay; Adam), over random widths, batch sizes, parameter
// counts and shapes (1, primes, non-multiples of the tiles).
//
// Cases come from fast-check with a fixed seed: FUZZ_SEED and FUZZ_FUSED_RUNS choose others.
// Each case runs on the CPU reference and on WebGPU from the same seed (all CPU runs first,
// then one device for all WebGPU runs); values must agree
// within float32 summation error, and over all cases every fused kernel (linear with each
// activation) must have run on WebGPU, so the fuzz cannot quietly stop reaching them.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, describeLastRun, manualSeed, nn, optim, randint, randn, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261208);
const RUNS = Number(process.env.FUZZ_FUSED_RUNS ?? 10);

afterAll(async () => {
  await setBackend('cpu');
});

const DIMS = [1, 2, 3, 5, 7, 13, 17, 33];
const ACTS = ['none', 'relu', 'sigmoid', 'tanh', 'leakyRelu'] as const;
type Act = (typeof ACTS)[number];

/** Values agree within float32 summation error: a relative bound on the tensor's scale. */
function expectClose(got: number[], want: number[], what: string, rel = 2e-4): void {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= rel * scale)) {
      throw new Error(`${what}: element ${i} is ${got[i]} on WebGPU and ${want[i]} on the CPU (allowed ${rel * scale})`);
    }
  }
}

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

// ---- fused kernels: random MLPs ---------------------------------------------------------------

interface NetCase {
  seed: number;
  batch: number;
  widths: number[];
  acts: Act[];
  slope: number;
  loss: 'crossEntropy' | 'mse';
}

const netCase: fc.Arbitrary<NetCase> = fc
  .record({
    seed: fc.integer({ min: 1, max: 1e6 }),
    batch: fc.constantFrom(...DIMS),
    widths: fc.array(fc.constantFrom(...DIMS), { minLength: 2, maxLength: 4 }),
    acts: fc.array(fc.constantFrom(...ACTS), { minLength: 3, maxLength: 3 }),
    slope: fc.constantFrom(0.01, 0.2),
    loss: fc.constantFrom('crossEntropy' as const, 'mse' as const),
  })
  // Cross-entropy needs two or more classes.
  .map((c) => ({ ...c, widths: c.loss === 'crossEntropy' ? [...c.widths.slice(0, -1), Math.max(2, c.widths[c.widths.length - 1]!)] : c.widths }));

function activation(act: Act, slope: number): nn.Module | null {
  if (act === 'relu') return new nn.ReLU();
  if (act === 'sigmoid') return new nn.Sigmoid();
  if (act === 'tanh') return new nn.Tanh();
  if (act === 'leakyRelu') return new nn.LeakyReLU(slope);
  return null;
}

/** One training step's forward and backward: the loss, the output and every gradient. */
async function runNet(c: NetCase): Promise<{ loss: number; out: number[]; grads: number[][]; ops: string[] }> {
  manualSeed(c.seed);
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < c.widths.length; i++) {
    layers.push(new nn.Linear(c.widths[i]!, c.widths[i + 1]!));
    // The last layer too may end in an activation (then no fused cross-entropy input).
    const act = activation(c.acts[i]!, c.slope);
    if (act) layers.push(act);
  }
  const net = new nn.Sequential(...layers);
  const x = randn([c.batch, c.widths[0]!]);
  const classes = c.widths[c.widths.length - 1]!;
  const out = net.forward(x);
  const loss = c.loss === 'crossEntropy' ? F.crossEntropy(out, randint(0, classes, [c.batch])) : F.mseLoss(out, randn([c.batch, classes]));
  loss.backward();
  const value = await loss.item();
  const run = await describeLastRun();
  return { loss: value, out: await values(out), grads: await Promise.all(net.parameters().map((p) => values(p.grad!))), ops: run ? run.dispatches.map((d) => d.op) : [] };
}

describe('fused kernels: random MLPs, CPU against WebGPU', () => {
  const cases = fc.sample(netCase, { seed: SEED, numRuns: RUNS });
  // Every activation in front of a Linear at least once, whatever the seed draws.
  cases.push(...ACTS.map((act, i): NetCase => ({ seed: 100 + i, batch: 5, widths: [7, 13, 3], acts: [act, act, 'none'], slope: 0.2, loss: 'crossEntropy' })));

  const reached = new Set<string>();
  // Every CPU reference first, then one WebGPU device for all cases (its pipelines compile once).
  const cpuResults: Awaited<ReturnType<typeof runNet>>[] = [];
  beforeAll(async () => {
    await setBackend('cpu');
    for (const c of cases) cpuResults.push(await runNet(c));
    await startWebGpu();
  });
  for (const [i, c] of cases.entries()) {
    it(`case ${i}: batch ${c.batch}, widths ${c.widths.join('-')}, ${c.acts.slice(0, c.widths.length - 1).join('/')}, ${c.loss}`, async () => {
      const cpu = cpuResults[i]!;
      const gpu = await runNet(c);
      expectClose([gpu.loss], [cpu.loss], 'loss');
      expectClose(gpu.out, cpu.out, 'output');
      gpu.grads.forEach((g, k) => expectClose(g, cpu.grads[k]!, `gradient ${k}`));
      for (const op of gpu.ops) reached.add(op);
      // A Linear followed by its activation ran as one fused kernel: no separate activation op.
      for (let k = 0; k + 1 < c.widths.length; k++) if (c.acts[k] !== 'none' && !gpu.ops.includes(c.acts[k]!)) reached.add(`linear+${c.acts[k]}`);
    });
  }

  it('reached every fused kernel on WebGPU', () => {
    for (const op of ['linear', 'linearParamGrad', 'matmulActBackward', 'softmaxCrossEntropyFused', ...ACTS.filter((a) => a !== 'none').map((a) => `linear+${a}`)]) {
      expect([...reached], op).toContain(op);
    }
  });
});

// ---- optimizers: random parameter sets --------------------------------------------------------

interface OptCase {
  seed: number;
  shapes: number[][];
  groups: 1 | 2;
  kind: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  betas: [number, number];
  eps: number;
}

const shape = fc.oneof(
  fc.array(fc.constantFrom(...DIMS), { minLength: 1, maxLength: 1 }),
  fc.array(fc.constantFrom(...DIMS), { minLength: 2, maxLength: 2 }),
  fc.constant<number[]>([66]),
);

const optCase: fc.Arbitrary<OptCase> = fc
  .record({
    seed: fc.integer({ min: 1, max: 1e6 }),
    shapes: fc.array(shape, { minLength: 1, maxLength: 7 }),
    groups: fc.constantFrom(1 as const, 2 as const),
    kind: fc.constantFrom('sgd' as const, 'adam' as const),
    lr: fc.constantFrom(0.1, 0.01, 0.5),
    momentum: fc.constantFrom(0, 0.9, 0.5),
    dampening: fc.constantFrom(0, 0.1),
    nesterov: fc.boolean(),
    weightDecay: fc.constantFrom(0, 0.01, 0.3),
    betas: fc.constantFrom<[number, number]>([0.9, 0.999], [0.5, 0.9], [0, 0.99]),
    eps: fc.constantFrom(1e-8, 1e-3),
  })
  // torch's rule: Nesterov needs momentum and no dampening.
  .map((c) => ({ ...c, nesterov: c.nesterov && c.momentum > 0 && c.dampening === 0 }));

/**
 * Four steps of a quadratic loss, sum(c * p + d * p^2) per parameter (gradients c + 2 d p that
 * change with p): the parameters after each step, and the losses.
 */
async function runOpt(c: OptCase): Promise<{ losses: number[]; params: number[][][] }> {
  manualSeed(c.seed);
  const params = c.shapes.map((s) => randn(s, { requiresGrad: true }));
  const coef = c.shapes.map((s) => [randn(s), randn(s).abs()] as const);
  const split = c.groups === 2 ? Math.ceil(params.length / 2) : params.length;
  const groups = [{ params: params.slice(0, split) }, ...(split < params.length ? [{ params: params.slice(split), lr: c.lr / 2 }] : [])];
  const opt =
    c.kind === 'sgd'
      ? new optim.SGD(groups, { lr: c.lr, momentum: c.momentum, dampening: c.dampening, nesterov: c.nesterov, weightDecay: c.weightDecay })
      : new optim.Adam(groups, { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weightDecay });
  const losses: number[] = [];
  const after: number[][][] = [];
  for (let step = 0; step < 4; step++) {
    let loss: Tensor = tensor(0);
    params.forEach((p, i) => {
      loss = loss.add(p.mul(coef[i]![0]).add(p.square().mul(coef[i]![1])).sum());
    });
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
    after.push(await Promise.all(params.map(values)));
  }
  return { losses, params: after };
}

describe('optimizers: random parameter sets, CPU against WebGPU', () => {
  const cases = fc.sample(optCase, { seed: SEED, numRuns: RUNS });
  // Plain SGD and dampened momentum, whatever the seed draws.
  const base: OptCase = { seed: 5, shapes: [[1], [7, 13], [66]], groups: 2, kind: 'sgd', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8 };
  cases.push(base, { ...base, momentum: 0.9, dampening: 0.1 });
  const cpuResults: Awaited<ReturnType<typeof runOpt>>[] = [];
  beforeAll(async () => {
    await setBackend('cpu');
    for (const c of cases) cpuResults.push(await runOpt(c));
    await startWebGpu();
  });
  for (const [i, c] of cases.entries()) {
    const hyper = c.kind === 'sgd' ? `momentum ${c.momentum}, dampening ${c.dampening}${c.nesterov ? ', nesterov' : ''}` : `betas ${c.betas.join('/')}, eps ${c.eps}`;
    it(`case ${i}: ${c.kind} on ${c.shapes.map((s) => `[${s.join(',')}]`).join(' ')}, ${c.groups} group(s), lr ${c.lr}, ${hyper}, weight decay ${c.weightDecay}`, async () => {
      const cpu = cpuResults[i]!;
      const gpu = await runOpt(c);
      expectClose(gpu.losses, cpu.losses, 'losses', 1e-4);
      gpu.params.forEach((ps, step) => ps.forEach((p, k) => expectClose(p, cpu.params[step]![k]!, `parameter ${k} after step ${step + 1}`, 1e-4)));
    });
  }
});
