// The layers of src/ (README, "Layers") and the rule that holds them: a module imports only
// modules of its own layer or below, and no two modules import each other, directly or
// around a loop. A cycle means a module can run before one it reads is initialised (a
// module-level constant in an op file would fail or not depending on which file a program
// imported first); an import upward means a lower layer knows a higher one, which is how the
// tangles this test replaced began.
//
// Every `import` and `export ... from` counts, `import type` included: a type-only import is
// erased at run time, but it still ties the files together for a reader and the compiler.
// The few type-only imports that the design needs are allowed below, each with its reason;
// nothing else is. A dynamic import() runs after its importer has loaded (the backend
// registry loads the WebGPU backend on demand), so it is not an edge.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/**
 * The layers, bottom first: each entry is a file, or a folder (ending in /) and everything
 * in it; the longest matching entry decides. Every file of src/ must be on one layer.
 */
export const LAYERS: { name: string; members: string[] }[] = [
  { name: 'base: shapes, dtypes, random streams', members: ['shape.ts', 'mt19937.ts', 'random.ts', 'torch-random.ts', 'numpy-random.ts', 'generator.ts'] },
  {
    name: 'op vocabulary: the contract, what an op declares, CPU loops, GPU rule helpers, matmul kernel choice',
    members: ['ops/contract.ts', 'ops/define.ts', 'ops/kernels.ts', 'ops/gpu.ts', 'ops/matmul-choice.ts', 'ops/samples.ts'],
  },
  { name: 'graph: the IR, views, plans', members: ['graph/'] },
  { name: 'backends: run what op definitions declare', members: ['backend/'] },
  { name: 'engine: backend registry, recorder, executor, lifetimes', members: ['engine/'] },
  { name: 'Tensor and backward()', members: ['tensor.ts', 'autograd.ts'] },
  { name: 'op families: each op\'s definition and the function that records it', members: ['ops/'] },
  { name: 'graph passes that name ops (fusion)', members: ['passes/'] },
  { name: 'tools: inspection, family edits, timing, the CPU check, runOp', members: ['tools/'] },
  { name: 'library: nn, optim, init, data, creation, loops', members: ['nn/', 'optim/', 'init.ts', 'data/', 'creation.ts', 'loop.ts', 'checkpoint.ts'] },
  { name: 'the functions users call, and the wiring of the layers', members: ['ops/api.ts', 'install.ts', 'index.ts'] },
];

/** Type-only imports the design needs, from -> to, each with its reason. */
export const ALLOWED_TYPE_IMPORTS: Record<string, string> = {
  'ops/define.ts -> tensor.ts': 'a gradient rule takes and returns Tensors: an op definition and the class whose graph nodes apply it name each other',
  'ops/define.ts -> ops/api.ts': "a gradient rule's late-bound `ops` are the functions users call, typed from their list",
  'tensor.ts -> ops/api.ts': "Tensor's methods are the API functions with the tensor first, typed from their own signatures (src/install.ts installs them)",
  'engine/recorder.ts -> tensor.ts': 'the recorder returns Tensors, made by the class src/install.ts hands it',
  'autograd.ts -> tensor.ts': "backward() is Tensor's method, kept in a file of its own; it reads the Tensors it is called on",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Statements that load another module: `import ... from`, `import '...'`, `export ... from`. */
const STATEMENT = /^\s*(import|export)\s+(type\s+)?([^'";]*?from\s*)?['"]([^'"]+)['"]/gm;

export interface Edge {
  /** Paths relative to src/. */
  from: string;
  to: string;
  /** Erased at run time: `import type`, or every imported name marked `type`. */
  typeOnly: boolean;
}

/** The relative `.ts` modules a file imports, with whether only types come from each. */
export function importsOf(file: string, text: string, base = src): Edge[] {
  const out: Edge[] = [];
  for (const m of text.matchAll(STATEMENT)) {
    const [, keyword, typeKeyword, clause, spec] = m;
    // `export const x = '...'` and the like are not re-exports.
    if (keyword === 'export' && !clause) continue;
    if (!spec!.startsWith('.')) continue;
    const target = resolve(dirname(file), spec!.replace(/\?.*$/, ''));
    if (!target.endsWith('.ts')) continue;
    const names = clause?.match(/\{([^}]*)\}/)?.[1]!.split(',').map((s) => s.trim()).filter(Boolean);
    const outsideBraces = clause?.replace(/\{[^}]*\}/, '').replace(/from\s*$/, '').replace(/,/g, '').trim();
    const allNamesTypes = names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type ')) && !outsideBraces;
    out.push({ from: relative(base, file), to: relative(base, target), typeOnly: typeKeyword !== undefined || allNamesTypes });
  }
  return out;
}

/** The cycles a depth-first walk closes (each as modules in import order, first one repeated). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (m: string): void => {
    state.set(m, 'open');
    path.push(m);
    for (const next of graph.get(m) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(m, 'done');
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return cycles;
}

/** The layer of a file (index into LAYERS), or -1 when no entry names it. */
export function layerOf(file: string, layers = LAYERS): number {
  let best = -1;
  let length = -1;
  layers.forEach((layer, i) => {
    for (const m of layer.members) {
      const hit = m.endsWith('/') ? file.startsWith(m) : file === m;
      if (hit && m.length > length) {
        best = i;
        length = m.length;
      }
    }
  });
  return best;
}

const key = (e: Edge): string => `${e.from} -> ${e.to}`;

function srcEdges(): Edge[] {
  return sourceFiles(src).flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));
}

/** The graph of every import except the allowed type-only ones. */
function graphOf(edges: Edge[], allowed: Record<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, []);
    if (e.typeOnly && key(e) in allowed) continue;
    graph.get(e.from)!.push(e.to);
  }
  return graph;
}

/** Imports from a lower layer to a higher one, except the allowed type-only ones. */
function upward(edges: Edge[], allowed: Record<string, string>, layers = LAYERS): string[] {
  return edges.filter((e) => layerOf(e.to, layers) > layerOf(e.from, layers) && !(e.typeOnly && key(e) in allowed)).map((e) => `${key(e)}${e.typeOnly ? ' (type)' : ''}: ${layers[layerOf(e.from, layers)]!.name} imports ${layers[layerOf(e.to, layers)]!.name}`);
}

function demoFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return demoFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('imports in demos/', () => {
  it("reach the engine only through its public API ('shadergrad'): the pages, the engine panel and the workbench", () => {
    const reaching = demoFiles(join(root, 'demos')).flatMap((f) =>
      importsOf(f, readFileSync(f, 'utf8'), root)
        .filter((e) => e.to.startsWith('src/'))
        .map((e) => `${e.from} imports ${e.to}`),
    );
    expect(reaching).toEqual([]);
  });
});

describe('imports in src/', () => {
  const edges = srcEdges();

  it('every file is on a layer', () => {
    const files = sourceFiles(src).map((f) => relative(src, f));
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('go downward only: no import from a lower layer to a higher, type-only ones included, but the allowed', () => {
    expect(upward(edges, ALLOWED_TYPE_IMPORTS)).toEqual([]);
  });

  it('form no cycle, type-only ones included, but through the allowed', () => {
    const cycles = findCycles(graphOf(edges, ALLOWED_TYPE_IMPORTS)).map((c) => c.join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('every allowed type-only import exists, is type-only, and is still needed', () => {
    for (const allowed of Object.keys(ALLOWED_TYPE_IMPORTS)) {
      const e = edges.find((x) => key(x) === allowed);
      expect(e, `${allowed} is allowed but no longer imported: remove it from the list`).toBeDefined();
      expect(e!.typeOnly, `${allowed} must stay type-only`).toBe(true);
      // Needed: without the allowance it would be an upward import or close a cycle.
      const without = Object.fromEntries(Object.entries(ALLOWED_TYPE_IMPORTS).filter(([k]) => k !== allowed));
      const needed = upward(edges, without).some((u) => u.startsWith(`${allowed} `)) || findCycles(graphOf(edges, without)).length > 0;
      expect(needed, `${allowed} is neither upward nor part of a cycle: it needs no allowance`).toBe(true);
    }
  });

  it('the check reads value and type imports, skips dynamic ones, and finds cycles and upward imports', () => {
    const file = join(src, 'a.ts');
    const text = [
      "import { x } from './b.ts';",
      "import type { T } from './c.ts';",
      "import {\n  type U,\n  y,\n} from './d.ts';",
      "export { z } from './e.ts';",
      "export type { V } from './f.ts';",
      "import './g.ts';",
      "const lazy = () => import('./h.ts');",
      "export const s = 'from ./i.ts';",
      "import { type W } from './j.ts';",
      "import type * as K from './k.ts';",
    ].join('\n');
    expect(importsOf(file, text).map((e) => `${e.to}${e.typeOnly ? ' type' : ''}`)).toEqual(['b.ts', 'c.ts type', 'd.ts', 'e.ts', 'f.ts type', 'g.ts', 'j.ts type', 'k.ts type']);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    const layers = [
      { name: 'low', members: ['low/'] },
      { name: 'high', members: ['high/', 'low/special.ts'] },
    ];
    expect(layerOf('low/special.ts', layers)).toBe(1);
    const e = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });
    expect(upward([e('low/a.ts', 'high/b.ts'), e('high/b.ts', 'low/a.ts'), e('low/a.ts', 'high/c.ts', true)], { 'low/a.ts -> high/c.ts': 'why' }, layers)).toEqual(['low/a.ts -> high/b.ts: low imports high']);
    expect(upward([e('low/a.ts', 'high/c.ts', false)], { 'low/a.ts -> high/c.ts': 'why' }, layers)).toHaveLength(1);
  });
});
