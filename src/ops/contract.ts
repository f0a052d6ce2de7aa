// The contract between the op rules and the WGSL kernels, declared once, here: the op codes
// that pick a function inside a kernel, the layout of each kernel's parameter block (binding
// 0, P: array<u32>), and the sizes both sides share. src/backend/webgpu/shaders.ts emits it
// as WGSL `const`s in front of every shader family (wgslContract), so a kernel reads
// `P[MATMUL_K]` and switches on `case UNARY_EXP:` where a number would have to match this
// file by hand; tests/unit/contract.test.ts checks the two sides against each other.

/** A word of a dispatch's parameter block: a number is a u32 (or i32 via `| 0`), {f} an f32. */
export type Word = number | { f: number };

/** The most dimensions a strided layout (strided_offset in common.wgsl) describes. */
export const MAX_DIMS = 6;

/** Workgroup size of the 1-D kernels: the default of the WG override in shaders/common.wgsl. */
export const WG = 64;

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
  /** update.wgsl `step_multi_<n>`, by OPT */
  OPT: codes(['adam', 'sgd']),
} as const;

export type BinaryOp = keyof typeof OP_CODES.BINARY;

/** The binary ops with an int32 kernel (`binary_i32`): the others are float-only on WebGPU. */
export const BINARY_INT32: readonly BinaryOp[] = ['add', 'sub', 'mul'];

/** A field's width in words; 'rest' (last field only) takes whatever words are given. */
type Width = number | 'rest';

export interface ParamLayout<F extends string> {
  /** The WGSL prefix of its offsets: field `kChunk` of MATMUL is `MATMUL_K_CHUNK`. */
  readonly name: string;
  /** Each field's first word. */
  readonly at: Readonly<Record<F, number>>;
  /** Words in all; null when the last field takes the rest. */
  readonly words: number | null;
  /**
   * The parameter block, field by field. Trailing fields may be left out, for the kernels
   * that read only the leading ones; a field in the middle may not.
   */
  pack(values: Partial<Record<F, Word | readonly Word[]>>): Word[];
}

function layout<const F extends string>(name: string, widths: Record<F, Width>): ParamLayout<F> {
  const fields = Object.keys(widths) as F[];
  const at = {} as Record<F, number>;
  let next = 0;
  fields.forEach((field, i) => {
    const w: Width = widths[field];
    if (w === 'rest' && i !== fields.length - 1) throw new Error(`contract: ${name}.${field}: only the last field can take the rest`);
    at[field] = next;
    next += w === 'rest' ? 0 : w;
  });
  const pack = (values: Partial<Record<F, Word | readonly Word[]>>): Word[] => {
    const words: Word[] = [];
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
    return words;
  };
  return { name, at, words: widths[fields[fields.length - 1]!] === 'rest' ? null : next, pack };
}

/** Words of a strided layout (common.wgsl strided_offset): ndim, the dims, a stride list per input. */
const stridedWidth = (inputs: number): number => 1 + MAX_DIMS * (1 + inputs);

/** Adam's words inside STEP's hyper (all f32). */
const ADAM = layout('ADAM', { beta1: 1, oneMinusBeta1: 1, beta2: 1, oneMinusBeta2: 1, eps: 1, weightDecay: 1 });
/** SGD's words inside STEP's hyper: f32 values, then nesterov and momentumOn as 0 or 1. */
const SGD = layout('SGD', { momentum: 1, oneMinusDampening: 1, weightDecay: 1, nesterov: 1, momentumOn: 1 });

/** Parameter blocks, by kernel. Offsets of a field named in WGSL are `<NAME>_<FIELD>`. */
export const LAYOUTS = {
  /**
   * A strided layout inside a block (common.wgsl strided_offset, from a base word): ndim, the
   * output's dims, then one list of MAX_DIMS strides per input, all padded with zeros.
   */
  STRIDED: layout('STRIDED', { ndim: 1, dims: MAX_DIMS, strides: 'rest' }),
  /** unary.wgsl: one thread per element; the slope serves leakyRelu and its backward. */
  UNARY: layout('UNARY', { count: 1, slope: 1 }),
  /** elementwise.wgsl: the strided layout of the inputs (one list each); where's condition dtype. */
  ELEMENTWISE: layout('ELEMENTWISE', { count: 1, condIsFloat: 1, strides: 'rest' }),
  /** matmul.wgsl and matmul_sum.wgsl: batch strides are 0 for a 2-D operand shared across the batch. */
  MATMUL: layout('MATMUL', { m: 1, n: 1, k: 1, aBatchStride: 1, bBatchStride: 1, batch: 1, slope: 1, kChunk: 1 }),
  /** reduce.wgsl reduce_sum (reduce_sum_short reads up to the divisor): kept and reduced dims as strided layouts. */
  REDUCE: layout('REDUCE', { groups: 1, count: 1, kept: stridedWidth(1), reduced: stridedWidth(1), divisor: 1, chunks: 1, chunkLength: 1 }),
  /** reduce.wgsl col_sum */
  COL_SUM: layout('COL_SUM', { rows: 1, cols: 1, tx: 1, rowsPerChunk: 1, blocks: 1, groups: 1, divisor: 1 }),
  /** reduce.wgsl argmax: outputs (outer x inner), the axis length, the inner stride. */
  ARGMAX: layout('ARGMAX', { outputs: 1, length: 1, inner: 1 }),
  /** reduce.wgsl broadcast_copy and layout.wgsl gather_strided: one input's strided layout. */
  GATHER: layout('GATHER', { count: 1, strides: stridedWidth(1) }),
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
  /** update.wgsl assign and assign_range. */
  ASSIGN: layout('ASSIGN', { count: 1, offset: 1 }),
  /** update.wgsl history_write_<n>: where the values go, the history's size. */
  HISTORY: layout('HISTORY', { at: 1, size: 1 }),
  /**
   * update.wgsl step_multi_<n>: the parameters' total size, the optimizer's hyperparameters
   * (ADAM or SGD, from STEP_HYPER), then a STEP_PARAM per parameter.
   */
  STEP: layout('STEP', { count: 1, hyper: Math.max(ADAM.words!, SGD.words!), params: 'rest' }),
  ADAM,
  SGD,
  /**
   * One parameter of a multi-tensor step: its first element in the thread range, its size,
   * where its state starts in the arena, and two words of its own: `rate` (f32; Adam: the
   * step size lr / bc1, SGD: the learning rate) and `extra` (Adam: sqrt(bc2) as f32; SGD: 1
   * when its momentum buffer starts at this step), which depend on its step count.
   */
  STEP_PARAM: layout('STEP_PARAM', { start: 1, size: 1, state: 1, rate: 1, extra: 1 }),
} as const;

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every generated const, by WGSL name. */
export function contractConsts(): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, v: number): void => {
    if (out.has(name)) throw new Error(`contract: two constants named ${name}`);
    out.set(name, v);
  };
  put('MAX_DIMS', MAX_DIMS);
  put('WG_DEFAULT', WG);
  put('STEP_PARAM_WORDS', LAYOUTS.STEP_PARAM.words!);
  for (const [group, table] of Object.entries(OP_CODES)) for (const [op, code] of Object.entries(table)) put(opCodeName(group as keyof typeof OP_CODES, op), code);
  for (const l of Object.values(LAYOUTS)) for (const [field, at] of Object.entries(l.at)) put(offsetName(l, field), at as number);
  return out;
}

/** The WGSL name of an op code: opCodeName('UNARY', 'leakyRelu') is 'UNARY_LEAKY_RELU'. */
export const opCodeName = (group: keyof typeof OP_CODES, op: string): string => `${group}_${snake(op)}`;

/** The WGSL name of a field's offset: offsetName(LAYOUTS.MATMUL, 'kChunk') is 'MATMUL_K_CHUNK'. */
export const offsetName = (l: { name: string }, field: string): string => `${l.name}_${snake(field)}`;

/** The contract as WGSL, one `const` a line, for the front of every shader family. */
export function wgslContract(): string {
  const lines = ['// Generated from src/ops/contract.ts: op codes, parameter-block offsets, shared sizes.'];
  for (const [name, v] of contractConsts()) lines.push(`const ${name}: u32 = ${v}u;`);
  return lines.join('\n');
}
