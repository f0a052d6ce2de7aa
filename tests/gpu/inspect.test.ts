// The engine panel's view of a run: describeLastRun lists each dispatch of the last run with
// its op, kernel, shapes, workgroups, bytes and FLOPs (and GPU time while inspecting, where
// the adapter has timestamp queries); familySource gives the WGSL each kernel compiles from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, backendStats, checkNextRun, describeLastRun, describeOp, familySource, inspectRuns, manualSeed, measureCeilings, nn, optim, randint, randn, runOp, setBackend, timeKernels } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  inspectRuns(false);
  await setBackend('cpu');
});

async function trainStep(): Promise<{ dispatches: number }> {
  manualSeed(5);
  const net = new nn.Sequential(new nn.Linear(7, 13), new nn.ReLU(), new nn.Linear(13, 3));
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  const x = randn([11, 7]);
  const y = randint(0, 3, [11]);
  const before = backendStats().dispatches;
  const loss = F.crossEntropy(net.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  await loss.item();
  return { dispatches: backendStats().dispatches - before };
}

describe('describeLastRun on WebGPU', () => {
  it('one row per dispatch of a training step, each naming a registry op and a kernel that exists', async () => {
    const canTime = inspectRuns(true);
    const { dispatches } = await trainStep();
    const run = (await describeLastRun())!;
    expect(run).not.toBeNull();
    expect(run.dispatches.length).toBe(dispatches);
    expect(run.timed).toBe(canTime);
    const ops = new Set<string>();
    for (const d of run.dispatches) {
      expect(Object.keys(registry), d.op).toContain(d.op);
      ops.add(d.op);
      const wgsl = familySource(d.family)!;
      expect(wgsl, `${d.family}.${d.kernel}`).toMatch(new RegExp(`fn ${d.kernel}\\s*\\(`));
      // The deprecated fields, still filled for one release.
      expect([d.shader, d.entry]).toEqual([d.family, d.kernel]);
      expect(d.workgroups.every((n) => Number.isInteger(n) && n >= 1), JSON.stringify(d.workgroups)).toBe(true);
      expect(d.bytesRead + d.bytesWritten).toBeGreaterThan(0);
      expect(d.bytesWritten).toBeGreaterThan(0);
      expect(d.flops).toBeGreaterThan(0);
      if (canTime) expect(d.gpuMs).toBeGreaterThanOrEqual(0);
      else expect(d.gpuMs).toBeNull();
    }
    // The forward product 11x7 @ 7x13 is 2*11*13*7 FLOPs; its row reads x and W and writes 11x13 floats.
    const first = run.dispatches.find((d) => d.op === 'linear' && d.outShape.join() === '11,13')!;
    expect(first.flops).toBe(2 * 11 * 13 * 7);
    expect(first.inShapes).toEqual([[11, 7], [13, 7], [13]]);
    expect(first.bytesWritten).toBeGreaterThanOrEqual(11 * 13 * 4);
    expect(ops.size).toBeGreaterThan(3);
    // SGD's update writes the parameters in place: no output of its own.
    const update = run.dispatches.filter((d) => d.inPlace);
    expect(update.length).toBeGreaterThan(0);
    expect(update.every((d) => d.op === 'sgdMulti' && d.outShape.length === 0)).toBe(true);
    expect(run.dispatches.filter((d) => !d.inPlace).every((d) => d.op !== 'sgdMulti')).toBe(true);
  });

  it('inspection off: the next run has no times', async () => {
    inspectRuns(false);
    await trainStep();
    const run = (await describeLastRun())!;
    expect(run.timed).toBe(false);
    expect(run.dispatches.every((d) => d.gpuMs === null)).toBe(true);
  });

  it('an unknown kernel family is an error that names it', () => {
    expect(() => familySource('nope')).toThrow(/no shader file shaders\/nope\.wgsl/);
  });
});

describe('on the CPU backend', () => {
  it('there are no kernels to describe', async () => {
    await setBackend('cpu');
    await trainStep();
    expect(inspectRuns(true)).toBe(false);
    expect(await describeLastRun()).toBeNull();
    expect(familySource('matmul')).toBeNull();
    await startWebGpu();
  });
});

describe('checkNextRun: the next run again on the CPU reference', () => {
  it('a training step: every output and every updated parameter within tolerance', async () => {
    await startWebGpu();
    const check = checkNextRun();
    await trainStep();
    const c = await check;
    expect(c.backend).toMatch(/.+/);
    const outputs = c.values.filter((v) => v.name.startsWith('output'));
    const updated = c.values.filter((v) => v.name.includes('updated by'));
    expect(outputs.length).toBeGreaterThan(0);
    // SGD writes the four parameters (2 weights, 2 biases).
    expect(updated.map((v) => v.shape)).toEqual(expect.arrayContaining([[13, 7], [13], [3, 13], [3]]));
    for (const v of c.values) expect(v.maxAbsDiff, v.name).toBeLessThanOrEqual(v.tolerance);
    expect(c.ok).toBe(true);
  });

  it('on the CPU backend there is nothing to compare', async () => {
    await setBackend('cpu');
    const c = await checkNextRun();
    expect(c).toMatchObject({ plan: -1, values: [], ok: true });
    await startWebGpu();
  });
});

describe('the workbench tools on WebGPU', () => {
  it('describeOp names the kernels a runOp then dispatches; timeKernels and measureCeilings time them', async () => {
    await startWebGpu();
    const a = randn([9, 5]);
    const b = randn([5, 7]);
    const attrs = { transA: false, transB: false };
    const planned = describeOp('matmul', [{ shape: [9, 5], dtype: 'float32' }, { shape: [5, 7], dtype: 'float32' }], attrs);
    expect(planned.outputs).toEqual([{ shape: [9, 7], dtype: 'float32' }]);
    await runOp('matmul', [a, b], attrs)[0]!.data();
    const run = (await describeLastRun())!;
    expect(run.dispatches.map((d) => ({ family: d.family, kernel: d.kernel }))).toEqual(planned.kernels);

    const quick = { targetMs: 2, submits: 2, maxRepeats: 4 };
    const t = await timeKernels(() => runOp('matmul', [a, b], attrs), quick);
    expect(t.ms).toBeGreaterThan(0);
    expect(t.kernels).toEqual(planned.kernels!.map((k) => `matmul (${k.family}.${k.kernel})`));
    await expect(timeKernels(() => undefined, quick)).rejects.toThrow(/timeKernels: build\(\) recorded no work/);
    const c = await measureCeilings({ sizes: 'smoke', ...quick });
    expect(c.bandwidthGBs).toBeGreaterThan(0);
    expect(c.gflops).toBeGreaterThan(0);
    await expect(measureCeilings({ sizes: 'huge' as never })).rejects.toThrow(/measureCeilings: sizes must be 'smoke', 'full'/);
  });
});
