// Inputs for every op in the registry, on awkward shapes (1x1, primes, non-multiples of
// tiles, a long row, batches), derived from each op's samples (OpDef.samples,
// src/ops/samples.ts): the op maps each of SHAPES to the shapes of its roles and makes its
// calls on them. Used by the GPU-vs-CPU walk, the shader binding check and the contract test.
// A few kernels have thresholds (split sizes, tiles, per-dispatch counts) that the shared
// shapes do not reach: their extra shapes and cases are listed below, keyed by op; no op
// needs an entry there to get cases.
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import type { DType } from '../../src/graph/ir.ts';
import type { Domain, SampleCall } from '../../src/ops/samples.ts';
import { RandomState } from '../../src/numpy-random.ts';
import { MIN_CHUNK } from '../../src/ops/reduce.ts';
import { LOSS_MIN_CHUNK } from '../../src/ops/loss.ts';

/** What values an input holds: an op's sample domain (src/ops/samples.ts). */
export type Kind = Domain;

export interface InputSpec {
  shape: number[];
  dtype?: DType;
  kind?: Kind;
}

export interface OpCase {
  label: string;
  inputs: InputSpec[];
  attrs: Record<string, unknown>;
  scalars?: number[];
}

/** The shapes every elementwise kernel must get right. */
export const SHAPES: number[][] = [[1, 1], [3, 5], [7, 13], [64, 64], [65, 33], [1, 1000], [3, 7, 5]];

const show = (s: number[]): string => `[${s.join(',')}]`;
const f = (shape: number[], kind: Kind = 'any'): InputSpec => ({ shape, kind });

/** A registry of ops by name (the real one, or a test's with an op of its own). */
export type OpTable = Readonly<Record<string, OpDef<any>>>;

// ---- thresholds the shared shapes do not reach ------------------------------------------------

/** Around the split of a loss into chunks (two from 2 LOSS_MIN_CHUNK elements), and primes past it. */
const SPLIT_LOSS_SHAPES = [[2 * LOSS_MIN_CHUNK - 1], [2 * LOSS_MIN_CHUNK], [181, 191]].map((s) => [s]);
/** Logits around the loss split: just below and above 2 LOSS_MIN_CHUNK, a prime batch, wide rows. */
const SPLIT_XENT_SHAPES = [[(2 * LOSS_MIN_CHUNK) / 4 - 1, 4], [(2 * LOSS_MIN_CHUNK) / 4 + 1, 4], [4099, 10], [101, 331]].map((s) => [s]);
/**
 * Reductions around the split into chunks (two from 2 MIN_CHUNK elements per output), a prime
 * count, several outputs, a strided split; column sums (col_sum) one chunk and split (two from
 * 2 MIN_CHUNK elements of a column block: 64 columns wide, or the next power of two), narrow
 * and wide, partial blocks.
 */
const REDUCE_SHAPES = [
  [2 * MIN_CHUNK - 1], [2 * MIN_CHUNK], [40009], [1, 2 * MIN_CHUNK + 3], [3, 4 * MIN_CHUNK + 1], [16411, 2, 3],
  [65, 1000], [511, 100], [512, 100], [8191, 3], [8192, 3], [4099, 5], [300, 130], [1031, 130],
].map((s) => [s]);
/** Enough 64x64 tiles for the tiled product kernel (smaller products take the one-thread-per-output one). */
const TILED = [[130, 70], [70, 129]];

/** Extra shape sets for an op's roles, made into calls by its own samples. */
/** Eleven parameters of awkward sizes, for the multi-tensor steps. */
const ELEVEN_PARAMETERS: number[][] = [[1], [3, 5], [65], [1, 1], [17, 4], [2], [64], [129, 3], [7], [5, 13], [1]];

const EXTRA_SHAPES: Partial<Record<OpName, number[][][]>> = {
  matmul: [
    TILED,
    [[5, 65, 33], [5, 33, 65]], // tiled, batched
    [[65, 33], [5, 33, 65]], // tiled, A shared across the batch
    [[7, 5], [3, 5, 4]],
    [[2, 7, 5], [2, 5, 4]],
    [[3, 7, 5], [5, 4]],
  ],
  // Tiled: 3 x 3 tiles.
  linear: [[[130, 70], [129, 70]]],
  linearPre: [[[130, 70], [129, 70]]],
  // Tiled: 3 x 2 tiles, the layer below a 129-wide one.
  matmulActBackward: [[[130, 129], [129, 70]]],
  // Tiled, the ones column past a tile edge (129 + 1 = 130 columns).
  linearParamGrad: [[[130, 70], [130, 129]], [[128, 10], [128, 128]]],
  softmaxCrossEntropy: SPLIT_XENT_SHAPES,
  softmaxCrossEntropyFused: [[[128, 10]], ...SPLIT_XENT_SHAPES],
  binaryCrossEntropy: SPLIT_LOSS_SHAPES,
  bceWithLogits: SPLIT_LOSS_SHAPES,
  mseLoss: SPLIT_LOSS_SHAPES,
  sum: [...REDUCE_SHAPES, [[2, 0]]],
  mean: REDUCE_SHAPES,
  // Per-row lists past 8192 index reads (src/ops/layout.ts INDEX_SCAN_WORK): just below and
  // above, across blocks of 64 positions, one long list, mostly empty lists, 3-D rows.
  indexSelectBackward: ([[128, [9], 7], [129, [8], 8], [65, [64], 3], [1000, [9], 1], [130, [1], 1000], [257, [3, 7], 13]] as [number, number[], number][]).map(([n, w, rows]) => [[n, ...w], [rows]]),
  full: [[[]]],
  // step_multi over one parameter, several, and eleven in one dispatch: one-element
  // parameters, primes, sizes just past a multiple of 4 and of 64 (two more come from the
  // samples, with mixed step counts).
  sgdMulti: [[[1, 1]], [[64, 64], [3], [5, 1]], [[1, 1000], [65, 33], [2], [7, 13]], ELEVEN_PARAMETERS, [[0]]],
  adamMulti: [[[1, 1]], [[65, 33], [1, 1000], [3]], [[7, 13], [64, 64], [2], [1, 1]], ELEVEN_PARAMETERS, [[0], [3]]],
  // Every history_write_<count>: 3, 4 and 5 values, then 8 (a dispatch of 6 and one of 2).
  historyWrite: [[[4, 3]], [[4, 4]], [[4, 5]], [[4, 8]]],
};

/** Extra cases whose attributes or scalars the samples do not make. */
const EXTRA_CASES: Partial<Record<OpName, OpCase[]>> = {
  // Values where a naive formula overflows (set by sampleInputs).
  sigmoid: [{ label: 'extremes', inputs: [f([6], 'any')], attrs: {}, scalars: [] }],
  sum: [{ label: 'columns [3,70,5] axes 0,1', inputs: [f([3, 70, 5])], attrs: { axes: [0, 1], keepdim: false } }],
  mean: [{ label: 'columns [3,70,5] axes 0,1', inputs: [f([3, 70, 5])], attrs: { axes: [0, 1], keepdim: false } }],
  assignRange: [
    { label: '[1000] at 999', inputs: [f([1000]), f([1])], attrs: {}, scalars: [999] },
    { label: '[65,33] whole', inputs: [f([65, 33]), f([65, 33])], attrs: {}, scalars: [0] },
  ],
  historyWrite: [{ label: '[5,2] row 3, a [1] value', inputs: [f([5, 2]), f([]), f([1])], attrs: {}, scalars: [3] }],
};

// ---- derivation -------------------------------------------------------------------------------

function toCase(shapes: number[][], c: SampleCall): OpCase {
  return {
    label: `${shapes.map(show).join(' ')}${c.variant ? ` ${c.variant}` : ''}`,
    inputs: c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype, kind: i.domain })),
    attrs: c.attrs,
    scalars: c.scalars,
  };
}

/** An op's cases from its samples: on each of SHAPES, then on its extra shapes, then its extra cases. */
export function derivedCases(name: string, def: OpDef<any>): OpCase[] {
  const sets = [...SHAPES.flatMap((base) => def.samples.shapesFrom(base)), ...(EXTRA_SHAPES[name as OpName] ?? [])];
  const made = sets.flatMap((shapes) => def.samples.calls(shapes).map((c) => toCase(shapes, c)));
  // Two bases can give the same shapes (a 1x1 and its broadcasts): one case each.
  const seen = new Set<string>();
  const unique = made.filter((c) => {
    const key = JSON.stringify([c.inputs, c.attrs, c.scalars]);
    return !seen.has(key) && seen.add(key);
  });
  return [...unique, ...(EXTRA_CASES[name as OpName] ?? [])];
}

/** An op's cases, each label unique (an input dtype variant repeats a shape). */
export function casesFor(name: OpName, reg?: OpTable): OpCase[];
export function casesFor(name: string, reg: OpTable): OpCase[];
export function casesFor(name: string, reg: OpTable = registry as unknown as OpTable): OpCase[] {
  const def = reg[name];
  if (!def) throw new Error(`casesFor: no op '${name}' in the registry`);
  const seen = new Map<string, number>();
  return derivedCases(name, def).map((c) => {
    const n = seen.get(c.label) ?? 0;
    seen.set(c.label, n + 1);
    const dtypes = c.inputs.map((i) => i.dtype ?? 'float32').join(',');
    return n === 0 ? c : { ...c, label: `${c.label} (${dtypes}) v${n}` };
  });
}

export function allOpNames(): OpName[];
export function allOpNames(reg: OpTable): string[];
export function allOpNames(reg: OpTable = registry as unknown as OpTable): string[] {
  return Object.keys(reg);
}

/** Deterministic values for a case's inputs (the same on every backend). */
export function sampleInputs(name: string, c: OpCase): (Float32Array | Int32Array)[] {
  let seed = 0;
  for (const ch of `${name}/${c.label}`) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const rs = new RandomState(seed);
  const u = (): number => rs.randomSample() as number;
  return c.inputs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const kind = spec.kind ?? 'any';
    if (spec.dtype === 'int32') {
      const range = typeof kind === 'object' ? ('labels' in kind ? kind.labels : kind.index) : kind === 'mask' ? 2 : 7;
      const offset = kind === 'small-int' ? -3 : 0;
      return Int32Array.from({ length: n }, () => Math.floor(u() * range) + offset);
    }
    const gen = (): number => {
      switch (kind) {
        case 'positive':
          return 0.2 + 1.8 * u();
        case 'prob':
          return 0.02 + 0.96 * u();
        case 'unit':
          return u();
        case 'small-int':
          return Math.floor(u() * 5) - 2;
        default:
          return 6 * u() - 3;
      }
    };
    const vals = Float32Array.from({ length: n }, gen);
    // The sigmoid 'extremes' case: values where a naive formula overflows.
    if (name === 'sigmoid' && c.label === 'extremes') vals.set([-1000, -90, -20, 20, 90, 1000]);
    return vals;
  });
}
