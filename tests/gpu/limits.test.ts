// GPU memory limits and out-of-memory (issue 23, item 2). Sizes past the device's limits
// are refused at the call that would need the buffer, naming the op, the shape, the bytes
// and the limit; an allocation the device refuses is reported at the next run or read,
// naming what the memory was for and its bytes; after either, the engine keeps working.
//
// A real out-of-memory cannot be provoked safely here (SwiftShader's memory is the
// machine's): the limits run on a device requested with WebGPU's default limits (128 MiB
// per binding), and out-of-memory is injected (the next createBuffer gives an unusable
// buffer and its error scope reports out-of-memory, as a refused allocation does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, setBackend, tensor, zeros } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { currentBackend, registerBackend } from '../../src/engine/backend.ts';
import type { BackendFactory } from '../../src/engine/backend.ts';
import { acquireDevice } from '../../src/backend/webgpu/device.ts';
import { WebGpuBackend } from '../../src/backend/webgpu/backend.ts';
import { rejectsWith, throwsWith } from '../support/expect-error.ts';
import { startWebGpu } from './setup.ts';

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

describe('a device with the default limits', () => {
  let previous: BackendFactory | undefined;
  const binding = 134217728;

  beforeAll(async () => {
    previous = registerBackend('webgpu', async () => {
      const a = await acquireDevice({ defaultLimits: true });
      return new WebGpuBackend(a.device, a.description, a.adapterInfo, a.asyncPipelines);
    });
    await startWebGpu();
  });

  afterAll(async () => {
    registerBackend('webgpu', previous!);
    await setBackend('cpu');
  });

  it('has them (otherwise this file tests nothing)', () => {
    const device = (currentBackend() as WebGpuBackend).device;
    expect(device.limits.maxStorageBufferBindingSize).toBe(binding);
    expect(device.limits.maxBufferSize).toBe(268435456);
  });

  it('a tensor past maxStorageBufferBindingSize is refused at its call, naming op, shape, bytes and limit', async () => {
    const limit = `maxStorageBufferBindingSize is ${binding} bytes`;
    // 6000 x 6000 float32 is 144 MB: within the adapter's own limits, past the device's.
    throwsWith(() => zeros([6000, 6000]), 'full', '[6000,6000]', '36000000 elements', '144000000 bytes', limit);
    throwsWith(() => randn([6000, 6000]), 'randn', '[6000,6000]', '144000000 bytes', limit);
    throwsWith(() => tensor(new Float32Array(36e6), { shape: [6000, 6000] }), 'tensor', '[6000,6000]', limit);
    // An op whose inputs fit and whose result does not.
    const col = zeros([6000, 1]);
    const row = zeros([1, 6000]);
    throwsWith(() => col.matmul(row), 'matmul', '[6000,6000]', '144000000 bytes', limit);
    throwsWith(() => col.add(row), 'add', '[6000,6000]', limit);
    // Just under the limit is fine, and the engine works on.
    const fits = zeros([binding / 4]);
    expect(await fits.sum().item()).toBe(0);
    manualSeed(1);
    expect(await tensor([1, 2, 3]).mul(2).sum().item()).toBe(12);
  });

  it("the engine's own memory past a limit names what it is for (an optimizer's arena)", async () => {
    const backend = currentBackend() as WebGpuBackend;
    const a = tensor([1, 2]);
    await a.data();
    const storage = a.variable!.storage;
    // Two parts whose arena would be 160 MB: refused before any allocation.
    throwsWith(
      () => backend.arena([{ storage, offset: 0, size: 2 }, { storage, offset: 20e6, size: 2 }], 40e6),
      'webgpu: an arena of 2 tensors',
      '160000000 bytes',
      limit(binding),
    );
    expect(await a.add(1).sum().item()).toBe(5);
  });
});

const limit = (bytes: number): string => `maxStorageBufferBindingSize is ${bytes} bytes`;

/**
 * The device's next createBuffer is refused: the buffer it gives is unusable (destroyed at
 * once), and the error scope around the call reports out-of-memory.
 */
function refuseNextAllocation(device: GPUDevice): void {
  const create = device.createBuffer;
  const pop = device.popErrorScope;
  device.createBuffer = function (this: GPUDevice, desc: GPUBufferDescriptor): GPUBuffer {
    device.createBuffer = create;
    const buffer = create.call(device, desc);
    buffer.destroy();
    device.popErrorScope = function (this: GPUDevice): Promise<GPUError | null> {
      device.popErrorScope = pop;
      return pop.call(device).then(() => ({ message: `injected: no memory for ${desc.size} bytes` }) as GPUError);
    };
    return buffer;
  } as GPUDevice['createBuffer'];
}

describe('out of memory (injected)', () => {
  beforeAll(startWebGpu);
  afterAll(async () => {
    await setBackend('cpu');
  });

  const device = (): GPUDevice => (currentBackend() as WebGpuBackend).device;

  it("a tensor's refused memory is reported at the next read, naming it and its bytes; the engine works on", async () => {
    refuseNextAllocation(device());
    const t = tensor([1, 2, 3]);
    const msg = await rejectsWith(() => t.mul(2).data(), 'out of memory', 'a float32 tensor of 3 elements', '16 bytes', 'made again');
    expect(msg).toContain('injected');
    // The next ops of a reasonable size work, the same op on a new tensor included.
    expect(await values(tensor([1, 2, 3]).mul(2))).toEqual([2, 4, 6]);
    expect(await tensor([4, 5]).sum().item()).toBe(9);
  });

  it("a plan's own refused memory is reported, and made again at the plan's next run", async () => {
    const x = tensor(Array.from({ length: 35 }, (_, i) => i), { shape: [5, 7] });
    const w = tensor(Array.from({ length: 21 }, (_, i) => (i % 5) - 2), { shape: [7, 3] });
    await x.data();
    await w.data();
    const run = (): Tensor => x.matmul(w).relu().sum(0);
    const expected = await values(run());
    // The first allocation of a new plan's run: its parameter block, then its memory.
    const fresh = (): Tensor => x.matmul(w).sigmoid().sum(1);
    refuseNextAllocation(device());
    await rejectsWith(() => fresh().data(), 'out of memory', 'injected');
    // The same plan again: its refused buffer is made again, and the values are right.
    const again = await values(fresh());
    const want = await setBackendAndCompute();
    again.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(await values(run())).toEqual(expected);

    async function setBackendAndCompute(): Promise<number[]> {
      const xs = await values(x);
      const ws = await values(w);
      const out: number[] = [];
      for (let r = 0; r < 5; r++) {
        let s = 0;
        for (let c = 0; c < 3; c++) {
          let z = 0;
          for (let k = 0; k < 7; k++) z += xs[r * 7 + k]! * ws[k * 3 + c]!;
          s += 1 / (1 + Math.exp(-z));
        }
        out.push(s);
      }
      return out;
    }
  });

  it('each allocation of a new plan, refused in turn, is reported and then recovered', async () => {
    // A shape no other run used: a new plan each time, its k-th allocation refused.
    let refusedRuns = 0;
    for (let k = 0; k < 5; k++) {
      const n = 3 * (4 + k);
      const x = tensor(Array.from({ length: n }, (_, i) => i - 5), { shape: [3, 4 + k] });
      await x.data();
      const want = Array.from({ length: n }, (_, i) => Math.abs(i - 5) * 2);
      const make = (): Tensor => x.abs().mul(2).reshape([n]);
      let seen = 0;
      const d = device();
      const create = d.createBuffer;
      const pop = d.popErrorScope;
      d.createBuffer = function (this: GPUDevice, desc: GPUBufferDescriptor): GPUBuffer {
        if (seen++ !== k) return create.call(d, desc);
        d.createBuffer = create;
        refuseNextAllocation(d);
        return d.createBuffer(desc);
      } as GPUDevice['createBuffer'];
      const got = await make()
        .data()
        .then(
          (v) => Array.from(v),
          (e: Error) => e,
        );
      d.createBuffer = create;
      d.popErrorScope = pop;
      // Either the refusal is the error, or (memory nothing read) the values are right:
      // never values read from memory the device refused.
      if (got instanceof Error) {
        expect(got.message).toContain('out of memory');
        refusedRuns++;
      } else {
        expect(got).toEqual(want);
      }
      expect(await values(make())).toEqual(want);
    }
    // The constant 2, the plan's outputs: at least three of the five refusals hit memory the run used.
    expect(refusedRuns).toBeGreaterThanOrEqual(3);
  });
});
