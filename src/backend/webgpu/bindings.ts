// What an entry point binds, as reflect.ts reads it: from the WGSL at run time in the source
// tree, from the table reflected at build time in the library (scripts/build-lib.mjs).
import type { EntryBinding } from './reflect.ts';
import { reflectFamily } from './reflect.ts';

/** The bindings an entry point declares; throws when the family or the entry is missing. */
export function entryBindings(family: string, entry: string): EntryBinding[] {
  const b = reflectFamily(family).get(entry);
  if (!b) throw new Error(`webgpu: shaders/${family}.wgsl has no compute entry point '${entry}'`);
  return b;
}
