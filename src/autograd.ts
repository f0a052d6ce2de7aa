// Reverse-mode autodiff over the recorded graph. Each op's gradient rule emits ordinary
// graph nodes, so the backward pass is lazy too: it runs in the same flush as the
// optimizer update that consumes it.
import type { Node } from './graph/ir.ts';
import { isDifferentiable } from './ops/define.ts';
import { fmt, sameShape } from './shape.ts';
import { expose, internal, noGrad, tensors } from './engine/recorder.ts';
import type { GradOps } from './ops/define.ts';
// Type-only: tensor.ts imports this module, so the class itself comes from the engine.
import type { Tensor } from './tensor.ts';

/**
 * The ops backward() records beyond the rules' own, from the op families above this layer
 * (Tensor.backward passes them, as src/install.ts gave them to it).
 */
export interface BackwardOps {
  /** Accumulates two contributions to one gradient. */
  add(a: Tensor, b: Tensor): Tensor;
  /** The implied gradient of a one-element output: ones. */
  constant(shape: readonly number[], value: number): Tensor;
  /** A copy, so that a leaf's .grad is not the memory of the gradient it came from. */
  copy(x: Tensor): Tensor;
  /** What gradient rules get as `ops`: the functions users call (src/ops/api.ts). */
  grad: GradOps;
}

export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

/** Nodes that need a gradient, inputs before users (iterative: deep nets must not overflow). */
function gradOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>([root]);
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, i] = top;
    if (i === 0 && node.gradFreed) {
      throw new Error(
        `backward: trying to go through the graph a second time (${node.opName} ${fmt(node.shape)} was released by an earlier backward); ` +
          `run the forward pass again, or pass { retainGraph: true } to the first backward`,
      );
    }
    if (i < node.inputs.length) {
      top[1] = i + 1;
      const child = node.inputs[i]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
      continue;
    }
    stack.pop();
    order.push(node);
  }
  return order;
}

/** loss.backward(): accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad. */
export function backward(root: Tensor, gradient: Tensor | undefined, opts: BackwardOptions, ops: BackwardOps): void {
  const { add, constant, copy } = ops;
  root.assertUsable('backward');
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${fmt(root.shape)} does not require grad: no input requires grad, or it was computed under noGrad`);
  }
  if (gradient === undefined && root.size !== 1) {
    throw new Error(`backward: a gradient can be implied only for a one-element output; tensor ${fmt(root.shape)} needs backward(gradient)`);
  }
  if (gradient !== undefined && !tensors().isTensor(gradient)) {
    throw new Error(`backward: gradient must be a Tensor of shape ${fmt(root.shape)}, got ${gradient === null ? 'null' : typeof gradient}`);
  }
  if (gradient !== undefined && gradient.dtype !== 'float32') {
    throw new Error(`backward: gradient ${fmt(gradient.shape)} is ${gradient.dtype}; it must be float32 like the output ${fmt(root.shape)} (cast it with .float())`);
  }
  if (gradient !== undefined && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient ${fmt(gradient.shape)} does not match the output ${fmt(root.shape)}`);
  }
  const rootNode = root.node;
  const order = gradOrder(rootNode);
  const backendName = root.backendName;
  const wrap = (n: Node): Tensor => tensors().fromNode(n, backendName);
  const grads = new Map<Node, Tensor>();

  noGrad(() =>
    internal(() => {
      grads.set(rootNode, gradient ? gradient.detach() : constant(root.shape, 1));
      for (let k = order.length - 1; k >= 0; k--) {
        const node = order[k]!;
        const g = grads.get(node);
        if (!g) continue;
        grads.delete(node);
        if (node.isLeaf) {
          const owner = tensors().ownerOf(node);
          if (owner) {
            // A .grad is the user's to change in place: never hand out a shared constant.
            const own = g.variable ? copy(g) : g;
            owner.grad = owner.grad ? add(owner.grad, own) : own;
            expose(owner.grad);
          }
          continue;
        }
        const def = node.def!;
        if (!isDifferentiable(def)) continue;
        const inputs = node.inputs.map(wrap);
        const needsGrad = node.inputs.map((x, i) => x.requiresGrad && !(def.nondiff ?? []).includes(i));
        const parts = def.grad({ g, inputs, out: wrap(node), attrs: node.attrs as never, scalars: node.scalars, needsGrad, ops: ops.grad });
        parts.forEach((gi, i) => {
          const input = node.inputs[i]!;
          if (!gi || !input.requiresGrad || (def.nondiff ?? []).includes(i)) return;
          if (!sameShape(gi.shape, input.shape)) {
            throw new Error(`backward: the gradient rule of ${def.name} gave ${fmt(gi.shape)} for input ${i} of shape ${fmt(input.shape)} (a bug in the rule)`);
          }
          const prev = grads.get(input);
          // A node used twice receives both contributions.
          grads.set(input, prev ? add(prev, gi) : gi);
        });
      }
    }),
  );

  if (!opts.retainGraph) {
    for (const node of order) {
      if (node.isLeaf) continue;
      node.gradFreed = true;
      if (node.state === 'realized') node.inputs = [];
    }
  }
}
