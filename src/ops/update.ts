// Effects: ops that write variables (parameters, optimizer state, a loss history) in place
// at the end of a flush. Hyperparameters are dynamic scalars, so a learning rate changed
// mid-run or Adam's step count never creates a new plan.
import { fmt, sameShape, sizeOf } from '../shape.ts';
import { GATHER_ALIGN, checkElementwiseTuning, defineOp, grid, strideGrid } from './define.ts';
import type { Binding, ElementwiseTuning, GatherBinding, GpuDispatch, Tuning, Word } from './define.ts';
import type { Meta } from '../graph/ir.ts';
import type { Arr, NoAttrs } from './define.ts';
import { HISTORY_VALUES_PER_DISPATCH, LAYOUTS, OP_CODES, countedEntry, overrides } from './contract.ts';
import type { Packed } from './contract.ts';
import { EFFECT, call, f32, i32 } from './samples.ts';
import type { SampleCall } from './samples.ts';

const inPlace = { notDifferentiable: 'an in-place update, run under noGrad' };

function sameShapes(op: string, ins: Meta[], names: string[]): Meta {
  const first = ins[0]!;
  ins.forEach((m, i) => {
    if (m.dtype !== first.dtype || !sameShape(m.shape, first.shape)) {
      throw new Error(`${op}: ${names[i]} ${fmt(m.shape)} ${m.dtype} does not match ${names[0]} ${fmt(first.shape)} ${first.dtype}`);
    }
  });
  return first;
}


/** A multi-tensor step's call: the state arena (`perParam` words per arena element), then each parameter and its gradient. */
function multiCall<A>(params: number[][], perParam: number, attrs: A, scalars: number[]): SampleCall<A & MultiAttrs> {
  const { offsets, size } = arenaLayout(params.map(sizeOf));
  return { inputs: [f32([Math.max(1, perParam * size)], 'positive'), ...params.flatMap((s) => [f32(s), f32(s)])], attrs: { ...attrs, offsets, arena: size }, scalars };
}

/** dst := src */
export const assignDef = defineOp<NoAttrs>({
  name: 'assign',
  samples: {
    roles: ['destination', 'source'],
    shapesFrom: (s) => [[s, s]],
    calls: ([d, s]) => [call([f32(d!), f32(s!)], {})],
    leftOut: EFFECT,
  },
  effect: { writes: [0] },
  shape: (ins) => sameShapes('assign', ins, ['destination', 'source']),
  cpu: ({ ins: [dst, src] }) => dst!.set(src!),
  gpu: ({ inShapes: [s] }) => {
    const n = sizeOf(s!);
    // assign_range at offset 0: one kernel for both.
    const words = LAYOUTS.ASSIGN.pack({ count: n, offset: 0 });
    return [{ family: 'update', kernel: 'assign_range', bind: [{ input: 0 }, { input: 1 }], words: () => words, workgroups: grid(n) }];
  },
  grad: inPlace,
});

/**
 * dst[offset .. offset + n) := src (n elements): an in-place update through a view (a
 * reshape or a narrow of rows) lands in the memory of the tensor it views. Scalar: [offset].
 */
export const assignRangeDef = defineOp<NoAttrs>({
  name: 'assignRange',
  samples: {
    roles: ['destination', 'source'],
    // A row of the destination written at its middle row (the offset is the scalar).
    shapesFrom: (s) => [[s, s.length > 1 ? s.slice(1) : [1]]],
    calls: ([d, s]) => {
      const at = Math.floor(d![0]! / 2) * s!.reduce((a, b) => a * b, 1);
      return [
        { inputs: [f32(d!), f32(s!)], attrs: {}, scalars: [at] },
        { inputs: [i32(d!, 'small-int'), i32(s!, 'small-int')], attrs: {}, scalars: [at], variant: 'int32' },
      ];
    },
    leftOut: EFFECT,
  },
  effect: { writes: [0] },
  shape: ([dst, src]) => {
    if (dst!.dtype !== src!.dtype) throw new Error(`assignRange: source ${fmt(src!.shape)} ${src!.dtype} does not match destination ${fmt(dst!.shape)} ${dst!.dtype}`);
    if (sizeOf(src!.shape) > sizeOf(dst!.shape)) throw new Error(`assignRange: source ${fmt(src!.shape)} is larger than destination ${fmt(dst!.shape)}`);
    return dst!;
  },
  cpu: ({ ins: [dst, src], scalars: [offset] }) => {
    if (offset! < 0 || offset! + src!.length > dst!.length) throw new Error(`assignRange: [${offset}, ${offset! + src!.length}) is outside the destination's ${dst!.length} elements`);
    dst!.set(src!, offset!);
  },
  gpu: ({ inShapes: [, s] }) => {
    const n = sizeOf(s!);
    return [{ family: 'update', kernel: 'assign_range', bind: [{ input: 0 }, { input: 1 }], words: ([offset]) => LAYOUTS.ASSIGN.pack({ count: n, offset: offset! }), workgroups: grid(n) }];
  },
  grad: inPlace,
});

function sgdCpu(p: Arr, g: Arr, lr: number, wd: number): void {
  for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * (g[i]! + wd * p[i]!);
}

function sgdMomentumCpu(p: Arr, g: Arr, buf: Arr, lr: number, momentum: number, dampening: number, wd: number, first: number, nesterov: boolean): void {
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! + wd * p[i]!;
    const b = first ? d : momentum * buf[i]! + (1 - dampening) * d;
    buf[i] = b;
    p[i] = p[i]! - lr * (nesterov ? d + momentum * b : b);
  }
}

function adamCpu(p: Arr, g: Arr, m: Arr, v: Arr, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): void {
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! + wd * p[i]!;
    const mi = b1 * m[i]! + (1 - b1) * d;
    const vi = b2 * v[i]! + (1 - b2) * d * d;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}

// ---- multi-tensor steps -------------------------------------------------------------------
// One effect, one dispatch (update.wgsl step_multi), updates any number of parameters: inputs
// [state, p0, g0, p1, g1, ...]. The optimizer lays its parameters out in an arena (each at a
// multiple of GATHER_ALIGN elements, attrs.offsets) and its state in one of the same layout
// (Adam: m at the offset, v at arena + offset; SGD: the momentum buffer at the offset). The
// dispatch binds the parameters as one range and the gradients as another (GatherBinding):
// the optimizer keeps its parameters as views of one buffer in exactly that layout, and a
// plan that computes the gradients places them so too (`gathers`, src/graph/plan.ts packsOf),
// so a training step copies nothing; gradients computed earlier (read before step()) are
// gathered by copies. A table past the parameter block holds each parameter's place, size
// and per-step words, so no entry point depends on the count (WGSL cannot bind a variable
// number of buffers, and a stage may bind only eight), and the kernel loops over vec4s with
// a bounded grid. Arenas rather than more bindings: the update's bytes are the tensors' own,
// read and written once.

export interface MultiAttrs {
  /** Where each parameter starts in the arena (elements, multiples of GATHER_ALIGN, increasing). */
  offsets: number[];
  /** The arena's size (a multiple of GATHER_ALIGN): Adam's second moments start there in the state. */
  arena: number;
}

/** Each parameter of `sizes` at the next multiple of GATHER_ALIGN; the arena's size. */
export function arenaLayout(sizes: readonly number[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let size = 0;
  for (const n of sizes) {
    offsets.push(size);
    size += Math.ceil(n / GATHER_ALIGN) * GATHER_ALIGN;
  }
  return { offsets, size };
}

function multiShape(op: string, perParam: number) {
  return (ins: Meta[], attrs: MultiAttrs): Meta => {
    const [state, ...pairs] = ins;
    const count = pairs.length / 2;
    if (!Number.isInteger(count) || count < 1) throw new Error(`${op}: expected a state arena then (parameter, gradient) pairs, got ${ins.length} inputs`);
    if (attrs.offsets.length !== count) throw new Error(`${op}: ${attrs.offsets.length} arena offsets for ${count} parameters`);
    if (attrs.arena % GATHER_ALIGN !== 0) throw new Error(`${op}: the arena's size ${attrs.arena} is not a multiple of ${GATHER_ALIGN}`);
    let end = 0;
    for (let j = 0; j < count; j++) {
      sameShapes(op, [pairs[2 * j]!, pairs[2 * j + 1]!], [`parameter ${j}`, `gradient ${j}`]);
      if (pairs[2 * j]!.dtype !== 'float32') throw new Error(`${op}: parameter ${j} must be float32, got ${pairs[2 * j]!.dtype}`);
      const at = attrs.offsets[j]!;
      if (at % GATHER_ALIGN !== 0 || at < end) throw new Error(`${op}: parameter ${j} at arena offset ${at}: expected a multiple of ${GATHER_ALIGN} at or past ${end}`);
      end = at + sizeOf(pairs[2 * j]!.shape);
    }
    if (end > attrs.arena) throw new Error(`${op}: the parameters end at ${end}, past the arena's ${attrs.arena} elements`);
    if (perParam > 0 && perParam * attrs.arena > sizeOf(state!.shape)) {
      throw new Error(`${op}: the state arena has ${sizeOf(state!.shape)} elements, expected ${perParam} x ${attrs.arena}`);
    }
    return state!;
  };
}

/**
 * How a step spreads its vec4s over threads: the per-element entry's shape (src/ops/define.ts
 * ElementwiseTuning) counting vec4s, from the tuning table's `step` entry. A workgroup costs
 * a fixed amount to start (a coroutine on SwiftShader, which does best with few of them), and
 * a GPU needs only enough threads to fill its cores: so the grid follows the adapter, not the
 * parameter count.
 */
export type StepGrid = ElementwiseTuning;

/** For an adapter whose table has no `step` entry: chosen by hand for GPUs (a vec4 a thread up to 1024 x 256 threads, then loops), not measured. */
export const DEFAULT_STEP_GRID: StepGrid = { wg: 256, perThread: 1, maxGroups: 1024, source: 'chosen by hand for GPUs, not measured' };

/** The adapter's step grid (its table's entry, or the default), refused where it could not run. */
export function stepGrid(tuning: Pick<Tuning, 'adapter' | 'step'>): StepGrid {
  const g = tuning.step ?? DEFAULT_STEP_GRID;
  checkElementwiseTuning(g, tuning.adapter, 'optimizer step grid');
  return g;
}

/** Parameters (odd inputs) and the state arena (input 0): what a multi-tensor step writes. */
const multiWrites = (inputs: number): number[] => [0, ...Array.from({ length: (inputs - 1) >> 1 }, (_, j) => 1 + 2 * j)];

/** The gradients (even inputs from 2) as one range, in the parameters' layout: what the plan may place together. */
function multiGradients(inputs: number, attrs: MultiAttrs): GatherBinding {
  const count = (inputs - 1) >> 1;
  return { inputs: Array.from({ length: count }, (_, j) => 2 + 2 * j), at: attrs.offsets.slice(0, count).map((o) => o - attrs.offsets[0]!) };
}

/** step_multi: the STEP block with the optimizer's `hyper` words; the table, each parameter's STEP_PARAM with `own` (rate, extra). */
function multiDispatch(opt: keyof typeof OP_CODES.OPT, tuning: Tuning, inShapes: readonly (readonly number[])[], attrs: MultiAttrs, hyper: (s: readonly number[]) => Word[], own: (s: readonly number[], j: number) => [number, number]): GpuDispatch[] {
  const count = attrs.offsets.length;
  const base = attrs.offsets[0]!;
  const at = attrs.offsets.map((o) => o - base);
  const sizes = at.map((_, j) => sizeOf(inShapes[1 + 2 * j]!));
  const units = Math.ceil((at[count - 1]! + sizes[count - 1]!) / 4);
  const params = at.map((_, j) => 1 + 2 * j);
  const bind: Binding[] = [{ table: true }, { input: 0 }, { inputs: params, at }, multiGradients(inShapes.length, attrs)];
  const words = (s: readonly number[]): Packed => {
    // SGD has fewer hyperparameters than Adam: the rest of STEP's hyper words are padding.
    const h = hyper(s);
    while (h.length < (LAYOUTS.STEP.width.hyper as number)) h.push(0);
    return LAYOUTS.STEP.pack({ units, params: count, first: base / 4, second: (attrs.arena + base) / 4, hyper: h });
  };
  const table = {
    words: count * LAYOUTS.STEP_PARAM.words!,
    pack: (s: readonly number[]): Word[] =>
      at.flatMap((a, j) => {
        const [rate, extra] = own(s, j);
        return LAYOUTS.STEP_PARAM.pack({ start: a / 4, size: sizes[j]!, rate: { f: rate }, extra: { f: extra } });
      }),
  };
  const g = stepGrid(tuning);
  return [{ family: 'update', kernel: 'step_multi', constants: overrides('update', { OPT: OP_CODES.OPT[opt], WG: g.wg }), bind, words, table, workgroups: strideGrid(units, g) }];
}

/**
 * torch.optim.Adam (L2 weight decay added to the gradient, not AdamW) for several
 * parameters at once: g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), with bc_i = 1 - b_i^t. Scalars: [lr, beta1, beta2,
 * eps, weightDecay, then bc1, bc2 of each parameter] (their step counts may differ).
 */
export const adamMultiDef = defineOp<MultiAttrs>({
  name: 'adamMulti',
  samples: {
    roles: ['parameters'],
    // Two parameters of different sizes, with step counts 3 and 1 (then 7, 2): each one's bias corrections are its own.
    shapesFrom: (s) => [[s, [7]]],
    calls: (params) => [
      multiCall(params, 2, {}, [0.01, 0.9, 0.999, 1e-8, 0.01, ...params.flatMap((_, j) => [1 - 0.9 ** [3, 1, 7, 2][j % 4]!, 1 - 0.999 ** [3, 1, 7, 2][j % 4]!])]),
    ],
    leftOut: EFFECT,
  },
  effect: { writes: multiWrites },
  gathers: (n, attrs) => [multiGradients(n, attrs)],
  shape: multiShape('adamMulti', 2),
  cpu: ({ ins: [state, ...pairs], attrs, scalars: [lr, b1, b2, eps, wd, ...bc] }) => {
    attrs.offsets.forEach((o, j) => {
      const p = pairs[2 * j]!;
      const n = p.length;
      const v = attrs.arena + o;
      adamCpu(p, pairs[2 * j + 1]!, state!.subarray(o, o + n), state!.subarray(v, v + n), lr!, b1!, b2!, eps!, wd!, bc[2 * j]!, bc[2 * j + 1]!);
    });
  },
  // The step size and sqrt(bc2) computed here as the CPU kernel computes them, rounded once to f32.
  gpu: ({ inShapes, attrs, tuning }) =>
    multiDispatch(
      'adam',
      tuning,
      inShapes,
      attrs,
      ([, b1, b2, eps, wd]) =>
        LAYOUTS.ADAM.pack({ beta1: { f: b1! }, oneMinusBeta1: { f: 1 - b1! }, beta2: { f: b2! }, oneMinusBeta2: { f: 1 - b2! }, eps: { f: eps! }, weightDecay: { f: wd! } }),
      ([lr, , , , , ...bc], j) => [lr! / bc[2 * j]!, Math.sqrt(bc[2 * j + 1]!)],
    ),
  grad: inPlace,
});

/**
 * torch.optim.SGD for several parameters at once: g' = g + wd p; without momentum
 * p -= lr g'; with momentum buf = momentum buf + (1 - dampening) g' (buf = g' on its first
 * step) and p -= lr (nesterov ? g' + momentum buf : buf). Scalars: [lr, momentum, dampening, weightDecay, then whether
 * each parameter's momentum buffer starts at this step].
 */
export const sgdMultiDef = defineOp<MultiAttrs & { momentum: boolean; nesterov: boolean }>({
  name: 'sgdMulti',
  samples: {
    roles: ['parameters'],
    shapesFrom: (s) => [[s, [7]]],
    // Scalars: lr, momentum, dampening, weight decay, then per parameter whether its momentum starts now.
    calls: (params) => [
      multiCall(params, 0, { momentum: false, nesterov: false }, [0.1, 0, 0, 0.01, ...params.map(() => 0)]),
      // Every other parameter's momentum buffer starts at this step.
      { ...multiCall(params, 1, { momentum: true, nesterov: false }, [0.1, 0.9, 0.1, 0.01, ...params.map((_, j) => (j % 2 ? 0 : 1))]), variant: 'momentum' },
      { ...multiCall(params, 1, { momentum: true, nesterov: true }, [0.1, 0.9, 0, 0, ...params.map((_, j) => j % 2)]), variant: 'nesterov' },
    ],
    leftOut: EFFECT,
  },
  effect: { writes: multiWrites },
  gathers: (n, attrs) => [multiGradients(n, attrs)],
  shape: (ins, attrs) => multiShape('sgdMulti', attrs.momentum ? 1 : 0)(ins, attrs),
  cpu: ({ ins: [state, ...pairs], attrs, scalars: [lr, momentum, dampening, wd, ...first] }) => {
    attrs.offsets.forEach((o, j) => {
      const p = pairs[2 * j]!;
      const g = pairs[2 * j + 1]!;
      if (!attrs.momentum) sgdCpu(p, g, lr!, wd!);
      else sgdMomentumCpu(p, g, state!.subarray(o, o + p.length), lr!, momentum!, dampening!, wd!, first[j]!, attrs.nesterov);
    });
  },
  gpu: ({ inShapes, attrs, tuning }) =>
    multiDispatch(
      'sgd',
      tuning,
      inShapes,
      attrs,
      ([, momentum, dampening, wd]) =>
        LAYOUTS.SGD.pack({ momentum: { f: momentum! }, oneMinusDampening: { f: 1 - dampening! }, weightDecay: { f: wd! }, nesterov: attrs.nesterov ? 1 : 0, momentumOn: attrs.momentum ? 1 : 0 }),
      ([lr, , , , ...first], j) => [lr!, first[j]!],
    ),
  grad: inPlace,
});

/** history[row, j] := value_j (each a one-element tensor). Scalar: [row]. */
export const historyWriteDef = defineOp<NoAttrs>({
  name: 'historyWrite',
  samples: {
    roles: ['history [R,K]'],
    // K one-element values written at row R / 2 (the scalar); a wide history would bind hundreds.
    shapesFrom: (s) => (s.length === 2 && s[1]! <= 8 ? [[s]] : []),
    calls: ([h]) => [{ inputs: [f32(h!), ...Array.from({ length: h![1]! }, () => f32([]))], attrs: {}, scalars: [Math.floor(h![0]! / 2)] }],
    leftOut: EFFECT,
  },
  effect: { writes: [0] },
  shape: (ins) => {
    const [h, ...values] = ins;
    if (h!.shape.length !== 2 || h!.shape[1] !== values.length || h!.dtype !== 'float32') {
      throw new Error(`historyWrite: history ${fmt(h!.shape)} ${h!.dtype} must be float32 [steps, ${values.length}]`);
    }
    values.forEach((m, j) => {
      if (sizeOf(m.shape) !== 1 || m.dtype !== 'float32') throw new Error(`historyWrite: value ${j} must be a float32 scalar, got ${fmt(m.shape)} ${m.dtype}`);
    });
    return h!;
  },
  cpu: ({ ins: [h, ...values], inShapes, scalars: [row] }) => {
    const k = inShapes[0]![1]!;
    values.forEach((v, j) => {
      h![row! * k + j] = v[0]!;
    });
  },
  // One single-thread dispatch per six values (binding 0 and the history leave six of the
  // eight storage buffers every WebGPU device lets a stage bind): history_write_<count>.
  gpu: ({ inShapes }) => {
    const [steps, k] = inShapes[0]! as [number, number];
    const dispatches: GpuDispatch[] = [];
    for (let j0 = 0; j0 < k; j0 += HISTORY_VALUES_PER_DISPATCH) {
      const count = Math.min(HISTORY_VALUES_PER_DISPATCH, k - j0);
      const bind: Binding[] = [{ input: 0 }];
      for (let j = 0; j < count; j++) bind.push({ input: 1 + j0 + j });
      dispatches.push({ family: 'update', kernel: countedEntry('history_write', count), bind, words: ([row]) => LAYOUTS.HISTORY.pack({ at: row! * k + j0, size: steps * k }), workgroups: [1, 1, 1] });
    }
    return dispatches;
  },
  grad: inPlace,
});
