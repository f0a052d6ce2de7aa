// Edge values on the CPU reference: NaN, +-inf, +-0, subnormals, overflow, and the edges of
// pow's domain. Every expected value is C's (C99 Annex F) or PyTorch's documented answer,
// written out in tests/support/domain-known.ts, not computed by the engine; a few finite ones come from JavaScript's own
// Math functions in float64. tests/gpu/domain.test.ts holds WebGPU to the same answers.
import { afterAll, describe, expect, it } from 'vitest';
import { pow, relu, setBackend, sqrt, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { apply } from '../../src/engine/recorder.ts';

import { KNOWN, f32, f32only, inf } from '../support/domain-known.ts';
import type { Known } from '../support/domain-known.ts';

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
  for (const precision of ['float32', 'float64'] as const) {
    it(`pow: pow_backward_self and pow_backward_exponent (${precision})`, async () => {
      await setBackend('cpu', { precision });
      const a = [0, 0, 0, 2, -2, 0, 0, 4];
      const b = [0, 0.5, 2, 0, 3, -1, NaN, 1.5];
      const [ga, gb] = await grads((x, y) => pow(x, y), [
        { values: a, shape: [8] },
        { values: b, shape: [8] },
      ], 2);
      // d/da = where(b == 0, 0, g b a^(b-1)): 0 at b = 0 (even at a = 0); 0.5 * 0^-0.5 = +inf.
      const wantA = [0, inf, 0, 0, 2 * 12, -inf, NaN, 2 * 1.5 * 2];
      // d/db = g where(a == 0 && b >= 0, 0, out ln a): 0 for 0^b with b >= 0; NaN for a
      // negative base; 0^-1 = inf times ln 0 = -inf; a NaN exponent is not >= 0.
      const wantB = [0, 0, 0, 2 * Math.LN2, NaN, -inf, NaN, 2 * 8 * Math.log(4)];
      wantA.forEach((w, i) => expectValue(ga![i]!, f32(w), 1e-6, `d pow / da at (${a[i]}, ${b[i]})`));
      wantB.forEach((w, i) => expectValue(gb![i]!, f32(w), 1e-6, `d pow / db at (${a[i]}, ${b[i]})`));
    });
  }

  it('pow with broadcast operands sums each gradient back to its input', async () => {
    await setBackend('cpu');
    const [ga, gb] = await grads((x, y) => pow(x, y), [
      { values: [0, 4, 3, 0, 1, 2], shape: [2, 3] },
      { values: [0, 0.5, 2], shape: [3] },
    ]);
    // rows (0, 4, 3) and (0, 1, 2) against exponents (0, 0.5, 2)
    expect(ga!.length).toBe(6);
    [0, 0.25, 6, 0, 0.5, 4].forEach((w, i) => expectValue(ga![i]!, w, 1e-6, `d/da[${i}]`));
    expect(gb!.length).toBe(3);
    // column 0: 0^0 twice -> 0; column 1: 2 ln 4 + 1 ln 1; column 2: 9 ln 3 + 4 ln 2
    [0, 2 * Math.log(4), 9 * Math.log(3) + 4 * Math.LN2].forEach((w, i) => expectValue(gb![i]!, f32(w), 1e-6, `d/db[${i}]`));
  });

  it('relu passes the gradient through NaN and stops it at x <= 0; sqrt at 0 is +inf', async () => {
    await setBackend('cpu');
    const [gr] = await grads((x) => relu(x), [{ values: [NaN, -1, 0, -0, 2], shape: [5] }]);
    expect(gr).toEqual([1, 0, 0, 0, 1]);
    const [gs] = await grads((x) => sqrt(x), [{ values: [0, 4], shape: [2] }]);
    expect(gs).toEqual([inf, 0.25]);
  });
});
