// Without a GPU: the contract of src/ops/contract.ts against the WGSL text. Every op code
// has its own `case` in the switches over its group, no `case` names a code nobody
// declares, the codes the op rules dispatch are the ones the kernels switch on, every
// parameter offset the contract declares is read by a kernel and no kernel reads one by
// number, and every entry point of a .wgsl is dispatched by some op's rule.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BINARY_INT32, LAYOUTS, OP_CODES, contractConsts, offsetName, opCodeName } from '../../src/ops/contract.ts';
import type { GpuDispatch } from '../../src/ops/define.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { registry } from '../../src/ops/registry.ts';
import { productDispatches } from '../../src/ops/matmul.ts';
import type { Epilogue } from '../../src/ops/matmul.ts';
import { DEFAULT_TUNING, uniformTuning } from '../../src/ops/matmul-choice.ts';
import type { MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { reflectFamily } from '../../src/backend/webgpu/reflect.ts';
import { PRELUDE_LINES, shaderFamilies, shaderSource } from '../../src/backend/webgpu/shaders.ts';
import { allOpNames, casesFor } from '../gpu/cases.ts';

const dir = new URL('../../shaders/', import.meta.url);
const wgsl = new Map(readdirSync(dir).filter((f) => f.endsWith('.wgsl')).map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]));
/** The text without comments, so a name in prose neither counts as a use nor as a violation. */
const code = new Map([...wgsl].map(([f, t]) => [f, t.replace(/\/\/.*$/gm, '')]));

type Group = keyof typeof OP_CODES;
const groupNames = (g: Group): string[] => Object.keys(OP_CODES[g]).map((op) => opCodeName(g, op));
const codeGroup = new Map<string, Group>((Object.keys(OP_CODES) as Group[]).flatMap((g) => groupNames(g).map((n) => [n, g] as const)));

/** The case sets a switch over codes may have: a whole group, or a subset the contract declares. */
const allowedCaseSets: string[][] = [...(Object.keys(OP_CODES) as Group[]).map(groupNames), BINARY_INT32.map((op) => opCodeName('BINARY', op))];

/**
 * Switches over something other than an op code, which may use numbers and whose default
 * is a real branch: they pick a register or a parameter, never a function.
 */
const INDEX_SWITCHES: Record<string, string> = {
  'i * 2u + j / 4u': 'matmul.wgsl block_out: which accumulator holds a block element',
  j: 'update.wgsl step_multi_<n>: which parameter binding an element belongs to',
};

/** Override constants that select an op code, by the group their values come from (per shader and entry). */
function selectorGroup(shader: string, entry: string, name: string): Group | null {
  if (name === 'OP') return shader === 'unary' ? (entry === 'backward' ? 'ACT_BWD' : 'UNARY') : 'BINARY';
  if (name === 'CMP') return 'COMPARE';
  if (name === 'ACT' || name === 'ACT_BWD' || name === 'LOSS' || name === 'OPT') return name;
  return null;
}
const SELECTORS = ['OP', 'CMP', 'ACT', 'ACT_BWD', 'LOSS', 'OPT'];

interface Switch {
  file: string;
  selector: string;
  cases: string[];
  defaultBody: string | null;
}

/** The text inside the braces that open just before `start`. */
function braced(text: string, start: number): string {
  let depth = 1;
  let i = start;
  while (depth > 0) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0, i++;
  return text.slice(start, i - 1);
}

function switches(): Switch[] {
  const out: Switch[] = [];
  for (const [file, text] of code) {
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
      out.push({ file, selector: m[1]!.trim(), cases, defaultBody });
    }
  }
  return out;
}

/** Every dispatch the op rules make: the GPU walk's cases, and the matmul kernels under tunings that force each path. */
function allDispatches(): { op: string; d: GpuDispatch }[] {
  const out: { op: string; d: GpuDispatch }[] = [];
  for (const name of allOpNames()) {
    const def = registry[name] as OpDef<any>;
    for (const c of casesFor(name)) {
      const metas = c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype ?? 'float32' }) as const);
      const o = def.shape(metas, c.attrs);
      for (const d of def.gpu({ inShapes: metas.map((m) => m.shape), inDtypes: metas.map((m) => m.dtype), outShape: o.shape, outDtype: o.dtype, attrs: c.attrs, tuning: DEFAULT_TUNING })) out.push({ op: name, d });
    }
  }
  const tiled = (minGroups: number): MatmulTuning => uniformTuning({ kernel: 'tiled', wgM: 4, wgN: 4, reg: 4, tileK: 16, minGroups }, 0, 'test', 'forced by the test');
  const epilogues: Epilogue[] = [
    { kind: 'none' },
    { kind: 'linear', act: OP_CODES.ACT.relu, alpha: 0, pre: false },
    { kind: 'linear', act: OP_CODES.ACT.relu, alpha: 0, pre: true },
    { kind: 'actBackward', code: OP_CODES.ACT_BWD.relu, alpha: 0 },
    { kind: 'colsum' },
  ];
  for (const tuning of [tiled(1), tiled(1000)]) {
    for (const e of epilogues) {
      const [a, b, attrs] = e.kind === 'linear' ? [[20, 300], [30, 300], { transA: false, transB: true }] : e.kind === 'colsum' ? [[300, 20], [300, 30], { transA: true, transB: false }] : [[20, 300], [300, 30], { transA: false, transB: false }];
      for (const d of productDispatches(a, b, attrs, e, tuning)) out.push({ op: `matmul (${e.kind})`, d });
    }
  }
  return out;
}

describe('op codes', () => {
  const all = switches();
  const overCodes = all.filter((s) => s.cases.some((c) => codeGroup.has(c)));

  it('the WGSL switches over op codes', () => {
    expect(overCodes.length).toBeGreaterThan(5);
  });

  it('every case names a code the contract declares, and a switch names one group, all of it or a declared subset', () => {
    for (const s of all) {
      const where = `${s.file}: switch ${s.selector}`;
      if (s.selector in INDEX_SWITCHES) continue;
      for (const c of s.cases) expect(codeGroup.has(c), `${where}: case ${c} is not an op code of src/ops/contract.ts`).toBe(true);
      const sorted = [...s.cases].sort();
      expect(allowedCaseSets.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(sorted)), `${where}: cases ${sorted.join(', ')}: not a whole group of codes`).toBe(true);
    }
  });

  it('every code of every group has its own case in a switch that covers the group', () => {
    for (const g of Object.keys(OP_CODES) as Group[]) {
      const names = groupNames(g);
      const full = overCodes.filter((s) => names.every((n) => s.cases.includes(n)));
      expect(full.length, `no switch has a case for every ${g} code (${names.join(', ')})`).toBeGreaterThan(0);
    }
  });

  it('the default of a switch over codes is no op: NaN, or a value no op gives', () => {
    for (const s of overCodes) {
      expect(s.defaultBody, `${s.file}: switch ${s.selector} has no default`).not.toBeNull();
      expect(s.defaultBody!, `${s.file}: switch ${s.selector}: default { ${s.defaultBody} }`).toMatch(/^\s*(return nan_f32\(\);|return -1;|r = -1;|r = 0;)\s*$/);
    }
  });

  it('no code is compared or defaulted by number', () => {
    for (const [file, text] of code) {
      expect(text, file).not.toMatch(new RegExp(`\\b(${SELECTORS.join('|')})\\s*[=!]=\\s*\\d`));
      expect(text, file).not.toMatch(new RegExp(`override\\s+(${SELECTORS.join('|')})\\s*:\\s*u32\\s*=\\s*\\d`));
    }
  });

  it('the codes the op rules dispatch are codes of the group the kernel switches on, and every code is dispatched', () => {
    const used = new Map<Group, Set<number>>();
    for (const { op, d } of allDispatches()) {
      for (const [name, v] of Object.entries(d.constants ?? {})) {
        const g = selectorGroup(d.shader, d.entry, name);
        if (!g) continue;
        expect(Object.values(OP_CODES[g]), `${op}: ${d.shader}.${d.entry} ${name} = ${v}`).toContain(v);
        if (!used.has(g)) used.set(g, new Set());
        used.get(g)!.add(v);
      }
    }
    for (const g of Object.keys(OP_CODES) as Group[]) {
      for (const [op, v] of Object.entries(OP_CODES[g])) {
        expect(used.get(g)?.has(v), `${g}.${op} is declared but no op's rule dispatches it`).toBe(true);
      }
    }
  });
});

describe('parameter blocks', () => {
  const consts = contractConsts();

  it('no kernel reads a parameter word by number', () => {
    for (const [file, text] of code) {
      // P[0] & 0u is a run-time zero (NaN and infinity cannot be const-expressions), not a field.
      const reads = [...text.matchAll(/\b(P\[|pf\()\s*(\d[^\]\)]*)/g)].filter((m) => !/^0\]\s*&\s*0u/.test(text.slice(m.index! + 2)));
      expect(reads.map((m) => m[0]), file).toEqual([]);
    }
  });

  it('every offset the contract declares is read by a kernel', () => {
    const all = [...code.values()].join('\n');
    for (const l of Object.values(LAYOUTS)) {
      for (const field of Object.keys(l.at)) {
        const name = offsetName(l, field);
        expect(all, `${l.name}.${field} (${name}) is declared in src/ops/contract.ts but no kernel reads it`).toMatch(new RegExp(`\\b${name}\\b`));
      }
    }
  });

  it('no shader declares a name the contract generates', () => {
    for (const [file, text] of code) {
      for (const name of consts.keys()) expect(text, `${file} redeclares ${name}`).not.toMatch(new RegExp(`\\b(const|override|fn|var)\\s+${name}\\b`));
    }
  });

  it('packing checks widths and order', () => {
    expect(LAYOUTS.MATMUL.pack({ m: 1, n: 2 })).toEqual([1, 2]);
    expect(() => LAYOUTS.MATMUL.pack({ m: 1, k: 2 })).toThrow(/n before it/);
    expect(() => LAYOUTS.GATHER.pack({ count: 1, strides: [0] })).toThrow(/takes 13 words/);
  });

  it('compiler line numbers point into the family file', () => {
    for (const f of shaderFamilies()) {
      const lines = shaderSource(f).split('\n');
      expect(lines.slice(PRELUDE_LINES).join('\n'), f).toBe(wgsl.get(`${f}.wgsl`));
    }
  });
});

describe('entry points', () => {
  it('every compute entry point of every family is dispatched by an op rule', () => {
    const used = new Set(allDispatches().map(({ d }) => `${d.shader}.${d.entry}`));
    for (const f of shaderFamilies()) {
      for (const entry of reflectFamily(f).keys()) expect(used.has(`${f}.${entry}`), `${f}.wgsl ${entry}: no op's rule dispatches it`).toBe(true);
    }
    for (const u of used) {
      const [f, entry] = u.split('.') as [string, string];
      expect(reflectFamily(f).has(entry), `${u}: dispatched but not in shaders/${f}.wgsl`).toBe(true);
    }
  });
});
