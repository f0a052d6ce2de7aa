// The functions of a tensor come from one list (src/ops/api.ts): each is exported by the
// package and is a Tensor method computing the same values, with the tensor first.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.ts';
import * as api from '../../src/ops/api.ts';
import * as unaryOps from '../../src/ops/unary-ops.ts';
import { OP_CODES } from '../../src/ops/contract.ts';
import { tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

type Name = keyof typeof api;

/** The arguments after the tensor, for the functions that take more than it. */
const rest: Partial<Record<Name, () => unknown[]>> = {
  leakyRelu: () => [0.2],
  add: () => [2],
  sub: () => [tensor([[1, 2, 3, 4]])],
  mul: () => [3],
  div: () => [4],
  pow: () => [2],
  eq: () => [0.5],
  gt: () => [0.5],
  lt: () => [0.5],
  matmul: () => [tensor([[1], [2], [3], [4]])],
  sum: () => [1, true],
  mean: () => [0],
  argmax: () => [1],
  broadcastTo: () => [[3, 4]],
  softmax: () => [0],
  logSoftmax: () => [-1],
  transpose: () => [0, 1],
  narrow: () => [1, 1, 2],
  squeeze: () => [0],
  unsqueeze: () => [2],
  indexSelect: () => [tensor([0, 0], { dtype: 'int32' })],
};

describe('functions of a tensor and their methods', () => {
  const names = Object.keys(api) as Name[];

  it('cover the activations, the arithmetic and the reductions', () => {
    expect(names).toEqual(expect.arrayContaining(['exp', 'log', 'relu', 'sigmoid', 'tanh', 'add', 'matmul', 'sum', 'softmax']));
  });

  it('every unary op is in the list with no line of its own there (a new unary op cannot be left out)', () => {
    // unary-ops.ts holds only public functions, each carrying its op, and api.ts exports it
    // whole: each of its exports is in the list.
    const exported = Object.entries(unaryOps);
    expect(exported.length).toBeGreaterThan(10);
    for (const [n, v] of exported) {
      expect(typeof v, `${n}: unary-ops.ts exports only functions of a tensor`).toBe('function');
      expect((v as { op?: { name: string } }).op?.name, `${n} carries its op`).toBe(n);
      expect(names, n).toContain(n);
    }
    // Every code of the unary kernel is an op with a public function, except sign, which
    // serves abs's gradient.
    const notPublic = ['sign'];
    for (const op of Object.keys(OP_CODES.UNARY)) if (!notPublic.includes(op)) expect(names, `OP_CODES.UNARY.${op}`).toContain(op);
  });

  for (const name of names) {
    it(`${name}: exported, and x.${name}(...) equals ${name}(x, ...)`, async () => {
      expect(sg[name]).toBe(api[name]);
      const x = tensor([[0.25, 0.5, 2, 3]]);
      const args = rest[name]?.() ?? [];
      const method = (x as unknown as Record<string, (...a: unknown[]) => Tensor>)[name]!;
      const fn = api[name] as (x: Tensor, ...a: unknown[]) => Tensor;
      const viaMethod = method.call(x, ...args);
      const viaFunction = fn(x, ...args);
      expect(viaMethod.shape).toEqual(viaFunction.shape);
      expect(Array.from(await viaMethod.data())).toEqual(Array.from(await viaFunction.data()));
    });
  }
});
