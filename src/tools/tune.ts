// tune(): measures the matmul kernel candidates on the current adapter, one representative
// product per size class (src/ops/matmul-choice.ts), within a time budget, and returns the
// winners as a table for useTuning (a page stores it per adapter) or, through
// `npm run bench -- --tune` (bench/tune.ts), a file in src/backend/webgpu/tuning/.
import type { ClassChoice, MatmulTuning, SizeClass } from '../ops/matmul-choice.ts';
import { SIZE_CLASSES, SMALL_FLOP, chooseMatmul, sizeClass, uniformTuning } from '../ops/matmul-choice.ts';
import { matmul } from '../ops/matmul.ts';
import { tensorFromHost } from '../tensor.ts';
import { gpuTools, matmulTuning, setMatmulTuning } from './kernels.ts';
import { timeKernels } from './timing.ts';
import { ENGINE_VERSION, untunedTable } from './tuning-table.ts';
import type { TuningTable } from './tuning-table.ts';

/**
 * [m, k, n] of each class, above the table's smallFlop (smaller products run one thread per
 * output whatever the class). A shallow class's product is measured with A transposed, as
 * a layer's weight gradient (gᵀx, K = the batch) makes it.
 */
export const REPRESENTATIVE: Record<SizeClass, [number, number, number]> = {
  'xs-flat': [64, 200, 64],
  'xs-deep': [32, 1024, 32],
  's-shallow': [256, 24, 192],
  's-flat': [128, 128, 128],
  's-deep': [64, 784, 128],
  'm-shallow': [384, 32, 1536],
  'm-flat': [512, 512, 512],
  'm-deep': [384, 2048, 384],
  'l-shallow': [2048, 128, 1024],
  'l-flat': [1024, 1024, 1024],
  'l-deep': [1024, 4096, 1024],
};

const TILES: Omit<Extract<ClassChoice, { kernel: 'tiled' }>, 'kernel' | 'minGroups'>[] = [
  { wgM: 8, wgN: 8, reg: 8, tileK: 32 },
  { wgM: 8, wgN: 8, reg: 4, tileK: 32 },
  { wgM: 4, wgN: 4, reg: 8, tileK: 32 },
  { wgM: 16, wgN: 16, reg: 4, tileK: 16 },
  { wgM: 16, wgN: 16, reg: 8, tileK: 8 },
];
// The register kernel (no workgroup memory, no barriers): 64 or 256 threads, 4x4 to 8x8 outputs each.
const REGISTERS: Omit<Extract<ClassChoice, { kernel: 'register' }>, 'kernel' | 'minGroups'>[] = [
  { threads: 64, rows: 4, cols: 4 },
  { threads: 64, rows: 8, cols: 4 },
  { threads: 64, rows: 8, cols: 8 },
  { threads: 256, rows: 4, cols: 4 },
  { threads: 256, rows: 8, cols: 4 },
  { threads: 256, rows: 8, cols: 8 },
];
// The quad kernel (matmul_quad.wgsl, on adapters with subgroups): a quad of threads shares a
// block of 8 or 16 rows by 16 cols times `cols`.
const QUADS: Omit<Extract<ClassChoice, { kernel: 'quad' }>, 'kernel' | 'minGroups'>[] = [
  { threads: 16, rows: 16, cols: 2 },
  { threads: 16, rows: 16, cols: 4 },
  { threads: 64, rows: 16, cols: 2 },
  { threads: 64, rows: 8, cols: 2 },
];
// Outer loop: a budget that ends a class early has still seen every configuration once.
const MIN_GROUPS = [1, 8, 32, 128];
/** The fastest generic candidates of a class whose shape-specialised twins are measured too. */
const SHAPED_TRIES = 2;
/**
 * How much faster a shaped pipeline must run than every generic figure to win its class: each
 * costs a compile at a page's first step, which a few percent of a kernel's time does not repay.
 */
const SHAPED_MARGIN = 1.05;

/** A class's candidates, the untuned table's choice first (so the speed-up has its baseline). */
function candidatesFor(cls: SizeClass, untuned: ClassChoice): ClassChoice[] {
  return [
    untuned,
    ...(cls.startsWith('xs') || cls.startsWith('s-') ? [{ kernel: 'small' } as const] : []),
    ...MIN_GROUPS.flatMap((g) => [
      ...TILES.map((t) => ({ kernel: 'tiled' as const, ...t, minGroups: g })),
      ...REGISTERS.map((r) => ({ kernel: 'register' as const, ...r, minGroups: g })),
      ...QUADS.map((q) => ({ kernel: 'quad' as const, ...q, minGroups: g })),
    ]),
  ];
}

/** The classes up to m: what a quick run measures (the l classes take the m classes' winners). */
export const QUICK_CLASSES: readonly SizeClass[] = SIZE_CLASSES.filter((c) => !c.startsWith('l-'));

export interface TuneOptions {
  /** Milliseconds to spend, shared among the classes (default 30000; Infinity: every candidate). */
  budgetMs?: number;
  /** The classes to measure (default QUICK_CLASSES); an l class not measured takes its m class's winner. */
  classes?: readonly SizeClass[];
  /** Called before each candidate (gflops null) and after it is measured. */
  onProgress?: (p: TuneProgress) => void;
  /** Stop: tune() resolves with what it measured so far (stopped: 'aborted'); it never rejects for it. */
  signal?: AbortSignal;
  /** Timed submits per candidate, their median taken (default 3), each about targetMs (default 50). */
  submits?: number;
  targetMs?: number;
  /** How the table says it was made (default "measured by tune() on <date>"); notes follow it. */
  source?: string;
}

export interface TuneProgress {
  /** Of the planned work, 0..1. */
  fraction: number;
  sizeClass: SizeClass;
  candidate: string;
  gflops: number | null;
}

/** One measured candidate. */
export interface TuneEntry {
  sizeClass: SizeClass;
  shape: string;
  candidate: string;
  gflops: number;
  /** How the kernels were timed alone (timeKernels). */
  timing: string;
}

export interface TuneClassResult {
  sizeClass: SizeClass;
  shape: string;
  /** Whether candidates were measured; false: the class keeps the untuned choice (or takes its m class's winner). */
  measured: boolean;
  winner: string;
  choice: ClassChoice;
  /** The winner's GFLOP/s and the untuned table's (the adapter's committed file, else the default table): null where not measured. */
  gflops: number | null;
  defaultGflops: number | null;
  /** gflops / defaultGflops. */
  speedup: number | null;
  /** Distinct kernel choices measured for the class. */
  candidates: number;
}

export interface TuneResult {
  table: TuningTable;
  classes: TuneClassResult[];
  entries: TuneEntry[];
  /** null: everything planned was measured; 'budget': the time ran out; 'aborted': the signal stopped it. */
  stopped: null | 'budget' | 'aborted';
  elapsedMs: number;
}

export const candidateLabel = (c: ClassChoice): string =>
  (c.kernel === 'small'
    ? 'small'
    : c.kernel === 'tiled'
      ? `tiled ${c.wgM}x${c.wgN} threads, reg ${c.reg}, tileK ${c.tileK}, minGroups ${c.minGroups}`
      : c.kernel === 'register'
        ? `register ${c.threads} threads, ${c.rows}x${c.cols} each, minGroups ${c.minGroups}`
        : `quad ${c.threads} threads, ${c.rows}x${16 * c.cols} a quad, minGroups ${c.minGroups}`) + ('shaped' in c && c.shaped ? ', shaped' : '');

/** Values for the operands: their size matters to the timing, their values do not (kept small, no denormals). */
function operand(rows: number, cols: number): ReturnType<typeof tensorFromHost> {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return tensorFromHost(values, [rows, cols], 'float32');
}

/**
 * Measure the matmul candidates of each class (WebGPU only): each candidate's kernels for the
 * class's product, timed alone (timeKernels), the fastest wins; the untuned table's choice is
 * measured first, as the baseline of the speed-up. Every class started gets its baseline and
 * at least one other candidate; each gets an equal share of what is left of the budget. The
 * engine keeps the table it ran before: install the result with useTuning.
 */
export async function tune(opts: TuneOptions = {}): Promise<TuneResult> {
  const tools = gpuTools('tune');
  // Each candidate is installed as the engine's table while it is timed: two tuners at once would time each other's.
  if (running) throw new Error('tune: a tune() is already running on this engine; await it (or stop it with its signal) first');
  running = true;
  try {
    return await measure(tools, opts);
  } finally {
    running = false;
  }
}

let running = false;

async function measure(tools: ReturnType<typeof gpuTools>, opts: TuneOptions): Promise<TuneResult> {
  const { budgetMs = 30_000, classes = QUICK_CLASSES, onProgress, signal, submits = 3, targetMs = 50 } = opts;
  if (!(budgetMs > 0)) throw new Error(`tune: budgetMs must be a number > 0 (Infinity for no limit), got ${budgetMs}`);
  for (const c of classes) if (!SIZE_CLASSES.includes(c)) throw new Error(`tune: unknown size class '${String(c)}'; expected one of ${SIZE_CLASSES.join(', ')}`);
  const before = tools.tuning;
  const untuned = untunedTable(tools).table;
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const entries: TuneEntry[] = [];
  const results = new Map<SizeClass, TuneClassResult>();
  const winners = { ...untuned.classes };
  const notes: string[] = [];
  let stopped: TuneResult['stopped'] = null;
  const todo = SIZE_CLASSES.filter((c) => classes.includes(c));
  try {
    for (const [i, cls] of todo.entries()) {
      if (signal?.aborted) stopped = 'aborted';
      else if (elapsed() >= budgetMs) stopped = 'budget';
      if (stopped) break;
      const [m, k, n] = REPRESENTATIVE[cls];
      if (2 * m * n * k <= SMALL_FLOP || sizeClass({ batch: 1, m, n, k }) !== cls) throw new Error(`tune: the representative ${m}x${k}x${n} of ${cls} is in class ${sizeClass({ batch: 1, m, n, k })} or below smallFlop`);
      const transA = cls.endsWith('-shallow');
      const shape = `${m}x${k}x${n}${transA ? ' (A transposed)' : ''}`;
      // Candidates that make the same kernel choice for this shape are measured once.
      const seen = new Map<string, { c: ClassChoice; table: MatmulTuning }>();
      for (const c of candidatesFor(cls, untuned.classes[cls])) {
        const table = { ...before, ...uniformTuning(c, SMALL_FLOP, tools.description, 'a candidate') };
        const key = JSON.stringify(chooseMatmul({ batch: 1, m, n, k, transA, transB: false }, table));
        if (!seen.has(key)) seen.set(key, { c, table });
      }
      const list = [...seen.values()];
      const share = (budgetMs - elapsed()) / (todo.length - i);
      const classStart = elapsed();
      const a = operand(transA ? k : m, transA ? m : k);
      const b = operand(k, n);
      let best: { c: ClassChoice; gflops: number } | null = null;
      let baseline: number | null = null;
      let done = 0;
      const fraction = (): number => Math.min(1, (i + Math.min(1, Math.max(done / list.length, (elapsed() - classStart) / share))) / todo.length);
      const timeChoice = async (c: ClassChoice, table: MatmulTuning): Promise<number | null> => {
        setMatmulTuning(table);
        // Without subgroups the backend runs a quad choice as a register one: not this candidate.
        if (matmulTuning().classes[cls].kernel !== c.kernel) return null;
        onProgress?.({ fraction: fraction(), sizeClass: cls, candidate: candidateLabel(c), gflops: null });
        const t = await timeKernels(() => matmul(a, b, { transA }), { submits, targetMs });
        const gflops = (2 * m * n * k) / (t.ms / 1000) / 1e9;
        entries.push({ sizeClass: cls, shape, candidate: candidateLabel(c), gflops, timing: `${t.method} x${t.repeats}` });
        onProgress?.({ fraction: fraction(), sizeClass: cls, candidate: candidateLabel(c), gflops });
        return gflops;
      };
      const measured: { c: ClassChoice; gflops: number }[] = [];
      for (const { c, table } of list) {
        if (done >= 2 && elapsed() - classStart >= share) break;
        if (signal?.aborted) break;
        const gflops = await timeChoice(c, table);
        if (gflops === null) continue;
        done++;
        measured.push({ c, gflops });
        if (baseline === null) baseline = gflops;
        if (!best || gflops > best.gflops) best = { c, gflops };
      }
      // The fastest few again, each beside its shape-specialised twin (sizes as override
      // constants), while the class's share lasts; a twin wins only by SHAPED_MARGIN over
      // every generic figure.
      let bestShaped: { c: ClassChoice; gflops: number } | null = null;
      const fastest = measured.sort((x, y) => y.gflops - x.gflops).filter((x) => x.c.kernel === 'tiled' || x.c.kernel === 'register');
      for (const { c } of fastest.slice(0, SHAPED_TRIES)) {
        if (signal?.aborted || elapsed() - classStart >= share) break;
        const generic = await timeChoice(c, { ...before, ...uniformTuning(c, SMALL_FLOP, tools.description, 'a candidate') });
        if (generic !== null && best && generic > best.gflops) best = { c, gflops: generic };
        const twin = { ...c, shaped: true } as ClassChoice;
        const shaped = await timeChoice(twin, { ...before, ...uniformTuning(twin, SMALL_FLOP, tools.description, 'a candidate') });
        if (shaped !== null && (!bestShaped || shaped > bestShaped.gflops)) bestShaped = { c: twin, gflops: shaped };
      }
      if (best && bestShaped && bestShaped.gflops > SHAPED_MARGIN * best.gflops) best = bestShaped;
      a.dispose();
      b.dispose();
      // Only Stop ends a class before its baseline and one other candidate: then it is not measured.
      if (!best || done < Math.min(2, list.length)) {
        stopped = 'aborted';
        break;
      }
      winners[cls] = best.c;
      if (done < list.length) notes.push(`${cls}: ${done} of ${list.length} candidates (the budget)`);
      results.set(cls, { sizeClass: cls, shape, measured: true, winner: candidateLabel(best.c), choice: best.c, gflops: best.gflops, defaultGflops: baseline, speedup: best.gflops / baseline!, candidates: done });
    }
  } finally {
    setMatmulTuning(before);
  }
  for (const cls of SIZE_CLASSES) {
    if (results.has(cls)) continue;
    const [m, k, n] = REPRESENTATIVE[cls];
    const mClass = cls.replace('l-', 'm-') as SizeClass;
    const fromM = cls.startsWith('l-') && results.has(mClass);
    if (fromM) winners[cls] = winners[mClass];
    notes.push(`${cls} not measured: ${fromM ? "it takes the m class's winner" : 'it keeps the untuned choice'}`);
    const choice = winners[cls];
    results.set(cls, { sizeClass: cls, shape: `${m}x${k}x${n}`, measured: false, winner: candidateLabel(choice), choice, gflops: null, defaultGflops: null, speedup: null, candidates: 0 });
  }
  const info = tools.adapterInfo;
  const table: TuningTable = {
    ...before,
    adapter: tools.description,
    source: `${opts.source ?? `measured by tune() on ${new Date().toISOString().slice(0, 10)}`}${stopped ? ` (${stopped === 'budget' ? 'the budget ran out' : 'stopped'})` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    smallFlop: SMALL_FLOP,
    classes: winners,
    engine: ENGINE_VERSION,
    gpu: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
  };
  delete (table as { match?: unknown }).match;
  return { table, classes: SIZE_CLASSES.map((c) => results.get(c)!), entries, stopped, elapsedMs: elapsed() };
}
