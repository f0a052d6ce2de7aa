// Which matmul kernel runs for a shape: a pure function of the product's dimensions and a
// tuning table per adapter (size class -> kernel), so it is tested without a GPU and a
// contributor can read why a shape got the kernel it got. `npm run bench -- --tune`
// measures the candidates on an adapter and writes its table (src/backend/webgpu/tuning/).
// The WebGPU backend owns the table it uses and hands it to the GPU rules (GpuArgs.tuning).

/** Threads per workgroup along M and N, outputs per thread along each, and the K-step. */
export interface TileConfig {
  wgM: number;
  wgN: number;
  reg: 4 | 8;
  tileK: number;
}

/**
 * The register-blocked kernel (shaders/matmul_reg.wgsl: no workgroup memory, no barriers):
 * `threads` per 1-D workgroup, each computing `rows` x `cols` outputs.
 */
export interface RegisterConfig {
  threads: number;
  rows: 4 | 8;
  cols: 4 | 8;
}

/**
 * The quad-blocked kernel (shaders/matmul_quad.wgsl: the register kernel's way, with four
 * threads of a subgroup sharing a block and op(A)'s loads through quadBroadcast; needs the
 * 'subgroups' feature): `threads` per 1-D workgroup (a multiple of 4), each quad of them
 * computing `rows` x 16 `cols` outputs.
 */
export interface QuadConfig {
  threads: number;
  rows: 8 | 16;
  cols: 1 | 2 | 4;
}

/**
 * A size class's kernel: one thread per output ('small'), the tiled kernel with a tile
 * configuration, the register-blocked kernel, or the quad-blocked one; a blocked product with fewer
 * than `minGroups` workgroups splits K (up to MAX_SPLITS chunks of at least MIN_CHUNK)
 * until it has about that many. `shaped`: its products run pipelines specialised to their
 * shape (sizes as override constants), where the tuner measured that this pays; a plan
 * makes at most MAX_SHAPED_PIPELINES of them (src/ops/define.ts), the rest run generic.
 */
export type ClassChoice =
  | { kernel: 'small' }
  | ({ kernel: 'tiled'; minGroups: number; shaped?: boolean } & TileConfig)
  | ({ kernel: 'register'; minGroups: number; shaped?: boolean } & RegisterConfig)
  | ({ kernel: 'quad'; minGroups: number } & QuadConfig);

/**
 * Output size (xs .. l) by depth: 'deep' (K long for the output's area), 'flat', or
 * 'shallow' (K short for it: a weight gradient at a small batch, K = the batch).
 */
export const SIZE_CLASSES = ['xs-flat', 'xs-deep', 's-shallow', 's-flat', 's-deep', 'm-shallow', 'm-flat', 'm-deep', 'l-shallow', 'l-flat', 'l-deep'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];

export interface MatmulTuning {
  /** The adapter the table is for, as the backend describes it. */
  adapter: string;
  /** How the table was made: measured by `bench --tune` on a date, or chosen by hand. */
  source: string;
  /**
   * Products of at most this many FLOP (2 batch m n k) run one thread per output whatever
   * their class: their kernels take microseconds on any adapter, while a tiled kernel is
   * another pipeline to compile on first use (about a second each on SwiftShader, where it
   * stalled the lesson pages). The lessons' layers are all below 2^20.
   */
  smallFlop: number;
  classes: Record<SizeClass, ClassChoice>;
}

export interface ProductDims {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** matmul_colsum: op(B) gets one more column, all ones (a layer's bias gradient). */
  onesCol?: boolean;
}

/** How a tiled or register product runs: its workgroups, its split of K, its loads. */
interface Blocked {
  sizeClass: SizeClass;
  /** Workgroups along N (x), M (y) and batch x splits (z); register: blocks / threads (x, folded into y past 65535), batch x splits. */
  groups: [number, number, number];
  /** K-chunks (1: no split), each kChunk values of K, a multiple of tileK (register: of 4). */
  splits: number;
  kChunk: number;
  /** Whether loads and stores need bounds tests (the shape is not a multiple of the tile or block). */
  check: boolean;
  /** Whether op(A) / op(B) are read in vec4 loads. */
  vecA: boolean;
  vecB: boolean;
  /** Whether the class asks for a pipeline specialised to the shape (ClassChoice.shaped). */
  shaped: boolean;
}

export type MatmulChoice =
  | { kernel: 'small'; sizeClass: SizeClass }
  | ({ kernel: 'tiled'; tile: TileConfig } & Blocked)
  | ({ kernel: 'register'; reg: RegisterConfig } & Blocked)
  | ({ kernel: 'quad'; quad: QuadConfig } & Blocked);

/** The default smallFlop (see MatmulTuning). */
export const SMALL_FLOP = 2 ** 20;
/** Split-K never makes chunks shorter than this many values of K, nor more than MAX_SPLITS. */
export const MIN_CHUNK = 64;
export const MAX_SPLITS = 16;
/** A batch of products whose tiles would be mostly padding (fewer than 1 in SPARSE_TILES outputs real) runs one thread per output. */
export const SPARSE_TILES = 8;

/**
 * Output elements (all batch entries) up to 4K: xs, 64K: s, below 1M: m, from 1M: l; 'deep' when
 * K is at least 4 times the side of a square with the output's area (a skinny product),
 * 'shallow' when K is at most an eighth of that side (a short product per output: split-K
 * never applies, and a kernel's per-output setup and stores weigh more). An xs product that
 * shallow is below any smallFlop worth having, so xs has no shallow class.
 */
export function sizeClass(d: Pick<ProductDims, 'batch' | 'm' | 'n' | 'k'>): SizeClass {
  const out = d.batch * d.m * d.n;
  const size = out <= 4096 ? 'xs' : out <= 65536 ? 's' : out < 1 << 20 ? 'm' : 'l';
  const side = Math.sqrt(out);
  const depth = d.k >= 4 * side ? 'deep' : d.k <= side / 8 && size !== 'xs' ? 'shallow' : 'flat';
  return `${size}-${depth}` as SizeClass;
}

/** Why a tile configuration cannot run (WebGPU's default limits), or null. */
export function tileProblem(t: TileConfig): string | null {
  if (t.reg !== 4 && t.reg !== 8) return `reg must be 4 or 8, got ${t.reg}`;
  if (![t.wgM, t.wgN, t.tileK].every((v) => Number.isInteger(v) && v >= 1)) return `wgM, wgN and tileK must be positive integers`;
  if (t.wgM * t.wgN > 256) return `${t.wgM}x${t.wgN} threads is more than the 256 a workgroup may have`;
  if (t.tileK % 4 !== 0) return `tileK must be a multiple of 4 (vec4 panel loads), got ${t.tileK}`;
  const bytes = 4 * t.tileK * t.reg * (t.wgM + t.wgN);
  if (bytes > 16384) return `panels of ${bytes} bytes exceed the 16384 bytes of workgroup memory`;
  return null;
}

/** Why a register configuration cannot run, or null. */
export function registerProblem(r: RegisterConfig): string | null {
  if (r.rows !== 4 && r.rows !== 8) return `rows must be 4 or 8, got ${r.rows}`;
  if (r.cols !== 4 && r.cols !== 8) return `cols must be 4 or 8, got ${r.cols}`;
  if (!Number.isInteger(r.threads) || r.threads < 1 || r.threads > 256) return `threads must be an integer from 1 to 256 (a workgroup's most), got ${r.threads}`;
  return null;
}

/** Why a quad configuration cannot run, or null. */
export function quadProblem(q: QuadConfig): string | null {
  if (q.rows !== 8 && q.rows !== 16) return `rows must be 8 or 16, got ${q.rows}`;
  if (q.cols !== 1 && q.cols !== 2 && q.cols !== 4) return `cols must be 1, 2 or 4, got ${q.cols}`;
  if (!Number.isInteger(q.threads) || q.threads < 4 || q.threads > 256 || q.threads % 4 !== 0) return `threads must be a multiple of 4 from 4 to 256, got ${q.threads}`;
  return null;
}

/** K-chunks of whole steps (multiples of `step`) when fewer than minGroups workgroups would run. */
function splitK(k: number, groups: number, minGroups: number, step: number): { splits: number; kChunk: number } {
  if (groups >= minGroups || k < 2 * MIN_CHUNK) return { splits: 1, kChunk: k };
  const want = Math.min(MAX_SPLITS, Math.ceil(minGroups / groups), Math.floor(k / MIN_CHUNK));
  const kChunk = Math.ceil(k / want / step) * step;
  const splits = Math.ceil(k / kChunk);
  return splits === 1 ? { splits, kChunk: k } : { splits, kChunk };
}

export function chooseMatmul(d: ProductDims, tuning: MatmulTuning): MatmulChoice {
  const cls = sizeClass(d);
  const c = tuning.classes[cls];
  if (c.kernel === 'small' || 2 * d.batch * d.m * d.n * d.k <= tuning.smallFlop) return { kernel: 'small', sizeClass: cls };
  // The operand's contiguous direction must come in whole vec4s: K for a row-major A,
  // M for a transposed one; N for a row-major B (the ones column then starts a vec4), K for
  // a transposed one. Batch strides (M K, K N) are multiples of 4 then too.
  const vecA = (d.transA ? d.m : d.k) % 4 === 0;
  const vecB = (d.transB ? d.k : d.n) % 4 === 0;
  if (c.kernel === 'register') return chooseRegister(d, cls, c, vecA, vecB);
  if (c.kernel === 'quad') return chooseQuad(d, cls, c, vecA, vecB);
  const tile: TileConfig = { wgM: c.wgM, wgN: c.wgN, reg: c.reg, tileK: c.tileK };
  const tileM = c.wgM * c.reg;
  const tileN = c.wgN * c.reg;
  const cols = d.n + (d.onesCol ? 1 : 0);
  const gx = Math.max(1, Math.ceil(cols / tileN));
  const gy = Math.max(1, Math.ceil(d.m / tileM));
  const batch = Math.max(1, d.batch);
  const tiles = gx * gy * batch;
  // A batch of tiny products (the XOR lab's hundred 2-2-1 nets): the tiles would be padding.
  if (d.m * cols * d.batch * SPARSE_TILES < tiles * tileM * tileN) return { kernel: 'small', sizeClass: cls };
  const { splits, kChunk } = splitK(d.k, tiles, c.minGroups, c.tileK);
  const groups: [number, number, number] = [gx, gy, batch * splits];
  // A split's chunks are whole K-steps by construction, so K itself decides.
  const fits = d.m % tileM === 0 && cols % tileN === 0 && d.k % c.tileK === 0;
  return {
    kernel: 'tiled',
    sizeClass: cls,
    tile,
    groups,
    splits,
    kChunk,
    check: !fits,
    vecA,
    vecB,
    shaped: c.shaped === true,
  };
}

/**
 * The grid of a kernel whose 1-D workgroups own `perGroup` blocks of `rows` x `cols` outputs
 * each (the register kernel: a block a thread; the quad kernel: a block a quad): its
 * workgroups, its split of K, and whether bounds are tested; null where the workgroups would
 * be mostly idle (a batch of tiny products), which then run one thread per output.
 */
function blockGrid(d: ProductDims, rows: number, cols: number, perGroup: number, minGroups: number): Pick<Blocked, 'groups' | 'splits' | 'kChunk' | 'check'> | null {
  const width = d.n + (d.onesCol ? 1 : 0);
  const blocks = Math.ceil(d.m / rows) * Math.ceil(width / cols);
  const gx = Math.max(1, Math.ceil(blocks / perGroup));
  // Past WebGPU's 65535 workgroups per dimension (define.ts MAX_GROUPS), the workgroups fold
  // into rows of y (the kernels number them y-major; the few past the last block return).
  const gy = Math.ceil(gx / 65535);
  const batch = Math.max(1, d.batch);
  // As for tiles: workgroups mostly idle (a batch of tiny products) run one thread per output.
  if (d.m * width * batch * SPARSE_TILES < gx * batch * perGroup * rows * cols) return null;
  const { splits, kChunk } = splitK(d.k, gx * batch, minGroups, 4);
  return { groups: [Math.ceil(gx / gy), gy, batch * splits], splits, kChunk, check: !(d.m % rows === 0 && width % cols === 0 && d.k % 4 === 0) };
}

function chooseRegister(d: ProductDims, cls: SizeClass, c: Extract<ClassChoice, { kernel: 'register' }>, vecA: boolean, vecB: boolean): MatmulChoice {
  const grid = blockGrid(d, c.rows, c.cols, c.threads, c.minGroups);
  if (!grid) return { kernel: 'small', sizeClass: cls };
  return { kernel: 'register', sizeClass: cls, reg: { threads: c.threads, rows: c.rows, cols: c.cols }, ...grid, vecA, vecB, shaped: c.shaped === true };
}

function chooseQuad(d: ProductDims, cls: SizeClass, c: Extract<ClassChoice, { kernel: 'quad' }>, vecA: boolean, vecB: boolean): MatmulChoice {
  // A block of rows x 16 cols per quad of threads (threads is a multiple of 4).
  const grid = blockGrid(d, c.rows, 16 * c.cols, c.threads / 4, c.minGroups);
  if (!grid) return { kernel: 'small', sizeClass: cls };
  // matmul_quad.wgsl reads its sizes from the parameter block only: never shaped.
  return { kernel: 'quad', sizeClass: cls, quad: { threads: c.threads, rows: c.rows, cols: c.cols }, ...grid, vecA, vecB, shaped: false };
}

/**
 * A table for a device without the 'subgroups' feature: each quad choice becomes the
 * register kernel with as many threads and 8x8 blocks (a table measured on an adapter that
 * has subgroups may meet a browser that does not offer them).
 */
export function withoutQuads(t: MatmulTuning): MatmulTuning {
  const swap = (c: ClassChoice): ClassChoice => (c.kernel === 'quad' ? { kernel: 'register', threads: c.threads, rows: 8, cols: 8, minGroups: c.minGroups } : c);
  return { ...t, classes: Object.fromEntries(SIZE_CLASSES.map((cls) => [cls, swap(t.classes[cls])])) as MatmulTuning['classes'] };
}

/**
 * For an adapter without a measured table (a real GPU: a CPU adapter such as SwiftShader has
 * its own): configurations chosen by hand for GPUs with many compute units, tiled kernels
 * of 64 or 256 threads, split-K up to 128 workgroups (a unit test holds the 64 to 256).
 * Not measured; run `npm run bench -- --tune` on the adapter to replace it. No class asks for
 * shape-specialised pipelines: each costs a compile at a page's first step, and no GPU
 * measurement says what they save there.
 */
export const DEFAULT_TUNING: MatmulTuning = {
  adapter: 'any',
  source: 'chosen by hand, not measured',
  smallFlop: SMALL_FLOP,
  classes: {
    'xs-flat': { kernel: 'small' },
    'xs-deep': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 64 },
    's-shallow': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 1 },
    's-flat': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 64 },
    's-deep': { kernel: 'tiled', wgM: 8, wgN: 8, reg: 4, tileK: 32, minGroups: 128 },
    'm-shallow': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 4, tileK: 16, minGroups: 1 },
    'm-flat': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 4, tileK: 16, minGroups: 128 },
    'm-deep': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 4, tileK: 16, minGroups: 128 },
    'l-shallow': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 8, tileK: 8, minGroups: 1 },
    'l-flat': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 8, tileK: 8, minGroups: 1 },
    'l-deep': { kernel: 'tiled', wgM: 16, wgN: 16, reg: 8, tileK: 8, minGroups: 128 },
  },
};

/** A table that gives every size class the same choice: the tuner's candidates, and tests that force one kernel. */
export function uniformTuning(choice: ClassChoice, smallFlop: number, adapter: string, source: string): MatmulTuning {
  return { adapter, source, smallFlop, classes: Object.fromEntries(SIZE_CLASSES.map((c) => [c, choice])) as MatmulTuning['classes'] };
}

/** Refuses a table that could not run, naming the adapter and the class (the backend checks each table it installs). */
export function checkTuning(t: MatmulTuning): void {
  if (!(t.smallFlop >= 0)) throw new Error(`matmul tuning for ${t.adapter}: smallFlop must be a number >= 0, got ${t.smallFlop}`);
  for (const cls of SIZE_CLASSES) {
    const c = t.classes[cls];
    if (!c) throw new Error(`matmul tuning for ${t.adapter}: no entry for size class ${cls}`);
    if (c.kernel === 'tiled' || c.kernel === 'register' || c.kernel === 'quad') {
      const p = c.kernel === 'tiled' ? tileProblem(c) : c.kernel === 'register' ? registerProblem(c) : quadProblem(c);
      if (p) throw new Error(`matmul tuning for ${t.adapter}, class ${cls}: ${p}`);
      if (!(c.minGroups >= 1)) throw new Error(`matmul tuning for ${t.adapter}, class ${cls}: minGroups must be >= 1, got ${c.minGroups}`);
      const shaped = (c as { shaped?: unknown }).shaped;
      if (shaped !== undefined && typeof shaped !== 'boolean') throw new Error(`matmul tuning for ${t.adapter}, class ${cls}: shaped must be true or false, got ${String(shaped)}`);
      // matmul_quad.wgsl reads its sizes from the parameter block only.
      if (shaped && c.kernel === 'quad') throw new Error(`matmul tuning for ${t.adapter}, class ${cls}: the quad kernel has no shape-specialised pipelines (shaped: true)`);
    } else if (c.kernel !== 'small') {
      throw new Error(`matmul tuning for ${t.adapter}, class ${cls}: kernel must be 'small', 'tiled', 'register' or 'quad', got ${String((c as { kernel: unknown }).kernel)}`);
    }
  }
}
