// The contract between the op rules and the WGSL kernels, declared once, here: the op codes
// that pick a function inside a kernel, the layout of each kernel's parameter block (binding
// 0, P: array<u32, MAX_WORDS>), the override constants a rule may set on each family (with
// their WGSL types and defaults), the entry points whose names carry a count, and the sizes
// both sides share. src/backend/webgpu/shaders.ts puts wgslContract() in front of every
// shader family, so a kernel reads `P[MATMUL_K]`, switches on `case UNARY_EXP:` and uses
// `OP` where a number or a declaration would have to match this file by hand;
// tests/unit/contract.test.ts (through tests/shared/contract-check.ts) checks the two sides.

/** A word of a dispatch's parameter block: a number is a u32 (or i32 via `| 0`), {f} an f32. */
export type Word = number | { f: number };

/** The most dimensions a strided layout (strided_offset in common.wgsl) describes. */
export const MAX_DIMS = 6;

/** Workgroup size of the 1-D kernels: the default of the WG override. */
export const WG = 64;

/**
 * The most words of a dispatch's parameter block: common.wgsl declares binding 0 as
 * `array<u32, MAX_WORDS>`, and the WebGPU backend binds that many words per dispatch.
 */
export const MAX_WORDS = 64;

/**
 * The code of no op: the default of every override that selects an op code, so a rule that
 * forgets its selector hits the switch's `default` (NaN, -1 or nothing) instead of a real op.
 * Codes count up from 0, so no group reaches it.
 */
export const NO_OP = 0xffffffff;

/** Codes 0, 1, 2, ... in the order given; no code has a meaning beyond its name. */
function codes<const K extends string>(names: readonly K[]): Readonly<Record<K, number>> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<K, number>;
}

/**
 * Op codes, by the WGSL prefix of their consts (`UNARY_LEAKY_RELU`). Each group is what one
 * override selects in one or more `switch`es: the kernel's `case`s name every code, and its
 * `default` is no op (NaN where the result is a float).
 */
export const OP_CODES = {
  /** unary.wgsl `unary`, by OP */
  UNARY: codes(['neg', 'exp', 'log', 'square', 'abs', 'sqrt', 'sin', 'cos', 'sign', 'sigmoid', 'tanh', 'relu', 'leakyRelu']),
  /** elementwise.wgsl `binary` (and `binary_i32`, see BINARY_INT32), by OP */
  BINARY: codes(['add', 'sub', 'mul', 'div', 'pow']),
  /** elementwise.wgsl `compare_f32` and `compare_i32`, by CMP */
  COMPARE: codes(['eq', 'gt', 'lt']),
  /** act_forward in common.wgsl: the fused linear epilogue (matmul.wgsl, matmul_sum.wgsl), by ACT */
  ACT: codes(['none', 'relu', 'sigmoid', 'tanh', 'leakyRelu']),
  /**
   * act_backward in common.wgsl: unary.wgsl `backward` (by OP) and the matmul epilogue (by
   * ACT_BWD), from the saved output (sigmoid, tanh) or a value positive where the input is.
   */
  ACT_BWD: codes(['sigmoid', 'tanh', 'relu', 'leakyRelu']),
  /** loss.wgsl `pair_loss`, by LOSS */
  LOSS: codes(['binaryCrossEntropy', 'bceWithLogits', 'mseLoss']),
  /** update.wgsl `step_multi`, by OPT */
  OPT: codes(['adam', 'sgd']),
  /** softmax.wgsl `softmax_rows`, by SOFTMAX */
  SOFTMAX: codes(['softmax', 'logSoftmax']),
} as const;

export type OpGroup = keyof typeof OP_CODES;
export type BinaryOp = keyof typeof OP_CODES.BINARY;

/** The binary ops with an int32 kernel (`binary_i32`): the others are float-only on WebGPU. */
export const BINARY_INT32: readonly BinaryOp[] = ['add', 'sub', 'mul'];

/** A field's width in words; 'rest' (last field only) takes whatever words are given. */
export type Width = number | 'rest';

declare const packedBrand: unique symbol;

/**
 * Words made by a layout's pack: the only words a GpuDispatch takes, so every rule names the
 * layout of its parameter block, and packedLayout() tells a test which one it was.
 */
export type Packed = Word[] & { readonly [packedBrand]: true };

const packedBy = new WeakMap<readonly Word[], ParamLayout<string>>();

/** The layout whose pack made these words (undefined for words made another way). */
export function packedLayout(words: readonly Word[]): ParamLayout<string> | undefined {
  return packedBy.get(words);
}

export interface ParamLayout<F extends string> {
  /** The WGSL prefix of its offsets: field `kChunk` of MATMUL is `MATMUL_K_CHUNK`. */
  readonly name: string;
  /** Each field's first word. */
  readonly at: Readonly<Record<F, number>>;
  readonly width: Readonly<Record<F, Width>>;
  /** Words in all; null when the last field takes the rest. */
  readonly words: number | null;
  /**
   * Layouts packed inside one of its fields (STRIDED inside ELEMENTWISE's strides), whose
   * offsets its kernels read from that field's first word.
   */
  readonly holds: readonly ParamLayout<string>[];
  /**
   * The parameter block, field by field. Trailing fields may be left out, for the kernels
   * that read only the leading ones; a field in the middle may not.
   */
  pack(values: Partial<Record<F, Word | readonly Word[]>>): Packed;
}

function layout<const F extends string>(name: string, widths: Record<F, Width>, holds: readonly ParamLayout<string>[] = []): ParamLayout<F> {
  const fields = Object.keys(widths) as F[];
  const at = {} as Record<F, number>;
  let next = 0;
  fields.forEach((field, i) => {
    const w: Width = widths[field];
    if (w === 'rest' && i !== fields.length - 1) throw new Error(`contract: ${name}.${field}: only the last field can take the rest`);
    at[field] = next;
    next += w === 'rest' ? 0 : w;
  });
  const pack = (values: Partial<Record<F, Word | readonly Word[]>>): Packed => {
    const words = [] as Word[] as Packed;
    let ended: F | null = null;
    for (const field of fields) {
      const v = values[field];
      if (v === undefined) {
        ended ??= field;
        continue;
      }
      if (ended !== null) throw new Error(`contract: ${name}: ${field} is given but ${ended} before it is not`);
      const w: Width = widths[field];
      const list = Array.isArray(v) ? (v as readonly Word[]) : [v as Word];
      if (w !== 'rest' && list.length !== w) throw new Error(`contract: ${name}.${field} takes ${w} words, got ${list.length}`);
      words.push(...list);
    }
    packedBy.set(words, self);
    return words;
  };
  const self: ParamLayout<F> = { name, at, width: widths, words: widths[fields[fields.length - 1]!] === 'rest' ? null : next, holds, pack };
  return self;
}

/** Words of a strided layout (common.wgsl strided_offset): ndim, the dims, a stride list per input. */
const stridedWidth = (inputs: number): number => 1 + MAX_DIMS * (1 + inputs);

/**
 * A strided layout inside a block (common.wgsl strided_offset, from a base word): ndim, the
 * output's dims, then one list of MAX_DIMS strides per input, all padded with zeros.
 */
const STRIDED = layout('STRIDED', { ndim: 1, dims: MAX_DIMS, strides: 'rest' });
/** Adam's words inside STEP's hyper (all f32). */
const ADAM = layout('ADAM', { beta1: 1, oneMinusBeta1: 1, beta2: 1, oneMinusBeta2: 1, eps: 1, weightDecay: 1 });
/** SGD's words inside STEP's hyper: f32 values, then nesterov and momentumOn as 0 or 1. */
const SGD = layout('SGD', { momentum: 1, oneMinusDampening: 1, weightDecay: 1, nesterov: 1, momentumOn: 1 });
/**
 * One parameter of a multi-tensor step, an entry of its table (the words past its parameter
 * block): its first vec4 in the bound ranges, its size in elements, and two words of its
 * own: `rate` (f32; Adam: the step size lr / bc1, SGD: the learning rate) and `extra` (Adam:
 * sqrt(bc2) as f32; SGD: 1 when its momentum buffer starts at this step), which depend on
 * its step count.
 */
const STEP_PARAM = layout('STEP_PARAM', { start: 1, size: 1, rate: 1, extra: 1 });

/** Parameter blocks, by kernel. Offsets of a field named in WGSL are `<NAME>_<FIELD>`. */
export const LAYOUTS = {
  STRIDED,
  /** unary.wgsl: one thread per element; the slope serves leakyRelu and its backward. */
  UNARY: layout('UNARY', { count: 1, slope: 1 }),
  /** elementwise.wgsl: the strided layout of the inputs (one list each); where's condition dtype. */
  ELEMENTWISE: layout('ELEMENTWISE', { count: 1, condIsFloat: 1, strides: 'rest' }, [STRIDED]),
  /** matmul.wgsl and matmul_sum.wgsl: batch strides are 0 for a 2-D operand shared across the batch. */
  MATMUL: layout('MATMUL', { m: 1, n: 1, k: 1, aBatchStride: 1, bBatchStride: 1, batch: 1, slope: 1, kChunk: 1, act: 1 }),
  /** reduce.wgsl reduce_sum (reduce_sum_short reads up to the divisor): kept and reduced dims as strided layouts. */
  REDUCE: layout('REDUCE', { groups: 1, count: 1, kept: stridedWidth(1), reduced: stridedWidth(1), divisor: 1, chunks: 1, chunkLength: 1 }, [STRIDED]),
  /** reduce.wgsl col_sum */
  COL_SUM: layout('COL_SUM', { rows: 1, cols: 1, tx: 1, rowsPerChunk: 1, blocks: 1, groups: 1, divisor: 1 }),
  /** reduce.wgsl argmax: outputs (outer x inner), the axis length, the inner stride. */
  ARGMAX: layout('ARGMAX', { outputs: 1, length: 1, inner: 1 }),
  /** layout.wgsl gather_strided (transpose, broadcastTo): one input's strided layout. */
  GATHER: layout('GATHER', { count: 1, strides: stridedWidth(1) }, [STRIDED]),
  /** softmax.wgsl: rows (outer x inner), the axis length, the inner stride. */
  SOFTMAX: layout('SOFTMAX', { rows: 1, length: 1, inner: 1 }),
  /** softmax_xent.wgsl: the loss kernels take rows in chunks; xent_backward reads rows and classes. */
  XENT: layout('XENT', { rows: 1, classes: 1, rowsPerChunk: 1, divisor: 1 }),
  /** loss.wgsl pair_loss (the backward kernels read the count only). */
  LOSS: layout('LOSS', { count: 1, chunkLength: 1, divisor: 1 }),
  /** layout.wgsl copy, block_copy (narrow, cat), index_select and the indexSelect backward kernels. */
  COPY: layout('COPY', { count: 1 }),
  BLOCK_COPY: layout('BLOCK_COPY', { count: 1, width: 1, srcRow: 1, srcStart: 1, dstRow: 1, dstStart: 1 }),
  INDEX: layout('INDEX', { count: 1, width: 1, rows: 1 }),
  INDEX_ADD: layout('INDEX_ADD', { count: 1, width: 1, indices: 1 }),
  INDEX_LISTS: layout('INDEX_LISTS', { rows: 1, indices: 1 }),
  /** fill.wgsl full: the value's bits. */
  FULL: layout('FULL', { count: 1, bits: 1 }),
  /** fill.wgsl arange_* and linspace (which alone reads the end). */
  RANGE: layout('RANGE', { count: 1, start: 1, step: 1, end: 1 }),
  /** dropout.wgsl: the Philox key and start block as (lo, hi) words, the drop threshold, the scale. */
  DROPOUT: layout('DROPOUT', { count: 1, keyLo: 1, keyHi: 1, startLo: 1, startHi: 1, threshold: 1, scale: 1 }),
  /** update.wgsl assign_range (assign: offset 0). */
  ASSIGN: layout('ASSIGN', { count: 1, offset: 1 }),
  /** update.wgsl history_write_<n>: where the values go, the history's size. */
  HISTORY: layout('HISTORY', { at: 1, size: 1 }),
  /**
   * update.wgsl step_multi: the vec4s of the bound parameter and gradient ranges, how many
   * parameters the table holds (one STEP_PARAM each), where the state of the range starts
   * in the state arena (vec4s; Adam's second moments at `second`), then the optimizer's
   * hyperparameters (ADAM or SGD, from STEP_HYPER). Its table (GpuDispatch.table) holds the
   * STEP_PARAMs.
   */
  STEP: layout('STEP', { units: 1, params: 1, first: 1, second: 1, hyper: Math.max(ADAM.words!, SGD.words!) }, [ADAM, SGD, STEP_PARAM]),
  ADAM,
  SGD,
  STEP_PARAM,
} as const;

/**
 * An override constant, declared by wgslContract() (no .wgsl declares one). A selector picks
 * an op code of its groups and defaults to NO_OP; the others tune a kernel or pick a variant
 * of the same op, and default to the plain one (a flag's false, a tile size that works).
 */
export type OverrideDecl =
  | { readonly type: 'u32'; readonly selects: readonly string[]; readonly doc: string }
  | { readonly type: 'u32'; readonly default: number; readonly doc: string }
  | { readonly type: 'bool'; readonly default: boolean; readonly doc: string }
  /** Computed in WGSL from other overrides; no rule sets it. */
  | { readonly type: 'u32'; readonly derived: string; readonly doc: string };

const selector = (doc: string, ...groups: OpGroup[]): OverrideDecl => ({ type: 'u32', selects: groups, doc });
const size = (doc: string, v: number): OverrideDecl => ({ type: 'u32', default: v, doc });
const flag = (doc: string, v = false): OverrideDecl => ({ type: 'bool', default: v, doc });
const derived = (doc: string, expr: string): OverrideDecl => ({ type: 'u32', derived: expr, doc });

/** Every override, by WGSL name; one declaration serves every family that uses the name. */
export const OVERRIDES = {
  WG: size('threads per workgroup of the 1-D kernels (the trees take any size)', WG),
  OP: selector('unary.wgsl unary: a UNARY code, backward: an ACT_BWD code; elementwise.wgsl binary, binary_i32: a BINARY code', 'UNARY', 'ACT_BWD', 'BINARY'),
  CMP: selector('elementwise.wgsl compare_*: a COMPARE code', 'COMPARE'),
  SAME_SHAPE: size('elementwise.wgsl: bit k set when input k has the output shape (read at the own index)', 0),
  INT: flag('reduce.wgsl sums: the words hold i32 values'),
  CONTIGUOUS: flag("reduce.wgsl sums: each output's reduced elements are one contiguous run"),
  SOFTMAX: selector('softmax.wgsl softmax_rows: a SOFTMAX code', 'SOFTMAX'),
  LOSS: selector('loss.wgsl pair_loss: a LOSS code', 'LOSS'),
  OPT: selector('update.wgsl step_multi: an OPT code', 'OPT'),
  ACT: selector('matmul linear*, sum_linear*: the epilogue, an ACT code', 'ACT'),
  ACT_BWD: selector('matmul *act_backward*: the epilogue, an ACT_BWD code', 'ACT_BWD'),
  ONES_COL: flag('matmul_colsum: op(B) has one more column, all ones, at column N'),
  WG_N: size('matmul: threads per workgroup along N', 8),
  WG_M: size('matmul: threads per workgroup along M', 8),
  REG: size('matmul: outputs per thread along M and N (4 or 8); matmul_reg: rows per thread (4 or 8)', 8),
  REG_N: size('matmul_reg: columns per thread (4 or 8)', 4),
  QUAD_ROWS: size("matmul_quad: rows of a quad's block (8 or 16)", 16),
  QUAD_COLS: size("matmul_quad: vec4 column groups per lane (1, 2 or 4; a quad's block is 16 QUAD_COLS wide)", 2),
  TILE_K: size('matmul: the K-step of a tile', 32),
  TRANS_A: flag('matmul: A is [K,M]'),
  TRANS_B: flag('matmul: B is [N,K]'),
  VEC_A: flag("matmul: A's panel is read in vec4 loads"),
  VEC_B: flag("matmul: B's panel is read in vec4 loads"),
  CHECK: flag('matmul: loads and stores test the bounds (false: M, N, K are multiples of the tile)', true),
  SPLIT_K: size('matmul_partial, matmul_sum: chunks of K, each its own workgroup', 1),
  TILE_M: derived('matmul: rows of a tile', 'WG_M * REG'),
  TILE_N: derived('matmul: columns of a tile', 'WG_N * REG'),
  QM: derived('matmul: vec4s per k of an A panel', 'TILE_M / 4u'),
  QN: derived('matmul: vec4s per k of a B panel', 'TILE_N / 4u'),
  SHAPED: flag("matmul, matmul_reg: a shape-specialised pipeline: the product's sizes are the DIM_* overrides (so the compiler folds them), not the parameter block's words"),
  DIM_M: size('matmul, matmul_reg with SHAPED: M', 0),
  DIM_N: size('matmul, matmul_reg with SHAPED: N', 0),
  DIM_K: size('matmul, matmul_reg with SHAPED: K', 0),
  DIM_K_CHUNK: size('matmul, matmul_reg with SHAPED: the K-chunk of a split-K product', 0),
  DIM_A_BATCH_STRIDE: size("matmul, matmul_reg with SHAPED: A's batch stride (0: shared across the batch)", 0),
  DIM_B_BATCH_STRIDE: size("matmul, matmul_reg with SHAPED: B's batch stride (0: shared across the batch)", 0),
  DIM_BATCH: size('matmul, matmul_reg with SHAPED: the batch count', 0),
} as const satisfies Record<string, OverrideDecl>;

export type OverrideName = keyof typeof OVERRIDES;

/**
 * The overrides of a shape-specialised product: common.wgsl's size helpers (mm_m() ..) read
 * them, so they are common's, settable on any family; only the matmul rules set them
 * (productDispatches, as GpuDispatch.shaped).
 */
const SHAPE_OVERRIDES = ['SHAPED', 'DIM_M', 'DIM_N', 'DIM_K', 'DIM_K_CHUNK', 'DIM_A_BATCH_STRIDE', 'DIM_B_BATCH_STRIDE', 'DIM_BATCH'] as const;

/** The overrides each family's own text uses; every family may also set common's. */
export const FAMILY_OVERRIDES = {
  common: ['WG', ...SHAPE_OVERRIDES],
  dropout: [],
  elementwise: ['OP', 'CMP', 'SAME_SHAPE'],
  fill: [],
  layout: [],
  loss: ['LOSS'],
  matmul: ['ACT', 'ACT_BWD', 'ONES_COL', 'WG_N', 'WG_M', 'REG', 'TILE_K', 'TRANS_A', 'TRANS_B', 'VEC_A', 'VEC_B', 'CHECK', 'SPLIT_K', 'TILE_M', 'TILE_N', 'QM', 'QN'],
  matmul_reg: ['ACT', 'ACT_BWD', 'ONES_COL', 'REG', 'REG_N', 'TRANS_A', 'TRANS_B', 'VEC_A', 'VEC_B', 'CHECK', 'SPLIT_K'],
  matmul_quad: ['ACT', 'ACT_BWD', 'ONES_COL', 'QUAD_ROWS', 'QUAD_COLS', 'TRANS_A', 'TRANS_B', 'VEC_A', 'VEC_B', 'CHECK', 'SPLIT_K'],
  matmul_sum: ['SPLIT_K', 'ACT', 'ACT_BWD'],
  reduce: ['INT', 'CONTIGUOUS'],
  softmax: ['SOFTMAX'],
  softmax_xent: [],
  unary: ['OP'],
  update: ['OPT'],
} as const satisfies Record<string, readonly OverrideName[]>;

export type Family = Exclude<keyof typeof FAMILY_OVERRIDES, 'common'>;
type Derived = { [K in OverrideName]: (typeof OVERRIDES)[K] extends { derived: string } ? K : never }[OverrideName];
/** The overrides a rule may set on a family's pipelines. */
export type SettableOverride<F extends Family> = Exclude<(typeof FAMILY_OVERRIDES)[F][number] | (typeof FAMILY_OVERRIDES)['common'][number], Derived>;
export type OverrideValues<F extends Family> = { readonly [K in SettableOverride<F>]?: number };
/** Values with no name outside the family's: tsc's excess-property check, for objects built beforehand too. */
export type OnlyOverrides<F extends Family, V> = V & OverrideValues<F> & Record<Exclude<keyof V, SettableOverride<F>>, never>;

/**
 * A dispatch's `constants`, by contract name: tsc rejects a name the family does not use,
 * and a selector's value must be a code of its groups (checked here, when a plan compiles).
 * `codes` are the code tables to check against: OP_CODES, or a test's extended copy.
 */
export function overrides<F extends Family, V extends OverrideValues<F>>(
  family: F,
  values: OnlyOverrides<F, V>,
  codes: { readonly [G in OpGroup]: Readonly<Record<string, number>> } = OP_CODES,
): Record<string, number> {
  const allowed: readonly string[] = [...FAMILY_OVERRIDES[family], ...FAMILY_OVERRIDES.common];
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(values) as [OverrideName, number | undefined][]) {
    if (v === undefined) continue;
    const decl: OverrideDecl = OVERRIDES[name];
    if (!allowed.includes(name) || 'derived' in decl) throw new Error(`contract: shaders/${family}.wgsl has no override ${name} a rule can set`);
    if ('selects' in decl && !decl.selects.some((g) => Object.values(codes[g as OpGroup]).includes(v))) {
      throw new Error(`contract: ${family} ${name} = ${v} is not a ${decl.selects.join(' or ')} code`);
    }
    out[name] = v;
  }
  return out;
}

/**
 * Entry points written once per count, because each binds a different number of buffers
 * (WGSL cannot generate entry points): `<name>_1` .. `<name>_<max>`.
 */
export interface CountedEntry {
  readonly family: Family;
  readonly max: number;
}

/** update.wgsl history_write_<n>: binding 0 and the history leave six of the eight storage buffers a stage may bind. */
export const HISTORY_VALUES_PER_DISPATCH = 6;

export const COUNTED_ENTRIES = {
  history_write: { family: 'update', max: HISTORY_VALUES_PER_DISPATCH },
} as const satisfies Record<string, CountedEntry>;

/** The entry point of a counted family for n: countedEntry('history_write', 3) is 'history_write_3'. */
export function countedEntry(name: keyof typeof COUNTED_ENTRIES, n: number): string {
  const { max } = COUNTED_ENTRIES[name];
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`contract: ${name}_<n> exists for n = 1 .. ${max}, not ${n}`);
  return `${name}_${n}`;
}

/** The contract's tables, as tests/shared/contract-check.ts takes them (a test may pass a variant). */
export interface Contract {
  readonly opCodes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The binary ops with an int32 kernel: a switch may cover just these. */
  readonly binaryInt32: readonly string[];
  readonly layouts: Readonly<Record<string, ParamLayout<string>>>;
  readonly overrides: Readonly<Record<string, OverrideDecl>>;
  readonly familyOverrides: Readonly<Record<string, readonly string[]>>;
  readonly countedEntries: Readonly<Record<string, CountedEntry>>;
  readonly maxWords: number;
  readonly maxDims: number;
}

export const CONTRACT: Contract = {
  opCodes: OP_CODES,
  binaryInt32: BINARY_INT32,
  layouts: LAYOUTS,
  overrides: OVERRIDES,
  familyOverrides: FAMILY_OVERRIDES,
  countedEntries: COUNTED_ENTRIES,
  maxWords: MAX_WORDS,
  maxDims: MAX_DIMS,
};

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every generated const, by WGSL name. */
export function contractConsts(c: Contract = CONTRACT): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, v: number): void => {
    if (out.has(name)) throw new Error(`contract: two constants named ${name}`);
    out.set(name, v);
  };
  put('MAX_DIMS', c.maxDims);
  put('MAX_WORDS', c.maxWords);
  put('NO_OP', NO_OP);
  if (c.layouts.STEP_PARAM) put('STEP_PARAM_WORDS', c.layouts.STEP_PARAM.words!);
  for (const [group, table] of Object.entries(c.opCodes)) for (const [op, code] of Object.entries(table)) put(opCodeName(group, op), code);
  for (const l of Object.values(c.layouts)) for (const [field, at] of Object.entries(l.at)) put(offsetName(l, field), at as number);
  return out;
}

/** The WGSL name of an op code: opCodeName('UNARY', 'leakyRelu') is 'UNARY_LEAKY_RELU'. */
export const opCodeName = (group: string, op: string): string => `${group}_${snake(op)}`;

/** The WGSL name of a field's offset: offsetName(LAYOUTS.MATMUL, 'kChunk') is 'MATMUL_K_CHUNK'. */
export const offsetName = (l: { name: string }, field: string): string => `${l.name}_${snake(field)}`;

/** An override's initializer in WGSL. */
export function overrideInit(d: OverrideDecl): string {
  if ('selects' in d) return 'NO_OP';
  if ('derived' in d) return d.derived;
  return d.type === 'bool' ? String(d.default) : `${d.default}u`;
}

/** The contract as WGSL, one declaration a line, for the front of every shader family. */
export function wgslContract(c: Contract = CONTRACT): string {
  const lines = ['// Generated from src/ops/contract.ts: op codes, parameter-block offsets, shared sizes, override constants.'];
  for (const [name, v] of contractConsts(c)) lines.push(`const ${name}: u32 = ${v}u;`);
  for (const [name, d] of Object.entries(c.overrides)) lines.push(`override ${name}: ${d.type} = ${overrideInit(d)}; // ${d.doc}`);
  return lines.join('\n');
}
