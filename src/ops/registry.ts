// Every op, by name. Tests walk this table: an op cannot exist without a gradient check
// and (with the WebGPU backend) a GPU-vs-CPU check, both derived from its samples.
import type { OpDef } from './define.ts';
import { isDifferentiable } from './define.ts';
import type { OpSamples } from './samples.ts';
import * as ew from './elementwise.ts';
import * as un from './unary.ts';
import * as unOps from './unary-ops.ts';
import * as red from './reduce.ts';
import * as lay from './layout.ts';
import * as fill from './fill.ts';
import * as mm from './matmul.ts';
import * as sm from './softmax.ts';
import * as loss from './loss.ts';
import * as drop from './dropout.ts';
import * as upd from './update.ts';
import * as fused from './fused.ts';

/** The family modules whose ops make the registry. */
export const OP_FAMILIES = { ew, un, unOps, red, lay, fill, mm, sm, loss, drop, upd, fused };

/**
 * A family module's ops, by name: an export `fooDef` that is an op is op 'foo', and an export
 * `foo` that is a public function carrying its op (`foo.op`, src/ops/unary-ops.ts) is op 'foo'.
 */
type OpsOf<M> = {
  [K in keyof M as K extends `${infer N}Def` ? (M[K] extends OpDef<any> ? N : never) : M[K] extends { op: OpDef<any> } ? K : never]: M[K] extends OpDef<any> ? M[K] : M[K] extends { op: infer D } ? D : never;
};
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The registry made of some family modules: every op of each, by name. */
export type RegistryOf<F> = UnionToIntersection<{ [K in keyof F]: OpsOf<F[K]> }[keyof F]>;
type Registry = RegistryOf<typeof OP_FAMILIES>;

export type OpName = keyof Registry;

function isOpDef(v: unknown): v is OpDef<any> {
  const d = v as OpDef<any>;
  return typeof v === 'object' && v !== null && typeof d.name === 'string' && typeof d.shape === 'function' && typeof d.cpu === 'function' && typeof d.gpu === 'function';
}

/**
 * The registry of the given family modules (the real one is `registry`; a test makes one with
 * an op of its own). Declaring an op in a family's file registers it, and tsc knows every name
 * (OpName). A second op of one name, or an export whose op has another name, is refused here.
 */
export function makeRegistry<F extends Record<string, object>>(mods: F): RegistryOf<F> {
  const out: Record<string, OpDef<any>> = {};
  for (const [family, mod] of Object.entries(mods)) {
    for (const [key, value] of Object.entries(mod)) {
      const carried = typeof value === 'function' ? (value as { op?: unknown }).op : undefined;
      const found: [string, OpDef<any>] | null = key.endsWith('Def') && isOpDef(value) ? [key.slice(0, -'Def'.length), value] : isOpDef(carried) ? [key, carried] : null;
      if (found === null) continue;
      const [name, def] = found;
      if (def.name !== name) throw new Error(`registry: ${family}'s ${key} is the op '${def.name}'; an op '${name}' must be exported as ${name}Def (or as a function ${name} carrying it)`);
      if (out[name] && out[name] !== def) throw new Error(`registry: two ops named '${name}'`);
      out[name] = def;
    }
  }
  return out as RegistryOf<F>;
}

export const registry: Registry = makeRegistry(OP_FAMILIES);

/** An op as the public listing describes it (listOps). */
export interface OpInfo<N extends string = OpName> {
  name: N;
  /** Whether it has a gradient rule; otherwise `notDifferentiable` says why. */
  differentiable: boolean;
  notDifferentiable?: string;
  /** The inputs it takes: shapes by role, value domains, dtypes, attributes, scalars. */
  samples: OpSamples<any>;
}

/** Every op of a registry with its samples, in the registry's order. */
export function opInfos<N extends string>(reg: Readonly<Record<N, OpDef<any>>>): OpInfo<N>[] {
  return (Object.keys(reg) as N[]).map((name) => {
    const def = reg[name];
    return isDifferentiable(def)
      ? { name, differentiable: true, samples: def.samples }
      : { name, differentiable: false, notDifferentiable: (def.grad as { notDifferentiable: string }).notDifferentiable, samples: def.samples };
  });
}

/**
 * Every op of the engine with the inputs it takes (its samples): what a tool that runs ops by
 * name (the workbench, a benchmark) needs to make valid inputs for each.
 */
export function listOps(): OpInfo[] {
  return opInfos(registry as Readonly<Record<OpName, OpDef<any>>>);
}
