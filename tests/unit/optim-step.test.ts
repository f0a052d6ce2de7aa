// The multi-tensor step's dispatch without a GPU: one dispatch for any number of parameters
// (no entry point per count), a table with one entry per parameter, a grid bounded by the
// adapter's table however large the model, and arena offsets WebGPU can bind from.
import { describe, expect, it } from 'vitest';
import { tuningFor } from '../../src/backend/webgpu/tuning.ts';
import { LAYOUTS } from '../../src/ops/contract.ts';
import { GATHER_ALIGN, isGather, isTable } from '../../src/ops/define.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import type { MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { DEFAULT_STEP_GRID, adamMultiDef, arenaLayout, stepGrid } from '../../src/ops/update.ts';

function adamDispatch(shapes: number[][], tuning: MatmulTuning) {
  const { offsets, size } = arenaLayout(shapes.map((s) => s.reduce((a, b) => a * b, 1)));
  const inShapes = [[2 * size], ...shapes.flatMap((s) => [s, s])];
  adamMultiDef.shape(inShapes.map((shape) => ({ shape, dtype: 'float32' })), { offsets, arena: size });
  return adamMultiDef.gpu({ inShapes, inDtypes: inShapes.map(() => 'float32'), outShape: [2 * size], outDtype: 'float32', attrs: { offsets, arena: size }, tuning });
}

describe('the multi-tensor step', () => {
  it('arena offsets are multiples of 64 elements, in order, without overlap', () => {
    expect(arenaLayout([1, 64, 65, 3])).toEqual({ offsets: [0, 64, 128, 256], size: 320 });
    expect(GATHER_ALIGN * 4).toBe(256);
  });

  it('one dispatch for 100 parameters: a table entry each, parameters and gradients gathered as two ranges', () => {
    const shapes = Array.from({ length: 100 }, (_, j) => (j % 3 === 0 ? [j + 1] : [j + 1, 3]));
    const ds = adamDispatch(shapes, DEFAULT_TUNING);
    expect(ds).toHaveLength(1);
    const d = ds[0]!;
    expect(d.kernel).toBe('step_multi');
    expect(d.table!.words).toBe(100 * LAYOUTS.STEP_PARAM.words!);
    const scalars = [1e-3, 0.9, 0.999, 1e-8, 0, ...shapes.flatMap(() => [0.1, 0.001])];
    expect(d.table!.pack(scalars)).toHaveLength(d.table!.words);
    expect(d.bind.filter(isTable)).toHaveLength(1);
    const gathers = d.bind.filter(isGather);
    expect(gathers.map((g) => g.inputs.length)).toEqual([100, 100]);
  });

  it('the grid is bounded by the adapter, not the parameter count', () => {
    // The 3072-256-256-10 MLP: 855k parameters, 214k vec4s.
    const mlp = [[256, 3072], [256], [256, 256], [256], [10, 256], [10]];
    const gpu = adamDispatch(mlp, DEFAULT_TUNING)[0]!;
    expect(gpu.workgroups).toEqual([Math.ceil(213_763 / (DEFAULT_STEP_GRID.wg * DEFAULT_STEP_GRID.perThread)), 1, 1]);
    // Ten million parameters: no more workgroups, each thread loops.
    expect(adamDispatch([[10_000, 1000]], DEFAULT_TUNING)[0]!.workgroups).toEqual([DEFAULT_STEP_GRID.maxGroups, 1, 1]);
    expect(gpu.constants!.WG).toBe(DEFAULT_STEP_GRID.wg);
    const swiftshader = tuningFor('google swiftshader');
    const cpuLike = adamDispatch(mlp, swiftshader)[0]!;
    expect(cpuLike.workgroups[0]).toBeLessThanOrEqual(stepGrid(swiftshader).maxGroups);
    expect(cpuLike.workgroups[0]).toBeLessThan(gpu.workgroups[0]);
    // A small model takes only the workgroups its vec4s need.
    expect(adamDispatch([[3], [1]], DEFAULT_TUNING)[0]!.workgroups).toEqual([1, 1, 1]);
  });

  it('a table entry that could not run is refused, naming the adapter', () => {
    const bad = { ...DEFAULT_TUNING, adapter: 'some gpu', step: { wg: 512, perThread: 1, maxGroups: 8 } } as MatmulTuning;
    expect(() => adamDispatch([[3]], bad)).toThrow(/optimizer step grid for some gpu: wg must be an integer in 1 \.\. 256/);
  });

  it('misplaced parameters are refused by the shape rule', () => {
    const shape = (offsets: number[], arena: number) =>
      adamMultiDef.shape([{ shape: [2 * arena], dtype: 'float32' }, { shape: [70], dtype: 'float32' }, { shape: [70], dtype: 'float32' }, { shape: [3], dtype: 'float32' }, { shape: [3], dtype: 'float32' }], { offsets, arena });
    expect(() => shape([0, 64], 192)).toThrow(/adamMulti: parameter 1 at arena offset 64: expected a multiple of 64 at or past 70/);
    expect(() => shape([0, 100], 192)).toThrow(/parameter 1 at arena offset 100/);
    expect(() => shape([0, 128], 128)).toThrow(/the parameters end at 131, past the arena's 128 elements/);
    expect(() => shape([0, 128], 100)).toThrow(/not a multiple of 64/);
  });
});
