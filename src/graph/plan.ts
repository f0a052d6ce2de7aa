// Schedule -> buffer plan -> a Plan, cached by structure and shapes. A Plan knows nothing
// about the values it runs on: externals (variables, earlier results) and dynamic scalars
// are bound at run time, so the same training step every epoch hits the cache.
import type { Shape } from '../shape.ts';
import { fmt, sizeOf } from '../shape.ts';
import type { OpDef } from '../ops/define.ts';
import type { DType, Meta, Node } from './ir.ts';
import { staleView } from './views.ts';

export type Ref =
  | { kind: 'ext'; index: number } // bound at run time: a variable or an earlier result
  | { kind: 'slot'; index: number } // plan-owned scratch, reused once its last reader ran
  | { kind: 'out'; index: number } // fresh storage handed back to the node
  | { kind: 'view'; step: number }; // a run of the memory of step `step`'s input (see viewsOf)

export interface PlanStep {
  def: OpDef<any>;
  attrs: Record<string, unknown>;
  inputs: Ref[];
  inShapes: Shape[];
  inDtypes: DType[];
  outShape: Shape;
  dtype: DType;
  /** null for effects, which write their `def.effect.writes` inputs in place. */
  out: Ref | null;
  /** The further outputs of an op with `extraOutputs` (a fused kernel), in order. */
  extraOuts: Ref[];
  extraShapes: Shape[];
}

/**
 * One step of a plan before buffers are placed: usually one node, or a fused kernel that
 * computes several nodes (`outputs`, the first one primary) and replaces `members` (the
 * outputs and the intermediates it makes unnecessary). See src/passes/fuse.ts.
 */
export interface Group {
  def: OpDef<any>;
  attrs: Record<string, unknown>;
  scalars: readonly number[];
  inputs: Node[];
  /** The nodes whose values it produces; for an effect, the effect node. */
  outputs: Node[];
  members: Node[];
}

/** The group of one node, unfused. */
export function single(n: Node): Group {
  return { def: n.def!, attrs: n.attrs, scalars: n.scalars, inputs: n.inputs, outputs: [n], members: [n] };
}

export interface Plan {
  readonly id: number;
  /** Steps whose def.alias holds are views: no kernel, their output aliases their input. */
  readonly steps: PlanStep[];
  /** The view steps, in order. */
  readonly viewSteps: number[];
  readonly slots: { dtype: DType; size: number }[];
  /** An output in a pack lives at `offset` elements of pack `index` (see packsOf). */
  readonly outputs: (Meta & { pack?: { index: number; offset: number } })[];
  /** The packs' sizes (elements): buffers that hold several outputs a step reads as one range. */
  readonly packs: number[];
  readonly externals: Meta[];
}

/**
 * Order the work a flush must do: every node reachable from `targets` and from the
 * effects' inputs that is not realized yet, inputs first; effects last, because they
 * overwrite variables that the other nodes read.
 */
export function schedule(targets: Node[], effects: Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const visit = (root: Node): void => {
    // Iterative DFS: a deep chain (hundreds of layers) must not overflow the JS stack.
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i === 0) {
        if (seen.has(node) || !needsCompute(node)) {
          stack.pop();
          continue;
        }
      }
      if (i < node.inputs.length) {
        top[1] = i + 1;
        const child = node.inputs[i]!;
        if (!seen.has(child) && needsCompute(child)) stack.push([child, 0]);
        continue;
      }
      stack.pop();
      if (!seen.has(node)) {
        seen.add(node);
        order.push(node);
      }
    }
  };
  for (const t of targets) if (!t.isEffect) visit(t);
  for (const e of effects) for (const input of e.inputs) visit(input);
  for (const e of effects) order.push(e);
  return order;
}

/** Whether a node must be computed; throws when it cannot be read (failed, evicted, disposed, stale). */
export function needsCompute(node: Node): boolean {
  if (node.isLeaf) {
    const v = node.variable!;
    if (v.disposed) throw new Error(`reading a disposed tensor ${fmt(node.shape)} ${node.dtype}: it was freed with dispose()`);
    if (node.version !== v.version) {
      throw new Error(
        `a lazy result needs the value a tensor ${fmt(node.shape)} had before an in-place update; ` +
          `read it (await t.data()) before updating, or recompute it`,
      );
    }
    return false;
  }
  if (node.state === 'failed') throw node.error!;
  if (node.state === 'realized' && node.def!.alias && staleView(node)) {
    throw new Error(
      `a lazy result needs the value a view ${fmt(node.shape)} had before an in-place update of the tensor it views; ` +
        `read it (await t.data()) before updating, or recompute it`,
    );
  }
  if (node.state === 'evicted') throw evictedError(node.opName, node.shape);
  if (node.state === 'disposed') throw new Error(`${node.opName}: reading a disposed tensor ${fmt(node.shape)} ${node.dtype}`);
  return node.state !== 'realized';
}

/** The error for reading a result whose plan-owned memory a later run reused. */
export function evictedError(op: string, shape: readonly number[]): Error {
  return new Error(
    `${op} ${fmt(shape)}: this result was computed two runs ago of the same step, and its memory now holds a newer result; ` +
      `read it (await t.data()) before the step runs twice more, or call t.keep() to hold on to it`,
  );
}

export interface BoundPlan {
  plan: Plan;
  externals: Node[];
  outputs: Node[];
  /** Views the program can read, with their steps: realized as aliases of their roots' memory. */
  views: { node: Node; step: number }[];
  scalars: (readonly number[])[];
}

/** Whether a group is a view in a plan: a single shape-only op whose output is contiguous. */
export function isView(g: Group): boolean {
  const a = g.def.alias;
  return a !== undefined && g.members.length === 1 && g.outputs.length === 1 && (a.when?.(g.inputs[0]!.shape, g.attrs as never) ?? true);
}

/** Where a view step's memory starts: a run of `root` (never a view itself) from `offset` elements. */
export interface ViewAt {
  root: Exclude<Ref, { kind: 'view' }>;
  offset: number;
}

/** Resolve every view step of a run (offsets may come from dynamic scalars, as narrow's start). */
export function viewsOf(plan: Plan, scalars: (readonly number[])[]): Map<number, ViewAt> {
  const at = new Map<number, ViewAt>();
  for (const i of plan.viewSteps) {
    const s = plan.steps[i]!;
    const base = s.inputs[0]!;
    const own = s.def.alias!.offset(s.inShapes[0]!, s.attrs as never, scalars[i]!);
    if (base.kind === 'view') {
      const prior = at.get(base.step)!;
      at.set(i, { root: prior.root, offset: prior.offset + own });
    } else {
      at.set(i, { root: base, offset: own });
    }
  }
  return at;
}

let nextPlanId = 1;

/**
 * A cache key that tells every attribute value apart. JSON.stringify writes NaN and
 * +-Infinity as null and -0 as 0, so full([5], -Infinity) and full([5], Infinity) would
 * share a plan (and the second would return the first's values).
 */
export function exactKey(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(exactKey).join(',')}]`;
  return `{${Object.keys(v)
    .map((k) => `${k}:${exactKey((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export class PlanCache {
  private readonly plans = new Map<string, Plan>();
  built = 0;

  constructor(private readonly limit = 256) {}

  /** Turn a schedule (grouped into kernels) into a plan, from the cache when its structure was seen before. */
  bind(groups: Group[], isOutput: (n: Node) => boolean): BoundPlan {
    const producer = new Map<Node, string>();
    const externals: Node[] = [];
    const extIndex = new Map<Node, number>();
    const outputs: Node[] = [];
    const views: { node: Node; step: number }[] = [];
    const keyParts: string[] = [];
    const scalars: (readonly number[])[] = [];
    groups.forEach((g, i) => g.outputs.forEach((n, k) => producer.set(n, k === 0 ? `n${i}` : `n${i}.${k}`)));
    const kept = keptNodes(groups, isOutput);
    groups.forEach((g, i) => {
      const ins: string[] = [];
      for (const input of g.inputs) {
        const p = producer.get(input);
        if (p !== undefined) {
          ins.push(p);
          continue;
        }
        let e = extIndex.get(input);
        if (e === undefined) {
          e = externals.length;
          extIndex.set(input, e);
          externals.push(input);
        }
        ins.push(`x${e}`);
      }
      let outs: string;
      if (isView(g)) {
        const n = g.outputs[0]!;
        outs = isOutput(n) ? 'V' : 'v';
        if (isOutput(n)) views.push({ node: n, step: i });
      } else {
        outs = g.outputs.map((n) => (n.isEffect ? 'e' : kept.has(n) ? 'o' : 's')).join('');
        for (const n of g.outputs) if (!n.isEffect && kept.has(n)) outputs.push(n);
      }
      const shapes = g.outputs.map((n) => `[${n.shape}]${n.dtype}`).join('');
      keyParts.push(`${g.def.name}${exactKey(g.attrs)}${shapes}(${ins})${outs}`);
      scalars.push(g.scalars);
    });
    for (const x of externals) keyParts.push(`x[${x.shape}]${x.dtype}`);
    const key = keyParts.join(';');
    let plan = this.plans.get(key);
    if (plan) {
      // Refresh its place in the LRU order.
      this.plans.delete(key);
      this.plans.set(key, plan);
    } else {
      plan = buildPlan(groups, extIndex, (n) => kept.has(n));
      this.built++;
      this.plans.set(key, plan);
      if (this.plans.size > this.limit) this.plans.delete(this.plans.keys().next().value!);
    }
    return { plan, externals, outputs, views, scalars };
  }
}

/**
 * The nodes a plan hands back with memory of their own: the outputs, and the roots of the
 * views the program can read (a view is a run of its root's memory, so the root must live).
 */
function keptNodes(groups: Group[], isOutput: (n: Node) => boolean): Set<Node> {
  const viewInput = new Map<Node, Node>();
  for (const g of groups) if (isView(g)) viewInput.set(g.outputs[0]!, g.inputs[0]!);
  const kept = new Set<Node>();
  for (const g of groups) {
    for (const n of g.outputs) {
      if (n.isEffect || !isOutput(n)) continue;
      let root = n;
      while (viewInput.has(root)) root = viewInput.get(root)!;
      kept.add(root);
    }
  }
  return kept;
}

function buildPlan(groups: Group[], extIndex: Map<Node, number>, isOutput: (n: Node) => boolean): Plan {
  // A view's readers read its root's memory: the root lives until the last of them.
  const viewInput = new Map<Node, Node>();
  groups.forEach((g) => {
    if (isView(g)) viewInput.set(g.outputs[0]!, g.inputs[0]!);
  });
  const rootOf = (n: Node): Node => {
    while (viewInput.has(n)) n = viewInput.get(n)!;
    return n;
  };
  const lastUse = new Map<Node, number>();
  groups.forEach((g, i) => g.inputs.forEach((input) => lastUse.set(rootOf(input), i)));
  const slots: { dtype: DType; size: number }[] = [];
  const free: number[] = [];
  const slotOf = new Map<Node, number>();
  const refOf = new Map<Node, Ref>();
  const outputs: Plan['outputs'] = [];
  const steps: PlanStep[] = [];
  const viewSteps: number[] = [];

  const { packAt, packs } = packsOf(groups, isOutput);
  const refFor = (input: Node): Ref => refOf.get(input) ?? { kind: 'ext', index: extIndex.get(input)! };
  const place = (n: Node): Ref => {
    let out: Ref;
    if (isOutput(n)) {
      out = { kind: 'out', index: outputs.length };
      const pack = packAt.get(n);
      outputs.push(pack ? { shape: n.shape, dtype: n.dtype, pack } : { shape: n.shape, dtype: n.dtype });
    } else {
      out = { kind: 'slot', index: takeSlot(slots, free, n.dtype, sizeOf(n.shape)) };
      slotOf.set(n, out.index);
    }
    refOf.set(n, out);
    return out;
  };

  groups.forEach((g, i) => {
    const inputs = g.inputs.map(refFor);
    const [first, ...extra] = g.outputs as [Node, ...Node[]];
    let out: Ref | null = null;
    let extraOuts: Ref[] = [];
    if (isView(g)) {
      out = { kind: 'view', step: i };
      refOf.set(first, out);
      viewSteps.push(i);
    } else {
      out = first.isEffect ? null : place(first);
      extraOuts = extra.map(place);
    }
    steps.push({
      def: g.def,
      attrs: g.attrs,
      inputs,
      inShapes: g.inputs.map((x) => x.shape),
      inDtypes: g.inputs.map((x) => x.dtype),
      outShape: first.shape,
      dtype: first.dtype,
      out,
      extraOuts,
      extraShapes: extra.map((n) => n.shape),
    });
    // Release scratch whose last reader has now run (after the outputs were placed: a
    // kernel must never write the buffer it is reading).
    const released = new Set<number>();
    for (const input of g.inputs) {
      const root = rootOf(input);
      const s = slotOf.get(root);
      if (s !== undefined && lastUse.get(root) === i && !released.has(s)) {
        released.add(s);
        free.push(s);
      }
    }
    for (const n of g.outputs) {
      const own = slotOf.get(n);
      if (own !== undefined && !lastUse.has(n)) free.push(own);
    }
  });
  return {
    id: nextPlanId++,
    steps,
    viewSteps,
    slots,
    outputs,
    packs,
    externals: [...extIndex.keys()].map((x) => ({ shape: x.shape, dtype: x.dtype })),
  };
}

/**
 * The outputs to place in packs: for each range an op reads as one (OpDef.gathers: a
 * multi-tensor step's gradients), when this plan computes every node of it as an output of
 * a kernel (not a view, not earlier work, in no other pack), one buffer holds them at the
 * range's offsets, so the step binds them where they lie. Otherwise the backend gathers.
 */
function packsOf(groups: Group[], isOutput: (n: Node) => boolean): { packAt: Map<Node, { index: number; offset: number }>; packs: number[] } {
  const computed = new Set<Node>();
  for (const g of groups) if (!isView(g)) for (const n of g.outputs) if (!n.isEffect) computed.add(n);
  const packAt = new Map<Node, { index: number; offset: number }>();
  const packs: number[] = [];
  for (const g of groups) {
    for (const r of g.def.gathers?.(g.inputs.length, g.attrs as never) ?? []) {
      const nodes = r.inputs.map((i) => g.inputs[i]!);
      if (new Set(nodes).size !== nodes.length || !nodes.every((n) => computed.has(n) && isOutput(n) && !packAt.has(n))) continue;
      const last = nodes.length - 1;
      packs.push(r.at[last]! + sizeOf(nodes[last]!.shape));
      nodes.forEach((n, j) => packAt.set(n, { index: packs.length - 1, offset: r.at[j]! }));
    }
  }
  return { packAt, packs };
}

/** Best fit among free slots of the same dtype; grow the largest one, or add a slot. */
function takeSlot(slots: { dtype: DType; size: number }[], free: number[], dtype: DType, size: number): number {
  let best = -1;
  for (let k = 0; k < free.length; k++) {
    const s = slots[free[k]!]!;
    if (s.dtype !== dtype) continue;
    if (best < 0) {
      best = k;
      continue;
    }
    const b = slots[free[best]!]!;
    const fits = s.size >= size;
    const bFits = b.size >= size;
    if ((fits && (!bFits || s.size < b.size)) || (!fits && !bFits && s.size > b.size)) best = k;
  }
  if (best < 0) {
    slots.push({ dtype, size });
    return slots.length - 1;
  }
  const slot = free.splice(best, 1)[0]!;
  slots[slot]!.size = Math.max(slots[slot]!.size, size);
  return slot;
}
