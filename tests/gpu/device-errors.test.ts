// Device errors surface as thrown Errors naming the kernel, never as wrong numbers; after
// a lost device, setBackend('webgpu') starts again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setBackend, tensor } from '../../src/index.ts';
import { apply } from '../../src/engine/recorder.ts';
import { currentBackend } from '../../src/engine/backend.ts';
import { defineOp, grid } from '../../src/ops/define.ts';
import { LAYOUTS } from '../../src/ops/contract.ts';
import { registerShaderSource } from '../../src/backend/webgpu/shaders.ts';
import type { WebGpuBackend } from '../../src/backend/webgpu/backend.ts';
import { registry } from '../../src/ops/registry.ts';
import { startWebGpu } from './setup.ts';
import { noSamples } from '../../src/ops/samples.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

// Parses (so reflection works) but does not type-check: line 4 assigns a u32 to an f32.
registerShaderSource(
  'test_broken',
  `@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x: f32 = 1u;
  O[gid.x] = x + f32(P[0]);
}
`,
);

const brokenOp = defineOp<Record<string, never>>({
  name: 'testBroken',
  samples: noSamples('a test op, outside the registry'),
  shape: () => ({ shape: [4], dtype: 'float32' }),
  cpu: () => {},
  gpu: () => [{ family: 'test_broken', kernel: 'main', bind: ['out'], words: () => LAYOUTS.COPY.pack({ count: 4 }), workgroups: grid(4) }],
  grad: { notDifferentiable: 'a test op' },
});

// The real `full` kernel, dispatched past the 65535 workgroups a dimension may have: a
// validation error at dispatch time.
const tooManyGroups = defineOp<Record<string, never>>({
  name: 'testTooManyGroups',
  samples: noSamples('a test op, outside the registry'),
  shape: () => ({ shape: [4], dtype: 'float32' }),
  cpu: () => {},
  gpu: ({ outShape, tuning }) =>
    registry.full
      .gpu({ inShapes: [], inDtypes: [], outShape, outDtype: 'float32', attrs: { shape: [...outShape], value: 1, dtype: 'float32' }, tuning })
      .map((d) => ({ ...d, workgroups: [70000, 1, 1] as [number, number, number] })),
  grad: { notDifferentiable: 'a test op' },
});

it('a shader that does not compile: the error names the file, the line and column', async () => {
  const t = apply(brokenOp, [], {});
  const err = await t.data().then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, 'reading a result of a broken kernel must reject').toBeInstanceOf(Error);
  expect(err!.message).toContain('shaders/test_broken.wgsl:4:');
  // The engine still works afterwards.
  expect(Array.from(await tensor([1, 2]).mul(3).data())).toEqual([3, 6]);
});

it('a validation error at dispatch names the kernel', async () => {
  const t = apply(tooManyGroups, [], {});
  await expect(t.data()).rejects.toThrow(/testTooManyGroups/);
  expect(Array.from(await tensor([1, 2]).add(1).data())).toEqual([2, 3]);
});

it('a lost device is reported, and setBackend starts again', async () => {
  const backend = currentBackend() as WebGpuBackend;
  backend.device.destroy();
  // Dawn reports the loss asynchronously: wait for it rather than for a guessed time. The
  // backend's own handler on device.lost was attached first, so it has run by then.
  const info = await backend.device.lost;
  expect(info.reason).toBe('destroyed');
  let message = '';
  try {
    await tensor([1, 2, 3]).mul(2).data();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/lost.*setBackend\('webgpu'\)/);
  await startWebGpu();
  expect(Array.from(await tensor([1, 2, 3]).mul(2).data())).toEqual([2, 4, 6]);
});
