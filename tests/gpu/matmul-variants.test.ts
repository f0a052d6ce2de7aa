// Every matmul kernel variant against the CPU reference (the suite: matmul-variants.ts): one
// thread per output, the tiled kernel's configurations and the register kernel's. The quad
// kernel and the shape-specialised pipelines are in matmul-variants-more.test.ts: one file
// per process keeps each Dawn device's pipelines (hundreds here) fewer.
import type { ClassChoice } from '../../src/ops/matmul-choice.ts';
import { variantSuite } from './matmul-variants.ts';

variantSuite({
  small: { kernel: 'small' },
  '32x32 reg4 (64 threads)': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 1 },
  '64x64 reg8 (64 threads)': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 8, tileK: 32, minGroups: 1 },
  '32x64 reg8 (32 threads)': { kernel: 'tiled', wgM: 4, wgN: 8, reg: 8, tileK: 16, minGroups: 1 },
  '64x64 reg4 (256 threads)': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 4, tileK: 16, minGroups: 1 },
  '128x128 reg8 (256 threads)': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 8, tileK: 8, minGroups: 1 },
  'split-K 32x32 reg4': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 64 },
  'split-K 64x64 reg8': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 8, tileK: 32, minGroups: 64 },
  'register 4x4 (64 threads)': { kernel: 'register', threads: 64, rows: 4, cols: 4, minGroups: 1 },
  'register 8x4 (256 threads)': { kernel: 'register', threads: 256, rows: 8, cols: 4, minGroups: 1 },
  'register 4x8 (128 threads)': { kernel: 'register', threads: 128, rows: 4, cols: 8, minGroups: 1 },
  'register 8x8 (64 threads)': { kernel: 'register', threads: 64, rows: 8, cols: 8, minGroups: 1 },
  'register split-K 4x4 (128 threads)': { kernel: 'register', threads: 128, rows: 4, cols: 4, minGroups: 64 },
  'register split-K 8x8 (64 threads)': { kernel: 'register', threads: 64, rows: 8, cols: 8, minGroups: 64 },
});
