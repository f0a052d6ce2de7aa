// The quad kernel (matmul_quad.wgsl) and shape-specialised pipelines (sizes as override
// constants) against the CPU reference, by the suite of matmul-variants.ts.
import { variantSuite } from './matmul-variants.ts';

variantSuite({
  'quad 8x16 (16 threads)': { kernel: 'quad', threads: 16, rows: 8, cols: 1, minGroups: 1 },
  'quad 16x32 (64 threads)': { kernel: 'quad', threads: 64, rows: 16, cols: 2, minGroups: 1 },
  'quad 16x64 (16 threads)': { kernel: 'quad', threads: 16, rows: 16, cols: 4, minGroups: 1 },
  'quad split-K 8x32 (32 threads)': { kernel: 'quad', threads: 32, rows: 8, cols: 2, minGroups: 64 },
  'quad split-K 16x64 (4 threads)': { kernel: 'quad', threads: 4, rows: 16, cols: 4, minGroups: 64 },
  'shaped 32x32 reg4 (64 threads)': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 1, shaped: true },
  'shaped split-K 32x32 reg4': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 64, shaped: true },
  'shaped register 8x4 (64 threads)': { kernel: 'register', threads: 64, rows: 8, cols: 4, minGroups: 1, shaped: true },
  'shaped register split-K 4x8 (128 threads)': { kernel: 'register', threads: 128, rows: 4, cols: 8, minGroups: 64, shaped: true },
});
