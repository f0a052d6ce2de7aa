// The kernel benchmark's printed table and the check of its JSON's shape (every run checks
// it; --smoke exists for it).
import { OP_NAMES } from './ops.ts';
import type { KernelPlan } from './options.ts';
import type { KernelResult } from './run.ts';

const METHODS = ['timestamp', 'median-of-N-in-one-submit'];

/** What is wrong with `r` (nothing: []), given the plan it ran. */
export function schemaErrors(r: KernelResult, plan: Pick<KernelPlan, 'runs'>): string[] {
  const errs: string[] = [];
  const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (typeof r?.adapter !== 'string' || r.adapter.length === 0) errs.push('adapter: a non-empty string');
  if (typeof r?.date !== 'string' || Number.isNaN(Date.parse(r.date))) errs.push('date: an ISO date');
  if (r?.mode !== 'smoke' && r?.mode !== 'full') errs.push(`mode: 'smoke' or 'full', got ${String(r?.mode)}`);
  for (const k of ['bandwidthGBs', 'gflops', 'copyBytes', 'fmaFlop'] as const) {
    if (!positive(r?.ceilings?.[k])) errs.push(`ceilings.${k}: a positive number, got ${String(r?.ceilings?.[k])}`);
  }
  for (const k of ['copyMethod', 'fmaMethod'] as const) if (!METHODS.includes(r?.ceilings?.[k])) errs.push(`ceilings.${k}: one of ${METHODS.join(', ')}`);
  if (!Array.isArray(r?.rows) || r.rows.length === 0) return [...errs, 'rows: a non-empty array'];
  for (const row of r.rows) {
    const at = `row ${row?.op} ${row?.shape}`;
    if (!(OP_NAMES as string[]).includes(row.op)) errs.push(`${at}: op must be one of ${OP_NAMES.join(', ')}`);
    if (!Array.isArray(row.kernels) || row.kernels.length === 0 || !row.kernels.every((k) => /^\w+ \(\w+\.\w+\)$/.test(k))) {
      errs.push(`${at}: kernels must be a non-empty list of "op (family.kernel)", got ${JSON.stringify(row.kernels)}`);
    }
    if (typeof row.shape !== 'string' || !/^\d+(x\d+)+$/.test(row.shape)) errs.push(`${at}: shape like 128x784x128`);
    for (const k of ['ms', 'gflops', 'gbs', 'flopShare', 'bandwidthShare', 'copyMs', 'ofCopyTime', 'flop', 'bytes', 'dispatches', 'repeats'] as const) {
      if (!positive(row[k])) errs.push(`${at}: ${k} must be a positive number, got ${String(row[k])}`);
    }
    if (!Number.isInteger(row.dispatches) || !Number.isInteger(row.repeats)) errs.push(`${at}: dispatches and repeats must be integers`);
    // copyMs is the row's bytes at the measured copy bandwidth, and ofCopyTime ms over it.
    if (positive(row.copyMs) && positive(r?.ceilings?.bandwidthGBs) && Math.abs(row.copyMs * r.ceilings.bandwidthGBs * 1e6 - row.bytes) > 1e-6 * row.bytes) {
      errs.push(`${at}: copyMs ${row.copyMs} is not bytes / copy bandwidth (${row.bytes} B at ${r.ceilings.bandwidthGBs} GB/s)`);
    }
    if (positive(row.ofCopyTime) && positive(row.copyMs) && positive(row.ms) && Math.abs(row.ofCopyTime * row.copyMs - row.ms) > 1e-6 * row.ms) errs.push(`${at}: ofCopyTime must be ms / copyMs`);
    if (!METHODS.includes(row.method)) errs.push(`${at}: method must be one of ${METHODS.join(', ')}, got ${String(row.method)}`);
  }
  for (const { op, shapes } of plan.runs) {
    for (const d of shapes) if (!r.rows.some((row) => row.op === op && row.shape === d.join('x'))) errs.push(`no row for ${op} ${d.join('x')}`);
  }
  return errs;
}

export function table(r: KernelResult): string {
  const f = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const pct = (v: number): string => `${(v * 100).toPrecision(2)}%`;
  const c = r.ceilings;
  const lines = [
    `kernels on ${r.adapter} (${r.runtime}, ${r.mode}, ${r.date})`,
    `ceilings: copy ${f(c.bandwidthGBs)} GB/s (${c.copyMethod}), FMA loop ${f(c.gflops)} GFLOP/s (${c.fmaMethod})`,
    '',
    '| op | kernel (op (family.kernel)) | shape | ms | GFLOP/s | GB/s | of FMA ceiling | of copy ceiling | copy time (ms) | ms / copy time | method x repeats per submit |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of r.rows) {
    // The larger share says what bounds the kernel (or how far it is from either bound).
    const [fl, bw] = [pct(row.flopShare), pct(row.bandwidthShare)];
    const bound = row.flopShare >= row.bandwidthShare ? [`**${fl}**`, bw] : [fl, `**${bw}**`];
    lines.push(`| ${row.op} | ${row.kernels.join(' + ')} | ${row.shape} | ${row.ms.toPrecision(3)} | ${f(row.gflops)} | ${f(row.gbs)} | ${bound[0]} | ${bound[1]} | ${row.copyMs.toPrecision(3)} | ${row.ofCopyTime.toFixed(1)}x | ${row.method} x${row.repeats} |`);
  }
  lines.push('', `copy time: the row's bytes at the measured copy bandwidth (${f(c.bandwidthGBs)} GB/s); ms / copy time is how far the kernels are from moving those bytes as fast as the copy kernel does`);
  lines.push('', 'bytes: every input read once and every output written once; FLOP and bytes per op:');
  for (const [op, m] of Object.entries(r.model)) lines.push(`  ${op}: ${m}`);
  for (const n of r.notes) lines.push('', `note: ${n}`);
  return lines.join('\n');
}
