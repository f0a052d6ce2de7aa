// The public unary functions come from one list (src/ops/unary-api.ts): each is exported by
// the package and is a Tensor method computing the same values.
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.ts';
import * as unaryApi from '../../src/ops/unary-api.ts';
import { tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

describe('unary functions and methods', () => {
  const names = Object.keys(unaryApi) as (keyof typeof unaryApi)[];

  it('cover the activations and the math functions', () => {
    expect(names).toEqual(expect.arrayContaining(['exp', 'log', 'relu', 'sigmoid', 'tanh']));
  });

  for (const name of names) {
    it(`${name}: exported, and x.${name}() equals ${name}(x)`, async () => {
      expect(api[name]).toBe(unaryApi[name]);
      const x = tensor([0.25, 0.5, 2, 3]);
      const method = (x as unknown as Record<string, () => Tensor>)[name]!;
      expect(Array.from(await method.call(x).data())).toEqual(Array.from(await unaryApi[name](x).data()));
    });
  }
});
