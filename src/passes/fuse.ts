// The fusion pass: between the schedule and the plan, patterns of the recorded graph become
// one kernel each (src/ops/fused.ts). It looks at ops, not at how they were made, so a
// hand-written forward (F.relu(fc1.forward(x))) fuses as nn.Sequential does. A node is
// folded into a kernel only when nothing else reads it and nothing can observe it (not an
// exposed result, not being read): its value then exists only inside the kernel. Fused
// kernels compute what the ops they replace compute (on the CPU, bit for bit).
import { sizeOf } from '../shape.ts';
import type { OpDef } from '../ops/define.ts';
import { linearDef, matmulDef } from '../ops/matmul.ts';
import type { LinearActivation, MatmulAttrs } from '../ops/matmul.ts';
import { leakyReluBackwardDef, reluBackwardDef, sigmoidBackwardDef, tanhBackwardDef } from '../ops/unary.ts';
import { leakyRelu, relu, sigmoid, tanh } from '../ops/unary-ops.ts';
import type { ActBackward } from '../ops/fused.ts';
import { linearParamGradDef, linearPreDef, matmulActBackwardDef, softmaxCrossEntropyFusedDef } from '../ops/fused.ts';
import { sumDef } from '../ops/reduce.ts';
import { softmaxCrossEntropyBackwardDef, softmaxCrossEntropyDef } from '../ops/loss.ts';
import type { Node } from '../graph/ir.ts';
import { single } from '../graph/plan.ts';
import type { Group } from '../graph/plan.ts';

/** The fused loss kernel is one workgroup: above this many logits the two ops are faster. */
export const FUSED_XENT_MAX = 1 << 14;

const ACTIVATIONS = new Map<OpDef<any>, LinearActivation>([
  [relu.op, 'relu'],
  [sigmoid.op, 'sigmoid'],
  [tanh.op, 'tanh'],
  [leakyRelu.op, 'leakyRelu'],
]);
const BACKWARDS = new Map<OpDef<any>, ActBackward>([
  [reluBackwardDef, 'reluBackward'],
  [sigmoidBackwardDef, 'sigmoidBackward'],
  [tanhBackwardDef, 'tanhBackward'],
  [leakyReluBackwardDef, 'leakyReluBackward'],
]);

let enabled = true;

/** Turn fusion off (or back on): for tests that compare fused and unfused plans, and for debugging. */
export function setFusion(on: boolean): void {
  enabled = on;
}

/** Group a schedule into kernels; `isOutput` says which nodes must be kept (never folded away). */
export function fuse(order: Node[], isOutput: (n: Node) => boolean): Group[] {
  const pos = new Map<Node, number>();
  order.forEach((n, i) => pos.set(n, i));
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    for (const x of new Set(n.inputs)) {
      const list = readers.get(x);
      if (list) list.push(n);
      else readers.set(x, [n]);
    }
  }
  const groups: (Group | null)[] = order.map((n) => {
    if (!n.extraOf) return single(n);
    if (!pos.has(n.extraOf.node)) throw new Error(`${n.opName}: its op was computed without it; it cannot be computed alone`);
    return null;
  });

  // A multi-output op computes its extra outputs in the same kernel.
  order.forEach((n, i) => {
    if (n.extras) groups[i]!.outputs = [n, ...n.extras];
  });
  if (!enabled) return groups.filter((g): g is Group => g !== null);

  const unfused = (n: Node | undefined): n is Node => n !== undefined && pos.has(n) && groups[pos.get(n)!]?.members.length === 1 && !n.extras && !n.extraOf;
  /** Only `reader` reads it and nothing observes it: it can live inside `reader`'s kernel. */
  const privateTo = (n: Node, reader: Node): boolean => unfused(n) && !isOutput(n) && readers.get(n)?.length === 1 && readers.get(n)![0] === reader;
  /** Nothing scheduled between `n` and position `at` reads `n`: it can move to `at`. */
  const movable = (n: Node, at: number): boolean => (readers.get(n) ?? []).every((r) => pos.get(r)! >= at);
  const replace = (at: number, group: Group): void => {
    for (const m of group.members) groups[pos.get(m)!] = null;
    groups[at] = group;
  };

  order.forEach((n, i) => {
    if (!unfused(n)) return;
    const def = n.def;
    const [x0, x1] = n.inputs;
    // act(linear(x, W, b)) -> linear with the activation as its epilogue; the linear
    // layer's own result is stored too when something may still read it (a forward written
    // by hand hands it to the program).
    const act = def ? ACTIVATIONS.get(def) : undefined;
    const alpha = (n.attrs.alpha as number | undefined) ?? 0;
    // (The fused leaky ReLU takes a slope >= 0, as linear's gradient rule needs.)
    if (act && alpha >= 0 && x0?.def === linearDef && x0.attrs.act === 'none' && unfused(x0) && movable(x0, i)) {
      const attrs = { act, alpha };
      if (privateTo(x0, n)) replace(i, { def: linearDef, attrs, scalars: [], inputs: x0.inputs, outputs: [n], members: [x0, n] });
      else replace(i, { def: linearPreDef, attrs, scalars: [], inputs: x0.inputs, outputs: [n, x0], members: [x0, n] });
      return;
    }
    // act'(saved, A @ B) -> the product with the activation's backward as its epilogue.
    const back = def ? BACKWARDS.get(def) : undefined;
    if (back && x1?.def === matmulDef && privateTo(x1, n)) {
      const mm = x1.attrs as unknown as MatmulAttrs;
      replace(i, {
        def: matmulActBackwardDef,
        attrs: { transA: mm.transA, transB: mm.transB, act: back, alpha: (n.attrs.alpha as number | undefined) ?? 0 },
        scalars: [],
        inputs: [...x1.inputs, x0!],
        outputs: [n],
        members: [x1, n],
      });
      return;
    }
    // gᵀx and sum(g, 0), in either order -> one product with a column of ones.
    const partner = paramGradPartner(n, readers, unfused);
    if (partner && pos.get(partner)! < i && movable(partner, i)) {
      const [mm, sum] = n.def === matmulDef ? [n, partner] : [partner, n];
      replace(i, { def: linearParamGradDef, attrs: {}, scalars: [], inputs: mm.inputs, outputs: [mm, sum], members: [partner, n] });
      return;
    }
    // The loss and its gradient -> one pass over the logits.
    if (def === softmaxCrossEntropyBackwardDef && sizeOf(n.shape) <= FUSED_XENT_MAX) {
      const loss = (readers.get(x0!) ?? []).find((r) => r.def === softmaxCrossEntropyDef && r.inputs[1] === x1 && unfused(r));
      if (loss && pos.get(loss)! < i && movable(loss, i)) {
        replace(i, { def: softmaxCrossEntropyFusedDef, attrs: {}, scalars: [], inputs: n.inputs, outputs: [n, loss], members: [loss, n] });
      }
    }
  });
  return groups.filter((g): g is Group => g !== null);
}

/** For gᵀx (a 2-D matmul with transA) or sum(g, axis 0) of a 2-D g: the other one, if scheduled. */
function paramGradPartner(n: Node, readers: Map<Node, Node[]>, unfused: (n: Node) => boolean): Node | undefined {
  const isProduct = (m: Node): boolean => {
    if (m.def !== matmulDef) return false;
    const a = m.attrs as unknown as MatmulAttrs;
    return a.transA && !a.transB && m.inputs[0]!.shape.length === 2 && m.inputs[1]!.shape.length === 2;
  };
  const isColumnSum = (m: Node): boolean =>
    m.def === sumDef && m.inputs[0]!.shape.length === 2 && m.attrs.keepdim === false && (m.attrs.axes as number[]).length === 1 && (m.attrs.axes as number[])[0] === 0;
  let wanted: (m: Node) => boolean;
  if (isProduct(n)) wanted = isColumnSum;
  else if (isColumnSum(n)) wanted = isProduct;
  else return undefined;
  const g = n.inputs[0]!;
  return (readers.get(g) ?? []).find((m) => m !== n && m.inputs[0] === g && wanted(m) && unfused(m));
}
