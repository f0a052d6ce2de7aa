// Bind group layouts read from the WGSL itself (wgsl_reflect), so the TypeScript side can
// be checked against exactly what each entry point declares. The library build
// (scripts/build-lib.mjs) runs this at build time and ships its answers in place of this
// module, so the parser never reaches a user's bundle.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { shaderSource } from './shaders.ts';

export interface EntryBinding {
  binding: number;
  name: string;
  /** 'read' (read-only storage) or 'read_write' (storage). */
  access: 'read' | 'read_write';
}

const cache = new Map<string, Map<string, EntryBinding[]>>();

/** For each compute entry point of a family: the bindings it uses, in binding order. */
export function reflectFamily(family: string): Map<string, EntryBinding[]> {
  let entries = cache.get(family);
  if (entries) return entries;
  const reflect = new WgslReflect(shaderSource(family));
  entries = new Map();
  for (const fn of reflect.entry.compute) {
    const bindings: EntryBinding[] = fn.resources
      .filter((r) => r.group === 0)
      .map((r) => {
        if (r.resourceType !== 1) throw new Error(`webgpu: ${family}.${fn.name}: binding ${r.binding} (${r.name}) must be a storage buffer`);
        return { binding: r.binding, name: r.name, access: r.access === 'read_write' ? 'read_write' : 'read' } as EntryBinding;
      })
      .sort((a, b) => a.binding - b.binding);
    entries.set(fn.name, bindings);
  }
  cache.set(family, entries);
  return entries;
}
