// Items carried from earlier notes (issue 23, item 4), each fixed or, where the platform
// decides, shown as it is: sums over many alternating axes, int32 -> float32 casts past
// 2^24, argmax over subnormal values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

afterAll(async () => {
  await setBackend('cpu');
});

// Every program is registered while the file is collected: the CPU reference runs them all
// first, then one WebGPU device runs each in its test (one device: pipelines compile once).
const programs: (() => Tensor)[] = [];
const cpuValues: number[][] = [];

/** Register programs; the test gets both backends' values of each with `onBoth`. */
function both(...makes: (() => Tensor)[]): number[] {
  return makes.map((make) => programs.push(make) - 1);
}

async function onBoth(ids: number[]): Promise<{ cpu: number[]; gpu: number[] }[]> {
  return Promise.all(ids.map(async (id) => ({ cpu: cpuValues[id]!, gpu: Array.from(await programs[id]!().data()) })));
}

beforeAll(async () => {
  await setBackend('cpu');
  for (const make of programs) cpuValues.push(Array.from(await make().data()));
  await startWebGpu();
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('sums over more than 6 alternating kept and reduced dimensions', () => {
  // Shapes whose sizes alternate so that no two neighbouring dims merge: 13 dims is 7 kept
  // and 6 reduced runs (one pass before the last), 25 dims needs two passes.
  const cases: { shape: number[]; axes: number[]; about: string }[] = [
    { shape: [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2], axes: [1, 3, 5, 7, 9, 11], about: '13 dims, 7 kept and 6 reduced' },
    { shape: [3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2], axes: [0, 2, 4, 6, 8, 10, 12], about: '14 dims, 7 reduced first' },
    { shape: Array.from({ length: 25 }, (_, i) => (i % 3 === 0 ? 1 : 2)), axes: range(25).filter((i) => i % 2 === 1), about: '25 dims with size-1 dims between' },
    // A last pass over more than 64 elements per output (a workgroup each, not a thread).
    { shape: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 9], axes: [0, 2, 4, 6, 8, 10, 12, 13], about: 'a long last pass' },
  ];

  for (const { shape, axes, about } of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Small integers: every order of additions gives the same float32 sum.
    const values = range(n).map((i) => ((i * 7919) % 13) - 6);
    const ids = both(
      ...[false, true].flatMap((keepdim) => [
        () => tensor(values, { shape }).sum(axes, keepdim),
        () => tensor(values, { shape, dtype: 'int32' }).sum(axes, keepdim),
        () => tensor(values, { shape }).mean(axes, keepdim),
      ]),
    );
    it(`sum and mean, ${about}: ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, async () => {
      const results = await onBoth(ids);
      results.forEach(({ cpu, gpu }, k) => {
        expect(gpu.length).toBe(cpu.length);
        // Sums of small integers are exact in any order; a mean divides once.
        if (k % 3 === 2) gpu.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 5));
        else expect(gpu).toEqual(cpu);
      });
    });
  }

  const shape = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2];
  const grad = both(() => {
    const x = tensor(range(shape.reduce((a, b) => a * b, 1)).map((i) => (i % 5) - 2), { shape, requiresGrad: true });
    x.mul(x).sum([0, 2, 4, 6, 8, 10, 12]).sum().backward();
    return x.grad!;
  });
  it('the gradient of such a sum (a broadcast back) agrees too', async () => {
    const [grads] = await onBoth(grad);
    expect(grads!.gpu).toEqual(grads!.cpu);
  });
});

describe('broadcasts over more than 6 alternating copied and stretched dimensions', () => {
  const cases: [number[], number[]][] = [
    [[1, 3, 1, 3, 1, 3, 1], [2, 3, 2, 3, 2, 3, 2]],
    [[3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3], [3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3]],
    // Leading dims the input lacks, and size-1 dims on both sides.
    [[2, 1, 1, 2, 1, 2, 1, 2, 1, 2], [3, 2, 3, 1, 2, 3, 2, 3, 2, 3, 2]],
    [[2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1], [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3]],
  ];
  const ids = both(...cases.map(([from, to]) => () => tensor(range(from.reduce((a, b) => a * b, 1)), { shape: from }).broadcastTo(to)));
  it('broadcastTo agrees with the CPU (the gradient of such a sum)', async () => {
    for (const out of await onBoth(ids)) expect(out.gpu).toEqual(out.cpu);
  });
});

describe('int32 -> float32 casts past 2^24', () => {
  const ints = [16777216, 16777217, 16777218, 16777219, 16777221, 16777223, 33554435, 33554437, 2147483647, 2147483520, 2147483584, 2147483585, 123456789, 999999999];
  const all = [...ints, ...ints.map((v) => -v), -2147483648, 0, 1, -1];
  // And 300 more spread over the int32 range (a fixed linear congruential sequence).
  let r = 12345;
  for (let i = 0; i < 300; i++) {
    r = (Math.imul(r, 1103515245) + 12345) | 0;
    all.push(r);
  }
  const ids = both(() => tensor(all, { dtype: 'int32' }).float());
  it('round to nearest, ties to even, on both backends (as a Float32Array store and PyTorch)', async () => {
    const want = all.map((v) => Math.fround(v));
    const [got] = await onBoth(ids);
    expect(got!.cpu).toEqual(want);
    expect(got!.gpu).toEqual(want);
  });
});

describe('argmax over subnormal values', () => {
  // 2^-149 is the smallest subnormal float32. A GPU may flush subnormals to zero in a
  // comparison (SwiftShader does): compared as floats they all tied and the first won.
  const tiny = 2 ** -149;
  const rows: { values: number[]; want: number; about: string }[] = [
    { values: [tiny, 3 * tiny, 2 * tiny], want: 1, about: 'positive subnormals' },
    { values: [-3 * tiny, -tiny, -2 * tiny], want: 1, about: 'negative subnormals' },
    { values: [-tiny, 0, tiny], want: 2, about: 'across zero' },
    { values: [-0, 0, -tiny], want: 0, about: '-0 and +0 tie: the first wins' },
    { values: [1e-39, 1.1754942e-38, 2 ** -126, 5e-39], want: 2, about: 'the largest subnormal against the smallest normal' },
    { values: [tiny, NaN, 2 * tiny, NaN], want: 1, about: 'NaN wins' },
  ];
  for (const { values, want, about } of rows) {
    const ids = both(() => tensor(values).argmax());
    it(`${about}: ${JSON.stringify(values)}`, async () => {
      const [got] = await onBoth(ids);
      expect(got!.cpu).toEqual([want]);
      expect(got!.gpu).toEqual([want]);
    });
  }

  const n = 1000;
  const values = Array.from({ length: n }, (_, i) => ((i * 7919) % n) * tiny * (i % 3 === 0 ? -1 : 1));
  const ids = both(
    () => tensor(values).argmax(),
    () => tensor(values, { shape: [100, 10] }).argmax(0),
  );
  it('over a long axis (the workgroup tree) and a strided one', async () => {
    for (const out of await onBoth(ids)) expect(out.gpu).toEqual(out.cpu);
  });
});
