// Which realized tensors are views of which memory. A view (a reshape, a narrow of rows,
// a detach) is a run of its owner's memory: a result's or a variable's. The runtime keeps
// this registry (src/engine/lifetimes.ts realizeView); the plan reads it to refuse stale views.
import { Variable } from './ir.ts';
import type { Node } from './ir.ts';

/**
 * The realized views of each tensor's memory (a result or a variable): when that memory
 * goes (evicted, freed) they go with it, and when it moves (keep()) they follow it.
 */
export const viewsOfOwner = new WeakMap<Node | Variable, Set<Node>>();
/** A realized view's owner, where it starts, and (a variable's) the version it was made at. */
export const viewOwner = new WeakMap<Node, { owner: Node | Variable; offset: number; version: number }>();

/**
 * A realized view of a variable whose memory was since updated in place: a computation
 * recorded before the update must not run on the new values (as a leaf read at an older
 * version); a new op reads the view again, as it is now.
 */
export function staleView(node: Node): Variable | null {
  const v = viewOwner.get(node);
  if (!v) return null;
  if (v.owner instanceof Variable) return v.owner.version !== v.version ? v.owner : null;
  return v.owner.state === 'realized' ? staleView(v.owner) : null;
}

