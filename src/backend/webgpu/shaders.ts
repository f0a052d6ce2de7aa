// Every kernel family, as WGSL text: the contract's generated consts (src/ops/contract.ts),
// shaders/common.wgsl, then shaders/<family>.wgsl. import.meta.glob with ?raw works alike in
// Vite (pages), Vitest (tests) and Vite's SSR loader (benchmarks).
import { wgslContract } from '../../ops/contract.ts';

const files = import.meta.glob('../../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const byName = new Map<string, string>();
for (const [path, text] of Object.entries(files)) byName.set(path.replace(/^.*\//, '').replace(/\.wgsl$/, ''), text);

const prelude = `${wgslContract()}\n${byName.get('common') ?? ''}`;

/** The lines of the prelude (contract and common.wgsl), so compiler messages can point into the family file. */
export const PRELUDE_LINES = prelude.split('\n').length;

export function shaderFamilies(): string[] {
  return [...byName.keys()].filter((n) => n !== 'common').sort();
}

/** The full source of a kernel family (prelude included). */
export function shaderSource(family: string): string {
  return withPrelude(familySource(family));
}

/** A family's own text, shaders/<family>.wgsl (or its replacement), without the prelude. */
export function familySource(family: string): string {
  const own = byName.get(family);
  if (own === undefined) throw new Error(`webgpu: no shader file shaders/${family}.wgsl`);
  return own;
}

/** What the GPU compiles for a family text: the prelude, a line break, the text (see joinPrelude). */
export function withPrelude(own: string): string {
  return joinPrelude(prelude, own);
}

// A global directive on a line of its own (`enable subgroups;`, `diagnostic(off, ...);`).
const DIRECTIVE = /^[ \t]*(enable|requires|diagnostic)\b[^;\n]*;[ \t]*$/gm;

/**
 * `prelude`, a line break, `own`. WGSL wants its directives before every declaration: a
 * family's move to the start of the prelude's first line and their own lines are left
 * blank (blankDirectives), so the family's line numbers still hold past the prelude's lines.
 */
export function joinPrelude(prelude: string, own: string): string {
  const directives = (own.match(DIRECTIVE) ?? []).map((d) => `${d.trim()} `);
  return `${directives.join('')}${prelude}\n${blankDirectives(own)}`;
}

/** A family's text with its directive lines blank: what follows the prelude in the compiled source. */
export function blankDirectives(own: string): string {
  return own.replace(DIRECTIVE, '');
}

const originals = new Map<string, string>();

/** A family's text as its file has it, whatever replaced it since. */
export function fileSource(family: string): string {
  return originals.get(family) ?? familySource(family);
}

/**
 * Replace a family's text (the workbench's edited kernel); `null` restores the file's own.
 * Callers compile the new text first: this only swaps the text later compiles read.
 */
export function replaceShaderSource(family: string, wgsl: string | null): void {
  const own = familySource(family);
  if (!originals.has(family)) originals.set(family, own);
  byName.set(family, wgsl ?? originals.get(family)!);
}

/** Add a kernel family at run time: for trying a kernel out, and for tests of error reports. */
export function registerShaderSource(family: string, wgsl: string): void {
  if (byName.has(family)) throw new Error(`webgpu: a shader family '${family}' already exists`);
  byName.set(family, wgsl);
}
