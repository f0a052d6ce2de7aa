// Kernel-choice tables as things a program keeps and gives back: a table made by tune() on
// one adapter carries the engine version and the adapter it was measured on, is written and
// read as JSON (a page keeps it in localStorage), and is installed with useTuning, which
// uses it only on that adapter and that version. activeTuning says which table runs and why.
import type { AdapterIdentity, KernelTools } from '../backend/tooling.ts';
import { toolsOf } from '../backend/tooling.ts';
import { tuningFor } from '../backend/webgpu/tuning.ts';
import { checkGridEntries } from '../ops/define.ts';
import type { Tuning } from '../ops/define.ts';
import { DEFAULT_TUNING, checkTuning } from '../ops/matmul-choice.ts';
import { currentBackend } from '../engine/backend.ts';
import { flush } from '../engine/executor.ts';
import { gpuTools } from './kernels.ts';

/** package.json's version (tests/unit/tuning-table.test.ts holds them equal). */
export const ENGINE_VERSION = '0.1.0';

/** A measured table as tune() makes it: the kernel choices, with the engine and adapter it was measured with. */
export type TuningTable = Tuning & {
  /** The shadergrad version that measured it: kernels and their choices change between versions. */
  engine: string;
  /** The adapter it was measured on (`adapter` holds the backend's description of it, these joined). */
  gpu: AdapterIdentity;
};

/**
 * Where the running table came from: 'built-in', a file committed for this adapter
 * (src/backend/webgpu/tuning/); 'default', the hand-chosen table for adapters without one;
 * 'stored' or 'given', a table installed with useTuning (a page's own, or a program's);
 * 'given' too for a table installed with setMatmulTuning.
 */
export type TuningOrigin = 'built-in' | 'default' | 'stored' | 'given';

export interface ActiveTuning {
  origin: TuningOrigin;
  table: Tuning;
  /** The backend's adapter description. */
  adapter: string;
  /** Why the last table given to useTuning was not used (another adapter or version); absent when it was. */
  note?: string;
}

const ADAPTER_FIELDS = ['vendor', 'architecture', 'device', 'description'] as const;

/** Refuses a value that is not a table (naming the first thing wrong), or one that could not run. */
export function checkTuningTable(t: unknown, who: string): asserts t is TuningTable {
  const bad = (what: string): never => {
    throw new Error(`${who}: not a tuning table (as tune() makes one): ${what}`);
  };
  if (typeof t !== 'object' || t === null || Array.isArray(t)) bad(`expected an object, got ${Array.isArray(t) ? 'an array' : t === null ? 'null' : typeof t}`);
  const o = t as Record<string, unknown>;
  if (typeof o.engine !== 'string') bad(`'engine' (the shadergrad version that measured it) must be a string, got ${JSON.stringify(o.engine)}`);
  if (typeof o.adapter !== 'string') bad(`'adapter' (the adapter's description) must be a string, got ${JSON.stringify(o.adapter)}`);
  if (typeof o.source !== 'string') bad(`'source' must be a string, got ${JSON.stringify(o.source)}`);
  if (typeof o.smallFlop !== 'number') bad(`'smallFlop' must be a number, got ${JSON.stringify(o.smallFlop)}`);
  if (typeof o.classes !== 'object' || o.classes === null) bad(`'classes' (size class -> kernel) is missing`);
  const gpu = o.gpu as Record<string, unknown> | undefined;
  if (typeof gpu !== 'object' || gpu === null) bad(`'gpu' ({ vendor, architecture, device, description }) is missing`);
  for (const f of ADAPTER_FIELDS) if (typeof gpu![f] !== 'string') bad(`'gpu.${f}' must be a string, got ${JSON.stringify(gpu![f])}`);
  try {
    checkTuning(t as Tuning);
    checkGridEntries(t as Tuning);
  } catch (err) {
    throw new Error(`${who}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A table as text, for storage (localStorage, a file); parseTuning reads it back. */
export function serializeTuning(t: TuningTable): string {
  checkTuningTable(t, 'serializeTuning');
  return JSON.stringify(t);
}

/** A table from serializeTuning's text, checked; an Error naming what is wrong otherwise. */
export function parseTuning(text: string): TuningTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`parseTuning: the text is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  checkTuningTable(value, 'parseTuning');
  return value;
}

/**
 * Why `t` does not apply to this engine on `adapter` (another version, another adapter), or
 * null when it does. A table is only as good as the adapter and kernels it was measured on.
 */
export function tuningMismatch(t: TuningTable, adapter: { description: string; adapterInfo: AdapterIdentity }, version = ENGINE_VERSION): string | null {
  if (t.engine !== version) return `the table was measured by shadergrad ${t.engine} and this is ${version}, whose kernels may differ: tune again`;
  if (t.adapter !== adapter.description) return `the table was measured on '${t.adapter}', and this adapter is '${adapter.description}'`;
  for (const f of ADAPTER_FIELDS) {
    if (t.gpu[f] !== adapter.adapterInfo[f]) return `the table's adapter ${f} is '${t.gpu[f]}', and this adapter's is '${adapter.adapterInfo[f]}'`;
  }
  return null;
}

/** What useTuning installed (or refused) per backend: the origin holds while that table runs. */
const installed = new WeakMap<KernelTools, { table: Tuning; origin: TuningOrigin; note?: string }>();

/** The table the adapter runs untuned: its committed file, else the default. */
export function untunedTable(tools: KernelTools): { table: Tuning; origin: 'built-in' | 'default' } {
  const table = tuningFor(tools.description);
  return { table, origin: table === DEFAULT_TUNING ? 'default' : 'built-in' };
}

/** Which table the WebGPU backend runs, where it came from, and any note; null on the CPU backend (it runs no kernels). */
export function activeTuning(): ActiveTuning | null {
  const tools = toolsOf(currentBackend());
  if (!tools) return null;
  const table = tools.tuning;
  const rec = installed.get(tools);
  const note = rec?.table === table ? rec.note : undefined;
  const untuned = untunedTable(tools);
  const origin = rec?.table === table ? rec.origin : table === untuned.table ? untuned.origin : 'given';
  return { origin, table, adapter: tools.description, ...(note ? { note } : {}) };
}

export interface UseTuningOptions {
  /** How activeTuning names it: 'stored' (a page's table, kept for this adapter) or 'given' (the default). */
  origin?: 'stored' | 'given';
}

/**
 * Run the WebGPU backend's kernels by `t` (a table from tune() or parseTuning): checked
 * first, an Error naming what is wrong where it is not a table or could not run. A table
 * from another engine version or adapter is not used: the running table stays, and the
 * result (as activeTuning then reports it) carries a note that says why. Plans compile again
 * under a new table; work recorded before runs first, under the old one.
 */
export function useTuning(t: TuningTable, opts: UseTuningOptions = {}): ActiveTuning {
  const tools = gpuTools('useTuning');
  checkTuningTable(t, 'useTuning');
  const origin = opts.origin ?? 'given';
  if (origin !== 'stored' && origin !== 'given') throw new Error(`useTuning: origin must be 'stored' or 'given', got '${String(origin)}'`);
  const why = tuningMismatch(t, tools);
  if (why) {
    const current = activeTuning()!;
    installed.set(tools, { table: tools.tuning, origin: current.origin, note: `a ${origin} tuning table was not used: ${why}` });
  } else {
    flush();
    tools.setTuning(t);
    installed.set(tools, { table: t, origin });
  }
  return activeTuning()!;
}
