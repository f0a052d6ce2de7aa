// The registry walk: every differentiable op has a float64 central-difference gradient
// check on several shapes (1-element and non-square among them); an op without one fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import { isDifferentiable } from '../../src/ops/define.ts';
import type { OpDef } from '../../src/ops/define.ts';
import { RandomState } from '../../src/numpy-random.ts';
import * as sg from '../../src/index.ts';
import {
  F,
  Tensor,
  abs,
  argmax,
  broadcastTo,
  cat,
  cos,
  div,
  exp,
  indexSelect,
  leakyRelu,
  log,
  logSoftmax,
  manualSeed,
  matmul,
  mean,
  neg,
  noGrad,
  pow,
  relu,
  setBackend,
  sigmoid,
  sin,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  sum,
  tanh,
  tensor,
  transpose,
  unsqueeze,
  where,
} from '../../src/index.ts';
import { copy } from '../../src/ops/layout.ts';
import { linear } from '../../src/ops/matmul.ts';
import { softmaxCrossEntropy } from '../../src/ops/loss.ts';

/** How an input is sampled: away from kinks and outside the domain's edges. */
type Kind =
  | 'any' // uniform in [-2, 2], |x| >= 0.1 (away from the kinks of relu, abs, ...)
  | 'positive' // [0.2, 2]
  | 'prob' // (0.05, 0.95)
  | 'target' // [0, 1] (a fixed target: not differentiated)
  | { labels: number } // int32 class labels in [0, n)
  | { index: number } // int32 row indices in [0, n)
  | 'mask'; // int32 0/1

interface Input {
  shape: number[];
  kind?: Kind;
}

interface GradCase {
  /** Several shape sets; each entry lists the op's inputs. */
  shapes: Input[][];
  fn: (...xs: Tensor[]) => Tensor;
}

const s = (...shapes: number[][]): Input[] => shapes.map((shape) => ({ shape }));
const k = (kind: Kind, shape: number[]): Input => ({ shape, kind });

// Keyed by op name (tsc rejects a name that is not in the registry); the first test
// below fails for any differentiable op that has no entry here.
const cases: Partial<Record<OpName, GradCase>> = {
  matmul: {
    shapes: [s([1, 1], [1, 1]), s([3, 5], [5, 2]), s([7, 4], [4, 3]), s([2, 3, 4], [2, 4, 5]), s([3, 4], [2, 4, 2]), s([2, 3, 4], [4, 2])],
    fn: (a, b) => matmul(a, b),
  },
  linear: {
    shapes: [s([1, 1], [1, 1], [1]), s([5, 3], [4, 3], [4]), s([2, 3, 4], [5, 4], [5])],
    // Each activation, picked by the input's shape so every shape set sees a different one.
    fn: (x, w, b) => linear(x, w, b, (['tanh', 'sigmoid', 'leakyRelu', 'relu', 'none'] as const)[x.size % 5]!, 0.05),
  },
  add: { shapes: [s([1], [1]), s([3, 4], [3, 4]), s([3, 1], [1, 4]), s([2, 3, 4], [4]), s([5, 3], [])], fn: (a, b) => a.add(b) },
  sub: { shapes: [s([1], [1]), s([3, 4], [3, 4]), s([3, 1], [1, 4]), s([2, 3, 4], [3, 1])], fn: (a, b) => a.sub(b) },
  mul: { shapes: [s([1], [1]), s([3, 4], [3, 4]), s([3, 1], [1, 4]), s([2, 3, 4], [4])], fn: (a, b) => a.mul(b) },
  div: {
    shapes: [
      [k('any', [1]), k('positive', [1])],
      [k('any', [3, 4]), k('positive', [3, 4])],
      [k('any', [3, 1]), k('positive', [1, 4])],
      [k('any', [2, 5]), k('positive', [5])],
    ],
    fn: (a, b) => div(a, b),
  },
  pow: {
    shapes: [
      [k('positive', [1]), k('any', [1])],
      [k('positive', [3, 4]), k('any', [3, 4])],
      [k('positive', [2, 3]), k('any', [1, 3])],
    ],
    fn: (a, b) => pow(a, b),
  },
  where: {
    shapes: [
      [k('mask', [1]), k('any', [1]), k('any', [1])],
      [k('mask', [3, 4]), k('any', [3, 4]), k('any', [3, 4])],
      [k('mask', [3, 1]), k('any', [1, 4]), k('any', [3, 4])],
    ],
    fn: (c, a, b) => where(c, a, b),
  },
  neg: { shapes: [s([1]), s([3, 5])], fn: (x) => neg(x) },
  exp: { shapes: [s([1]), s([3, 5])], fn: (x) => exp(x) },
  log: { shapes: [[k('positive', [1])], [k('positive', [3, 5])]], fn: (x) => log(x) },
  square: { shapes: [s([1]), s([4, 3])], fn: (x) => square(x) },
  abs: { shapes: [s([1]), s([4, 3])], fn: (x) => abs(x) },
  sqrt: { shapes: [[k('positive', [1])], [k('positive', [3, 5])]], fn: (x) => sqrt(x) },
  sin: { shapes: [s([1]), s([3, 5])], fn: (x) => sin(x) },
  cos: { shapes: [s([1]), s([3, 5])], fn: (x) => cos(x) },
  sigmoid: { shapes: [s([1]), s([3, 5]), s([2, 3, 2])], fn: (x) => sigmoid(x) },
  tanh: { shapes: [s([1]), s([3, 5])], fn: (x) => tanh(x) },
  relu: { shapes: [s([1]), s([3, 5])], fn: (x) => relu(x) },
  leakyRelu: { shapes: [s([1]), s([3, 5])], fn: (x) => leakyRelu(x, 0.05) },
  sum: {
    shapes: [s([1]), s([3, 5]), s([2, 3, 4])],
    fn: (x) => (x.ndim === 3 ? sum(x, [0, 2], true) : x.ndim === 2 ? sum(x, 1) : sum(x)),
  },
  mean: {
    shapes: [s([1]), s([3, 5]), s([2, 3, 4])],
    fn: (x) => (x.ndim === 3 ? mean(x, -1) : x.ndim === 2 ? mean(x, 0, true) : mean(x)),
  },
  broadcastTo: { shapes: [s([1]), s([3, 1]), s([4])], fn: (x) => broadcastTo(x, x.ndim === 2 ? [2, 3, 5] : [3, 4]) },
  softmax: { shapes: [s([1, 1]), s([3, 5]), s([2, 3, 4])], fn: (x) => softmax(x, x.ndim === 3 ? 1 : -1) },
  logSoftmax: { shapes: [s([1, 1]), s([3, 5]), s([2, 3, 4])], fn: (x) => logSoftmax(x, x.ndim === 3 ? 0 : -1) },
  softmaxCrossEntropy: {
    shapes: [
      [k('any', [1, 1]), k({ labels: 1 }, [1])],
      [k('any', [4, 3]), k({ labels: 3 }, [4])],
      [k('any', [7, 10]), k({ labels: 10 }, [7])],
    ],
    fn: (x, y) => softmaxCrossEntropy(x, y),
  },
  binaryCrossEntropy: {
    shapes: [
      [k('prob', [1]), k('target', [1])],
      [k('prob', [3, 4]), k('target', [3, 4])],
    ],
    fn: (p, y) => F.binaryCrossEntropy(p, y),
  },
  bceWithLogits: {
    shapes: [
      [k('any', [1]), k('target', [1])],
      [k('any', [5, 3]), k('target', [5, 3])],
    ],
    fn: (x, y) => F.bceWithLogits(x, y),
  },
  mseLoss: { shapes: [s([1], [1]), s([3, 4], [3, 4])], fn: (a, b) => F.mseLoss(a, b) },
  // The mask is drawn at record time; the harness reseeds before every evaluation.
  dropout: { shapes: [s([1]), s([6, 7])], fn: (x) => F.dropout(x, 0.3, true) },
  reshape: { shapes: [s([1]), s([3, 4])], fn: (x) => x.reshape(x.size === 1 ? [1, 1] : [2, 6]) },
  copy: { shapes: [s([1]), s([3, 4])], fn: (x) => copy(x) },
  transpose: { shapes: [s([1, 1]), s([3, 5]), s([2, 3, 4])], fn: (x) => (x.ndim === 3 ? transpose(x, 0, 2) : x.T) },
  cat: { shapes: [s([1], [1]), s([2, 3], [2, 5]), s([3, 2, 2], [1, 2, 2])], fn: (a, b) => cat([a, b], a.ndim === 2 ? 1 : 0) },
  narrow: { shapes: [s([1]), s([4, 5]), s([3, 6])], fn: (x) => (x.ndim === 1 ? x.narrow(0, 0, 1) : x.narrow(1, 1, 3)) },
  indexSelect: {
    shapes: [
      [k('any', [1, 1]), k({ index: 1 }, [1])],
      [k('any', [5, 3]), k({ index: 5 }, [7])],
    ],
    fn: (x, idx) => indexSelect(x, idx),
  },
};

// Public functions written with other ops, or a registry op under another name: checked
// through the public function itself, keyed by the name a user calls.
const composites: Record<string, GradCase> = {
  stack: { shapes: [s([1], [1]), s([2, 3], [2, 3])], fn: (a, b) => stack([a, b], a.ndim === 2 ? 1 : 0) },
  squeeze: { shapes: [s([1, 1]), s([3, 1, 4])], fn: (x) => (x.ndim === 3 ? squeeze(x, 1) : squeeze(x)) },
  unsqueeze: { shapes: [s([1]), s([3, 4])], fn: (x) => unsqueeze(x, -1) },
  'F.linear': { shapes: [s([1, 1], [1, 1], [1]), s([5, 3], [4, 3], [4]), s([2, 3, 4], [5, 4], [5])], fn: (x, w, b) => F.linear(x, w, b) },
  'F.linear (no bias)': { shapes: [s([1, 1], [1, 1]), s([5, 3], [4, 3])], fn: (x, w) => F.linear(x, w) },
  'F.crossEntropy': {
    shapes: [
      [k('any', [1, 1]), k({ labels: 1 }, [1])],
      [k('any', [5, 4]), k({ labels: 4 }, [5])],
    ],
    fn: (x, y) => F.crossEntropy(x, y),
  },
  'F.binaryCrossEntropyWithLogits': {
    shapes: [[k('any', [3, 2]), k('target', [3, 2])]],
    fn: (x, y) => F.binaryCrossEntropyWithLogits(x, y),
  },
  'Tensor.clone': { shapes: [s([1]), s([3, 4])], fn: (x) => x.clone().mul(x) },
  'Tensor.view': { shapes: [s([1]), s([3, 4])], fn: (x) => x.view(-1, 1) },
  'Tensor.flatten': { shapes: [s([1, 1]), s([2, 3, 2])], fn: (x) => x.flatten() },
  'Tensor.T': { shapes: [s([1, 1]), s([3, 5])], fn: (x) => x.T },
  'Tensor.float': { shapes: [s([3, 2])], fn: (x) => x.float().square() },
  'Tensor.to': { shapes: [s([3, 2])], fn: (x) => x.to('float32').square() },
};

/** Public names that are not differentiable functions of tensors, each with the reason. */
const notDifferentiated: Record<string, string> = {
  ...Object.fromEntries(['tensor', 'rand', 'randn', 'randint', 'randperm', 'full', 'zeros', 'ones', 'zerosLike', 'onesLike', 'arange', 'linspace'].map((n) => [n, 'makes a new leaf tensor'])),
  ...Object.fromEntries(['eq', 'gt', 'lt', 'argmax', 'cast', 'Tensor.int'].map((n) => [n, 'int32 result or float-to-float cast: no gradient (checked below)'])),
  ...Object.fromEntries(['setBackend', 'backendStats', 'flush', 'gpuTimeMs', 'noGrad', 'manualSeed', 'initialSeed', 'generatorKind', 'runSteps', 'inspectRuns', 'describeLastRun', 'familySource', 'setFamilySource', 'kernelSource', 'setKernelSource', 'checkNextRun', 'timeKernels', 'measureCeilings', 'describeOp'].map((n) => [n, 'engine control, not a function of tensors'])),
  runOp: 'runs an op of the registry by name: each op is gradient-checked by the registry walk above',
  ...Object.fromEntries(
    ['numel', 'requiresGrad_', 'assertUsable', 'hostValues', 'keep', 'data', 'data64', 'item', 'array', 'dispose', 'backward', 'toString', 'detach'].map((n) => [`Tensor.${n}`, 'reads, frees or cuts the tensor from the graph']),
  ),

  ...Object.fromEntries(['read', 'checkInPlace', 'inPlace'].map((n) => [`Tensor.${n}`, 'private helper (TypeScript private, present at run time)'])),
  ...Object.fromEntries(['copy_', 'add_', 'sub_', 'mul_', 'div_', 'zero_', 'fill_'].map((n) => [`Tensor.${n}`, 'in-place update, refused on a tensor autograd tracks'])),
};

/** Every function of the public API: the index exports, F and the Tensor methods. */
function publicFunctions(): string[] {
  const names: string[] = [];
  for (const [n, v] of Object.entries(sg)) if (typeof v === 'function' && /^[a-z]/.test(n)) names.push(n);
  for (const [n, v] of Object.entries(sg.F)) if (typeof v === 'function') names.push(`F.${n}`);
  for (const n of Object.getOwnPropertyNames(Tensor.prototype)) {
    if (n === 'constructor' || n.startsWith('_')) continue;
    const d = Object.getOwnPropertyDescriptor(Tensor.prototype, n)!;
    // Getters are properties (shape, dtype, ...), except T, the transpose.
    if (typeof d.value === 'function' || n === 'T') names.push(`Tensor.${n}`);
  }
  return names;
}

const rs = new RandomState(20261123);

function sample(input: Input): { values: Float64Array | Int32Array; dtype: 'float32' | 'int32'; differentiable: boolean } {
  const n = input.shape.reduce((a, b) => a * b, 1);
  const kind = input.kind ?? 'any';
  const u = (): number => rs.randomSample() as number;
  if (typeof kind === 'object') {
    const range = 'labels' in kind ? kind.labels : kind.index;
    return { values: Int32Array.from({ length: n }, () => Math.floor(u() * range)), dtype: 'int32', differentiable: false };
  }
  if (kind === 'mask') return { values: Int32Array.from({ length: n }, () => (u() < 0.5 ? 1 : 0)), dtype: 'int32', differentiable: false };
  const f = (): number => {
    switch (kind) {
      case 'positive':
        return 0.2 + 1.8 * u();
      case 'prob':
        return 0.05 + 0.9 * u();
      case 'target':
        return u();
      default: {
        const m = 0.1 + 1.9 * u();
        return u() < 0.5 ? -m : m;
      }
    }
  };
  return { values: Float64Array.from({ length: n }, f), dtype: 'float32', differentiable: kind !== 'target' };
}

/** Scalar objective: a fixed random weighting of the output, so every output element counts. */
function objective(c: GradCase, values: (Float64Array | Int32Array)[], inputs: Input[], weights: Float64Array, requiresGrad: boolean[]) {
  manualSeed(7);
  const xs = values.map((v, i) => tensor(v, { shape: inputs[i]!.shape, dtype: v instanceof Int32Array ? 'int32' : 'float32', requiresGrad: requiresGrad[i] }));
  const y = c.fn(...xs);
  const w = tensor(weights, { shape: y.shape });
  return { xs, loss: y.mul(w).sum() };
}

describe('gradient checks (float64 CPU, central differences)', () => {
  beforeAll(async () => {
    await setBackend('cpu', { precision: 'float64' });
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('every op in the registry is differentiable with a check, or says why not', () => {
    for (const [name, def] of Object.entries(registry) as [string, OpDef<any>][]) {
      expect(def.name, `registry key ${name}`).toBe(name);
      if (isDifferentiable(def)) {
        expect(cases, `op ${name} has a gradient rule but no gradient check`).toHaveProperty(name);
      } else {
        expect((def.grad as { notDifferentiable: string }).notDifferentiable.length, `${name} must say why it is not differentiable`).toBeGreaterThan(10);
        expect(Object.keys(cases), `${name} is not differentiable but has a gradient case`).not.toContain(name);
      }
      if (def.effect) expect(isDifferentiable(def), `effect ${name}`).toBe(false);
    }
  });

  it('every public function is a checked op, a checked composite, or says why it takes no gradient', () => {
    for (const name of publicFunctions()) {
      const bare = name.replace(/^(F|Tensor)\./, '');
      const checkedOp = bare in cases && bare in registry;
      // A method shares the entry of the function of its name (x.squeeze() is squeeze(x)).
      const listed = [checkedOp && 'op case', (name in composites || bare in composites) && 'composite case', (name in notDifferentiated || bare in notDifferentiated) && 'no-gradient list'].filter(Boolean);
      expect(listed.length, `public ${name}: add a case to 'composites' (or to 'cases' if it is a registry op), or say in 'notDifferentiated' why it takes none`).toBeGreaterThan(0);
      if (!checkedOp) expect(listed, `public ${name}`).toHaveLength(1);
    }
    // No stale entries: every listed name still exists.
    const all = new Set(publicFunctions());
    for (const n of [...Object.keys(composites).map((c) => c.replace(/ \(.*\)$/, '')), ...Object.keys(notDifferentiated)]) expect(all, `listed ${n} is not public`).toContain(n);
  });

  for (const [name, c] of [...Object.entries(cases), ...Object.entries(composites)] as [string, GradCase][]) {
    it(`${name}: autograd equals central differences`, async () => {
      const def: { nondiff?: readonly number[] } = registry[name as OpName] ?? {};
      for (const inputs of c.shapes) {
        const sampled = inputs.map(sample);
        const values = sampled.map((x) => x.values);
        const requiresGrad = sampled.map((x, i) => x.differentiable && !(def.nondiff ?? []).includes(i));
        // The output's shape, for the weights.
        manualSeed(7);
        const outShape = noGrad(() =>
          c.fn(...values.map((v, i) => tensor(v, { shape: inputs[i]!.shape, dtype: v instanceof Int32Array ? 'int32' : 'float32' }))).shape,
        );
        const weights = Float64Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => 0.5 + (rs.randomSample() as number));
        const { xs, loss } = await objective(c, values, inputs, weights, requiresGrad);
        loss.backward();
        const h = 1e-6;
        for (let i = 0; i < xs.length; i++) {
          if (!requiresGrad[i]) {
            expect(xs[i]!.grad, `${name} input ${i} takes no gradient`).toBeNull();
            continue;
          }
          expect(xs[i]!.grad, `${name}: input ${i} ${JSON.stringify(inputs[i]!.shape)} got no gradient`).not.toBeNull();
          const auto = await xs[i]!.grad!.data64();
          const base = values[i] as Float64Array;
          for (let j = 0; j < base.length; j++) {
            const plus = Float64Array.from(base);
            const minus = Float64Array.from(base);
            plus[j] += h;
            minus[j] -= h;
            const at = async (v: Float64Array) => {
              const vs = values.map((x, q) => (q === i ? v : x));
              const { loss: l } = noGrad(() => objective(c, vs, inputs, weights, requiresGrad.map(() => false)));
              return (await l.data64())[0]!;
            };
            const numeric = ((await at(plus)) - (await at(minus))) / (2 * h);
            const a = auto[j]!;
            const tol = 1e-6 * Math.max(1, Math.abs(a), Math.abs(numeric));
            expect(Math.abs(a - numeric), `${name} shapes ${JSON.stringify(inputs.map((x) => x.shape))}: d/dx${i}[${j}] autograd ${a} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
          }
        }
      }
    });
  }

  it('argmax, comparisons and casts take no gradient', async () => {
    const x = tensor([[1, 3, 2]], { requiresGrad: true });
    expect(argmax(x, 1).requiresGrad).toBe(false);
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.int().requiresGrad).toBe(false);
  });
});
