// Every op, by name. Tests walk this table: an op cannot exist without a gradient check
// and (with the WebGPU backend) a GPU-vs-CPU check.
import type { OpDef } from './define.ts';
import * as ew from './elementwise.ts';
import * as un from './unary.ts';
import * as red from './reduce.ts';
import * as lay from './layout.ts';
import * as fill from './fill.ts';
import * as mm from './matmul.ts';
import * as sm from './softmax.ts';
import * as loss from './loss.ts';
import * as drop from './dropout.ts';
import * as upd from './update.ts';
import * as fused from './fused.ts';

/** The family modules' exports, with their `<name>Def` ops. */
const families = { ew, un, red, lay, fill, mm, sm, loss, drop, upd, fused };
type Families = typeof families;

/** An op's name from its export: `fooDef` is op 'foo'. */
type DefsOf<M> = { [K in keyof M as K extends `${infer N}Def` ? (M[K] extends OpDef<any> ? N : never) : never]: M[K] };
type AllDefs = { [F in keyof Families]: DefsOf<Families[F]> }[keyof Families];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Registry = UnionToIntersection<AllDefs>;

export type OpName = keyof Registry;

function isOpDef(v: unknown): v is OpDef<any> {
  const d = v as OpDef<any>;
  return typeof v === 'object' && v !== null && typeof d.name === 'string' && typeof d.shape === 'function' && typeof d.cpu === 'function' && typeof d.gpu === 'function';
}

/**
 * Every `<name>Def` a family module exports is an op named `<name>`: declaring an op in its
 * family's file registers it, and tsc knows every name (OpName). A second op of one name,
 * or an export whose op has another name, is refused here.
 */
function collect(): Registry {
  const out: Record<string, OpDef<any>> = {};
  for (const [family, mod] of Object.entries(families)) {
    for (const [key, value] of Object.entries(mod)) {
      if (!key.endsWith('Def') || !isOpDef(value)) continue;
      const name = key.slice(0, -'Def'.length);
      if (value.name !== name) throw new Error(`registry: ${family}'s ${key} is the op '${value.name}'; an op '${name}' must be exported as ${name}Def`);
      if (out[name]) throw new Error(`registry: two ops named '${name}'`);
      out[name] = value;
    }
  }
  return out as Registry;
}

export const registry: Registry = collect();
