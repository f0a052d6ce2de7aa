// Which bindings of a kernel take a dynamic offset (src/backend/webgpu/pipelines.ts): the
// inputs first (where batch views are bound), then the outputs, never the parameter block,
// and no more than the device allows.
import { expect, it } from 'vitest';
import { dynamicBindings } from '../../src/backend/webgpu/pipelines.ts';

const decl = (...access: string[]) => access.map((a, binding) => ({ binding, access: a }));

it('reads first, then writes, not binding 0, up to the limit', () => {
  const d = decl('read', 'read', 'read_write', 'read', 'read_write');
  expect([...dynamicBindings(d, 4)].sort()).toEqual([1, 2, 3, 4]);
  expect([...dynamicBindings(d, 2)].sort()).toEqual([1, 3]);
  expect([...dynamicBindings(d, 3)].sort()).toEqual([1, 2, 3]);
  expect([...dynamicBindings(d, 0)]).toEqual([]);
  expect([...dynamicBindings(decl('read'), 4)]).toEqual([]);
});
