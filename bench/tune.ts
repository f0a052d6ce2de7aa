// `npm run bench -- --tune`: measures the matmul kernel candidates on the current adapter,
// one representative product per size class (src/ops/matmul-choice.ts), and returns the
// winners as a tuning table that run.mjs writes to src/backend/webgpu/tuning/, where the
// WebGPU backend picks it up for this adapter.
import { SMALL_FLOP, SIZE_CLASSES, chooseMatmul, sizeClass, uniformTuning } from '../src/ops/matmul-choice.ts';
import type { ClassChoice, MatmulTuning, SizeClass } from '../src/ops/matmul-choice.ts';
import { adapterWords } from '../src/backend/webgpu/tuning.ts';
import type { TuningFile } from '../src/backend/webgpu/tuning.ts';
// The WebGPU backend's own table: each candidate is installed there, and plans recompile.
import { matmulTuning, setMatmulTuning } from '../src/tools/kernels.ts';
import { matmul, randn, timeKernels } from 'shadergrad';

/**
 * [m, k, n] of each class, above the table's smallFlop (smaller products run one thread per
 * output whatever the class); the l classes only in a full run. A shallow class's product is
 * measured with A transposed, as a layer's weight gradient (gᵀx, K = the batch) makes it.
 */
const REPRESENTATIVE: Record<SizeClass, [number, number, number]> = {
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
const MIN_GROUPS = [1, 8, 32, 128];
/** The fastest generic candidates of a class whose shape-specialised pipelines are measured too. */
const SHAPED_TRIES = 2;
/**
 * How much faster a shaped pipeline must run than its generic twin to win its class: each
 * costs a compile at a page's first step, which a few percent of a kernel's time does not repay.
 */
const SHAPED_MARGIN = 1.05;

export interface TuneEntry {
  sizeClass: SizeClass;
  shape: string;
  candidate: string;
  gflops: number;
  /** How the kernels were timed alone (timeKernels). */
  timing: string;
}

const label = (c: ClassChoice): string =>
  c.kernel === 'small'
    ? 'small'
    : (c.kernel === 'tiled'
      ? `tiled ${c.wgM}x${c.wgN} threads, reg ${c.reg}, tileK ${c.tileK}, minGroups ${c.minGroups}`
      : `register ${c.threads} threads, ${c.rows}x${c.cols} each, minGroups ${c.minGroups}`) + ('shaped' in c && c.shaped ? ', shaped' : '');

/**
 * Each candidate's kernels for the class's product, timed alone (repeated in one submit,
 * GPU timestamps where offered; the median of `submits` submits): the fastest wins.
 */
export async function tune(adapter: string, runtime: 'Chromium' | 'Node (Dawn)', full: boolean, submits: number, log: (msg: string) => void): Promise<{ table: TuningFile; entries: TuneEntry[] }> {
  const before = matmulTuning();
  const entries: TuneEntry[] = [];
  const winners = {} as Record<SizeClass, ClassChoice>;
  const notes: string[] = [];
  try {
    for (const cls of SIZE_CLASSES) {
      const [m, k, n] = REPRESENTATIVE[cls];
      if (2 * m * n * k <= SMALL_FLOP) throw new Error(`tune: the representative ${m}x${k}x${n} of ${cls} is below smallFlop`);
      if (sizeClass({ batch: 1, m, n, k }) !== cls) throw new Error(`tune: the representative ${m}x${k}x${n} of ${cls} is in class ${sizeClass({ batch: 1, m, n, k })}`);
      if (!full && cls.startsWith('l-')) {
        winners[cls] = winners[cls.replace('l-', 'm-') as SizeClass];
        notes.push(`${cls} not measured (a quick run): it takes the m class's winner`);
        continue;
      }
      const candidates: ClassChoice[] = [
        ...(cls.startsWith('xs') || cls.startsWith('s-') ? [{ kernel: 'small' } as const] : []),
        ...TILES.flatMap((t) => MIN_GROUPS.map((g) => ({ kernel: 'tiled' as const, ...t, minGroups: g }))),
        ...REGISTERS.flatMap((r) => MIN_GROUPS.map((g) => ({ kernel: 'register' as const, ...r, minGroups: g }))),
      ];
      const transA = cls.endsWith('-shallow');
      // Candidates that make the same kernel choice for this shape are measured once.
      const seen = new Map<string, { c: ClassChoice; table: MatmulTuning }>();
      for (const c of candidates) {
        const table = uniformTuning(c, SMALL_FLOP, adapter, 'a candidate');
        const key = JSON.stringify(chooseMatmul({ batch: 1, m, n, k, transA, transB: false }, table));
        if (!seen.has(key)) seen.set(key, { c, table });
      }
      const a = randn(transA ? [k, m] : [m, k]);
      const b = randn([k, n]);
      const measure = async (c: ClassChoice): Promise<number> => {
        setMatmulTuning(uniformTuning(c, SMALL_FLOP, adapter, 'a candidate'));
        const t = await timeKernels(() => matmul(a, b, { transA }), { submits, targetMs: 50 });
        const gflops = (2 * m * n * k) / (t.ms / 1000) / 1e9;
        entries.push({ sizeClass: cls, shape: `${m}x${k}x${n}${transA ? ' (A transposed)' : ''}`, candidate: label(c), gflops, timing: `${t.method} x${t.repeats}` });
        log(`tune ${cls} ${m}x${k}x${n}: ${label(c)}: ${gflops.toPrecision(3)} GFLOP/s`);
        return gflops;
      };
      const measured: { c: ClassChoice; gflops: number }[] = [];
      for (const { c } of seen.values()) measured.push({ c, gflops: await measure(c) });
      measured.sort((x, y) => y.gflops - x.gflops);
      let best = measured[0]!;
      // The fastest few again, each beside its shape-specialised twin (sizes as override
      // constants); a twin wins only by SHAPED_MARGIN over every generic measurement.
      let bestShaped: { c: ClassChoice; gflops: number } | null = null;
      for (const { c } of measured.slice(0, SHAPED_TRIES)) {
        if (c.kernel === 'small') continue;
        const generic = await measure(c);
        if (generic > best.gflops) best = { c, gflops: generic };
        const twin: ClassChoice = { ...c, shaped: true };
        const shaped = await measure(twin);
        if (!bestShaped || shaped > bestShaped.gflops) bestShaped = { c: twin, gflops: shaped };
      }
      if (bestShaped && bestShaped.gflops > SHAPED_MARGIN * best.gflops) best = bestShaped;
      winners[cls] = best.c;
      log(`tune ${cls}: ${label(best.c)} wins`);
    }
  } finally {
    setMatmulTuning(before);
  }
  const date = new Date().toISOString().slice(0, 10);
  const table: TuningFile = {
    adapter,
    // The vendor and architecture words (the description's first two): what the backend matches.
    match: adapterWords(adapter).slice(0, 2),
    source: `measured by npm run bench -- --tune${full ? '' : ' --quick'} in ${runtime} on ${date}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    smallFlop: SMALL_FLOP,
    classes: winners,
  };
  return { table, entries };
}
