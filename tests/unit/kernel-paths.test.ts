// Without a GPU: which kernels an op dispatches on WebGPU. A long reduction with few outputs
// takes two passes through scratch (many workgroups, then the partial sums in order); below
// the threshold it stays one dispatch, so small nets pay nothing. Same-shape elementwise
// operands skip the strided indexing; many scatter-add indices go through per-row lists.
import { describe, expect, it } from 'vitest';
import type { GpuDispatch, OpDef } from '../../src/ops/define.ts';
import { isScratch } from '../../src/ops/define.ts';
import type { DType } from '../../src/graph/ir.ts';
import { MIN_CHUNK, sumDef } from '../../src/ops/reduce.ts';
import { LOSS_MIN_CHUNK, XENT_NARROW_ROW, mseLossDef, softmaxCrossEntropyDef } from '../../src/ops/loss.ts';
import { softmaxCrossEntropyFusedDef } from '../../src/ops/fused.ts';
import { addDef, whereDef } from '../../src/ops/elementwise.ts';
import { indexSelectBackwardDef } from '../../src/ops/layout.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import { familySource } from '../../src/backend/webgpu/shaders.ts';

function dispatches(def: OpDef<any>, shapes: number[][], attrs: Record<string, unknown> = {}, dtypes?: DType[]): GpuDispatch[] {
  const metas = shapes.map((shape, i) => ({ shape, dtype: dtypes?.[i] ?? ('float32' as DType) }));
  const out = def.shape(metas, attrs);
  return def.gpu({ inShapes: shapes, inDtypes: metas.map((m) => m.dtype), outShape: out.shape, outDtype: out.dtype, attrs, tuning: DEFAULT_TUNING });
}

const full = (n: number) => dispatches(sumDef, [[n]], { axes: [0], keepdim: false });
const entries = (ds: GpuDispatch[]) => ds.map((d) => d.kernel);

/** Pass 1 writes scratch 0 from many workgroups; pass 2 reads it and writes `dest`. */
function expectTwoPass(ds: GpuDispatch[], dest: unknown): void {
  expect(ds).toHaveLength(2);
  const [p1, p2] = ds as [GpuDispatch, GpuDispatch];
  const written = p1.bind.find(isScratch);
  expect(written?.write).toBe(true);
  expect(p1.workgroups[0] * p1.workgroups[1]).toBeGreaterThan(1);
  expect(p2.bind[0]).toEqual({ scratch: 0, size: written!.size });
  expect(p2.bind[1]).toEqual(dest);
}

describe('reduction paths on WebGPU', () => {
  it('a full sum is one workgroup below 2 MIN_CHUNK elements, two passes from there', () => {
    expect(entries(full(2 * MIN_CHUNK - 1))).toEqual(['reduce_sum']);
    expect(full(2 * MIN_CHUNK - 1)[0]!.workgroups).toEqual([1, 1, 1]);
    expectTwoPass(full(2 * MIN_CHUNK), 'out');
    const big = full(1 << 22);
    expectTwoPass(big, 'out');
    expect(entries(big)).toEqual(['reduce_sum', 'reduce_sum']);
    // Many workgroups, each over at least MIN_CHUNK elements.
    expect(big[0]!.workgroups[0]).toBeGreaterThanOrEqual(64);
    expect((1 << 22) / big[0]!.workgroups[0]).toBeGreaterThanOrEqual(MIN_CHUNK);
  });

  it('int32 sums and means take the same paths', () => {
    expectTwoPass(dispatches(sumDef, [[1 << 20]], { axes: [0], keepdim: false }, ['int32']), 'out');
    expect(dispatches(sumDef, [[1 << 20]], { axes: [0], keepdim: false }, ['int32'])[0]!.constants).toMatchObject({ INT: 1 });
  });

  it('many outputs stay one pass', () => {
    expect(entries(dispatches(sumDef, [[512, 4 * MIN_CHUNK]], { axes: [1], keepdim: false }))).toEqual(['reduce_sum']);
  });

  it('column sums read adjacent columns, split over row chunks when tall', () => {
    expect(entries(dispatches(sumDef, [[100, 1000]], { axes: [0], keepdim: false }))).toEqual(['col_sum']);
    const tall = dispatches(sumDef, [[4096, 10]], { axes: [0], keepdim: false });
    expect(entries(tall)).toEqual(['col_sum', 'reduce_sum_short']);
    expectTwoPass(tall, 'out');
    // A short one (a small batch's bias gradient) is one thread per column.
    expect(entries(dispatches(sumDef, [[64, 10]], { axes: [0], keepdim: false }))).toEqual(['reduce_sum_short']);
  });

  it('losses split at 2 LOSS_MIN_CHUNK elements', () => {
    const n = 2 * LOSS_MIN_CHUNK;
    expect(entries(dispatches(mseLossDef, [[n - 1], [n - 1]]))).toEqual(['pair_loss']);
    expectTwoPass(dispatches(mseLossDef, [[n], [n]]), 'out');
    const logits = [n / 8 + 1, 8];
    expect(entries(dispatches(softmaxCrossEntropyDef, [[n / 8 - 1, 8], [n / 8 - 1]], {}, ['float32', 'int32']))).toEqual(['xent_loss_narrow']);
    expectTwoPass(dispatches(softmaxCrossEntropyDef, [logits, [logits[0]!]], {}, ['float32', 'int32']), 'out');
    // The fused loss and gradient: the gradient from pass 1, the loss (extra output 1) from pass 2.
    const fused = dispatches(softmaxCrossEntropyFusedDef, [logits, [logits[0]!], []], {}, ['float32', 'int32', 'float32']);
    expectTwoPass(fused, { out: 1 });
    expect(fused[0]!.bind).toContain('out');
  });

  it('softmax cross-entropy rows of up to XENT_NARROW_ROW classes are a thread each (the *_narrow kernels)', () => {
    const xent = (c: number) => entries(dispatches(softmaxCrossEntropyDef, [[5, c], [5]], {}, ['float32', 'int32']));
    const fused = (c: number) => entries(dispatches(softmaxCrossEntropyFusedDef, [[5, c], [5], []], {}, ['float32', 'int32', 'float32']));
    for (const c of [1, 2, 10, XENT_NARROW_ROW]) {
      expect(xent(c)).toEqual(['xent_loss_narrow']);
      expect(fused(c)).toEqual(['xent_fused_narrow']);
    }
    expect(xent(XENT_NARROW_ROW + 1)).toEqual(['xent_loss']);
    expect(fused(331)).toEqual(['xent_fused']);
    // The general kernels give a row this narrow one lane (lanes_per_row): the same threshold.
    expect(familySource('softmax_xent')).toContain(`const NARROW_ROW = ${XENT_NARROW_ROW}u;`);
  });
});

describe('elementwise paths on WebGPU', () => {
  const mask = (def: OpDef<any>, shapes: number[][], dtypes?: DType[]) => dispatches(def, shapes, {}, dtypes)[0]!.constants!.SAME_SHAPE;
  it('an operand with the output\'s shape is read at its own index; a broadcast one is strided', () => {
    expect(mask(addDef, [[7, 13], [7, 13]])).toBe(0b11);
    expect(mask(addDef, [[7, 13], [13]])).toBe(0b01);
    expect(mask(addDef, [[1], [1, 7, 13]])).toBe(0b10);
    expect(mask(addDef, [[7, 1], [13]])).toBe(0);
    // A leading 1 changes the rank, not the layout.
    expect(mask(addDef, [[1, 7, 13], [7, 13]])).toBe(0b11);
    expect(mask(whereDef, [[7, 13], [13], [7, 13]], ['int32', 'float32', 'float32'])).toBe(0b101);
  });
});

describe('indexSelectBackward paths on WebGPU', () => {
  const run = (n: number, rows: number, w: number) => entries(dispatches(indexSelectBackwardDef, [[n, w], [n]], { rows }, ['float32', 'int32']));
  it('scans the indices while that is cheap, links per-row lists beyond', () => {
    expect(run(11, 7, 5)).toEqual(['index_add_rows']);
    expect(run(128, 8, 8)).toEqual(['index_add_rows']);
    expect(run(129, 8, 8)).toEqual(['index_lists_init', 'index_lists_link', 'index_add_listed']);
    // The lists live in scratch: head and tail per row, next per index.
    const ds = dispatches(indexSelectBackwardDef, [[5000, 3], [5000]], { rows: 300 }, ['float32', 'int32']);
    expect(ds[0]!.bind).toEqual([{ scratch: 0, size: 2 * 300 + 5000, write: true }]);
    expect(ds[2]!.bind[1]).toEqual({ scratch: 0, size: 2 * 300 + 5000 });
  });
});
