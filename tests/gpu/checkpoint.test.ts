// A training run outlives its GPU device: the device is lost mid-run (destroy(), and a loss
// with another reason), the error says so with the browser's reason, setBackend('webgpu')
// starts a new device, a Checkpoint puts the parameters, the optimizer's state and the
// random generator back as of its save, and the run goes on to the very values of a run
// that was never interrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint, F, isDeviceLost, manualSeed, nn, optim, randn, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/tensor.ts';
import { currentBackend } from '../../src/engine/backend.ts';
import type { WebGpuBackend } from '../../src/backend/webgpu/backend.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setBackend('cpu');
});

const X_VALUES = Float32Array.from({ length: 24 * 7 }, (_, i) => Math.sin(i * 1.7) * 2);
const Y_VALUES = Int32Array.from({ length: 24 }, (_, i) => (i * 5) % 3);

/** A run: the model, its optimizer, and one training step (with a random draw, so the generator matters). */
function setup(kind: 'adam' | 'sgd') {
  manualSeed(7);
  const net = new nn.Sequential(new nn.Linear(7, 9), new nn.ReLU(), new nn.Linear(9, 3));
  const opt = kind === 'adam' ? new optim.Adam(net.parameters(), { lr: 0.01 }) : new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
  let data: { X: Tensor; y: Tensor } | null = null;
  const step = async (): Promise<number> => {
    // The data is made again after a new device (it is not in the checkpoint).
    data ??= { X: tensor(X_VALUES, { shape: [24, 7] }), y: tensor(Y_VALUES, { shape: [24], dtype: 'int32' }) };
    const noisy = data.X.add(randn([24, 7]).mul(0.1));
    const loss = F.crossEntropy(net.forward(noisy), data.y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  return { net, opt, step, forgetData: () => (data = null) };
}

async function snapshot(net: nn.Module, opt: optim.Optimizer<any>): Promise<number[][]> {
  const params = await Promise.all(net.parameters().map(async (p) => Array.from(await p.data())));
  const state = opt.stateDict();
  const arenas = await Promise.all(state.arenas.map(async (a) => [...a.counts, ...(a.state ? Array.from(await (a.state as Tensor).data()) : [])]));
  return [...params, ...arenas, [state.steps]];
}

async function loseDevice(how: 'destroy' | 'unknown'): Promise<void> {
  const backend = currentBackend() as WebGpuBackend;
  // Another reason than destroy()'s, as the browser reports a GPU process crash; the device goes too.
  if (how === 'unknown') backend.health.lost({ reason: 'unknown', message: 'the GPU process exited' });
  backend.device.destroy();
  await backend.device.lost;
}

describe.each(['adam', 'sgd'] as const)('a checkpoint across a lost device (%s)', (kind) => {
  it.each(['destroy', 'unknown'] as const)('lost by %s: a clear error, a new device, and the run ends as if never interrupted', async (how) => {
    const reference = setup(kind);
    const losses: number[] = [];
    for (let s = 1; s <= 9; s++) losses.push(await reference.step());
    const expected = await snapshot(reference.net, reference.opt);

    const run = setup(kind);
    const ckpt = new Checkpoint({ modules: [run.net], optimizers: [run.opt] });
    const got: number[] = [];
    for (let s = 1; s <= 4; s++) got.push(await run.step());
    await ckpt.save(4);
    for (let s = 5; s <= 6; s++) got.push(await run.step());

    await loseDevice(how);
    let error: unknown = null;
    try {
      await run.step();
    } catch (err) {
      error = err;
    }
    expect(isDeviceLost(error)).toBe(true);
    expect((error as Error).message).toContain(how === 'destroy' ? 'destroyed' : 'unknown: the GPU process exited');
    expect((error as Error).message).toContain("setBackend('webgpu')");

    await startWebGpu();
    run.forgetData();
    expect(await ckpt.restore()).toBe(4);
    const resumed = got.slice(0, 4);
    for (let s = 5; s <= 9; s++) resumed.push(await run.step());
    expect(resumed).toEqual(losses);
    expect(await snapshot(run.net, run.opt)).toEqual(expected);
  });
});

it('a read in flight when the device goes fails with the browser\'s reason', async () => {
  const x = tensor([1, 2, 3]).mul(2);
  const pending = x.data();
  (currentBackend() as WebGpuBackend).device.destroy();
  const error = await pending.then(
    () => null,
    (err: unknown) => err,
  );
  // The read may have finished before the loss; if not, it names it.
  if (error !== null) {
    expect(isDeviceLost(error)).toBe(true);
    expect((error as Error).message).toMatch(/lost \(destroyed/);
  }
  let later: unknown = null;
  try {
    await tensor([1]).add(1).data();
  } catch (err) {
    later = err;
  }
  expect(isDeviceLost(later)).toBe(true);
  await startWebGpu();
});

it('afterStep saves at first, then every N steps with N from the measured costs; restore before a save is an error', async () => {
  const run = setup('adam');
  const ckpt = new Checkpoint({ modules: [run.net], optimizers: [run.opt] }, { overhead: 0.5 });
  await expect(ckpt.restore()).rejects.toThrow(/nothing was saved yet/);
  const saves: number[] = [];
  for (let s = 1; s <= 12; s++) {
    await run.step();
    if (await ckpt.afterStep(s)) saves.push(s);
  }
  expect(saves[0]).toBe(1);
  expect(ckpt.every).toBeGreaterThanOrEqual(1);
  // Between two saves, `every` steps (as measured when it was due).
  expect(ckpt.step).toBe(saves.at(-1));
  expect(() => new Checkpoint({ tensors: [tensor([1, 2]).add(1)] })).toThrow(/tensors\[0\] must be a tensor of its own memory/);
  expect(() => new Checkpoint({}, { overhead: 0 })).toThrow(/overhead must be a number in \(0, 1\]/);
});

it('an optimizer takes another\'s state (stateDict / loadStateDict), and refuses one for other parameters', async () => {
  const a = setup('adam');
  for (let s = 1; s <= 3; s++) await a.step();
  const b = setup('adam');
  b.net.loadStateDict(a.net.stateDict());
  b.opt.loadStateDict(a.opt.stateDict());
  expect(await snapshot(b.net, b.opt)).toEqual(await snapshot(a.net, a.opt));
  const other = new optim.Adam(new nn.Linear(3, 2).parameters());
  expect(() => other.loadStateDict(a.opt.stateDict())).toThrow(/sizes \[63, 9, 27, 3\].*this optimizer has \[6, 2\]/);
  expect(() => other.loadStateDict(new optim.SGD(new nn.Linear(3, 2).parameters()).stateDict())).toThrow(/the state is of optim.SGD, not optim.Adam/);
});
