// npm run bench:kernels without a GPU: its options fail clearly, and its schema check
// rejects results that must not pass (the smoke run in npm test relies on it).
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/kernels/options.ts';
import { OP_NAMES } from '../../bench/kernels/ops.ts';
import { schemaErrors } from '../../bench/kernels/report.ts';
import type { KernelResult, KernelRow } from '../../bench/kernels/run.ts';

describe('bench:kernels options', () => {
  it('defaults to every op at its own shapes; --op and --shapes narrow it', () => {
    const all = parseArgs([]);
    expect(all.mode).toBe('full');
    expect(all.node).toBe(false);
    expect(all.runs.map((r) => r.op)).toEqual(OP_NAMES);
    expect(OP_NAMES).toEqual(expect.arrayContaining(['matmul', 'linear', 'add', 'relu', 'sum', 'colsum', 'crossEntropy', 'adam']));
    const mm = parseArgs(['--op', 'matmul,linear', '--shapes=512x512x512,128x784x128', '--node', '--smoke']);
    expect(mm).toEqual({
      mode: 'smoke',
      node: true,
      runs: [
        { op: 'matmul', shapes: [[512, 512, 512], [128, 784, 128]] },
        { op: 'linear', shapes: [[512, 512, 512], [128, 784, 128]] },
      ],
    });
  });

  it('names the option, the value and what was expected', () => {
    expect(() => parseArgs(['--op', 'matmull'])).toThrow(/--op 'matmull' is not an op this benchmark times; expected one of matmul, linear/);
    expect(() => parseArgs(['--op', 'matmul', '--shapes', '512x512xA'])).toThrow(/--shapes '512x512xA' is not a shape: expected positive integers joined by 'x'/);
    expect(() => parseArgs(['--op', 'matmul', '--shapes', '0x4x4'])).toThrow(/--shapes '0x4x4' is not a shape/);
    expect(() => parseArgs(['--op', 'matmul', '--shapes', '512x512'])).toThrow(/--shapes '512x512': matmul expects MxKxN .*3 numbers, got 2/);
    expect(() => parseArgs(['--shapes', '128x128x128'])).toThrow(/add expects RxC.*pass --op/);
    expect(() => parseArgs(['--op'])).toThrow(/--op needs a value/);
    expect(() => parseArgs(['--smoky'])).toThrow(/unknown option '--smoky'/);
  });
});

describe('bench:kernels schema check', () => {
  const row = (over: Partial<KernelRow> = {}): KernelRow => ({
    op: 'matmul',
    kernels: ['matmul (matmul.matmul)'],
    shape: '32x32x32',
    ms: 0.5,
    gflops: 0.13,
    gbs: 0.05,
    flopShare: 0.01,
    bandwidthShare: 0.02,
    // 12288 B at 2.5 GB/s: 4.9152 us; 0.5 ms is 101.7x that.
    copyMs: 12288 / 2.5e6,
    ofCopyTime: 0.5 / (12288 / 2.5e6),
    flop: 65536,
    bytes: 12288,
    method: 'timestamp',
    dispatches: 1,
    repeats: 8,
    ...over,
  });
  const result = (over: Partial<KernelResult> = {}): KernelResult => ({
    adapter: 'test adapter',
    date: new Date(0).toISOString(),
    mode: 'smoke',
    runtime: 'node',
    timestampQuery: true,
    ceilings: { bandwidthGBs: 2.5, gflops: 10, copyBytes: 1 << 21, fmaFlop: 1 << 24, copyMethod: 'timestamp', fmaMethod: 'median-of-N-in-one-submit' },
    model: {},
    rows: [row()],
    notes: [],
    ...over,
  });
  const plan = { runs: [{ op: 'matmul' as const, shapes: [[32, 32, 32]] }] };

  it('passes a well-formed result', () => {
    expect(schemaErrors(result(), plan)).toEqual([]);
  });

  it('rejects a figure that is zero, negative, NaN or infinite, a missing ceiling and a missing row', () => {
    expect(schemaErrors(result({ rows: [row({ ms: 0 })] }), plan)).toEqual([expect.stringMatching(/ms must be a positive number, got 0/)]);
    expect(schemaErrors(result({ rows: [row({ gflops: Number.NaN })] }), plan)).toEqual([expect.stringMatching(/gflops must be a positive number/)]);
    expect(schemaErrors(result({ rows: [row({ gbs: Infinity })] }), plan)).toEqual([expect.stringMatching(/gbs must be a positive number/)]);
    expect(schemaErrors(result({ rows: [row({ kernels: [] })] }), plan)).toEqual([expect.stringMatching(/kernels must be a non-empty list/)]);
    expect(schemaErrors(result({ rows: [row({ copyMs: 1 })] }), plan)).toContainEqual(expect.stringMatching(/copyMs 1 is not bytes \/ copy bandwidth/));
    expect(schemaErrors(result({ rows: [row({ ofCopyTime: 2 })] }), plan)).toEqual([expect.stringMatching(/ofCopyTime must be ms \/ copyMs/)]);
    expect(schemaErrors(result({ ceilings: { ...result().ceilings, gflops: -1 } }), plan)).toEqual([expect.stringMatching(/ceilings.gflops/)]);
    expect(schemaErrors(result({ rows: [row({ shape: '64x64x64' })] }), plan)).toEqual([expect.stringMatching(/no row for matmul 32x32x32/)]);
    expect(schemaErrors(result({ rows: [] }), plan)).toContain('rows: a non-empty array');
  });
});
