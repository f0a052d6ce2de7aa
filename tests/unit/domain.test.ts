// Edge values on the CPU reference: NaN, +-inf, +-0, subnormals, overflow, and the edges of
// pow's domain. Every expected value is C's (C99 Annex F) or PyTorch's documented answer,
// written out in tests/support/domain-known.ts, not computed by the engine; a few finite ones come from JavaScript's own
// Math functions in float64. tests/gpu/domain.test.ts holds WebGPU to the same answers.
// And every written-out answer is checked against what PyTorch computes for the same inputs
// (tests/fixtures/torch/domain.json, made by domain.py beside it), but for the differences
// listed below, each with its reason.
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { apply } from '../../src/engine/recorder.ts';

import { KNOWN, KNOWN_GRADS, f32 } from '../support/domain-known.ts';
import type { Known } from '../support/domain-known.ts';
import { readFixture } from '../shared/fixtures.ts';

/** float32 (or float64) rounding of the inputs, as the tensor stores them. */
const round = (x: number, precision: 'float32' | 'float64'): number => (precision === 'float32' ? f32(x) : x);

/** NaN for NaN, the exact value for infinities and zeros (sign included), else within tol. */
function expectValue(got: number, want: number, tol: number, what: string): void {
  if (Number.isNaN(want)) {
    expect(got, what).toBeNaN();
  } else if (want === 0 || !Number.isFinite(want)) {
    expect(Object.is(got, want), `${what}: got ${Object.is(got, -0) ? '-0' : got}, want ${Object.is(want, -0) ? '-0' : want}`).toBe(true);
  } else {
    expect(Number.isFinite(got), `${what}: got ${got}, want ${want}`).toBe(true);
    expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
  }
}

async function runKnown(c: Known, precision: 'float32' | 'float64'): Promise<number> {
  const ins = c.ins.map((v) => tensor([v], { dtype: c.dtype }));
  const out = apply(registry[c.op] as OpDef<any>, ins, c.attrs ?? {});
  return (out.dtype === 'int32' ? await out.data() : precision === 'float64' ? await out.data64() : await out.data())[0]!;
}

function wantOf(c: Known, precision: 'float32' | 'float64'): number {
  const xs = c.ins.map((x) => round(x, precision));
  const w = typeof c.want === 'function' ? c.want(...xs) : c.want;
  return c.op === 'cast' || ['eq', 'gt', 'lt'].includes(c.op) ? w : round(w, precision);
}

const label = (c: Known): string => `${c.op}(${c.ins.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')})`;

for (const precision of ['float32', 'float64'] as const) {
  describe(`cpu ${precision}: edge values give C's and PyTorch's answers`, () => {
    afterAll(async () => {
      await setBackend('cpu');
    });
    const byOp = new Map<string, Known[]>();
    for (const c of KNOWN) if (precision === 'float32' || !c.f32only) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
    for (const [op, cases] of byOp) {
      it(op, async () => {
        await setBackend('cpu', { precision });
        for (const c of cases) expectValue(await runKnown(c, precision), wantOf(c, precision), c.tol ?? (precision === 'float32' ? 1e-7 : 1e-15), label(c));
      });
    }
  });
}

describe('int32 arithmetic wraps modulo 2^32, as WGSL and PyTorch', () => {
  it('mul keeps the low bits a float64 product has already lost', async () => {
    await setBackend('cpu');
    const a = tensor([2147483647, 65537, -2147483648, 123456789], { dtype: 'int32' });
    const b = tensor([2147483647, 65537, -1, 987654321], { dtype: 'int32' });
    // 2147483647^2 = 2^62 - 2^32 + 1; 65537^2 = 2^32 + 2^17 + 1; -(-2^31) = 2^31;
    // 123456789 * 987654321 = 121932631112635269 = 28389652 * 2^32 - 67153019.
    expect(Array.from(await a.mul(b).data())).toEqual([1, 131073, -2147483648, -67153019]);
    expect(Array.from(await a.add(tensor([1, 0, -1, 0], { dtype: 'int32' })).data())).toEqual([-2147483648, 65537, 2147483647, 123456789]);
  });
});

/** Gradients of sum(w * f(...)) at edge values, read back as plain numbers. */
async function grads(f: (...xs: Tensor[]) => Tensor, inputs: { values: number[]; shape: number[] }[], w = 1): Promise<number[][]> {
  const xs = inputs.map((x) => tensor(x.values, { shape: x.shape, requiresGrad: true }));
  f(...xs).mul(w).sum().backward();
  return Promise.all(xs.map(async (x) => Array.from(await x.grad!.data())));
}

describe('gradients at the edge of the domain, as PyTorch', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });
  for (const precision of ['float32', 'float64'] as const) {
    for (const g of KNOWN_GRADS) {
      it(`${g.name} (${precision})`, async () => {
        await setBackend('cpu', { precision });
        const got = await grads(g.f, g.inputs, g.w);
        g.want.forEach((want, k) => {
          expect(got[k], `input ${k}`).toHaveLength(want.length);
          want.forEach((w, i) => expectValue(got[k]![i]!, round(w, precision), 1e-6, `${g.name}: d/d input ${k} [${i}]`));
        });
      });
    }
  }
});

// ---- the written-out answers against PyTorch ----------------------------------------------

/** A number as domain.json holds it: NaN, the infinities and -0 as strings. */
type Encoded = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
const decode = (v: Encoded): number => (typeof v === 'number' ? v : v === '-0' ? -0 : Number(v));
const torchRun = readFixture<{
  torch: string;
  known: { op: string; ins: Encoded[]; attrs?: Record<string, unknown>; float32: Encoded; float64: Encoded }[];
  grads: { name: string; inputs: { values: Encoded[]; shape: number[] }[]; w: number; float32: Encoded[][]; float64: Encoded[][] }[];
}>('torch/domain.json');

/** Where PyTorch answers otherwise, and why: each difference (in KNOWN's order) -> its reason. */
const RELU_ZERO = "relu(-0) = +0 is max(0, -0) as C's Annex F recommends fmax treat zeros (+0); PyTorch's relu, a clamp at 0, keeps -0 (it is not < 0)";
const CAST_RANGE = 'out of the int32 range and NaN, C leaves the conversion undefined and PyTorch on x86 gives -2147483648; the engine saturates, NaN -> 0 (src/ops/elementwise.ts castToInt32)';
const TORCH_DIFFERS: Record<string, string> = {
  'relu(-0) float32: torch -0, written 0': RELU_ZERO,
  'relu(-0) float64: torch -0, written 0': RELU_ZERO,
  ...Object.fromEntries(
    [
      ['10000000000', '2147483647'],
      ['NaN', '0'],
      ['Infinity', '2147483647'],
      ['2147483648', '2147483647'],
      ['3e+38', '2147483647'],
    ].flatMap(([x, written]) => ['float32', 'float64'].map((p) => [`cast(${x}) ${p}: torch -2147483648, written ${written}`, CAST_RANGE])),
  ),
};

describe(`the written-out answers are PyTorch's (${torchRun.torch}, tests/fixtures/torch/domain.json)`, () => {
  const sameInputs = (a: number[], b: Encoded[]): boolean => a.length === b.length && a.every((x, i) => Object.is(x, decode(b[i]!)));
  const sameAttrs = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

  it('the fixture has a PyTorch answer for every known case, in the same order (else rerun domain.py)', () => {
    expect(torchRun.known).toHaveLength(KNOWN.length);
    KNOWN.forEach((c, i) => {
      const t = torchRun.known[i]!;
      expect(t.op === c.op && sameAttrs(t.attrs, c.attrs) && sameInputs(c.ins, t.ins), `case ${i}: ${label(c)} vs fixture ${t.op}(${t.ins.join(', ')})`).toBe(true);
    });
  });

  it('every answer equals PyTorch on float32 and float64 tensors, but for the listed differences', () => {
    const differs: string[] = [];
    KNOWN.forEach((c, i) => {
      const t = torchRun.known[i]!;
      for (const precision of ['float32', 'float64'] as const) {
        if (precision === 'float64' && c.f32only) continue;
        const want = wantOf(c, precision);
        const got = decode(t[precision]);
        const tol = c.tol ?? (precision === 'float32' ? 1e-7 : 1e-15);
        const same = Number.isNaN(want) ? Number.isNaN(got) : want === 0 || !Number.isFinite(want) ? Object.is(got, want) : Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
        if (!same) differs.push(`${label(c)} ${precision}: torch ${Object.is(got, -0) ? '-0' : got}, written ${Object.is(want, -0) ? '-0' : want}`);
      }
    });
    expect(differs).toEqual(Object.keys(TORCH_DIFFERS));
  });

  it("every gradient answer equals PyTorch's autograd", () => {
    expect(torchRun.grads.map((g) => g.name)).toEqual(KNOWN_GRADS.map((g) => g.name));
    for (const g of KNOWN_GRADS) {
      const t = torchRun.grads.find((x) => x.name === g.name)!;
      expect(t.w).toBe(g.w ?? 1);
      g.inputs.forEach((x, k) => expect([sameInputs(x.values, t.inputs[k]!.values), t.inputs[k]!.shape], `${g.name}: input ${k}`).toEqual([true, x.shape]));
      for (const precision of ['float32', 'float64'] as const) {
        g.want.forEach((want, k) => {
          expect(t[precision][k], `${g.name} ${precision}: input ${k}`).toHaveLength(want.length);
          want.forEach((w, i) => expectValue(decode(t[precision][k]![i]!), round(w, precision), 1e-6, `${g.name} ${precision}: torch d/d input ${k} [${i}]`));
        });
      }
    }
  });
});
