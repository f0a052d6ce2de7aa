// The matmul kernel variant suite (matmul-variants*.test.ts run it on their configurations): every variant against the CPU reference: one thread per output, the tiled
// kernel with each tile configuration (4x4 and 8x8 register blocks, 16 to 256 threads), the
// register kernel (matmul_reg.wgsl: 4x4 to 8x8 blocks, 64 to 256 threads), the quad kernel
// (matmul_quad.wgsl: 8x16 to 16x64 blocks a quad, 4 to 64 threads),
// vec4 and scalar panel loads, with and without bounds tests, and split-K below and above
// its threshold; for the plain product and each fused epilogue. A variant is forced by
// installing on the WebGPU backend a tuning table that gives every size class the same
// choice (its rules get it in their arguments), and the pure
// choice function (src/ops/matmul-choice.ts) says which variant each shape then takes, so
// the test fails if a variant it means to cover is never reached. The shaped configurations
// run pipelines specialised to each shape (sizes as override constants, common.wgsl's
// mm_m() ..), and the test reads the last run's dispatches to see that they did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/index.ts';
import type { OpName } from '../../src/ops/registry.ts';
import { chooseMatmul, uniformTuning } from '../../src/ops/matmul-choice.ts';
import { describeLastRun, matmulTuning, setMatmulTuning } from '../../src/tools/kernels.ts';
import type { ClassChoice, MatmulChoice, MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { matmulDims } from '../../src/ops/matmul.ts';
import { sampleInputs } from './cases.ts';
import type { OpCase } from './cases.ts';
import { runCase } from './run-case.ts';


// No smallFlop floor: the shapes here are small, and each must reach the configuration under test.
const table = (c: ClassChoice): MatmulTuning => uniformTuning(c, 0, 'test', 'forced by the test');

const f = (shape: number[]) => ({ shape, kind: 'any' as const });

/** [m, k, n]: 1x1, primes, exact multiples of 32, 64 and 128, and K below (127) and above (200, 256) the split threshold. */
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [37, 127, 29],
  [64, 64, 64],
  [65, 200, 33],
  [128, 256, 128],
  [12, 256, 8],
];

/**
 * The sizes the shaped configurations take (each shape is a pipeline of its own, a second or
 * more to compile on SwiftShader): 1x1, primes, a multiple of every tile, split and unsplit.
 */
const SHAPED_SIZES = new Set(['1x1x1', '37x127x29', '64x64x64', '65x200x33']);

interface Case {
  op: OpName;
  c: OpCase;
  /** Whether the shaped configurations take it too. */
  shaped: boolean;
  /** The product's dims as the op's GPU rule sees them. */
  dims: { batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean; onesCol?: boolean };
}

function casesFor(): Case[] {
  const out: Case[] = [];
  for (const [m, k, n] of SIZES) {
    const shaped = SHAPED_SIZES.has(`${m}x${k}x${n}`);
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      out.push({
        op: 'matmul',
        shaped,
        c: { label: `matmul ${m}x${k}x${n} tA=${transA} tB=${transB}`, inputs: [f(transA ? [k, m] : [m, k]), f(transB ? [n, k] : [k, n])], attrs: { transA, transB } },
        dims: { batch: 1, m, n, k, transA, transB },
      });
    }
    out.push({
      op: 'linear',
      shaped,
      c: { label: `linear relu ${m}x${k}->${n}`, inputs: [f([m, k]), f([n, k]), f([n])], attrs: { act: 'relu', alpha: 0 } },
      dims: { batch: 1, m, n, k, transA: false, transB: true },
    });
    out.push({
      op: 'linearPre',
      shaped,
      c: { label: `linearPre leakyRelu ${m}x${k}->${n}`, inputs: [f([m, k]), f([n, k]), f([n])], attrs: { act: 'leakyRelu', alpha: 0.1 } },
      dims: { batch: 1, m, n, k, transA: false, transB: true },
    });
    out.push({
      op: 'matmulActBackward',
      shaped,
      c: { label: `matmulActBackward tanh ${m}x${k}x${n}`, inputs: [f([m, k]), f([n, k]), { shape: [m, n], kind: 'unit' }], attrs: { transA: false, transB: true, act: 'tanhBackward', alpha: 0 } },
      dims: { batch: 1, m, n, k, transA: false, transB: true },
    });
    // gᵀx: g [k, m], x [k, n]; the ones column makes n + 1 columns.
    out.push({
      op: 'linearParamGrad',
      shaped,
      c: { label: `linearParamGrad g [${k},${m}] x [${k},${n}]`, inputs: [f([k, m]), f([k, n])], attrs: {} },
      dims: { batch: 1, m, n, k, transA: true, transB: false, onesCol: true },
    });
  }
  out.push({
    op: 'matmul',
    shaped: true,
    c: { label: 'batched [3,37,70]@[3,70,29]', inputs: [f([3, 37, 70]), f([3, 70, 29])], attrs: { transA: false, transB: false } },
    dims: { ...matmulDims([3, 37, 70], [3, 70, 29], { transA: false, transB: false }), transA: false, transB: false },
  });
  // Batched with both operands transposed: [3,70,37]ᵀ @ [3,29,70]ᵀ.
  out.push({
    op: 'matmul',
    shaped: true,
    c: { label: 'batched transposed [3,70,37]ᵀ@[3,29,70]ᵀ', inputs: [f([3, 70, 37]), f([3, 29, 70])], attrs: { transA: true, transB: true } },
    dims: { ...matmulDims([3, 70, 37], [3, 29, 70], { transA: true, transB: true }), transA: true, transB: true },
  });
  out.push({
    op: 'matmul',
    shaped: true,
    c: { label: 'shared, split [12,256]@[3,256,8]', inputs: [f([12, 256]), f([3, 256, 8])], attrs: { transA: false, transB: false } },
    dims: { batch: 3, m: 12, n: 8, k: 256, transA: false, transB: false },
  });
  return out;
}

const CASES = casesFor();
const reference = new Map<string, (Float32Array | Int32Array)[]>();
let installed: MatmulTuning;

function setup(): void {
beforeAll(async () => {
  await setBackend('cpu');
  for (const { op, c } of CASES) reference.set(c.label, await runCase(op, c, sampleInputs(op, c)));
  await setBackend('webgpu');
  installed = matmulTuning();
});

afterAll(async () => {
  setMatmulTuning(installed);
  await setBackend('cpu');
});
}

const describeChoice = (ch: MatmulChoice): string =>
  ch.kernel === 'small' ? 'small' : `${ch.kernel} splits=${ch.splits} check=${ch.check} vecA=${ch.vecA} vecB=${ch.vecB} shaped=${ch.shaped}`;

/** Whether the last run's product pass (not split-K's sum) ran a shape-specialised pipeline, with the product's sizes. */
async function ranShaped(dims: Case['dims']): Promise<boolean> {
  const run = await describeLastRun();
  const product = run!.dispatches.find((d) => d.family === 'matmul' || d.family === 'matmul_reg' || d.family === 'matmul_quad')!;
  const k = product.constants;
  if (k.SHAPED !== 1) return false;
  expect([k.DIM_M, k.DIM_N, k.DIM_K, k.DIM_BATCH], product.kernel).toEqual([dims.m, dims.n, dims.k, dims.batch]);
  return true;
}

/** The suite: each configuration forced on the WebGPU backend, every case against the CPU reference. */
export function variantSuite(configs: Record<string, ClassChoice>): void {
setup();
describe('matmul kernel variants equal the cpu reference', () => {
  for (const [name, config] of Object.entries(configs)) {
    it(name, async () => {
      setMatmulTuning(table(config));
      const seen = new Set<string>();
      for (const { op, c, dims, shaped } of CASES) {
        if (config.kernel !== 'small' && 'shaped' in config && config.shaped && !shaped) continue;
        const choice = chooseMatmul(dims, matmulTuning());
        seen.add(describeChoice(choice));
        const got = await runCase(op, c, sampleInputs(op, c));
        if (choice.kernel !== 'small') expect(await ranShaped(dims), `${name}: ${c.label}: a shaped pipeline ran`).toBe(choice.shaped);
        const ref = reference.get(c.label)!;
        got.forEach((g, o) => {
          const r = ref[o]!;
          let maxRef = 0;
          for (const v of r) maxRef = Math.max(maxRef, Math.abs(v));
          const tol = 1e-4 * Math.max(1, maxRef);
          let worst = 0;
          for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(g[i]! - r[i]!));
          expect(worst, `${name}: ${c.label} output ${o} (${describeChoice(choice)}) max |gpu - cpu|`).toBeLessThanOrEqual(tol);
        });
      }
      const kinds = [...seen].join('; ');
      if (config.kernel === 'small') {
        expect(kinds).toBe('small');
      } else {
        // The variants this configuration must reach on the shapes above.
        expect(kinds, kinds).toMatch(/check=true/);
        expect(kinds, kinds).toMatch(/vecA=true/);
        expect(kinds, kinds).toMatch(/vecA=false/);
        expect(kinds, kinds).toMatch(/vecB=false/);
        if (config.minGroups > 1) {
          expect(kinds, kinds).toMatch(/splits=1 /);
          expect(kinds, kinds).toMatch(/splits=[2-9]/);
        }
        if (config.kernel !== 'tiled' || config.wgM * config.reg <= 64) expect(kinds, kinds).toMatch(/check=false/);
        // The kernel under test ran (not one thread per output instead).
        expect(kinds, kinds).toMatch(new RegExp(`${config.kernel} `));
        expect(kinds, kinds).toMatch(new RegExp(`shaped=${'shaped' in config && config.shaped === true}`));
      }
    });
  }
});
}
