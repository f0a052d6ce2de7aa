// Modules import downward only (DESIGN.md, "Layers"): a cycle in src/ means a module can run
// before one it reads is initialised (a module-level constant in an op file would fail or
// not depending on which file a program imported first). This walks the static imports of
// every file in src/ and fails on any cycle, printing it.
//
// Only imports that load a module at run time count. `import type` and `export type`
// statements are erased (and tsconfig's verbatimModuleSyntax keeps every other statement,
// even one whose names are all inline `type`s, so those count). A dynamic import() runs
// after its importer has finished loading, so it cannot cause a load-order problem either.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Statements that load another module: `import ... from`, `import '...'`, `export ... from`. */
const STATEMENT = /^\s*(import|export)\s+(type\s+)?([^'";]*?from\s*)?['"]([^'"]+)['"]/gm;

/** The relative `.ts` modules `text` loads at run time (module paths, from the repository root). */
function valueImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(STATEMENT)) {
    const [, keyword, typeOnly, clause, spec] = m;
    if (typeOnly) continue;
    // `export const x = '...'` and the like are not re-exports.
    if (keyword === 'export' && !clause) continue;
    if (!spec!.startsWith('.')) continue;
    const target = resolve(dirname(file), spec!.replace(/\?.*$/, ''));
    if (target.endsWith('.ts')) out.push(relative(root, target));
  }
  return out;
}

/** The cycles a depth-first walk closes (each as modules in import order, first one repeated). */
function findCycles(graph: Map<string, string[]>): string[][] {
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

function srcGraph(): Map<string, string[]> {
  return new Map(sourceFiles(src).map((f) => [relative(root, f), valueImports(f, readFileSync(f, 'utf8'))]));
}

describe('imports in src/', () => {
  it('form no cycle', () => {
    const cycles = findCycles(srcGraph()).map((c) => c.join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('the check sees value imports, skips type-only ones, and finds a cycle', () => {
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
    ].join('\n');
    expect(valueImports(file, text)).toEqual(['src/b.ts', 'src/d.ts', 'src/e.ts', 'src/g.ts']);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
