// The matmul kernel choice without a GPU: size classes, split-K, bounds tests and vec4
// loads as a pure function of the shape and a tuning table; the GPU rules reading the table
// from their arguments; the tables' validation; and which table an adapter gets.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING, MAX_SPLITS, MIN_CHUNK, SIZE_CLASSES, checkTuning, chooseMatmul, quadProblem, registerProblem, sizeClass, tileProblem, uniformTuning, withoutQuads } from '../../src/ops/matmul-choice.ts';
import type { ClassChoice, MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { linearDef, matmulDef, productDispatches } from '../../src/ops/matmul.ts';
import { linearParamGradDef } from '../../src/ops/fused.ts';
import { tuningFor } from '../../src/backend/webgpu/tuning.ts';

const all = (c: ClassChoice, smallFlop = 0): MatmulTuning => uniformTuning(c, smallFlop, 'test', 'test');
const tiled = (minGroups = 1): ClassChoice => ({ kernel: 'tiled', wgM: 8, wgN: 8, reg: 8, tileK: 32, minGroups });
const register = (minGroups = 1, rows: 4 | 8 = 8, cols: 4 | 8 = 4, threads = 64): ClassChoice => ({ kernel: 'register', threads, rows, cols, minGroups });
const quad = (minGroups = 1, rows: 8 | 16 = 16, cols: 1 | 2 | 4 = 2, threads = 16): ClassChoice => ({ kernel: 'quad', threads, rows, cols, minGroups });
const dims = (m: number, k: number, n: number, more: Partial<{ batch: number; transA: boolean; transB: boolean; onesCol: boolean }> = {}) => ({
  batch: 1,
  m,
  k,
  n,
  transA: false,
  transB: false,
  ...more,
});

describe('size classes', () => {
  it('split by output elements and by how deep K is', () => {
    expect(sizeClass(dims(64, 64, 64))).toBe('xs-flat');
    expect(sizeClass(dims(16, 512, 16))).toBe('xs-deep');
    expect(sizeClass(dims(128, 128, 128))).toBe('s-flat');
    expect(sizeClass(dims(128, 784, 128))).toBe('s-deep');
    expect(sizeClass(dims(256, 256, 256))).toBe('s-flat');
    expect(sizeClass(dims(512, 512, 512))).toBe('m-flat');
    expect(sizeClass(dims(1024, 1024, 1024))).toBe('l-flat');
    expect(sizeClass(dims(1024, 4096, 1024))).toBe('l-deep');
    // The batch counts toward the output.
    expect(sizeClass(dims(64, 64, 64, { batch: 2 }))).toBe('s-flat');
  });

  it("are 'shallow' where K is at most an eighth of the output's side (a weight gradient at a small batch)", () => {
    // gᵀx of a 3072 -> 256 layer at batch 64: 786432 outputs (side 887), K = 64.
    expect(sizeClass(dims(256, 64, 3072))).toBe('m-shallow');
    expect(sizeClass(dims(256, 111, 3072))).toBe('m-flat');
    expect(sizeClass(dims(256, 16, 256))).toBe('s-shallow');
    expect(sizeClass(dims(256, 32, 256))).toBe('s-shallow');
    expect(sizeClass(dims(256, 33, 256))).toBe('s-flat');
    expect(sizeClass(dims(2048, 128, 1024))).toBe('l-shallow');
    // xs has no shallow class: such a product is a few thousand FLOP.
    expect(sizeClass(dims(64, 1, 64))).toBe('xs-flat');
    // Every class a shape can land in is in the table's list.
    for (const [m, k, n] of [[1, 1, 1], [256, 1, 256], [4096, 1, 4096], [1, 100000, 1]]) expect(SIZE_CLASSES).toContain(sizeClass(dims(m!, k!, n!)));
  });
});

describe('the register kernel', () => {
  it('covers the output in blocks of rows x cols, threads blocks per workgroup, batch entries along z', () => {
    // 256 x 3072 in 8x4 blocks: 32 x 768 = 24576 blocks, 384 workgroups of 64.
    const c = chooseMatmul(dims(256, 64, 3072, { transA: true }), all(register()));
    expect(c).toMatchObject({ kernel: 'register', reg: { threads: 64, rows: 8, cols: 4 }, groups: [384, 1, 1], splits: 1, check: false, vecA: true, vecB: true });
    const b = chooseMatmul(dims(37, 70, 29, { batch: 3 }), all(register(1, 4, 8, 64)));
    // ceil(37 / 4) x ceil(29 / 8) = 40 blocks: one workgroup per batch entry.
    expect(b).toMatchObject({ kernel: 'register', groups: [1, 1, 3], check: true, vecA: false, vecB: false });
  });

  it('folds workgroups past 65535 along x into y', () => {
    // 8192 x 8192 in 4x4 blocks: 4M blocks, 65536 workgroups of 64.
    const c = chooseMatmul(dims(8192, 64, 8192), all(register(1, 4, 4, 64)));
    expect(c).toMatchObject({ kernel: 'register', groups: [32768, 2, 1] });
  });

  it('tests bounds where M is not a multiple of the rows, the columns of cols, or K of 4', () => {
    expect(chooseMatmul(dims(64, 64, 64), all(register(1, 8, 8)))).toMatchObject({ kernel: 'register', check: false });
    for (const d of [dims(68, 64, 64), dims(64, 66, 64), dims(64, 64, 68), dims(64, 64, 64, { onesCol: true })]) {
      const c = chooseMatmul(d, all(register(1, 8, 8)));
      expect(c.kernel === 'register' && c.check, JSON.stringify(d)).toBe(true);
    }
    // 4x4 blocks: 68 rows and 68 columns fit.
    expect(chooseMatmul(dims(68, 64, 68), all(register(1, 4, 4)))).toMatchObject({ kernel: 'register', check: false });
  });

  it('splits K into chunks of whole steps of 4 when too few workgroups would run', () => {
    // The forward of a 3072 -> 256 layer at batch 64: 64 x 256 in 8x4 blocks is 512 blocks,
    // 8 workgroups of 64; 32 wanted: 4 chunks of 768.
    const c = chooseMatmul(dims(64, 3072, 256, { transB: true }), all(register(32)));
    expect(c).toMatchObject({ kernel: 'register', groups: [8, 1, 4], splits: 4, kChunk: 768 });
    const odd = chooseMatmul(dims(64, 3001, 256), all(register(32)));
    if (odd.kernel !== 'register') throw new Error('register expected');
    expect(odd.kChunk % 4).toBe(0);
    expect(odd.kChunk * odd.splits).toBeGreaterThanOrEqual(3001);
    expect(odd.kChunk * (odd.splits - 1)).toBeLessThan(3001);
    expect(chooseMatmul(dims(64, 3072, 256), all(register(8)))).toMatchObject({ kernel: 'register', splits: 1 });
  });

  it('runs a batch of tiny products one thread per output (the workgroups would be idle)', () => {
    expect(chooseMatmul(dims(2, 2, 1, { batch: 100 }), all(register())).kernel).toBe('small');
  });

  it('dispatches matmul_reg.wgsl entries, with matmul_sum for split-K', () => {
    const kernels = (ds: { family: string; kernel: string }[]): string[] => ds.map((d) => `${d.family}.${d.kernel}`);
    expect(kernels(productDispatches([64, 784], [784, 128], { transA: false, transB: false }, { kind: 'none' }, all(register())))).toEqual(['matmul_reg.matmul_reg']);
    expect(kernels(productDispatches([64, 784], [128, 784], { transA: false, transB: true }, { kind: 'linear', act: 1, alpha: 0, pre: true }, all(register())))).toEqual(['matmul_reg.linear_pre_reg']);
    expect(kernels(productDispatches([64, 784], [784, 128], { transA: false, transB: false }, { kind: 'actBackward', code: 1, alpha: 0 }, all(register())))).toEqual(['matmul_reg.matmul_reg_act_backward']);
    expect(kernels(productDispatches([64, 128], [64, 784], { transA: true, transB: false }, { kind: 'colsum' }, all(register())))).toEqual(['matmul_reg.matmul_reg_colsum']);
    const split = productDispatches([64, 784], [128, 784], { transA: false, transB: true }, { kind: 'linear', act: 1, alpha: 0, pre: false }, all(register(64)));
    expect(kernels(split)).toEqual(['matmul_reg.matmul_reg_partial', 'matmul_sum.sum_linear']);
    expect(split[0]!.constants).toMatchObject({ WG: 64, REG: 8, REG_N: 4, TRANS_B: 1, VEC_A: 1, VEC_B: 1 });
    expect(split[0]!.constants?.SPLIT_K ?? 0).toBeGreaterThan(1);
  });
});

describe('the quad kernel', () => {
  it('blocks a quad of threads over rows x 16 cols, with bounds tests off only on whole blocks', () => {
    // 512 / 16 x 512 / 32 = 512 blocks, 4 threads each, 16 threads a workgroup: 128 workgroups.
    expect(chooseMatmul(dims(512, 512, 512), all(quad()))).toMatchObject({ kernel: 'quad', groups: [128, 1, 1], splits: 1, check: false, vecA: true, vecB: true });
    expect(chooseMatmul(dims(512, 512, 500), all(quad()))).toMatchObject({ kernel: 'quad', check: true });
    expect(chooseMatmul(dims(512, 510, 512), all(quad()))).toMatchObject({ kernel: 'quad', check: true });
    // The ones column makes N + 1 columns.
    expect(chooseMatmul(dims(512, 64, 512, { transA: true, onesCol: true }), all(quad()))).toMatchObject({ kernel: 'quad', check: true });
    const split = chooseMatmul(dims(64, 3072, 256), all(quad(64)));
    expect(split).toMatchObject({ kernel: 'quad', groups: [8, 1, 8], splits: 8, kChunk: 384 });
  });

  it('dispatches matmul_quad.wgsl entries, with matmul_sum for split-K', () => {
    const kernels = (ds: { family: string; kernel: string }[]): string[] => ds.map((d) => `${d.family}.${d.kernel}`);
    expect(kernels(productDispatches([64, 784], [784, 128], { transA: false, transB: false }, { kind: 'none' }, all(quad())))).toEqual(['matmul_quad.matmul_quad']);
    expect(kernels(productDispatches([64, 784], [128, 784], { transA: false, transB: true }, { kind: 'linear', act: 1, alpha: 0, pre: true }, all(quad())))).toEqual(['matmul_quad.linear_pre_quad']);
    expect(kernels(productDispatches([64, 128], [64, 784], { transA: true, transB: false }, { kind: 'colsum' }, all(quad())))).toEqual(['matmul_quad.matmul_quad_colsum']);
    const split = productDispatches([64, 784], [128, 784], { transA: false, transB: true }, { kind: 'actBackward', code: 1, alpha: 0 }, all(quad(64, 8, 4, 32)));
    expect(kernels(split)).toEqual(['matmul_quad.matmul_quad_partial', 'matmul_sum.sum_act_backward']);
    expect(split[0]!.constants).toMatchObject({ WG: 32, QUAD_ROWS: 8, QUAD_COLS: 4, TRANS_B: 1, VEC_A: 1, VEC_B: 1 });
  });

  it('quadProblem names what a configuration breaks; withoutQuads swaps quads for register blocks', () => {
    expect(quadProblem({ threads: 16, rows: 16, cols: 4 })).toBeNull();
    expect(quadProblem({ threads: 18, rows: 16, cols: 4 })).toMatch(/threads must be a multiple of 4 from 4 to 256, got 18/);
    expect(quadProblem({ threads: 16, rows: 4 as 8, cols: 4 })).toMatch(/rows must be 8 or 16, got 4/);
    expect(quadProblem({ threads: 16, rows: 8, cols: 3 as 4 })).toMatch(/cols must be 1, 2 or 4, got 3/);
    expect(() => checkTuning(all(quad(1, 16, 8 as 4)))).toThrow(/class xs-flat: cols must be 1, 2 or 4, got 8/);
    const swapped = withoutQuads({ ...all(quad(32, 16, 2, 64)), classes: { ...all(quad(32, 16, 2, 64)).classes, 'xs-flat': { kernel: 'small' } } });
    expect(swapped.classes['m-flat']).toEqual({ kernel: 'register', threads: 64, rows: 8, cols: 8, minGroups: 32 });
    expect(swapped.classes['xs-flat']).toEqual({ kernel: 'small' });
  });
});

describe('chooseMatmul', () => {
  it('takes the class table: one thread per output, or the tiled kernel', () => {
    expect(chooseMatmul(dims(128, 128, 128), all({ kernel: 'small' })).kernel).toBe('small');
    const c = chooseMatmul(dims(128, 128, 128), all(tiled()));
    expect(c).toMatchObject({ kernel: 'tiled', groups: [2, 2, 1], splits: 1, check: false, vecA: true, vecB: true });
  });

  it('runs products of at most smallFlop FLOP one thread per output, whatever their class', () => {
    // 2 x 140 x 32 x 32 = 286720 FLOP: a lesson net's hidden layer.
    expect(chooseMatmul(dims(140, 32, 32), all(tiled(), 2 ** 20)).kernel).toBe('small');
    expect(chooseMatmul(dims(140, 32, 32), all(tiled(), 286719)).kernel).toBe('tiled');
    expect(chooseMatmul(dims(140, 32, 32), all(tiled(), 286720)).kernel).toBe('small');
    expect(() => checkTuning({ ...all(tiled()), smallFlop: -1 })).toThrow(/smallFlop must be a number >= 0, got -1/);
  });

  it('runs a batch of tiny products one thread per output (the tiles would be padding)', () => {
    expect(chooseMatmul(dims(2, 2, 1, { batch: 100 }), all(tiled())).kernel).toBe('small');
  });

  it('tests bounds only where the shape is not a multiple of the tile, the ones column included', () => {
    const fit = chooseMatmul(dims(64, 96, 128), all(tiled()));
    expect(fit.kernel === 'tiled' && fit.check).toBe(false);
    for (const d of [dims(65, 96, 128), dims(64, 95, 128), dims(64, 96, 127), dims(64, 96, 128, { onesCol: true })]) {
      const c = chooseMatmul(d, all(tiled()));
      expect(c.kernel === 'tiled' && c.check, JSON.stringify(d)).toBe(true);
    }
    // 127 columns and the ones column fill two 64-wide tiles exactly.
    const ones = chooseMatmul(dims(64, 96, 127, { onesCol: true }), all(tiled()));
    expect(ones).toMatchObject({ check: false, groups: [2, 1, 1] });
  });

  it('reads a panel in vec4s when its contiguous direction comes in whole vec4s', () => {
    const pick = (m: number, k: number, n: number, transA: boolean, transB: boolean) => {
      const c = chooseMatmul(dims(m, k, n, { transA, transB }), all(tiled()));
      return c.kernel === 'tiled' ? [c.vecA, c.vecB] : null;
    };
    // Row-major A runs along K, transposed A along M; row-major B along N, transposed B along K.
    expect(pick(130, 68, 130, false, false)).toEqual([true, false]);
    expect(pick(130, 68, 130, true, false)).toEqual([false, false]);
    expect(pick(132, 66, 130, true, true)).toEqual([true, false]);
    expect(pick(130, 68, 132, false, true)).toEqual([true, true]);
  });

  it('splits K into chunks of whole K-steps when there are too few tiles', () => {
    const c = chooseMatmul(dims(64, 784, 128), all(tiled(64)));
    if (c.kernel !== 'tiled') throw new Error('tiled expected');
    // 2 tiles want 32 chunks; K = 784 allows 12 of at least MIN_CHUNK.
    expect(c.splits).toBeGreaterThan(1);
    expect(c.splits).toBeLessThanOrEqual(Math.min(MAX_SPLITS, Math.floor(784 / MIN_CHUNK)));
    expect(c.kChunk % 32).toBe(0);
    expect(c.kChunk * c.splits).toBeGreaterThanOrEqual(784);
    expect(c.kChunk * (c.splits - 1)).toBeLessThan(784);
    expect(c.groups).toEqual([2, 1, c.splits]);
    expect(c.check).toBe(true);
  });

  it('does not split below two minimum chunks of K, nor when the tiles suffice', () => {
    const below = chooseMatmul(dims(64, 2 * MIN_CHUNK - 1, 64), all(tiled(64)));
    expect(below.kernel === 'tiled' && below.splits).toBe(1);
    const above = chooseMatmul(dims(64, 2 * MIN_CHUNK, 64), all(tiled(64)));
    expect(above.kernel === 'tiled' && above.splits).toBe(2);
    const enough = chooseMatmul(dims(512, 4096, 512), all(tiled(64)));
    expect(enough.kernel === 'tiled' && enough.splits).toBe(1);
  });

  it('a split product is two dispatches: partials into scratch, then their sum with the epilogue', () => {
    const ds = productDispatches([64, 784], [128, 784], { transA: false, transB: true }, { kind: 'linear', act: 1, alpha: 0, pre: false }, all(tiled(64)));
    expect(ds.map((d) => `${d.family}.${d.kernel}`)).toEqual(['matmul.matmul_partial', 'matmul_sum.sum_linear']);
    const c = chooseMatmul(dims(64, 784, 128, { transB: true }), all(tiled(64)));
    const splits = c.kernel === 'tiled' ? c.splits : 0;
    expect(ds[0]!.bind[2]).toEqual({ scratch: 0, size: splits * 64 * 128, write: true });
    expect(ds[1]!.bind[0]).toEqual({ scratch: 0, size: splits * 64 * 128 });
    expect(ds[1]!.constants).toMatchObject({ SPLIT_K: splits, ACT: 1 });
  });
});

describe('the GPU rules get the table in their arguments', () => {
  const args = (inShapes: number[][], outShape: number[], attrs: object, tuning: MatmulTuning) => ({ inShapes, inDtypes: inShapes.map(() => 'float32' as const), outShape, outDtype: 'float32' as const, attrs: attrs as never, tuning });
  it('the same op and shapes dispatch what the table given says, whatever was given before', () => {
    const entries = (ds: { family: string; kernel: string }[]): string[] => ds.map((d) => `${d.family}.${d.kernel}`);
    const mm = (t: MatmulTuning) => entries(matmulDef.gpu(args([[64, 784], [784, 128]], [64, 128], { transA: false, transB: false }, t)));
    expect(mm(all({ kernel: 'small' }))).toEqual(['matmul.matmul_small']);
    expect(mm(all(tiled(1)))).toEqual(['matmul.matmul']);
    expect(mm(all(tiled(64)))).toEqual(['matmul.matmul_partial', 'matmul_sum.sum_matmul']);
    expect(mm(all({ kernel: 'small' }))).toEqual(['matmul.matmul_small']);
    // The fused rules too (src/ops/fused.ts), and linear.
    expect(entries(linearDef.gpu(args([[64, 784], [128, 784], [128]], [64, 128], { act: 'relu', alpha: 0 }, all(tiled(1)))))).toEqual(['matmul.linear']);
    expect(entries(linearParamGradDef.gpu(args([[64, 128], [64, 784]], [128, 784], {}, all({ kernel: 'small' }))))).toEqual(['matmul.matmul_colsum_small']);
    expect(entries(linearParamGradDef.gpu(args([[64, 128], [64, 784]], [128, 784], {}, all(tiled(1)))))).toEqual(['matmul.matmul_colsum']);
  });
});

describe('tuning tables', () => {
  it('tileProblem names what a configuration breaks', () => {
    expect(tileProblem({ wgM: 8, wgN: 8, reg: 8, tileK: 32 })).toBeNull();
    expect(tileProblem({ wgM: 32, wgN: 16, reg: 4, tileK: 16 })).toMatch(/512 threads|more than the 256/);
    expect(tileProblem({ wgM: 16, wgN: 16, reg: 8, tileK: 32 })).toMatch(/32768 bytes exceed the 16384/);
    expect(tileProblem({ wgM: 8, wgN: 8, reg: 8, tileK: 30 })).toMatch(/multiple of 4/);
    expect(tileProblem({ wgM: 8, wgN: 8, reg: 6 as 8, tileK: 32 })).toMatch(/reg must be 4 or 8/);
  });

  it('checkTuning refuses a table that could not run, naming the class', () => {
    const bad = all(tiled());
    bad.classes['m-deep'] = { kernel: 'tiled', wgM: 16, wgN: 32, reg: 4, tileK: 16, minGroups: 1 };
    expect(() => checkTuning(bad)).toThrow(/class m-deep: 16x32 threads/);
    const missing = all(tiled());
    delete (missing.classes as Partial<MatmulTuning['classes']>)['xs-flat'];
    expect(() => checkTuning(missing)).toThrow(/no entry for size class xs-flat/);
    expect(() => checkTuning({ ...all(tiled()), smallFlop: -1 })).toThrow(/smallFlop must be a number >= 0, got -1/);
  });

  it('registerProblem names what a configuration breaks', () => {
    expect(registerProblem({ threads: 64, rows: 8, cols: 8 })).toBeNull();
    expect(registerProblem({ threads: 512, rows: 4, cols: 4 })).toMatch(/threads must be an integer from 1 to 256/);
    expect(registerProblem({ threads: 64, rows: 6 as 8, cols: 4 })).toMatch(/rows must be 4 or 8, got 6/);
    expect(registerProblem({ threads: 64, rows: 4, cols: 2 as 4 })).toMatch(/cols must be 4 or 8, got 2/);
    const bad = all(tiled());
    bad.classes['m-shallow'] = { kernel: 'register', threads: 300, rows: 4, cols: 4, minGroups: 1 };
    expect(() => checkTuning(bad)).toThrow(/class m-shallow: threads must be/);
  });

  it('the default table (an adapter with no table: a real GPU) runs tiled kernels of 64 to 256 threads', () => {
    for (const cls of SIZE_CLASSES) {
      const c = DEFAULT_TUNING.classes[cls];
      if (c.kernel === 'small') continue;
      expect(c.kernel, cls).toBe('tiled');
      const threads = c.kernel === 'tiled' ? c.wgM * c.wgN : c.threads;
      expect(threads, cls).toBeGreaterThanOrEqual(64);
      expect(threads, cls).toBeLessThanOrEqual(256);
    }
    // Only the smallest class runs one thread per output.
    expect(SIZE_CLASSES.filter((cls) => DEFAULT_TUNING.classes[cls].kernel === 'small')).toEqual(['xs-flat']);
  });

  it('the default table runs no product of 128³ or more in workgroups of fewer than 64 threads', () => {
    // Square, deep, shallow (a weight gradient, A transposed) and batched products, on and off the tile grid.
    const shapes: [number, number, number, Parameters<typeof dims>[3]][] = [
      [128, 128, 128, {}], [129, 131, 127, {}], [256, 256, 256, {}], [512, 512, 512, { transB: true }], [1000, 1000, 1000, {}],
      [1024, 1024, 1024, {}], [128, 4096, 128, {}], [2048, 128, 1024, { transA: true }], [384, 32, 1536, { transA: true }],
      [128, 128, 128, { batch: 8 }], [4096, 256, 4096, {}], [128, 128, 128, { onesCol: true }],
    ];
    for (const [m, k, n, extra] of shapes) {
      const c = chooseMatmul(dims(m, k, n, extra), DEFAULT_TUNING);
      const threads = c.kernel === 'small' ? 1 : c.kernel === 'tiled' ? c.tile.wgM * c.tile.wgN : c.kernel === 'register' ? c.reg.threads : c.quad.threads;
      expect(threads, `${m}x${k}x${n} ${JSON.stringify(extra)}: ${c.kernel}`).toBeGreaterThanOrEqual(64);
    }
  });

  it('the default table and every committed table are valid', () => {
    expect(() => checkTuning(DEFAULT_TUNING)).not.toThrow();
    const swiftshader = tuningFor('google swiftshader');
    expect(swiftshader).not.toBe(DEFAULT_TUNING);
    expect(() => checkTuning(swiftshader)).not.toThrow();
    expect(swiftshader.source).toMatch(/measured by npm run bench -- --tune/);
  });

  it('an adapter gets the table whose words its description has, else the default', () => {
    // Chrome's and Dawn's descriptions of the same adapter.
    expect(tuningFor('google swiftshader')).toBe(tuningFor('google swiftshader swiftshader-device-subzero- SwiftShader driver 5.0.0'));
    expect(tuningFor('nvidia hopper NVIDIA H200')).toBe(DEFAULT_TUNING);
  });
});
