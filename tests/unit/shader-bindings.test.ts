// Without a GPU: every op's WebGPU rule, on every case of the GPU walk, binds exactly what
// its WGSL entry point declares (read from the shader with wgsl_reflect), with the right
// access and element types (f32 or i32 against the dtype bound there), and packs the layout
// its entry reads, within MAX_WORDS (tests/shared/contract-check.ts); every family parses.
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { GATHER_ALIGN, effectWrites, isGather, isScratch, isTable } from '../../src/ops/define.ts';
import { reflectFamily } from '../../src/backend/webgpu/reflect.ts';
import { entryBindings } from '../../src/backend/webgpu/bindings.ts';
import { shaderFamilies } from '../../src/backend/webgpu/shaders.ts';
import { checkBindings } from '../../src/backend/webgpu/pipelines.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import { CONTRACT, MAX_WORDS } from '../../src/ops/contract.ts';
import { allOpNames, casesFor } from '../gpu/cases.ts';
import { boundDtypes, checkDispatch, wgslFilesOnDisk, wgslModel } from '../shared/contract-check.ts';

const model = wgslModel(CONTRACT, wgslFilesOnDisk());

describe('shader bindings', () => {
  it('every shader family parses and has compute entry points', () => {
    const families = shaderFamilies();
    expect(families.length).toBeGreaterThan(5);
    for (const fam of families) expect(reflectFamily(fam).size, fam).toBeGreaterThan(0);
  });

  for (const name of allOpNames()) {
    it(`${name}: dispatches bind what the shader declares`, () => {
      const def = registry[name] as OpDef<any>;
      const cases = casesFor(name);
      expect(cases.length, `${name} has no GPU cases`).toBeGreaterThan(0);
      for (const c of cases) {
        const metas = c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype ?? 'float32' }) as const);
        const out = def.shape(metas, c.attrs);
        const dispatches = def.gpu({ inShapes: metas.map((m) => m.shape), inDtypes: metas.map((m) => m.dtype), outShape: out.shape, outDtype: out.dtype, attrs: c.attrs, tuning: DEFAULT_TUNING });
        expect(dispatches.length, `${name} ${c.label}`).toBeGreaterThan(0);
        for (const d of dispatches) {
          const kernel = `${name} (${d.family}.${d.kernel}) ${c.label}`;
          checkBindings(kernel, d, entryBindings(d.family, d.kernel), effectWrites(def, c.inputs.length));
          for (const b of d.bind) {
            if (b === 'out') expect(def.effect, `${kernel}: an effect has no output`).toBeUndefined();
            else if ('out' in b) expect(b.out, `${kernel}: extra output`).toBeLessThanOrEqual(def.extraOutputs?.(metas, c.attrs).length ?? 0);
            else if (isScratch(b)) expect(b.size, `${kernel}: scratch ${b.scratch}`).toBeGreaterThan(0);
            else if (isTable(b)) expect(d.table?.words, `${kernel}: a table binding needs the rule's table`).toBeGreaterThan(0);
            else if (isGather(b)) {
              expect(b.at.length, `${kernel}: gather offsets`).toBe(b.inputs.length);
              expect(b.at[0], `${kernel}: a gathered range starts with its first input`).toBe(0);
              b.inputs.forEach((i, j) => {
                expect(i, kernel).toBeLessThan(c.inputs.length);
                expect(b.at[j]! % GATHER_ALIGN, `${kernel}: gathered input ${i} at ${b.at[j]}`).toBe(0);
                if (j > 0) expect(b.at[j], `${kernel}: gathered inputs overlap`).toBeGreaterThanOrEqual(b.at[j - 1]! + metas[b.inputs[j - 1]!]!.shape.reduce((x, y) => x * y, 1));
              });
            } else expect(b.input, kernel).toBeLessThan(c.inputs.length);
          }
          const words = d.words(c.scalars ?? []);
          expect(words.length, `${kernel}: parameter words`).toBeLessThanOrEqual(MAX_WORDS);
          expect(checkDispatch(model, { label: `${name} ${c.label}`, dispatch: d, words, binds: boundDtypes(def, metas, c.attrs, out, d.bind) })).toEqual([]);
          for (const w of words) {
            const v = typeof w === 'number' ? w : w.f;
            expect(Number.isFinite(v) || typeof w !== 'number', `${kernel}: word ${String(v)}`).toBe(true);
          }
          expect(d.workgroups.every((g) => Number.isInteger(g) && g >= 1 && g <= 65535), `${kernel}: workgroups ${d.workgroups}`).toBe(true);
        }
      }
    });
  }
});
