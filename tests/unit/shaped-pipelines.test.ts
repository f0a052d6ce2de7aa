// Shape-specialised matmul pipelines without a GPU: a class of the tuning table asks for them
// (ClassChoice.shaped), the product rule then gives its product pass the sizes of its
// parameter block again as override constants (GpuDispatch.shaped), and a plan's
// ShapedBudget adds them to at most MAX_SHAPED_PIPELINES distinct pipelines.
import { describe, expect, it } from 'vitest';
import { LAYOUTS } from '../../src/ops/contract.ts';
import { MAX_SHAPED_PIPELINES, ShapedBudget } from '../../src/ops/define.ts';
import type { GpuDispatch } from '../../src/ops/define.ts';
import { DEFAULT_TUNING, SIZE_CLASSES, checkTuning, chooseMatmul, uniformTuning } from '../../src/ops/matmul-choice.ts';
import type { ClassChoice, MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { productDispatches } from '../../src/ops/matmul.ts';
import { tuningFor } from '../../src/backend/webgpu/tuning.ts';

const all = (c: ClassChoice): MatmulTuning => uniformTuning(c, 0, 'test', 'test');
const tiled = (shaped?: boolean, minGroups = 1): ClassChoice => ({ kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups, ...(shaped === undefined ? {} : { shaped }) });
const register = (shaped?: boolean, minGroups = 1): ClassChoice => ({ kernel: 'register', threads: 64, rows: 8, cols: 4, minGroups, ...(shaped === undefined ? {} : { shaped }) });
const dims = { batch: 1, m: 37, k: 300, n: 29, transA: true, transB: false };

/** The MATMUL words of a dispatch, by field. */
function sizesOf(d: GpuDispatch): Record<string, number> {
  const w = d.words([]);
  const at = LAYOUTS.MATMUL.at;
  return { m: w[at.m], n: w[at.n], k: w[at.k], kChunk: w[at.kChunk], a: w[at.aBatchStride], b: w[at.bBatchStride], batch: w[at.batch] } as Record<string, number>;
}

describe('the shaped flag of a class', () => {
  it('reaches the choice for tiled and register classes, false where the class does not set it', () => {
    for (const make of [tiled, register]) {
      expect(chooseMatmul(dims, all(make(true)))).toMatchObject({ shaped: true });
      expect(chooseMatmul(dims, all(make(false)))).toMatchObject({ shaped: false });
      expect(chooseMatmul(dims, all(make()))).toMatchObject({ shaped: false });
    }
    const small = chooseMatmul(dims, all({ kernel: 'small' }));
    expect(small.kernel).toBe('small');
    expect('shaped' in small).toBe(false);
  });

  it('checkTuning refuses a flag that is not a boolean, naming the class', () => {
    const bad = all(register(true));
    bad.classes['m-flat'] = { kernel: 'register', threads: 64, rows: 8, cols: 4, minGroups: 1, shaped: 'yes' as unknown as boolean };
    expect(() => checkTuning(bad)).toThrow(/class m-flat: shaped must be true or false, got yes/);
    expect(() => checkTuning(all(tiled(true)))).not.toThrow();
  });

  it('the default table (real GPUs, not measured) asks for none: each costs a compile at a first step', () => {
    for (const cls of SIZE_CLASSES) expect((DEFAULT_TUNING.classes[cls] as { shaped?: boolean }).shaped, cls).toBeUndefined();
    expect(() => checkTuning(tuningFor('google swiftshader'))).not.toThrow();
  });
});

describe('the product rule', () => {
  it('gives the product pass its parameter block sizes as DIM_* constants, tiled and register, and none to the generic', () => {
    for (const make of [tiled, register]) {
      const [d] = productDispatches([300, 37], [300, 29], { transA: true, transB: false }, { kind: 'none' }, all(make(true)));
      const s = sizesOf(d!);
      expect(d!.shaped).toEqual({ SHAPED: 1, DIM_M: s.m, DIM_N: s.n, DIM_K: s.k, DIM_K_CHUNK: s.kChunk, DIM_A_BATCH_STRIDE: s.a, DIM_B_BATCH_STRIDE: s.b, DIM_BATCH: s.batch });
      expect([s.m, s.n, s.k, s.batch]).toEqual([37, 29, 300, 1]);
      const [generic] = productDispatches([300, 37], [300, 29], { transA: true, transB: false }, { kind: 'none' }, all(make(false)));
      expect(generic!.shaped).toBeUndefined();
      expect(generic!.constants).toEqual(d!.constants);
    }
  });

  it('batch strides and a split: the partial pass is shaped with its K-chunk, the sum pass is not', () => {
    for (const make of [tiled, register]) {
      const [partial, sum] = productDispatches([3, 40, 512], [512, 24], { transA: false, transB: false }, { kind: 'none' }, all(make(true, 64)));
      const choice = chooseMatmul({ batch: 3, m: 40, k: 512, n: 24, transA: false, transB: false }, all(make(true, 64)));
      if (choice.kernel === 'small') throw new Error('a product kernel expected');
      expect(choice.splits).toBeGreaterThan(1);
      expect(partial!.shaped).toMatchObject({ DIM_K: 512, DIM_K_CHUNK: choice.kChunk, DIM_A_BATCH_STRIDE: 40 * 512, DIM_B_BATCH_STRIDE: 0, DIM_BATCH: 3 });
      // Both kernels read their chunk from the parameter block (the register kernel too).
      expect(sizesOf(partial!).kChunk).toBe(choice.kChunk);
      expect(sum!.family).toBe('matmul_sum');
      expect(sum!.shaped).toBeUndefined();
    }
  });
});

describe("a plan's ShapedBudget", () => {
  const product = (k: number, shaped = true): GpuDispatch => productDispatches([37, k], [k, 29], { transA: false, transB: false }, { kind: 'none' }, all(register(shaped)))[0]!;

  it(`admits ${MAX_SHAPED_PIPELINES} distinct shaped pipelines, repeats free; past that the generic pipeline runs`, () => {
    const budget = new ShapedBudget();
    const ks = Array.from({ length: MAX_SHAPED_PIPELINES + 3 }, (_, i) => 3 + 2 * i);
    const got = [...ks, ks[0]!, ks[MAX_SHAPED_PIPELINES]!].map((k) => budget.admit(product(k)));
    const shapedKs = got.filter((d) => d.constants?.SHAPED === 1).map((d) => d.constants!.DIM_K);
    expect(shapedKs).toEqual([...ks.slice(0, MAX_SHAPED_PIPELINES), ks[0]]);
    expect(budget.count).toBe(MAX_SHAPED_PIPELINES);
    for (const d of got.filter((x) => x.constants?.SHAPED !== 1)) {
      expect(Object.keys(d.constants!).some((c) => c === 'SHAPED' || c.startsWith('DIM_'))).toBe(false);
      expect(d.shaped).toBeUndefined();
      expect(d.constants).toEqual(product(d.words([])[LAYOUTS.MATMUL.at.k] as number).constants);
    }
  });

  it('leaves a dispatch without shaped constants as it is, and a fresh budget starts again', () => {
    const plain = product(9, false);
    expect(new ShapedBudget(0).admit(plain)).toBe(plain);
    expect(new ShapedBudget(0).admit(product(9)).constants?.SHAPED).toBeUndefined();
    expect(new ShapedBudget(1).admit(product(9)).constants?.SHAPED).toBe(1);
  });
});
