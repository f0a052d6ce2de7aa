// The CPU check's comparison of one value: the largest difference, against a tolerance that
// scales with the value's size for floats and is zero for integers.
import { describe, expect, it } from 'vitest';
import { diff } from '../../src/tools/check.ts';

describe('the CPU check of one value', () => {
  it('float32: within 1e-4 of max(1, max |cpu|) passes, beyond fails', () => {
    const m = { shape: [3], dtype: 'float32' as const };
    const near = diff('a', m, [1, 2, 3.0002], [1, 2, 3]);
    expect(near.ok).toBe(true);
    expect(near.tolerance).toBeCloseTo(3e-4, 12);
    const bad = diff('a', m, [1, 2, 3.001], [1, 2, 3]);
    expect(bad.ok).toBe(false);
    expect(bad.maxAbsDiff).toBeCloseTo(0.001, 6);
    expect(diff('small', m, [0, 0, 5e-5], [0, 0, 0])).toMatchObject({ ok: true, tolerance: 1e-4 });
  });
  it('int32 must be equal; a NaN on one side only fails', () => {
    expect(diff('i', { shape: [2], dtype: 'int32' }, [1, 2], [1, 3])).toMatchObject({ ok: false, tolerance: 0, maxAbsDiff: 1 });
    expect(diff('n', { shape: [2], dtype: 'float32' }, [NaN, 1], [0, 1]).ok).toBe(false);
    expect(diff('n', { shape: [2], dtype: 'float32' }, [NaN, 1], [NaN, 1]).ok).toBe(true);
  });
});

describe('the relative difference', () => {
  it('is each difference over max(|cpu|, 1e-3 · max |cpu|); equal infinities agree', () => {
    const m = { shape: [3], dtype: 'float32' as const };
    // Twice the reference: every element off by its own size.
    expect(diff('d', m, [2, -4, 6], [1, -2, 3]).maxRelDiff).toBeCloseTo(1, 12);
    // 1e-6 off an element far below the value's scale: measured against 1e-3 · 1000 = 1.
    expect(diff('c', m, [1000, 1e-6, 0], [1000, 0, 0]).maxRelDiff).toBeCloseTo(1e-6, 12);
    expect(diff('i', m, [Infinity, 1, -Infinity], [Infinity, 1, -Infinity])).toMatchObject({ maxAbsDiff: 0, maxRelDiff: 0, ok: true });
    expect(diff('i', m, [1, 1, 1], [Infinity, 1, 1])).toMatchObject({ maxAbsDiff: Infinity, maxRelDiff: Infinity, ok: false });
    expect(diff('n', m, [NaN, 1, 1], [0, 1, 1]).maxRelDiff).toBe(Infinity);
  });
});
