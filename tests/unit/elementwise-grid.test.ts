// Without a GPU: how per-element work is spread. A bounded grid from the adapter's table
// (workgroups of wg threads, perThread items each before another workgroup, at most maxGroups,
// threads looping past that), vec4 items where the operands allow, the strided kernel where
// they broadcast; the default for an adapter with no table is chosen for real GPUs.
import { describe, expect, it } from 'vitest';
import type { GpuDispatch, OpDef, Tuning } from '../../src/ops/define.ts';
import { DEFAULT_ELEMENTWISE, checkElementwiseTuning, elementwiseTuning, strideGrid } from '../../src/ops/define.ts';
import type { DType } from '../../src/graph/ir.ts';
import { addDef, castDef, mulDef } from '../../src/ops/elementwise.ts';
import { reluBackwardDef } from '../../src/ops/unary.ts';
import { relu } from '../../src/ops/unary-ops.ts';
import { fullDef } from '../../src/ops/fill.ts';
import { copyDef } from '../../src/ops/layout.ts';
import { dropoutDef } from '../../src/ops/dropout.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import { tuningFor } from '../../src/backend/webgpu/tuning.ts';

function dispatch(def: OpDef<any>, shapes: number[][], attrs: Record<string, unknown> = {}, dtypes?: DType[], tuning: Tuning = DEFAULT_TUNING): GpuDispatch {
  const metas = shapes.map((shape, i) => ({ shape, dtype: dtypes?.[i] ?? ('float32' as DType) }));
  const out = def.shape(metas, attrs);
  const ds = def.gpu({ inShapes: shapes, inDtypes: metas.map((m) => m.dtype), outShape: out.shape, outDtype: out.dtype, attrs, tuning });
  expect(ds).toHaveLength(1);
  return ds[0]!;
}

const small: Tuning = { ...DEFAULT_TUNING, adapter: 'test', elementwise: { wg: 64, perThread: 2, maxGroups: 3 } };

describe('the per-element grid', () => {
  it('the default is for real GPUs: workgroups of 64 to 256 threads, enough of them to fill a large GPU', () => {
    expect((DEFAULT_TUNING as Tuning).elementwise).toBeUndefined();
    expect(elementwiseTuning(DEFAULT_TUNING)).toBe(DEFAULT_ELEMENTWISE);
    expect(DEFAULT_ELEMENTWISE.wg).toBeGreaterThanOrEqual(64);
    expect(DEFAULT_ELEMENTWISE.wg).toBeLessThanOrEqual(256);
    // An H100 holds about 270 thousand threads at once.
    expect(DEFAULT_ELEMENTWISE.wg * DEFAULT_ELEMENTWISE.maxGroups).toBeGreaterThanOrEqual(270_000);
  });

  it("SwiftShader's table has its own, measured entry, and it is valid", () => {
    const t = tuningFor('google swiftshader') as Tuning;
    expect(t.elementwise).toBeDefined();
    expect(() => checkElementwiseTuning(t.elementwise!, t.adapter)).not.toThrow();
    expect(t.elementwise).not.toEqual(DEFAULT_ELEMENTWISE);
  });

  it('workgroups: enough for perThread items a thread, at most maxGroups, at least one', () => {
    const t = { wg: 64, perThread: 2, maxGroups: 3 };
    expect(strideGrid(0, t)).toEqual([1, 1, 1]);
    expect(strideGrid(1, t)).toEqual([1, 1, 1]);
    expect(strideGrid(128, t)).toEqual([1, 1, 1]);
    expect(strideGrid(129, t)).toEqual([2, 1, 1]);
    expect(strideGrid(384, t)).toEqual([3, 1, 1]);
    // Past threads x perThread x maxGroups the threads loop further: never more workgroups.
    expect(strideGrid(10_000_000, t)).toEqual([3, 1, 1]);
    expect(strideGrid(10_000_000, DEFAULT_ELEMENTWISE)).toEqual([DEFAULT_ELEMENTWISE.maxGroups, 1, 1]);
  });

  it('refuses an entry that could not run, naming the adapter', () => {
    expect(() => checkElementwiseTuning({ wg: 512, perThread: 1, maxGroups: 8 }, 'some gpu')).toThrow(/elementwise tuning for some gpu: wg must be an integer in 1 \.\. 256/);
    expect(() => checkElementwiseTuning({ wg: 64, perThread: 0, maxGroups: 8 }, 'x')).toThrow(/perThread must be an integer >= 1/);
    expect(() => checkElementwiseTuning({ wg: 64, perThread: 1, maxGroups: 70000 }, 'x')).toThrow(/maxGroups must be an integer in 1 \.\. 65535/);
    expect(() => dispatch(addDef, [[5], [5]], {}, undefined, { ...DEFAULT_TUNING, adapter: 'bad', elementwise: { wg: 0, perThread: 1, maxGroups: 1 } })).toThrow(/elementwise tuning for bad/);
  });

  it("every per-element kernel takes the table's workgroup size and grid", () => {
    const cases: [GpuDispatch, number][] = [
      [dispatch(addDef, [[7, 13], [7, 13]], {}, undefined, small), Math.ceil(91 / 4)],
      [dispatch(addDef, [[7, 13], [13]], {}, undefined, small), 91],
      [dispatch(relu.op, [[1000]], {}, undefined, small), 250],
      [dispatch(reluBackwardDef, [[5], [5]], {}, undefined, small), 2],
      [dispatch(castDef, [[9]], { dtype: 'int32' }, undefined, small), 9],
      [dispatch(fullDef, [], { shape: [1001], value: 1, dtype: 'float32' }, undefined, small), 251],
      [dispatch(copyDef, [[3, 5]], {}, undefined, small), 4],
    ];
    for (const [d, items] of cases) {
      expect(d.constants?.WG, d.kernel).toBe(64);
      expect(d.workgroups, `${d.kernel} over ${items} items`).toEqual(strideGrid(items, small.elementwise!));
    }
  });
});

describe('vec4 where the operands allow', () => {
  const kernel = (def: OpDef<any>, shapes: number[][], dtypes?: DType[]) => dispatch(def, shapes, {}, dtypes).kernel;
  it('operands of the output shape, or of one element, read four elements a load; a broadcast reads strided', () => {
    expect(kernel(addDef, [[7, 13], [7, 13]])).toBe('binary_vec4');
    expect(kernel(mulDef, [[7, 13], [1]])).toBe('binary_vec4');
    expect(kernel(mulDef, [[], [5, 3]])).toBe('binary_vec4');
    expect(kernel(addDef, [[1], [1]])).toBe('binary_vec4');
    // A leading 1 changes the rank, not the layout.
    expect(kernel(addDef, [[1, 7, 13], [7, 13]])).toBe('binary_vec4');
    expect(kernel(addDef, [[7, 13], [13]])).toBe('binary');
    expect(kernel(addDef, [[7, 1], [1, 13]])).toBe('binary');
    // int32 takes its own (scalar) kernel, broadcast or not.
    expect(kernel(addDef, [[7, 13], [7, 13]], ['int32', 'int32'])).toBe('binary_i32');
  });

  it('the vec4 kernel is told which operands are whole (SAME_SHAPE) and reads only the count', () => {
    const d = dispatch(mulDef, [[7, 13], [1]]);
    expect(d.constants?.SAME_SHAPE).toBe(0b01);
    expect(d.words([])).toEqual([91]);
  });

  it('dropout: one vec4 item per Philox block of four elements', () => {
    const d = dispatch(dropoutDef, [[4099]], { p: 0.3 }, undefined, small);
    expect(d.workgroups).toEqual(strideGrid(Math.ceil(4099 / 4), small.elementwise!));
  });
});
