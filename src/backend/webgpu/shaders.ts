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
  const own = byName.get(family);
  if (own === undefined) throw new Error(`webgpu: no shader file shaders/${family}.wgsl`);
  return `${prelude}\n${own}`;
}

/** Add a kernel family at run time: for trying a kernel out, and for tests of error reports. */
export function registerShaderSource(family: string, wgsl: string): void {
  if (byName.has(family)) throw new Error(`webgpu: a shader family '${family}' already exists`);
  byName.set(family, wgsl);
}
