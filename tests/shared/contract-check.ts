// Without a GPU: the contract's tables (src/ops/contract.ts) against WGSL texts. Each check
// takes the tables and the texts as arguments and returns its problems, one sentence each
// (an empty list when the two sides agree), so a test can run it on the files on disk, or on
// a contract with one op more and a .wgsl with one case more.
import { readFileSync, readdirSync } from 'node:fs';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { Contract, OverrideDecl, ParamLayout } from '../../src/ops/contract.ts';
import { NO_OP, contractConsts, offsetName, opCodeName, overrideInit, packedLayout, wgslContract } from '../../src/ops/contract.ts';
import { joinPrelude } from '../../src/backend/webgpu/shaders.ts';
import type { Binding, GpuDispatch, OpDef, Word } from '../../src/ops/define.ts';
import { isGather, isScratch, isTable } from '../../src/ops/define.ts';
import type { DType, Meta } from '../../src/graph/ir.ts';

/** The .wgsl texts by family ('common' included), as shaders/ has them. */
export type WgslFiles = ReadonlyMap<string, string>;

export function wgslFilesOnDisk(): Map<string, string> {
  const dir = new URL('../../shaders/', import.meta.url);
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.wgsl')).map((f) => [f.replace(/\.wgsl$/, ''), readFileSync(new URL(f, dir), 'utf8')]));
}

/**
 * Switches over something other than an op code, which may use numbers and whose default
 * is a real branch: they pick a register or a binding, never a function.
 */
const INDEX_SWITCHES: Record<string, string> = {
  'i * 2u + j / 4u': 'matmul.wgsl block_out: which accumulator holds a block element',
};

/** The text without comments, so a name in prose neither counts as a use nor as a violation. */
const uncommented = (t: string): string => t.replace(/\/\/.*$/gm, '');
const identifiers = (t: string): Set<string> => new Set(t.match(/\b[A-Za-z_]\w*\b/g) ?? []);

/** The text inside the brackets that open just before `start`. */
function braced(text: string, start: number, open = '{', close = '}'): string {
  let depth = 1;
  let i = start;
  while (depth > 0 && i < text.length) depth += text[i] === open ? 1 : text[i] === close ? -1 : 0, i++;
  return text.slice(start, i - 1);
}

interface Switch {
  subject: string;
  cases: string[];
  defaultBody: string | null;
}

function switchesIn(text: string): Switch[] {
  const out: Switch[] = [];
  for (const m of text.matchAll(/\bswitch\s+([^{]+?)\s*\{/g)) {
    const body = braced(text, m.index! + m[0].length);
    // Only this switch's own arms: labels at the switch's top level.
    const cases: string[] = [];
    let defaultBody: string | null = null;
    let level = 0;
    for (let k = 0; k < body.length; k++) {
      if (body[k] === '{') level++;
      else if (body[k] === '}') level--;
      else if (level === 0) {
        const rest = body.slice(k);
        const c = /^case\s+([^:{]+):?/.exec(rest);
        if (c) {
          cases.push(...c[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
          k += c[0].length - 1;
        } else if (/^default\b/.test(rest)) {
          defaultBody = braced(body, body.indexOf('{', k) + 1);
        }
      }
    }
    out.push({ subject: m[1]!.trim(), cases, defaultBody });
  }
  return out;
}

interface Fn {
  params: string[];
  text: string;
  ids: Set<string>;
  switches: Switch[];
}

function functionsIn(text: string): Map<string, Fn> {
  const fns = new Map<string, Fn>();
  for (const m of text.matchAll(/\bfn\s+(\w+)\s*\(/g)) {
    const open = m.index! + m[0].length;
    const params = braced(text, open, '(', ')');
    const bodyStart = text.indexOf('{', open + params.length) + 1;
    const body = braced(text, bodyStart);
    const names = params.replace(/@\w+\([^)]*\)/g, '').split(',').map((p) => /(\w+)\s*:/.exec(p)?.[1]).filter((p): p is string => p !== undefined);
    fns.set(m[1]!, { params: names, text: body, ids: identifiers(body), switches: switchesIn(body) });
  }
  return fns;
}

/** What the checks read off a contract and a set of WGSL files; make it once with wgslModel. */
export interface WgslModel {
  contract: Contract;
  /** Each family's own text, comments removed. */
  own: Map<string, string>;
  /** What the GPU compiles for a family: wgslContract(contract), common.wgsl, the family's text. */
  full: Map<string, string>;
  consts: Map<string, number>;
  fns: Map<string, Map<string, Fn>>;
  /** Op-code const name -> its group. */
  codeGroup: Map<string, string>;
  /** Offset const name -> its layout and field (field null: the layout's size, STEP_PARAM_WORDS). */
  offsets: Map<string, { l: ParamLayout<string>; field: string | null }>;
  reflect(family: string): WgslReflect;
}

export function wgslModel(contract: Contract, files: WgslFiles): WgslModel {
  const prelude = `${wgslContract(contract)}\n${files.get('common') ?? ''}`;
  const full = new Map<string, string>();
  const fns = new Map<string, Map<string, Fn>>();
  for (const [f, t] of files) {
    if (f === 'common') continue;
    full.set(f, joinPrelude(prelude, t));
    fns.set(f, functionsIn(uncommented(joinPrelude(prelude, t))));
  }
  const codeGroup = new Map<string, string>();
  for (const [g, table] of Object.entries(contract.opCodes)) for (const op of Object.keys(table)) codeGroup.set(opCodeName(g, op), g);
  const offsets = new Map<string, { l: ParamLayout<string>; field: string | null }>();
  for (const l of Object.values(contract.layouts)) {
    for (const field of Object.keys(l.at)) offsets.set(offsetName(l, field), { l, field });
    offsets.set(`${l.name}_WORDS`, { l, field: null });
  }
  const parsed = new Map<string, WgslReflect>();
  return {
    contract,
    own: new Map([...files].map(([f, t]) => [f, uncommented(t)])),
    full,
    consts: contractConsts(contract),
    fns,
    codeGroup,
    offsets,
    reflect(family) {
      if (!parsed.has(family)) parsed.set(family, new WgslReflect(full.get(family)!));
      return parsed.get(family)!;
    },
  };
}

const groupNames = (m: WgslModel, g: string): string[] => Object.keys(m.contract.opCodes[g]!).map((op) => opCodeName(g, op));
const selectors = (m: WgslModel): string[] => Object.entries(m.contract.overrides).filter(([, d]) => 'selects' in d).map(([n]) => n);

/** A switch over op codes: its group, or null for a switch over something else. */
function switchGroup(m: WgslModel, s: Switch): string | null {
  const groups = new Set(s.cases.map((c) => m.codeGroup.get(c)).filter((g) => g !== undefined));
  return groups.size === 1 ? [...groups][0]! : null;
}

/**
 * Op codes: every case names a declared code, a switch covers one group (all of it, or a
 * subset the contract declares), every code has its own case in a switch over its whole
 * group, a switch's default is no op, and no selector is compared or set by number.
 */
export function checkOpCodes(m: WgslModel): string[] {
  const problems: string[] = [];
  const allowed = [...Object.keys(m.contract.opCodes).map((g) => groupNames(m, g)), m.contract.binaryInt32.map((op) => opCodeName('BINARY', op))].map((set) => JSON.stringify([...set].sort()));
  const overCodes: Switch[] = [];
  for (const [file, text] of m.own) {
    for (const s of switchesIn(text)) {
      const where = `${file}.wgsl: switch ${s.subject}`;
      if (s.subject in INDEX_SWITCHES) continue;
      for (const c of s.cases) if (!m.codeGroup.has(c)) problems.push(`${where}: case ${c} is not an op code of the contract`);
      const sorted = [...s.cases].sort();
      if (!allowed.includes(JSON.stringify(sorted))) problems.push(`${where}: cases ${sorted.join(', ')}: not a whole group of codes`);
      if (!s.cases.some((c) => m.codeGroup.has(c))) continue;
      overCodes.push(s);
      if (s.defaultBody === null) problems.push(`${where} has no default`);
      else if (!/^\s*(return nan_f32\(\);|return -1;|r = -1;|r = 0;)\s*$/.test(s.defaultBody)) problems.push(`${where}: default { ${s.defaultBody.trim()} } is not no op (NaN, -1, 0)`);
    }
    const sel = selectors(m).join('|');
    if (sel && new RegExp(`\\b(${sel})\\s*[=!]=\\s*\\d`).test(text)) problems.push(`${file}.wgsl compares a selector with a number`);
  }
  for (const g of Object.keys(m.contract.opCodes)) {
    const names = groupNames(m, g);
    if (!overCodes.some((s) => names.every((n) => s.cases.includes(n)))) problems.push(`no switch has a case for every ${g} code (${names.join(', ')})`);
  }
  return problems;
}

/** The overrides a switch over codes picks by: its subject, or the argument passed for it when it is a parameter. */
function pickingOverrides(m: WgslModel): Map<string, string> {
  const out = new Map<string, string>();
  const names = Object.keys(m.contract.overrides);
  for (const [family, fns] of m.fns) {
    for (const [fname, fn] of fns) {
      for (const s of fn.switches) {
        if (switchGroup(m, s) === null) continue;
        if (names.includes(s.subject)) out.set(s.subject, `${family}.wgsl ${fname}`);
        const k = fn.params.indexOf(s.subject);
        if (k < 0) continue;
        // Calls fname(X, ...) with X an override: X picks the code.
        for (const [caller, cfn] of fns) {
          for (const call of cfn.text.matchAll(new RegExp(`\\b${fname}\\s*\\(`, 'g'))) {
            const arg = braced(cfn.text, call.index! + call[0].length, '(', ')').split(',')[k]?.trim();
            if (arg && names.includes(arg)) out.set(arg, `${family}.wgsl ${caller} (through ${fname})`);
          }
        }
      }
    }
  }
  return out;
}

/**
 * Overrides: the contract declares each one and no .wgsl does; what the prelude declares is
 * the contract's names, types and defaults; every override that picks an op code is a
 * selector, whose default is NO_OP, no op's code; no other default names an op; each family
 * uses exactly the overrides the contract lists for it.
 */
export function checkOverrides(m: WgslModel): string[] {
  const problems: string[] = [];
  const c = m.contract;
  for (const [file, text] of m.own) for (const d of text.matchAll(/\boverride\s+(\w+)/g)) problems.push(`${file}.wgsl declares override ${d[1]}: overrides are declared in src/ops/contract.ts`);
  const declared = new Map([...wgslContract(c).matchAll(/^override (\w+): (\w+) = ([^;]+);/gm)].map((d) => [d[1]!, { type: d[2]!, init: d[3]! }]));
  for (const [name, d] of Object.entries(c.overrides)) {
    const w = declared.get(name);
    if (!w || w.type !== d.type || w.init !== overrideInit(d)) problems.push(`override ${name}: the contract says ${d.type} = ${overrideInit(d)}, the prelude ${w ? `${w.type} = ${w.init}` : 'has none'}`);
  }
  const codeNames = [...m.codeGroup.keys()];
  for (const [name, d] of Object.entries(c.overrides) as [string, OverrideDecl][]) {
    const init = overrideInit(d);
    const named = codeNames.find((n) => new RegExp(`\\b${n}\\b`).test(init));
    if (named) problems.push(`override ${name} defaults to ${named}, a real op`);
    if ('selects' in d) {
      if (init !== 'NO_OP') problems.push(`selector ${name} defaults to ${init}, not NO_OP`);
      for (const g of d.selects) {
        if (!c.opCodes[g]) problems.push(`selector ${name} selects ${g}, which is not a group of op codes`);
        else if (Object.values(c.opCodes[g]).includes(NO_OP)) problems.push(`${g} has a code equal to NO_OP (${NO_OP})`);
      }
    }
  }
  for (const [name, where] of pickingOverrides(m)) {
    if (!('selects' in (c.overrides[name] ?? {}))) problems.push(`override ${name} picks an op code (${where}) but the contract gives it a default that is an op: declare it a selector`);
  }
  const onDisk = [...m.own.keys()].sort();
  const listed = Object.keys(c.familyOverrides).sort();
  if (JSON.stringify(onDisk) !== JSON.stringify(listed)) problems.push(`families on disk [${onDisk.join(', ')}] differ from the contract's FAMILY_OVERRIDES [${listed.join(', ')}]`);
  const all = Object.keys(c.overrides);
  const inSomeFamily = new Set(Object.values(c.familyOverrides).flat());
  for (const name of all) if (!inSomeFamily.has(name)) problems.push(`override ${name} is declared but no family lists it`);
  for (const [family, text] of m.own) {
    const used = all.filter((n) => new RegExp(`\\b${n}\\b`).test(text)).sort();
    const want = [...(c.familyOverrides[family] ?? [])].sort();
    for (const n of want) if (!all.includes(n)) problems.push(`${family}: lists override ${n}, which the contract does not declare`);
    const common = c.familyOverrides.common ?? [];
    const extra = used.filter((n) => !want.includes(n) && !common.includes(n));
    const unused = want.filter((n) => !used.includes(n));
    if (extra.length) problems.push(`${family}.wgsl uses overrides [${extra.join(', ')}] its FAMILY_OVERRIDES entry does not list`);
    if (unused.length) problems.push(`${family}: FAMILY_OVERRIDES lists [${unused.join(', ')}], which ${family}.wgsl does not use`);
  }
  return problems;
}

/**
 * Parameter blocks: binding 0 holds MAX_WORDS words; every offset the contract declares is
 * read by a kernel; no kernel reads a word by number; no shader declares a generated name.
 */
export function checkLayouts(m: WgslModel): string[] {
  const problems: string[] = [];
  const common = m.own.get('common') ?? '';
  if (!/var<storage,\s*read>\s+P\s*:\s*array<u32,\s*MAX_WORDS>/.test(common)) problems.push('common.wgsl: binding 0 must be P: array<u32, MAX_WORDS>, the contract\'s limit');
  const all = [...m.own.values()].join('\n');
  for (const l of Object.values(m.contract.layouts)) {
    for (const field of Object.keys(l.at)) {
      const name = offsetName(l, field);
      if (!new RegExp(`\\b${name}\\b`).test(all)) problems.push(`${l.name}.${field} (${name}) is declared in the contract but no kernel reads it`);
    }
  }
  // A name in capitals that nothing declares: an offset, code or override written on the WGSL side only.
  const declared = new Set([...m.consts.keys(), ...Object.keys(m.contract.overrides)]);
  for (const text of m.own.values()) {
    for (const d of text.matchAll(/\b(?:let|var(?:<[^>]*>)?|const|fn|struct)\s+(\w+)/g)) declared.add(d[1]!);
    for (const d of text.matchAll(/(\w+)\s*:\s*[\w<>, ]+[,)]/g)) declared.add(d[1]!); // parameters and struct fields
  }
  for (const [file, text] of m.own) {
    const undeclared = [...identifiers(text)].filter((n) => /^[A-Z][A-Z0-9_]+$/.test(n) && !declared.has(n));
    if (undeclared.length) problems.push(`${file}.wgsl uses [${undeclared.join(', ')}], which neither the contract nor the WGSL declares`);
  }
  for (const [file, text] of m.own) {
    // P[0] & 0u is a run-time zero (NaN and infinity cannot be const-expressions), not a field.
    const reads = [...text.matchAll(/\b(P\[|pf\()\s*(\d[^\]\)]*)/g)].filter((r) => !/^0\]\s*&\s*0u/.test(text.slice(r.index! + 2)));
    for (const r of reads) problems.push(`${file}.wgsl reads a parameter word by number: ${r[0]}`);
    for (const name of m.consts.keys()) if (new RegExp(`\\b(const|override|fn|var)\\s+${name}\\b`).test(text)) problems.push(`${file}.wgsl redeclares ${name}`);
  }
  return problems;
}

/** Counted entry points: the family has <name>_1 .. <name>_<max>, no more and none missing. */
export function checkCountedEntries(m: WgslModel): string[] {
  const problems: string[] = [];
  for (const [name, { family, max }] of Object.entries(m.contract.countedEntries)) {
    if (!m.full.has(family)) {
      problems.push(`${name}: no family ${family}`);
      continue;
    }
    const have = m.reflect(family).entry.compute.map((f) => new RegExp(`^${name}_(\\d+)$`).exec(f.name)?.[1]).filter((n) => n !== undefined).map(Number).sort((a, b) => a - b);
    const want = Array.from({ length: max }, (_, i) => i + 1);
    if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`${family}.wgsl has ${name}_<n> for n = [${have.join(', ')}], the contract says 1 .. ${max}`);
  }
  return problems;
}

/** What a dtype a binding of the WGSL holds: f32 and vec4<f32> hold float32, i32 int32, u32 raw words of either. */
function bindingKind(type: { name: string; format?: { name: string; format?: { name: string } | null } | null }): DType | 'any' | string {
  const el = type.format;
  const name = el?.name === 'vec4' ? el.format?.name : el?.name;
  return name === 'f32' ? 'float32' : name === 'i32' ? 'int32' : name === 'u32' ? 'any' : `${type.name}<${name}>`;
}

/** One dispatch as a rule made it, with the dtypes of what it binds at bindings 1, 2, ... */
export interface DispatchFacts {
  label: string;
  dispatch: GpuDispatch;
  words: Word[];
  binds: DType[];
}

/** The dtypes behind a dispatch's bindings: inputs, the output, extra outputs; scratch is float32 words, a table u32. */
export function boundDtypes(def: OpDef<any>, metas: Meta[], attrs: unknown, out: Meta, bind: Binding[]): DType[] {
  return bind.map((b) => {
    if (b === 'out') return out.dtype;
    if (isScratch(b)) return 'float32';
    // A table is u32 words; a gathered range holds inputs of one dtype (the first's).
    if (isTable(b)) return 'int32';
    if (isGather(b)) return metas[b.inputs[0]!]!.dtype;
    if ('out' in b) return def.extraOutputs!(metas, attrs as never)[b.out - 1]!.dtype;
    return metas[b.input]!.dtype;
  });
}

function closure(l: ParamLayout<string>): ParamLayout<string>[] {
  return l.holds.flatMap((h) => [h, ...closure(h)]);
}

const reachedCache = new WeakMap<WgslModel, Map<string, Fn[]>>();

/** The functions an entry point runs: itself and what it calls, transitively. */
function reached(m: WgslModel, family: string, entry: string): Fn[] {
  if (!reachedCache.has(m)) reachedCache.set(m, new Map());
  const cache = reachedCache.get(m)!;
  const key = `${family}.${entry}`;
  if (!cache.has(key)) cache.set(key, reach(m, family, entry));
  return cache.get(key)!;
}

function reach(m: WgslModel, family: string, entry: string): Fn[] {
  const fns = m.fns.get(family)!;
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) for (const id of fns.get(queue.shift()!)?.ids ?? []) if (fns.has(id) && !seen.has(id)) seen.add(id), queue.push(id);
  return [...seen].map((n) => fns.get(n)!).filter((f) => f !== undefined);
}

/**
 * One dispatch against its entry point: its words come from a layout's pack, the layout whose
 * offsets the entry reads (or one it holds), cover every field the entry reads, and fit
 * MAX_WORDS; its constants are overrides of its family, every selector the entry uses is set
 * to a code of the group the entry switches on; and each binding's element type (f32 or
 * vec4<f32>, i32; u32 takes either) is the dtype the rule binds there. `codes` collects the
 * (group, code) pairs dispatched.
 */
export function checkDispatch(m: WgslModel, f: DispatchFacts, codes?: Set<string>): string[] {
  const problems: string[] = [];
  const c = m.contract;
  const { family, kernel: entry } = f.dispatch;
  const where = `${f.label} (${family}.${entry})`;
  const fn = m.reflect(family).entry.compute.find((e) => e.name === entry);
  if (!fn) return [`${where}: shaders/${family}.wgsl has no compute entry point ${entry}`];
  const code = reached(m, family, entry);
  const ids = new Set(code.flatMap((x) => [...x.ids]));

  const layout = packedLayout(f.words);
  if (!layout) problems.push(`${where}: its words are not packed by a contract layout`);
  else {
    const readLayouts = new Set<string>();
    for (const id of ids) {
      const hit = m.offsets.get(id);
      if (!hit) continue;
      readLayouts.add(hit.l.name);
      if (hit.l !== layout || hit.field === null) continue;
      const w = layout.width[hit.field]!;
      const end = layout.at[hit.field]! + (w === 'rest' ? 1 : w);
      if (f.words.length < end) problems.push(`${where}: reads ${id} (words up to ${end}) but ${layout.name} is packed to ${f.words.length} words`);
    }
    const allowed = new Set([layout.name, ...closure(layout).map((h) => h.name)]);
    const foreign = [...readLayouts].filter((n) => !allowed.has(n));
    if (!readLayouts.has(layout.name) || foreign.length) problems.push(`${where}: packs ${layout.name} but the entry reads [${[...readLayouts].join(', ')}]`);
    if (layout.words !== null && f.words.length > layout.words) problems.push(`${where}: ${f.words.length} words, more than ${layout.name}'s ${layout.words}`);
  }
  if (f.words.length > c.maxWords) problems.push(`${where}: ${f.words.length} parameter words, more than MAX_WORDS (${c.maxWords})`);

  const settable = [...(c.familyOverrides[family] ?? []), ...(c.familyOverrides.common ?? [])];
  const constants = f.dispatch.constants ?? {};
  const switched = new Set(code.flatMap((x) => x.switches.map((s) => switchGroup(m, s)).filter((g) => g !== null)));
  for (const [name, v] of Object.entries(constants)) {
    const d = c.overrides[name];
    if (!d || !settable.includes(name) || 'derived' in d) {
      problems.push(`${where}: sets ${name}, not an override ${family}.wgsl declares for rules to set`);
      continue;
    }
    if (!('selects' in d)) continue;
    const groups = d.selects.filter((g) => switched.has(g));
    if (groups.length !== 1) problems.push(`${where}: ${name} = ${v}: the entry switches on ${groups.length ? groups.join(' and ') : 'no'} code group of ${name}`);
    else if (!Object.values(c.opCodes[groups[0]!]!).includes(v)) problems.push(`${where}: ${name} = ${v} is not a ${groups[0]} code`);
    else codes?.add(`${groups[0]}:${v}`);
  }
  for (const name of selectors(m)) if (ids.has(name) && !(name in constants)) problems.push(`${where}: the entry uses the selector ${name} but the rule does not set it (it would run NO_OP)`);

  for (const r of fn.resources) {
    if (r.group !== 0 || r.binding === 0) continue;
    const want = f.binds[r.binding - 1];
    const kind = bindingKind(r.type as never);
    if (want === undefined) continue; // the binding count is checkBindings' (src/backend/webgpu/backend.ts)
    if (kind !== 'any' && kind !== want) problems.push(`${where}: binding ${r.binding} (${r.name}) is ${kind} in the WGSL, the rule binds ${want} there`);
  }
  return problems;
}

/** Every code of every group is dispatched by some rule (`codes` as checkDispatch collects it). */
export function checkCodesDispatched(m: WgslModel, codes: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [g, table] of Object.entries(m.contract.opCodes)) for (const [op, v] of Object.entries(table)) if (!codes.has(`${g}:${v}`)) problems.push(`${g}.${op} is declared but no op's rule dispatches it`);
  return problems;
}

/** Every compute entry point is dispatched, and every dispatched one exists (`family.entry` keys). */
export function checkEntriesDispatched(m: WgslModel, dispatched: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const f of m.full.keys()) for (const e of m.reflect(f).entry.compute) if (!dispatched.has(`${f}.${e.name}`)) problems.push(`${f}.wgsl ${e.name}: no op's rule dispatches it`);
  for (const u of dispatched) {
    const [f, e] = u.split('.') as [string, string];
    if (!m.full.has(f) || !m.reflect(f).entry.compute.some((x) => x.name === e)) problems.push(`${u}: dispatched but not in shaders/${f}.wgsl`);
  }
  return problems;
}
