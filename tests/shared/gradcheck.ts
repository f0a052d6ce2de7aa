// The float64 central-difference gradient check, and an op's checks derived from its samples
// (OpDef.samples) on small shapes. tests/unit/gradcheck.test.ts walks the registry with it;
// tests/unit/new-op.test.ts runs it on an op of a registry of its own. Run on the CPU backend
// in float64 (setBackend('cpu', { precision: 'float64' })).
import { expect } from 'vitest';
import { manualSeed, noGrad, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { apply } from '../../src/engine/recorder.ts';
import { isDifferentiable } from '../../src/ops/define.ts';
import type { OpDef } from '../../src/ops/define.ts';
import type { Domain } from '../../src/ops/samples.ts';
import { RandomState } from '../../src/numpy-random.ts';

export interface GradInput {
  shape: number[];
  domain?: Domain;
  dtype?: 'float32' | 'int32';
}

/** One check: inputs drawn in their domains, and the function of them whose gradient is checked. */
export interface GradCheck {
  label: string;
  inputs: GradInput[];
  fn: (...xs: Tensor[]) => Tensor;
}

/** The base shapes an op's samples are made on for its gradient check: one element, a matrix, a batch. */
export const GRAD_SHAPES: number[][] = [[1], [1, 1], [3, 5], [2, 3, 4]];

const show = (s: number[]): string => `[${s.join(',')}]`;

/**
 * An op's gradient checks: every call its samples make on GRAD_SHAPES (through the op itself,
 * with the call's attributes and scalars), except those with an int32 result, which take no
 * gradient. None for an op that is not differentiable.
 */
export function opGradChecks(def: OpDef<any>): GradCheck[] {
  if (!isDifferentiable(def)) return [];
  const seen = new Set<string>();
  const checks: GradCheck[] = [];
  for (const base of GRAD_SHAPES) {
    for (const shapes of def.samples.shapesFrom(base)) {
      for (const c of def.samples.calls(shapes)) {
        const key = JSON.stringify(c);
        if (seen.has(key)) continue;
        seen.add(key);
        const out = def.shape(c.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })), c.attrs);
        if (out.dtype !== 'float32') continue;
        checks.push({
          label: `${shapes.map(show).join(' ')}${c.variant ? ` ${c.variant}` : ''}`,
          inputs: c.inputs.map((i) => ({ shape: i.shape, domain: i.domain, dtype: i.dtype })),
          fn: (...xs) => apply(def, xs, c.attrs, c.scalars),
        });
      }
    }
  }
  return checks;
}

const rs = new RandomState(20261123);

/**
 * Values in the input's domain, away from the edges and kinks where a central difference
 * is not the derivative: 'any' is in [-2, -0.1] or [0.1, 2] (relu, abs), a probability in
 * (0.05, 0.95). Integer-valued inputs (small integers, labels, indices, masks) take no gradient.
 */
function sample(input: GradInput): { values: Float64Array | Int32Array; differentiable: boolean } {
  const n = input.shape.reduce((a, b) => a * b, 1);
  const domain = input.domain ?? 'any';
  const u = (): number => rs.randomSample() as number;
  if (input.dtype === 'int32' || typeof domain === 'object' || domain === 'mask') {
    const range = typeof domain === 'object' ? ('labels' in domain ? domain.labels : domain.index) : domain === 'mask' ? 2 : 7;
    const offset = domain === 'small-int' ? -3 : 0;
    return { values: Int32Array.from({ length: n }, () => Math.floor(u() * range) + offset), differentiable: false };
  }
  const f = (): number => {
    switch (domain) {
      case 'positive':
        return 0.2 + 1.8 * u();
      case 'prob':
        return 0.05 + 0.9 * u();
      case 'unit':
        return u();
      case 'small-int':
        return Math.floor(u() * 5) - 2;
      default: {
        const m = 0.1 + 1.9 * u();
        return u() < 0.5 ? -m : m;
      }
    }
  };
  return { values: Float64Array.from({ length: n }, f), differentiable: domain !== 'small-int' };
}

/** Scalar objective: a fixed random weighting of the output, so every output element counts. */
function objective(check: GradCheck, values: (Float64Array | Int32Array)[], weights: Float64Array, requiresGrad: boolean[]) {
  manualSeed(7);
  const xs = values.map((v, i) => tensor(v, { shape: check.inputs[i]!.shape, dtype: v instanceof Int32Array ? 'int32' : 'float32', requiresGrad: requiresGrad[i] }));
  const y = check.fn(...xs);
  const w = tensor(weights, { shape: y.shape });
  return { xs, loss: y.mul(w).sum() };
}

/**
 * Autograd against central differences (h = 1e-6, tolerance 1e-6 relative) for every element
 * of every input that takes a gradient; the others (`nondiff` positions, integer inputs) must
 * get none.
 */
export async function checkGradient(name: string, check: GradCheck, nondiff: readonly number[] = []): Promise<void> {
  const sampled = check.inputs.map(sample);
  const values = sampled.map((x) => x.values);
  const requiresGrad = sampled.map((x, i) => x.differentiable && !nondiff.includes(i));
  const what = `${name} ${check.label}`;
  // The output's shape, for the weights.
  manualSeed(7);
  const outShape = noGrad(() => check.fn(...values.map((v, i) => tensor(v, { shape: check.inputs[i]!.shape, dtype: v instanceof Int32Array ? 'int32' : 'float32' }))).shape);
  const weights = Float64Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => 0.5 + (rs.randomSample() as number));
  const { xs, loss } = objective(check, values, weights, requiresGrad);
  loss.backward();
  const h = 1e-6;
  for (let i = 0; i < xs.length; i++) {
    if (!requiresGrad[i]) {
      expect(xs[i]!.grad, `${what}: input ${i} takes no gradient`).toBeNull();
      continue;
    }
    expect(xs[i]!.grad, `${what}: input ${i} ${JSON.stringify(check.inputs[i]!.shape)} got no gradient`).not.toBeNull();
    const auto = await xs[i]!.grad!.data64();
    const base = values[i] as Float64Array;
    for (let j = 0; j < base.length; j++) {
      const plus = Float64Array.from(base);
      const minus = Float64Array.from(base);
      plus[j] += h;
      minus[j] -= h;
      const at = async (v: Float64Array) => {
        const vs = values.map((x, q) => (q === i ? v : x));
        const { loss: l } = noGrad(() => objective(check, vs, weights, requiresGrad.map(() => false)));
        return (await l.data64())[0]!;
      };
      const numeric = ((await at(plus)) - (await at(minus))) / (2 * h);
      const a = auto[j]!;
      const tol = 1e-6 * Math.max(1, Math.abs(a), Math.abs(numeric));
      expect(Math.abs(a - numeric), `${what} shapes ${JSON.stringify(check.inputs.map((x) => x.shape))}: d/dx${i}[${j}] autograd ${a} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
    }
  }
}
