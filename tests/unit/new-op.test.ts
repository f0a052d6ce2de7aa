// A new unary op is three pieces (README, "Adding an op"): its code in OP_CODES.UNARY
// (contract), its definition (one line with unaryOp), and its `case` in shaders/unary.wgsl.
// This test adds a throwaway op, cube, in a registry of its own, from exactly those three
// pieces (an extended copy of the code table, a definition made with the helper unary-ops.ts
// uses, unary.wgsl's text with one more case), changes nothing else, and shows that the op
// gets its GPU-vs-CPU cases, its workbench entry and a passing gradient check: each derives
// from the registry and the op's samples, not from a table kept by hand. The three pieces
// are in tests/shared/cube-op.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { mul, setBackend, square, tensor } from '../../src/index.ts';
import { CONTRACT, opCodeName } from '../../src/ops/contract.ts';
import { boundDtypes, checkCountedEntries, checkDispatch, checkLayouts, checkOpCodes, checkOverrides, wgslFilesOnDisk, wgslModel } from '../shared/contract-check.ts';
import { opInfos } from '../../src/ops/registry.ts';
import { unaryOpsFor } from '../../src/ops/unary.ts';
import { isDifferentiable } from '../../src/ops/define.ts';
import { apply } from '../../src/engine/recorder.ts';
import { checkBindings } from '../../src/backend/webgpu/pipelines.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import { allOpNames, casesFor, sampleInputs } from '../gpu/cases.ts';
import { checkGradient, opGradChecks } from '../shared/gradcheck.ts';
import { isOffered, workbenchTable } from '../../demos/workbench/ops.ts';
import { UNARY, cube, cubeFamilySource, cubeWgsl, def, reg } from '../shared/cube-op.ts';

describe('a throwaway unary op (cube) from its contract entry, definition and WGSL case only', () => {
  // The contract with cube's code, and the WGSL files with unary.wgsl's extra case.
  const contract = { ...CONTRACT, opCodes: { ...CONTRACT.opCodes, UNARY } };
  const files = wgslFilesOnDisk();
  files.set('unary', cubeWgsl);
  const extended = wgslModel(contract, files);

  it('is an op of its registry, with the code it was given, and a public function carrying it', () => {
    expect(allOpNames(reg)).toContain('cube');
    expect(def.name).toBe('cube');
    expect(cube.op).toBe(def);
    expect(isDifferentiable(def)).toBe(true);
    // The real registry is untouched.
    expect(allOpNames()).not.toContain('cube');
  });

  it('WGSL: the extended unary.wgsl parses, and its switch names the new code', () => {
    expect(cubeWgsl).toContain(`case ${opCodeName('UNARY', 'cube')}:`);
    const reflected = new WgslReflect(cubeFamilySource);
    expect(reflected.entry.compute.map((e) => e.name)).toContain('unary');
  });

  it('the contract with its entry and the WGSL with its case agree (the checks of contract.test.ts)', () => {
    expect(checkOpCodes(extended)).toEqual([]);
    expect([...checkOverrides(extended), ...checkLayouts(extended), ...checkCountedEntries(extended)]).toEqual([]);
    // Without its case the same checks fail: the contract entry alone is not enough.
    expect(checkOpCodes(wgslModel(contract, wgslFilesOnDisk()))).toContainEqual(expect.stringMatching(/UNARY_CUBE/));
  });

  it('gets GPU-vs-CPU cases on the awkward shapes, which bind what its WGSL entry declares', () => {
    const cases = casesFor('cube', reg);
    // One per shape of tests/gpu/cases.ts SHAPES: no table was written for it.
    expect(cases.length).toBe(7);
    const unaryEntry = new WgslReflect(cubeFamilySource).entry.compute.find((e) => e.name === 'unary')!;
    const declared = unaryEntry.resources
      .filter((r) => r.group === 0)
      .map((r) => ({ binding: r.binding, name: r.name, access: r.access === 'read_write' ? 'read_write' : 'read' }))
      .sort((a, b) => a.binding - b.binding);
    for (const c of cases) {
      const metas = c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype ?? 'float32' }) as const);
      const out = def.shape(metas, c.attrs);
      const [d, ...more] = def.gpu({ inShapes: metas.map((m) => m.shape), inDtypes: metas.map((m) => m.dtype), outShape: out.shape, outDtype: out.dtype, attrs: c.attrs, tuning: DEFAULT_TUNING });
      expect(more).toEqual([]);
      expect(d!.family).toBe('unary');
      expect(d!.constants?.OP, `cube ${c.label}: the kernel selects cube's code`).toBe(UNARY.cube);
      checkBindings(`cube (unary.unary) ${c.label}`, d!, declared, []);
      // The words it packs, the selector it sets and the dtypes it binds, as contract.test.ts checks every op's.
      const facts = { label: `cube ${c.label}`, dispatch: d!, words: d!.words(c.scalars ?? []), binds: boundDtypes(def, metas, c.attrs, out, d!.bind) };
      expect(checkDispatch(extended, facts)).toEqual([]);
    }
  });

  it("its cases run on the CPU reference and give x³ (the walk's reference half)", async () => {
    await setBackend('cpu');
    for (const c of casesFor('cube', reg)) {
      const [x] = sampleInputs('cube', c);
      const got = await apply(def, [tensor(x!, { shape: c.inputs[0]!.shape })], c.attrs).data();
      got.forEach((v, i) => expect(v, `cube ${c.label}[${i}]`).toBeCloseTo(Math.fround(x![i]! ** 3), 4));
    }
  });

  it('gets a workbench entry, offered on typed shapes', () => {
    const table = workbenchTable(opInfos(reg));
    const entry = table.cube;
    expect(isOffered(entry)).toBe(true);
    if (!isOffered(entry)) return;
    expect(entry.shapes).toEqual(['x']);
    expect(entry.defaults).toEqual([[512, 512]]);
    expect(entry.make([[7, 13]])).toEqual({ inputs: [{ shape: [7, 13], dtype: 'float32', kind: 'any' }], attrs: {}, scalars: [] });
  });

  describe('gradient check (float64 CPU, central differences)', () => {
    beforeAll(async () => {
      await setBackend('cpu', { precision: 'float64' });
    });
    afterAll(async () => {
      await setBackend('cpu');
    });

    it('gets checks on several shapes, and they pass', async () => {
      const checks = opGradChecks(def);
      expect(new Set(checks.map((c) => JSON.stringify(c.inputs.map((i) => i.shape)))).size).toBeGreaterThanOrEqual(2);
      for (const check of checks) await checkGradient('cube', check);
    });

    it('and would catch a wrong gradient rule', async () => {
      const wrong = unaryOpsFor(UNARY)('cube', (x) => x * x * x, ({ g, inputs: [x] }) => [mul(g, square(x!))]);
      const [check] = opGradChecks(wrong.op);
      await expect(checkGradient('cube (wrong rule)', check!)).rejects.toThrow(/autograd .* vs numeric/);
    });
  });
});
