// The registry walk: every differentiable op has a float64 central-difference gradient
// check on several shapes (1-element and non-square among them), derived from its samples
// (OpDef.samples) at small shapes (tests/shared/gradcheck.ts); an op without one fails.
// Public functions written with other ops (composites) are checked through the function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/ops/registry.ts';
import type { OpName } from '../../src/ops/registry.ts';
import { isDifferentiable } from '../../src/ops/define.ts';
import type { OpDef } from '../../src/ops/define.ts';
import * as sg from '../../src/index.ts';
import { F, Tensor, argmax, setBackend, squeeze, stack, tensor, unsqueeze } from '../../src/index.ts';
import { checkGradient, opGradChecks } from '../shared/gradcheck.ts';
import type { GradCheck, GradInput } from '../shared/gradcheck.ts';
import type { Domain } from '../../src/ops/samples.ts';

interface GradCase {
  /** Several shape sets; each entry lists the function's inputs. */
  shapes: GradInput[][];
  fn: (...xs: Tensor[]) => Tensor;
  /** Inputs that take no gradient (a target). */
  nondiff?: number[];
}

const s = (...shapes: number[][]): GradInput[] => shapes.map((shape) => ({ shape }));
const k = (domain: Domain, shape: number[]): GradInput => ({ shape, domain });

/** Each differentiable op's checks, from its samples. */
const opChecks = new Map<string, GradCheck[]>(
  (Object.entries(registry) as [string, OpDef<any>][]).filter(([, def]) => isDifferentiable(def)).map(([name, def]) => [name, opGradChecks(def)]),
);

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
    shapes: [[k('any', [3, 2]), k('unit', [3, 2])]],
    fn: (x, y) => F.binaryCrossEntropyWithLogits(x, y),
    nondiff: [1],
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
  ...Object.fromEntries(['setBackend', 'backendStats', 'flush', 'gpuTimeMs', 'noGrad', 'manualSeed', 'initialSeed', 'generatorKind', 'runSteps', 'inspectRuns', 'describeLastRun', 'familySource', 'setFamilySource', 'kernelSource', 'setKernelSource', 'checkNextRun', 'timeKernels', 'measureCeilings', 'describeOp', 'listOps', 'tune', 'useTuning', 'activeTuning', 'serializeTuning', 'parseTuning', 'tuningMismatch', 'getRngState', 'setRngState', 'isDeviceLost'].map((n) => [n, 'engine control or listing, not a function of tensors'])),
  ...Object.fromEntries(['saveSafetensors', 'loadSafetensors', 'readSafetensors', 'encodeSafetensors'].map((n) => [n, "a model's values to a file's bytes and back, read from the device or made as new leaves"])),
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

describe('gradient checks (float64 CPU, central differences)', () => {
  beforeAll(async () => {
    await setBackend('cpu', { precision: 'float64' });
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('every op in the registry is differentiable with checks on several shapes, or says why not', () => {
    for (const [name, def] of Object.entries(registry) as [string, OpDef<any>][]) {
      expect(def.name, `registry key ${name}`).toBe(name);
      if (isDifferentiable(def)) {
        const shapes = new Set(opChecks.get(name)!.map((c) => JSON.stringify(c.inputs.map((i) => i.shape))));
        expect(shapes.size, `op ${name} has a gradient rule but its samples make fewer than two shape sets on the gradient check's shapes`).toBeGreaterThanOrEqual(2);
      } else {
        expect((def.grad as { notDifferentiable: string }).notDifferentiable.length, `${name} must say why it is not differentiable`).toBeGreaterThan(10);
      }
      if (def.effect) expect(isDifferentiable(def), `effect ${name}`).toBe(false);
    }
  });

  it('every public function is a checked op, a checked composite, or says why it takes no gradient', () => {
    for (const name of publicFunctions()) {
      const bare = name.replace(/^(F|Tensor)\./, '');
      const checkedOp = opChecks.has(bare);
      // A method shares the entry of the function of its name (x.squeeze() is squeeze(x)).
      const listed = [checkedOp && 'op case', (Object.hasOwn(composites, name) || Object.hasOwn(composites, bare)) && 'composite case', (Object.hasOwn(notDifferentiated, name) || Object.hasOwn(notDifferentiated, bare)) && 'no-gradient list'].filter(Boolean);
      expect(listed.length, `public ${name}: add a case to 'composites' (a registry op gets its checks from its samples), or say in 'notDifferentiated' why it takes none`).toBeGreaterThan(0);
      if (!checkedOp) expect(listed, `public ${name}`).toHaveLength(1);
    }
    // No stale entries: every listed name still exists.
    const all = new Set(publicFunctions());
    for (const n of [...Object.keys(composites).map((c) => c.replace(/ \(.*\)$/, '')), ...Object.keys(notDifferentiated)]) expect(all, `listed ${n} is not public`).toContain(n);
  });

  for (const [name, checks] of opChecks) {
    it(`${name}: autograd equals central differences`, async () => {
      const def = registry[name as OpName] as OpDef<any>;
      for (const check of checks) await checkGradient(name, check, def.nondiff);
    });
  }

  for (const [name, c] of Object.entries(composites)) {
    it(`${name}: autograd equals central differences`, async () => {
      for (const inputs of c.shapes) await checkGradient(name, { label: JSON.stringify(inputs.map((x) => x.shape)), inputs, fn: c.fn }, c.nondiff);
    });
  }

  it('argmax, comparisons and casts take no gradient', async () => {
    const x = tensor([[1, 3, 2]], { requiresGrad: true });
    expect(argmax(x, 1).requiresGrad).toBe(false);
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.int().requiresGrad).toBe(false);
  });
});
