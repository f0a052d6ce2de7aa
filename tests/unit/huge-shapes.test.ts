// Shapes past the backend's limit on the CPU: every maker that fills a host array first
// (random draws, a layer's initial weights) checks the size before it allocates, so the
// error names the op, the shape, the elements, the bytes and the limit instead of a bare
// `RangeError: Invalid typed array length`; nothing is drawn, so the random stream is where
// it was, and the engine keeps working.
import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, nn, rand, randint, randn, randperm, setBackend, tensor, zeros } from '../../src/index.ts';
import { throwsWith } from '../support/expect-error.ts';

const limit = '2 GiB per tensor';

describe('huge shapes on the CPU', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('each maker names itself, the shape, the elements, the bytes and the limit', () => {
    const cases: [string, () => unknown, string][] = [
      ['randn', () => randn([1e5, 1e5]), '[100000,100000]'],
      ['rand', () => rand([1e5, 1e5]), '[100000,100000]'],
      ['randint', () => randint(0, 10, [1e5, 1e5]), '[100000,100000]'],
      ['full', () => zeros([1e5, 1e5]), '[100000,100000]'],
      ['Linear', () => new nn.Linear(1e5, 1e5), '[100000,100000]'],
    ];
    for (const [op, make, shape] of cases) {
      const msg = throwsWith(make, `${op}: `, shape, '10000000000 elements', '40000000000 bytes', limit);
      expect(msg).not.toMatch(/RangeError|Invalid typed array/);
    }
    // Just past the limit, and a permutation as long.
    throwsWith(() => randn([2 ** 29 + 1]), 'randn', `${2 ** 29 + 1} elements`, limit);
    throwsWith(() => randperm(2 ** 30), 'randperm', `[${2 ** 30}]`, `${2 ** 32} bytes`, limit);
  });

  it('draws nothing: the stream continues where it was, and the engine works', async () => {
    manualSeed(7);
    const expected = Array.from(await randn([5]).data());
    manualSeed(7);
    expect(() => randn([1e5, 1e5])).toThrow(/randn/);
    expect(() => new nn.Linear(1e5, 1e5)).toThrow(/Linear/);
    expect(Array.from(await randn([5]).data())).toEqual(expected);
    expect(await tensor([1, 2, 3]).sum().item()).toBe(6);
  });
});
