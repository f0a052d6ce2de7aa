// Without a GPU: the contract of src/ops/contract.ts against the WGSL on disk, through the
// checks of tests/shared/contract-check.ts: op codes and their switches, override constants
// (declared by the contract alone, selectors defaulting to NO_OP), parameter layouts, counted
// entry points; then every dispatch the op rules make (the GPU walk's cases, and the matmul
// kernels under tunings that force each path) against its entry point, every code
// dispatched, every entry point dispatched.
import { describe, expect, it } from 'vitest';
import { CONTRACT, LAYOUTS, OP_CODES } from '../../src/ops/contract.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { ShapedBudget } from '../../src/ops/define.ts';
import { registry } from '../../src/ops/registry.ts';
import { productDispatches } from '../../src/ops/matmul.ts';
import type { Epilogue } from '../../src/ops/matmul.ts';
import { DEFAULT_TUNING, uniformTuning } from '../../src/ops/matmul-choice.ts';
import type { MatmulTuning } from '../../src/ops/matmul-choice.ts';
import { PRELUDE_LINES, blankDirectives, shaderFamilies, shaderSource } from '../../src/backend/webgpu/shaders.ts';
import { allOpNames, casesFor } from '../gpu/cases.ts';
import type { DispatchFacts } from '../shared/contract-check.ts';
import {
  boundDtypes,
  checkCodesDispatched,
  checkCountedEntries,
  checkDispatch,
  checkEntriesDispatched,
  checkLayouts,
  checkOpCodes,
  checkOverrides,
  wgslFilesOnDisk,
  wgslModel,
} from '../shared/contract-check.ts';

const files = wgslFilesOnDisk();
const model = wgslModel(CONTRACT, files);

/** Every dispatch the op rules make: the GPU walk's cases, and the matmul kernels under tunings that force each path. */
function allDispatches(): DispatchFacts[] {
  const out: DispatchFacts[] = [];
  for (const name of allOpNames()) {
    const def = registry[name] as OpDef<any>;
    for (const c of casesFor(name)) {
      const metas = c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype ?? 'float32' }) as const);
      const o = def.shape(metas, c.attrs);
      for (const d of def.gpu({ inShapes: metas.map((m) => m.shape), inDtypes: metas.map((m) => m.dtype), outShape: o.shape, outDtype: o.dtype, attrs: c.attrs, tuning: DEFAULT_TUNING })) {
        out.push({ label: `${name} ${c.label}`, dispatch: d, words: d.words(c.scalars ?? []), binds: boundDtypes(def, metas, c.attrs, o, d.bind) });
      }
    }
  }
  const tiled = (minGroups: number, shaped = false): MatmulTuning => uniformTuning({ kernel: 'tiled', wgM: 4, wgN: 4, reg: 4, tileK: 16, minGroups, shaped }, 0, 'test', 'forced by the test');
  const epilogues: Epilogue[] = [
    { kind: 'none' },
    { kind: 'linear', act: OP_CODES.ACT.relu, alpha: 0, pre: false },
    { kind: 'linear', act: OP_CODES.ACT.relu, alpha: 0, pre: true },
    { kind: 'actBackward', code: OP_CODES.ACT_BWD.relu, alpha: 0 },
    { kind: 'colsum' },
  ];
  const register = (minGroups: number, shaped = false): MatmulTuning => uniformTuning({ kernel: 'register', threads: 64, rows: 4, cols: 4, minGroups, shaped }, 0, 'test', 'forced by the test');
  const quad = (minGroups: number): MatmulTuning => uniformTuning({ kernel: 'quad', threads: 16, rows: 16, cols: 2, minGroups }, 0, 'test', 'forced by the test');
  // Shaped: the constants the plan compiler adds (ShapedBudget) are the family's to set.
  for (const tuning of [tiled(1), tiled(1000), register(1), register(1000), quad(1), quad(1000), tiled(1000, true), register(1000, true)]) {
    for (const e of epilogues) {
      const [a, b, attrs] = e.kind === 'linear' ? [[20, 300], [30, 300], { transA: false, transB: true }] : e.kind === 'colsum' ? [[300, 20], [300, 30], { transA: true, transB: false }] : [[20, 300], [300, 30], { transA: false, transB: false }];
      for (const d of productDispatches(a, b, attrs, e, tuning).map((x) => new ShapedBudget().admit(x))) out.push({ label: `matmul (${e.kind})`, dispatch: d, words: d.words([]), binds: d.bind.map(() => 'float32') });
    }
  }
  return out;
}

describe('the contract against the WGSL', () => {
  it('the model compiles what the GPU compiles', () => {
    for (const f of shaderFamilies()) expect(model.full.get(f), f).toBe(shaderSource(f));
  });

  it('op codes: every case a declared code, every code a case, no-op defaults', () => {
    expect(checkOpCodes(model)).toEqual([]);
  });

  it('overrides: declared once, in the contract, selectors default to NO_OP, each family uses what it lists', () => {
    expect(checkOverrides(model)).toEqual([]);
  });

  it('parameter layouts: every offset read, none by number, MAX_WORDS words at binding 0', () => {
    expect(checkLayouts(model)).toEqual([]);
  });

  it('counted entry points: <name>_1 .. <name>_<max>', () => {
    expect(checkCountedEntries(model)).toEqual([]);
  });
});

describe('the checks on a variant', () => {
  // The checks take the tables and the texts: a contract with one unary op more agrees with a
  // unary.wgsl with its case, and not with the file as it is.
  const variant = { ...CONTRACT, opCodes: { ...CONTRACT.opCodes, UNARY: { ...OP_CODES.UNARY, cube: Object.keys(OP_CODES.UNARY).length } } };
  const withCase = new Map(files);
  withCase.set('unary', files.get('unary')!.replace('    default: { return nan_f32(); }', '    case UNARY_CUBE: { return x * x * x; }\n    default: { return nan_f32(); }'));

  it('one op more on both sides: no problem', () => {
    expect(withCase.get('unary')).toContain('UNARY_CUBE');
    const m = wgslModel(variant, withCase);
    expect([...checkOpCodes(m), ...checkOverrides(m), ...checkLayouts(m), ...checkCountedEntries(m)]).toEqual([]);
  });

  it('one op more in the contract only: its case is missing', () => {
    const problems = checkOpCodes(wgslModel(variant, files));
    expect(problems).toContainEqual(expect.stringMatching(/no switch has a case for every UNARY code .*UNARY_CUBE/));
    expect(problems).toContainEqual(expect.stringMatching(/unary.wgsl: switch OP: cases .*: not a whole group of codes/));
  });

  it('one case more in the WGSL only: the code is undeclared', () => {
    const problems = checkOpCodes(wgslModel(CONTRACT, withCase));
    expect(problems).toContain('unary.wgsl: switch OP: case UNARY_CUBE is not an op code of the contract');
  });
});

describe('the rules against the WGSL', () => {
  const dispatches = allDispatches();

  it('every dispatch packs the layout its entry reads, sets its selectors, binds the dtypes it declares', () => {
    expect(dispatches.flatMap((d) => checkDispatch(model, d))).toEqual([]);
  });

  it('every code of every group is dispatched', () => {
    const codes = new Set<string>();
    for (const d of dispatches) checkDispatch(model, d, codes);
    expect(codes.size).toBeGreaterThan(20);
    expect(checkCodesDispatched(model, codes)).toEqual([]);
  });

  it('every compute entry point of every family is dispatched by an op rule, and every dispatched one exists', () => {
    expect(checkEntriesDispatched(model, new Set(dispatches.map(({ dispatch: d }) => `${d.family}.${d.kernel}`)))).toEqual([]);
  });
});

describe('parameter blocks', () => {
  it('packing checks widths and order', () => {
    expect(LAYOUTS.MATMUL.pack({ m: 1, n: 2 })).toEqual([1, 2]);
    expect(() => LAYOUTS.MATMUL.pack({ m: 1, k: 2 })).toThrow(/n before it/);
    expect(() => LAYOUTS.GATHER.pack({ count: 1, strides: [0] })).toThrow(/takes 13 words/);
  });

  it('compiler line numbers point into the family file', () => {
    for (const f of shaderFamilies()) {
      const lines = shaderSource(f).split('\n');
      expect(lines.slice(PRELUDE_LINES).join('\n'), f).toBe(blankDirectives(files.get(f)!));
    }
  });
});
