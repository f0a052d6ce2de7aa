// Inputs for every op in the registry, on awkward shapes (1x1, primes, non-multiples of
// tiles, a long row, batches). Used by the GPU-vs-CPU walk and by the shader binding check.
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { DType } from '../../src/graph/ir.ts';
import { RandomState } from '../../src/numpy-random.ts';
import { MIN_CHUNK } from '../../src/ops/reduce.ts';
import { LOSS_MIN_CHUNK } from '../../src/ops/loss.ts';

export type Kind = 'any' | 'positive' | 'prob' | 'target' | 'unit' | 'small-int' | { labels: number } | { index: number } | 'mask';

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
const i32 = (shape: number[], kind: Kind): InputSpec => ({ shape, dtype: 'int32', kind });
const last = (s: number[]): number => s[s.length - 1]!;
const rows = (s: number[]): number => s.slice(0, -1).reduce((a, b) => a * b, 1);

function each(make: (s: number[]) => Omit<OpCase, 'label'> | Omit<OpCase, 'label'>[]): OpCase[] {
  return SHAPES.flatMap((s) => {
    const made = make(s);
    return (Array.isArray(made) ? made : [made]).map((c, k) => ({ label: `${show(s)}${k ? ` #${k}` : ''}`, ...c }));
  });
}

const unary = (kind: Kind = 'any'): OpCase[] => each((s) => ({ inputs: [f(s, kind)], attrs: {} }));
const backwardPair = (kind: Kind = 'any'): OpCase[] => each((s) => ({ inputs: [f(s, kind), f(s)], attrs: {} }));
const binary = (ka: Kind = 'any', kb: Kind = 'any'): OpCase[] =>
  each((s) => [
    { inputs: [f(s, ka), f(s, kb)], attrs: {} },
    // Broadcasting: a column against a row.
    { inputs: [f([...s.slice(0, -1), 1], ka), f([last(s)], kb)], attrs: {} },
    // One operand with the output's shape (read at its own index), the other broadcast; and
    // a leading 1 (the same elements, another rank).
    { inputs: [f(s, ka), f([last(s)], kb)], attrs: {} },
    { inputs: [f([1], ka), f(s, kb)], attrs: {} },
    { inputs: [f([1, ...s], ka), f(s, kb)], attrs: {} },
  ]);
const compare: OpCase[] = [
  ...each((s) => ({ inputs: [f(s, 'small-int'), f(s, 'small-int')], attrs: {} })),
  ...each((s) => ({ inputs: [f([last(s)], 'small-int'), f(s, 'small-int')], attrs: {} })),
  ...each((s) => ({ inputs: [i32(s, 'small-int'), i32(s, 'small-int')], attrs: {} })),
  ...each((s) => ({ inputs: [i32(s, 'small-int'), i32([last(s)], 'small-int')], attrs: {} })),
];
const reduceCases: OpCase[] = [
  ...each((s) => [
    { inputs: [f(s)], attrs: { axes: s.map((_, i) => i), keepdim: false } },
    { inputs: [f(s)], attrs: { axes: [0], keepdim: true } },
    { inputs: [f(s)], attrs: { axes: [s.length - 1], keepdim: false } },
  ]),
  { label: '[3,7,5] axes 0,2', inputs: [f([3, 7, 5])], attrs: { axes: [0, 2], keepdim: false } },
  { label: '[1,0] empty', inputs: [f([2, 0])], attrs: { axes: [1], keepdim: false } },
  // Full and few-output reductions around the split into chunks (two from 2 MIN_CHUNK
  // elements per output), a prime count, several outputs, a strided (non-contiguous) split.
  ...[[2 * MIN_CHUNK - 1], [2 * MIN_CHUNK], [40009], [1, 2 * MIN_CHUNK + 3]].map((s) => ({ label: `split ${show(s)}`, inputs: [f(s)], attrs: { axes: s.map((_, i) => i), keepdim: false } })),
  { label: `split [3,${4 * MIN_CHUNK + 1}] axis 1`, inputs: [f([3, 4 * MIN_CHUNK + 1])], attrs: { axes: [1], keepdim: true } },
  { label: 'split [16411,2,3] axes 0,2', inputs: [f([16411, 2, 3])], attrs: { axes: [0, 2], keepdim: false } },
  // Column sums (col_sum) one chunk and split (two from 2 MIN_CHUNK elements of a column
  // block: 64 columns wide, or the next power of two), narrow and wide, partial blocks.
  ...[[65, 1000], [511, 100], [512, 100], [8191, 3], [8192, 3], [4099, 5], [300, 130], [1031, 130]].map((s) => ({ label: `columns ${show(s)}`, inputs: [f(s)], attrs: { axes: [0], keepdim: false } })),
  { label: 'columns [3,70,5] axes 0,1', inputs: [f([3, 70, 5])], attrs: { axes: [0, 1], keepdim: false } },
];
/** int32 sums take the same kernels (INT): one per path. */
const intReduceCases: OpCase[] = [
  ...each((s) => ({ inputs: [i32(s, 'small-int')], attrs: { axes: [s.length - 1], keepdim: false } })),
  { label: 'int32 split [40009]', inputs: [i32([40009], 'small-int')], attrs: { axes: [0], keepdim: false } },
  { label: 'int32 columns [300,130]', inputs: [i32([300, 130], 'small-int')], attrs: { axes: [0], keepdim: false } },
  { label: 'int32 columns [8192,3]', inputs: [i32([8192, 3], 'small-int')], attrs: { axes: [0], keepdim: false } },
];
/** Around the split of a loss into chunks (two from 2 LOSS_MIN_CHUNK elements), and primes past it. */
const SPLIT_LOSS_SHAPES = [[2 * LOSS_MIN_CHUNK - 1], [2 * LOSS_MIN_CHUNK], [181, 191]];
const lossPair = (ka: Kind, kb: Kind): OpCase[] => [
  ...each((s) => ({ inputs: [f(s, ka), f(s, kb)], attrs: {} })),
  ...SPLIT_LOSS_SHAPES.map((s) => ({ label: `split ${show(s)}`, inputs: [f(s, ka), f(s, kb)], attrs: {} })),
];
const lossBackward = (ka: Kind, kb: Kind): OpCase[] => each((s) => ({ inputs: [f(s, ka), f(s, kb), f([], 'any')], attrs: {} }));
/** Logits around the loss split: just below and above 2 LOSS_MIN_CHUNK, a prime batch, wide rows. */
const SPLIT_XENT_SHAPES = [[(2 * LOSS_MIN_CHUNK) / 4 - 1, 4], [(2 * LOSS_MIN_CHUNK) / 4 + 1, 4], [4099, 10], [101, 331]];
const dropoutScalars = [
  [7, 0, 123, 0],
  // A start block just below 2^32: the block index must carry into the high word.
  [7, 1, 0xfffffff0, 0],
];

const cases: Record<OpName, OpCase[]> = {
  matmul: [
    ...[false, true].flatMap((transA) =>
      [false, true].flatMap((transB) =>
        [
          [1, 1, 1],
          [7, 13, 5],
          [65, 33, 17],
          [64, 64, 64],
          [3, 1, 9],
        ].map(([m, k, n]) => ({
          label: `${m}x${k}x${n} tA=${transA} tB=${transB}`,
          inputs: [f(transA ? [k!, m!] : [m!, k!]), f(transB ? [n!, k!] : [k!, n!])],
          attrs: { transA, transB },
        })),
      ),
    ),
    // Enough 64x64 tiles for the tiled kernel (smaller products take the one-thread-per-output one).
    ...[false, true].flatMap((transA) =>
      [false, true].map((transB) => ({
        label: `tiled 130x70x129 tA=${transA} tB=${transB}`,
        inputs: [f(transA ? [70, 130] : [130, 70]), f(transB ? [129, 70] : [70, 129])],
        attrs: { transA, transB },
      })),
    ),
    { label: 'tiled batched [5,65,33]@[5,33,65]', inputs: [f([5, 65, 33]), f([5, 33, 65])], attrs: { transA: false, transB: false } },
    { label: 'tiled shared [65,33]@[5,33,65]', inputs: [f([65, 33]), f([5, 33, 65])], attrs: { transA: false, transB: false } },
    { label: 'batched [3,7,5]@[3,5,4]', inputs: [f([3, 7, 5]), f([3, 5, 4])], attrs: { transA: false, transB: false } },
    { label: 'shared [7,5]@[3,5,4]', inputs: [f([7, 5]), f([3, 5, 4])], attrs: { transA: false, transB: false } },
    { label: 'batched tA tB [2,5,7]@[2,4,5]', inputs: [f([2, 5, 7]), f([2, 4, 5])], attrs: { transA: true, transB: true } },
    { label: 'shared [3,7,5]@[4,5]ᵀ', inputs: [f([3, 7, 5]), f([4, 5])], attrs: { transA: false, transB: true } },
  ],
  linear: linearCases(['none', 'relu', 'sigmoid', 'tanh', 'leakyRelu']),
  linearPre: linearCases(['relu', 'sigmoid', 'tanh', 'leakyRelu']),
  matmulActBackward: (['reluBackward', 'sigmoidBackward', 'tanhBackward', 'leakyReluBackward'] as const).flatMap((act) =>
    (
      [
        [[1, 1], [1, 1], false, false],
        [[7, 5], [5, 13], false, false],
        [[7, 13], [5, 13], false, true],
        [[5, 7], [5, 13], true, false],
        // Tiled: 3 x 2 tiles, the layer below a 129-wide one.
        [[130, 129], [129, 70], false, false],
        [[130, 129], [70, 129], false, true],
      ] as [number[], number[], boolean, boolean][]
    ).map(([a, b, transA, transB]) => {
      const out = [transA ? a[1]! : a[0]!, transB ? b[0]! : b[1]!];
      return {
        label: `${act} ${show(a)}${transA ? 'ᵀ' : ''}@${show(b)}${transB ? 'ᵀ' : ''}`,
        inputs: [f(a), f(b), f(out, act === 'sigmoidBackward' ? 'prob' : act === 'tanhBackward' ? 'unit' : 'any')],
        attrs: { transA, transB, act, alpha: act === 'leakyReluBackward' ? 0.05 : 0 },
      };
    }),
  ),
  linearParamGrad: [
    [1, 1, 1],
    [7, 5, 13],
    [13, 1, 7],
    [65, 17, 33],
    // Tiled, the ones column past a tile edge (129 + 1 = 130 columns).
    [130, 70, 129],
    [128, 10, 128],
  ].map(([n, o, i]) => ({ label: `g [${n},${o}], x [${n},${i}]`, inputs: [f([n!, o!]), f([n!, i!])], attrs: {} })),
  softmaxCrossEntropyFused: [...SHAPES.filter((s) => s.length === 2), [128, 10], ...SPLIT_XENT_SHAPES].map((s) => ({
    label: show(s),
    inputs: [f(s), i32([s[0]!], { labels: s[1]! }), f([], 'any')],
    attrs: {},
  })),
  add: [...binary(), ...each((s) => ({ inputs: [i32(s, 'small-int'), i32(s, 'small-int')], attrs: {} }))],
  sub: binary(),
  mul: binary(),
  div: binary('any', 'positive'),
  pow: binary('positive', 'any'),
  eq: compare,
  gt: compare,
  lt: compare,
  where: each((s) => [
    { inputs: [i32(s, 'mask'), f(s), f(s)], attrs: {} },
    { inputs: [f(s, 'small-int'), f([last(s)]), f([...s.slice(0, -1), 1])], attrs: {} },
    { inputs: [i32([last(s)], 'mask'), f(s), f([1])], attrs: {} },
  ]),
  cast: [
    ...each((s) => ({ inputs: [f(s)], attrs: { dtype: 'int32' } })),
    ...each((s) => ({ inputs: [i32(s, 'small-int')], attrs: { dtype: 'float32' } })),
  ],
  neg: unary(),
  exp: unary(),
  log: unary('positive'),
  square: unary(),
  abs: unary(),
  sqrt: unary('positive'),
  sin: unary(),
  cos: unary(),
  sign: unary(),
  sigmoid: [...unary(), { label: 'extremes', inputs: [f([6], 'any')], attrs: {}, scalars: [] }],
  tanh: unary(),
  relu: unary(),
  leakyRelu: each((s) => ({ inputs: [f(s)], attrs: { alpha: 0.05 } })),
  sigmoidBackward: backwardPair('unit'),
  tanhBackward: backwardPair('unit'),
  reluBackward: backwardPair(),
  leakyReluBackward: each((s) => ({ inputs: [f(s), f(s)], attrs: { alpha: 0.05 } })),
  sum: [...reduceCases, ...intReduceCases],
  mean: reduceCases.filter((c) => !c.label.includes('empty')),
  broadcastTo: [
    ...each((s) => ({ inputs: [f([...s.slice(0, -1), 1])], attrs: { shape: s } })),
    ...each((s) => ({ inputs: [i32([last(s)], 'small-int')], attrs: { shape: s } })),
  ],
  argmax: each((s) => [
    { inputs: [f(s)], attrs: { axis: s.length - 1, keepdim: false } },
    { inputs: [f(s, 'small-int')], attrs: { axis: 0, keepdim: true } },
    // int32 input (argmax_i32), with ties: the first maximum wins.
    { inputs: [i32(s, 'small-int')], attrs: { axis: s.length - 1, keepdim: false } },
  ]),
  softmax: each((s) => [
    { inputs: [f(s)], attrs: { axis: s.length - 1 } },
    { inputs: [f(s)], attrs: { axis: 0 } },
  ]),
  logSoftmax: each((s) => [
    { inputs: [f(s)], attrs: { axis: s.length - 1 } },
    { inputs: [f(s)], attrs: { axis: 0 } },
  ]),
  softmaxCrossEntropy: [...SHAPES.filter((s) => s.length === 2), ...SPLIT_XENT_SHAPES].map((s) => ({
    label: show(s),
    inputs: [f(s), i32([s[0]!], { labels: s[1]! })],
    attrs: {},
  })),
  softmaxCrossEntropyBackward: SHAPES.filter((s) => s.length === 2).map((s) => ({
    label: show(s),
    inputs: [f(s), i32([s[0]!], { labels: s[1]! }), f([], 'any')],
    attrs: {},
  })),
  binaryCrossEntropy: lossPair('prob', 'target'),
  binaryCrossEntropyBackward: lossBackward('prob', 'target'),
  bceWithLogits: lossPair('any', 'target'),
  bceWithLogitsBackward: lossBackward('any', 'target'),
  mseLoss: lossPair('any', 'any'),
  dropout: each((s) => dropoutScalars.map((scalars) => ({ inputs: [f(s)], attrs: { p: 0.3 }, scalars }))),
  dropoutBackward: each((s) => dropoutScalars.map((scalars) => ({ inputs: [f(s)], attrs: { p: 0.5 }, scalars }))),
  reshape: each((s) => ({ inputs: [f(s)], attrs: { shape: [s.reduce((a, b) => a * b, 1)] } })),
  copy: [...unary(), ...each((s) => ({ inputs: [i32(s, 'small-int')], attrs: {} }))],
  detach: [...unary(), ...each((s) => ({ inputs: [i32(s, 'small-int')], attrs: {} }))],
  transpose: [
    ...each((s) => ({ inputs: [f(s)], attrs: { dim0: 0, dim1: s.length - 1 } })),
    { label: '[3,7,5] (1,2)', inputs: [f([3, 7, 5])], attrs: { dim0: 1, dim1: 2 } },
    { label: 'int32 [7,13]', inputs: [i32([7, 13], 'small-int')], attrs: { dim0: 0, dim1: 1 } },
  ],
  cat: [
    ...each((s) => ({ inputs: [f(s), f(s)], attrs: { axis: 0 } })),
    ...each((s) => ({ inputs: [f(s), f([...s.slice(0, -1), 3]), f(s)], attrs: { axis: s.length - 1 } })),
  ],
  narrow: each((s) => ({ inputs: [f(s)], attrs: { axis: s.length - 1, length: Math.ceil(last(s) / 2) }, scalars: [Math.floor(last(s) / 3)] })),
  indexSelect: each((s) => ({ inputs: [f(s), i32([11], { index: s[0]! })], attrs: {} })),
  indexSelectBackward: [
    ...each((s) => ({ inputs: [f([11, ...s.slice(1)]), i32([11], { index: s[0]! })], attrs: { rows: s[0]! } })),
    // Per-row lists past 8192 index reads (src/ops/layout.ts INDEX_SCAN_WORK): just below
    // and above, across blocks of 64 positions, one long list, mostly empty lists, 3-D rows.
    ...([
      [128, [9], 7],
      [129, [8], 8],
      [65, [64], 3],
      [1000, [9], 1],
      [130, [1], 1000],
      [257, [3, 7], 13],
    ] as [number, number[], number][]).map(([n, w, rows]) => ({
      label: `${n} indices into [${rows},${w.join(',')}]`,
      inputs: [f([n, ...w]), i32([n], { index: rows })],
      attrs: { rows },
    })),
  ],
  full: [
    { label: 'f32 [7,13]', inputs: [], attrs: { shape: [7, 13], value: -2.5, dtype: 'float32' } },
    { label: 'i32 [65,33]', inputs: [], attrs: { shape: [65, 33], value: -7, dtype: 'int32' } },
    { label: 'scalar', inputs: [], attrs: { shape: [], value: 3, dtype: 'float32' } },
  ],
  arange: [
    { label: 'f32 0..1000 step 1', inputs: [], attrs: { start: 0, end: 1000, step: 1, dtype: 'float32' } },
    { label: 'f32 -3..2 step 0.25', inputs: [], attrs: { start: -3, end: 2, step: 0.25, dtype: 'float32' } },
    { label: 'i32 5..-8 step -3', inputs: [], attrs: { start: 5, end: -8, step: -3, dtype: 'int32' } },
    // A fractional step into int32 (arange_i32_frac): each value truncated toward zero.
    { label: 'i32 -1.5..2 step 0.5', inputs: [], attrs: { start: -1.5, end: 2, step: 0.5, dtype: 'int32' } },
  ],
  linspace: [
    { label: '-5..5 x 101', inputs: [], attrs: { start: -5, end: 5, steps: 101 } },
    { label: '0..1 x 1', inputs: [], attrs: { start: 0, end: 1, steps: 1 } },
    { label: '2..-3 x 7', inputs: [], attrs: { start: 2, end: -3, steps: 7 } },
  ],
  assign: each((s) => ({ inputs: [f(s), f(s)], attrs: {} })),
  assignRange: [
    { label: '[7,13] rows 2..4', inputs: [f([7, 13]), f([3, 13])], attrs: {}, scalars: [26] },
    { label: '[1000] at 999', inputs: [f([1000]), f([1])], attrs: {}, scalars: [999] },
    { label: '[65,33] whole', inputs: [f([65, 33]), f([65, 33])], attrs: {}, scalars: [0] },
    { label: 'int32 [3,5] row 1', inputs: [i32([3, 5], 'small-int'), i32([5], 'small-int')], attrs: {}, scalars: [5] },
  ],
  sgdMulti: [
    ...multiCases([[1, 1]]).map((c) => ({ ...c, attrs: { ...c.attrs, momentum: false, nesterov: false }, scalars: [0.1, 0, 0, 0.01, 0] })),
    ...multiCases([[3, 5], [7]]).map((c) => ({ ...c, attrs: { ...c.attrs, momentum: true, nesterov: false }, scalars: [0.1, 0.9, 0.1, 0.01, 1, 0] })),
    ...multiCases([[1, 1000], [65, 33], [2], [7, 13]]).map((c) => ({ ...c, attrs: { ...c.attrs, momentum: true, nesterov: true }, scalars: [0.1, 0.9, 0, 0, 0, 1, 0, 0] })),
    ...multiCases([[64, 64], [3], [5, 1]]).map((c) => ({ ...c, attrs: { ...c.attrs, momentum: false, nesterov: false }, scalars: [0.05, 0, 0, 0, 0, 0, 0] })),
  ],
  adamMulti: [[[1, 1]], [[3, 5], [7]], [[65, 33], [1, 1000], [3]], [[7, 13], [64, 64], [2], [1, 1]]].flatMap((shapes) =>
    multiCases(shapes, 2).map((c) => ({
      ...c,
      // Step counts 3, 1, 7, 2: each parameter's bias corrections are its own.
      scalars: [0.01, 0.9, 0.999, 1e-8, 0.01, ...shapes.flatMap((_, j) => [1 - 0.9 ** [3, 1, 7, 2][j]!, 1 - 0.999 ** [3, 1, 7, 2][j]!])],
    })),
  ),
  historyWrite: [
    { label: '[5,2] row 3', inputs: [f([5, 2]), f([]), f([1])], attrs: {}, scalars: [3] },
    { label: '[1,1] row 0', inputs: [f([1, 1]), f([])], attrs: {}, scalars: [0] },
    // Every history_write_<count>: 3, 4 and 5 values, then 8 (a dispatch of 6 and one of 2).
    ...[3, 4, 5, 8].map((k) => ({ label: `[4,${k}] row 2`, inputs: [f([4, k]), ...Array.from({ length: k }, () => f([]))], attrs: {}, scalars: [2] })),
  ],
};

function linearCases(acts: ('none' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu')[]): OpCase[] {
  return acts.flatMap((act) =>
    [
      [[1, 1], 1],
      [[7, 13], 5],
      [[65, 33], 17],
      [[3, 7, 5], 4],
      // Tiled: 3 x 3 tiles.
      [[130, 70], 129],
    ].map(([x, out]) => ({
      label: `${act} ${show(x as number[])} -> ${out}`,
      inputs: [f(x as number[]), f([out as number, (x as number[]).at(-1)!]), f([out as number])],
      attrs: { act, alpha: act === 'leakyRelu' ? 0.05 : 0 },
    })),
  );
}

/** A multi-tensor step's inputs: the state arena, then each parameter and its gradient. */
function multiCases(shapes: number[][], perParam = 1): OpCase[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const offsets = sizes.map((_, j) => perParam * sizes.slice(0, j).reduce((a, b) => a + b, 0));
  const arena = Math.max(1, perParam * sizes.reduce((a, b) => a + b, 0));
  return [
    {
      label: shapes.map(show).join(' '),
      inputs: [f([arena], 'positive'), ...shapes.flatMap((s) => [f(s), f(s)])],
      attrs: { offsets },
    },
  ];
}

/** An op's cases, each label unique (an input dtype variant repeats a shape). */
export function casesFor(name: OpName): OpCase[] {
  const seen = new Map<string, number>();
  return cases[name].map((c) => {
    const n = seen.get(c.label) ?? 0;
    seen.set(c.label, n + 1);
    const dtypes = c.inputs.map((i) => i.dtype ?? 'float32').join(',');
    return n === 0 ? c : { ...c, label: `${c.label} (${dtypes}) v${n}` };
  });
}

export function allOpNames(): OpName[] {
  return Object.keys(registry) as OpName[];
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
        case 'target':
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
