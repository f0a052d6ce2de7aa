// The tooling's public functions without a GPU: the renamed ones keep their old names as the
// same functions for one release; runOp and describeOp run or describe a registry op by name,
// with errors that name the op; on the CPU backend the GPU tools say what they need; and the
// Backend interface carries no tooling.
import { afterEach, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.ts';
import { matmul, randn, setBackend, tensor } from '../../src/index.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { CpuBackend } from '../../src/backend/cpu/backend.ts';
import { toolsOf } from '../../src/backend/tooling.ts';
import { observeRuns } from '../../src/engine/executor.ts';

afterEach(async () => {
  await setBackend('cpu');
});

describe('renamed tools', () => {
  it('the old names are the same functions as the new ones', () => {
    expect(sg.kernelSource).toBe(sg.familySource);
    expect(sg.setKernelSource).toBe(sg.setFamilySource);
  });
});

describe('runOp', () => {
  it('records a registry op by name, as its own function does', async () => {
    const a = randn([3, 4]);
    const b = randn([4, 2]);
    const [c] = sg.runOp('matmul', [a, b], { transA: false, transB: false });
    expect(c!.shape).toEqual([3, 2]);
    expect(Array.from(await c!.data())).toEqual(Array.from(await matmul(a, b).data()));
  });

  it('an op with extra outputs returns all of them; an in-place update none, and writes its input', async () => {
    const g = randn([5, 3]);
    const x = randn([5, 4]);
    const outs = sg.runOp('linearParamGrad', [g, x]);
    expect(outs.map((t) => t.shape)).toEqual([[3, 4], [3]]);
    const v = tensor([1, 2, 3]);
    expect(sg.runOp('assign', [v, tensor([7, 8, 9])])).toEqual([]);
    expect(Array.from(await v.data())).toEqual([7, 8, 9]);
  });

  it('errors name the op and what was wrong', () => {
    const a = randn([3, 4]);
    expect(() => sg.runOp('matmull', [a, a])).toThrow(/runOp: 'matmull' is not an op of the registry; expected one of .*\bmatmul\b/);
    expect(() => sg.runOp('matmul', [a, a], { transA: false, transB: false })).toThrow('matmul: [3,4] @ [3,4]: inner dimensions 4 and 3 differ');
    expect(() => sg.runOp('matmul', [a], { transA: false, transB: false })).toThrow(/^matmul: 1 inputs \(\[3,4\] float32\) with attrs .* do not fit the op/);
    expect(() => sg.runOp('matmul', [a, a], null as never)).toThrow(/matmul: attrs must be an object/);
    expect(() => sg.runOp('add', [a, a], {}, ['1'] as never)).toThrow(/add: scalars must be an array of numbers/);
  });
});

describe('describeOp', () => {
  it('what an op makes, without running it; on the CPU no kernels', () => {
    expect(sg.describeOp('linearParamGrad', [{ shape: [5, 3], dtype: 'float32' }, { shape: [5, 4], dtype: 'float32' }])).toEqual({
      outputs: [{ shape: [3, 4], dtype: 'float32' }, { shape: [3], dtype: 'float32' }],
      kernels: null,
    });
    expect(() => sg.describeOp('matmul', [{ shape: [2, 3], dtype: 'float32' }, { shape: [2, 3], dtype: 'float32' }], { transA: false, transB: false })).toThrow(
      'matmul: [2,3] @ [2,3]: inner dimensions 3 and 2 differ',
    );
    expect(() => sg.describeOp('matmul', [{ shape: 3 as never, dtype: 'float32' }])).toThrow(/matmul: input 0 must be \{ shape: number\[\], dtype/);
  });
});

describe('the GPU tools on the CPU backend', () => {
  it('say that they need WebGPU, or that there is nothing to show', async () => {
    expect(sg.inspectRuns(true)).toBe(false);
    expect(await sg.describeLastRun()).toBeNull();
    expect(sg.familySource('matmul')).toBeNull();
    await expect(sg.setFamilySource('matmul', null)).rejects.toThrow(/setFamilySource: the cpu backend runs no kernels; switch to 'webgpu' first/);
    await expect(sg.timeKernels(() => randn([2]).exp())).rejects.toThrow(/timeKernels: needs the WebGPU backend .*the current backend is 'cpu'/);
    await expect(sg.measureCeilings()).rejects.toThrow(/measureCeilings: needs the WebGPU backend/);
    expect(await sg.gpuTimeMs(() => void randn([2]).exp())).toBeNull();
  });

  it('the CPU backend offers no tools, and Backend has no tooling methods', () => {
    const cpu: Backend = new CpuBackend('float32');
    expect(toolsOf(cpu)).toBeNull();
    // Checked by tsc (npm test runs it): a tooling method on Backend makes these lines errors.
    // @ts-expect-error Backend has no inspection: tools reach a GPU backend through toolsOf.
    void cpu.describeLastRun;
    // @ts-expect-error nor the benchmark timer.
    void cpu.startTimer;
  });
});

describe('observeRuns', () => {
  it('sees each run before it executes, and its outputs after; stops when asked', async () => {
    const seen: string[] = [];
    const stop = observeRuns(({ plan, externals }) => {
      seen.push(`before ${plan.steps.map((s) => s.def.name).join(',')} with ${externals.length} inputs`);
      return (outputs) => seen.push(`after ${outputs.length} outputs`);
    });
    try {
      await tensor([1, 2]).mul(tensor([3, 4])).data();
    } finally {
      stop();
    }
    await tensor([1, 2]).exp().data();
    expect(seen).toEqual(['before mul with 2 inputs', 'after 1 outputs']);
  });
});
