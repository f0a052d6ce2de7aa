// `npm run bench -- --tune`: the library's tuner (src/tools/tune.ts) with no time limit, every
// class (with --quick, the classes up to m; the l classes take the m classes' winners); run.mjs
// writes the table to src/backend/webgpu/tuning/<vendor>-<architecture>.json, where the
// WebGPU backend picks it up for this adapter.
import { SIZE_CLASSES } from '../src/ops/matmul-choice.ts';
import { adapterWords } from '../src/backend/webgpu/tuning.ts';
import type { TuningFile } from '../src/backend/webgpu/tuning.ts';
import { QUICK_CLASSES, tune as measure } from 'shadergrad';
import type { TuneEntry, TuningTable } from 'shadergrad';

export type { TuneEntry };

/** Every candidate of every class measured, `submits` timed submits each (their median). */
export async function tune(adapter: string, runtime: 'Chromium' | 'Node (Dawn)', full: boolean, submits: number, log: (msg: string) => void): Promise<{ table: TuningFile & TuningTable; entries: TuneEntry[] }> {
  const date = new Date().toISOString().slice(0, 10);
  const result = await measure({
    budgetMs: Infinity,
    classes: full ? SIZE_CLASSES : QUICK_CLASSES,
    submits,
    targetMs: 50,
    source: `measured by npm run bench -- --tune${full ? '' : ' --quick'} in ${runtime} on ${date}`,
    onProgress: (p) => {
      if (p.gflops !== null) log(`tune ${p.sizeClass}: ${p.candidate}: ${p.gflops.toPrecision(3)} GFLOP/s`);
    },
  });
  if (result.table.adapter !== adapter) throw new Error(`bench --tune: the engine's adapter is '${result.table.adapter}', the page's '${adapter}'`);
  for (const c of result.classes) if (c.measured) log(`tune ${c.sizeClass}: ${c.winner} wins (${c.speedup!.toFixed(2)}x the untuned table's choice)`);
  // The vendor and architecture words (the description's first two): what the backend matches.
  return { table: { ...result.table, match: adapterWords(adapter).slice(0, 2) }, entries: result.entries };
}
