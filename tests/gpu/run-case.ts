// Run one op directly from its registry entry, on whatever backend is current.
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { effectWrites } from '../../src/ops/define.ts';
import { apply, applyEffect, applyMulti } from '../../src/engine/recorder.ts';
import { tensorFromHost } from '../../src/tensor.ts';
import type { OpCase } from './cases.ts';

/** The op's outputs (all of a multi-output one), or for an effect every input it writes, read back. */
export async function runCase(name: OpName, c: OpCase, values: (Float32Array | Int32Array)[]): Promise<(Float32Array | Int32Array)[]> {
  const def = registry[name] as OpDef<any>;
  const inputs = values.map((v, i) => tensorFromHost(v, c.inputs[i]!.shape, c.inputs[i]!.dtype ?? 'float32'));
  if (def.effect) {
    applyEffect(def, inputs, c.attrs, c.scalars ?? []);
    return Promise.all(effectWrites(def, inputs.length).map((w) => inputs[w]!.data()));
  }
  if (def.extraOutputs) return Promise.all(applyMulti(def, inputs, c.attrs, c.scalars ?? []).map((t) => t.data()));
  return [await apply(def, inputs, c.attrs, c.scalars ?? []).data()];
}
