// Without a GPU: sums over axes that alternate past the kernels' MAX_DIMS kept and reduced
// dims, and broadcasts back (their gradients), run in passes through scratch 1 and 2, each
// pass writing what the next reads. tests/gpu/carried.test.ts checks their values.
import { describe, expect, it } from 'vitest';
import type { Binding, GpuDispatch, OpDef } from '../../src/ops/define.ts';
import { isScratch } from '../../src/ops/define.ts';
import type { DType } from '../../src/graph/ir.ts';
import { broadcastToDef, sumDef } from '../../src/ops/reduce.ts';
import { MAX_DIMS } from '../../src/ops/contract.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';

function dispatches(def: OpDef<any>, shape: number[], attrs: Record<string, unknown>, dtype: DType = 'float32'): GpuDispatch[] {
  const out = def.shape([{ shape, dtype }], attrs);
  return def.gpu({ inShapes: [shape], inDtypes: [dtype], outShape: out.shape, outDtype: out.dtype, attrs, tuning: DEFAULT_TUNING });
}

const where = (b: Binding | undefined): string => (b === undefined ? 'none' : isScratch(b) ? `scratch ${b.scratch}` : JSON.stringify(b));

/** Each pass reads what the one before wrote; the first reads the input, the last writes 'out'. */
function expectChain(ds: GpuDispatch[]): void {
  expect(where(ds[0]!.bind[0])).toBe(JSON.stringify({ input: 0 }));
  for (let k = 1; k < ds.length; k++) expect(where(ds[k]!.bind[0])).toBe(where(ds[k - 1]!.bind[1]));
  expect(ds[ds.length - 1]!.bind[1]).toBe('out');
  for (const d of ds.slice(0, -1)) expect((d.bind[1] as { write?: boolean }).write).toBe(true);
}

const alternating = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 : 3));
const odd = (n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);

describe('reductions past MAX_DIMS alternating dims', () => {
  it(`up to ${MAX_DIMS} kept and ${MAX_DIMS} reduced runs take one pass`, () => {
    const ds = dispatches(sumDef, alternating(12), { axes: odd(12), keepdim: false });
    expect(ds).toHaveLength(1);
  });

  it('more take a pass per MAX_DIMS - 1 reduced runs, chained through scratch', () => {
    for (const [n, passes] of [[13, 2], [14, 2], [24, 3], [40, 4]] as const) {
      const ds = dispatches(sumDef, alternating(n), { axes: odd(n), keepdim: false });
      expect(ds, `${n} dims`).toHaveLength(passes);
      expectChain(ds);
    }
  });

  it('broadcastTo past MAX_DIMS runs takes passes too, and one pass within it', () => {
    expect(dispatches(broadcastToDef, [1, 3, 1, 3, 1, 3], { shape: [2, 3, 2, 3, 2, 3] })).toHaveLength(1);
    for (const n of [7, 13, 30]) {
      const to = alternating(n);
      const from = to.map((d, i) => (i % 2 === 0 ? 1 : d));
      const ds = dispatches(broadcastToDef, from, { shape: to });
      expect(ds.length, `${n} dims`).toBeGreaterThan(1);
      expectChain(ds);
    }
  });
});
