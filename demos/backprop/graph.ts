// Exercise 1's network as a computation graph: what each edge carries forward (a value) and
// backward (a gradient), and which of those the learner has earned the right to see. A label
// shows a number only for entries checked right (or after the solution is shown); the rest
// stay "?", so the graph fills in as the worksheet does and never gets ahead of it.
// No DOM here: graph-view.ts draws this, and the Node tests check it.
import { QUANTITIES } from './worked.ts';
import type { Quantity, QuantityValues, WorkedInputs } from './worked.ts';

/** Entries the learner has shown they know, as `${quantity}:${index}`. */
export type Known = ReadonlySet<string>;
export const entryKey = (q: Quantity, i: number): string => `${q}:${i}`;

/** Every entry of every quantity: what the solution makes known. */
export function allKnown(values: QuantityValues): Set<string> {
  return new Set(QUANTITIES.flatMap((q) => values[q].map((_, i) => entryKey(q, i))));
}

/** The entries a check marked right, added to those known before (known entries stay known). */
export function learn(known: Known, checks: readonly { key: Quantity; entries: readonly { ok: boolean | null }[] }[]): Set<string> {
  const out = new Set(known);
  for (const c of checks) c.entries.forEach((e, i) => e.ok === true && out.add(entryKey(c.key, i)));
  return out;
}

/** A number as the graph shows it: four significant digits, no trailing zeros, a true minus sign. */
export function formatGraphNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`formatGraphNumber: expected a finite number, got ${v}`);
  const s = String(Number(v.toPrecision(4)));
  return s === '-0' || s === '0' ? '0' : s.replace(/^-/, '\u2212');
}

export interface GraphLabel {
  /** The quantity shown, or null for a given input (x, W1, W2). */
  key: Quantity | null;
  /** Plain-text name, e.g. "∂L/∂z1". */
  name: string;
  /** "name = value", with "?" for each entry not known yet. */
  text: string;
  /** Every entry of it is shown. */
  complete: boolean;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  /** What flows forward along the edge: the value of its source. */
  forward: GraphLabel;
  /** What flows back: the gradient of the loss at its source (none for the data x). */
  backward: GraphLabel | null;
  /** The local derivative of the target with respect to the source, where it is a factor the worksheet asks for. */
  local: GraphLabel | null;
}

export interface GraphNode {
  id: string;
  /** What the node computes from its inputs. */
  op: string;
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The loss, shown on the L node. */
  loss: GraphLabel;
}

export const GRAPH_NODES: readonly GraphNode[] = [
  { id: 'x', op: 'input' },
  { id: 'W1', op: 'weight' },
  { id: 'z1', op: 'x\u00b7W1' },
  { id: 'h', op: 'relu' },
  { id: 'W2', op: 'weight' },
  { id: 'z2', op: 'h\u00b7W2\u1d40' },
  { id: 'p', op: 'sigmoid' },
  { id: 'L', op: 'BCE' },
];

const NAMES: Record<Quantity, string> = {
  z1: 'z1',
  h: 'h',
  z2: 'z2',
  p: 'p',
  loss: 'L',
  dL_dp: '\u2202L/\u2202p',
  dp_dz2: '\u2202p/\u2202z2',
  dL_dz2: '\u2202L/\u2202z2',
  dW2: '\u2202L/\u2202W2',
  dL_dh: '\u2202L/\u2202h',
  dh_dz1: '\u2202h/\u2202z1',
  dL_dz1: '\u2202L/\u2202z1',
  dW1: '\u2202L/\u2202W1',
};

const list = (items: string[]): string => (items.length === 1 ? items[0]! : `[${items.join(', ')}]`);
/** dW1 and W1 are 2 x 2, row-major as the worksheet types them. */
const shaped = (items: string[]): string => (items.length === 4 ? `[${list(items.slice(0, 2))}, ${list(items.slice(2))}]` : list(items));

function label(q: Quantity, values: QuantityValues, known: Known): GraphLabel {
  const v = values[q];
  const shown = v.map((x, i) => (known.has(entryKey(q, i)) ? formatGraphNumber(x) : '?'));
  return { key: q, name: NAMES[q], text: `${NAMES[q]} = ${shaped(shown)}`, complete: shown.every((s) => s !== '?') };
}

function given(name: string, v: number[]): GraphLabel {
  return { key: null, name, text: `${name} = ${shaped(v.map(formatGraphNumber))}`, complete: true };
}

/**
 * The graph's labels for one problem. `values` are the true values of every quantity (the
 * hand calculation's); only the entries in `known` are shown.
 */
export function graphModel(inp: WorkedInputs, values: QuantityValues, known: Known): GraphModel {
  const q = (k: Quantity): GraphLabel => label(k, values, known);
  return {
    nodes: [...GRAPH_NODES],
    edges: [
      { id: 'x-z1', from: 'x', to: 'z1', forward: given('x', inp.x), backward: null, local: null },
      { id: 'W1-z1', from: 'W1', to: 'z1', forward: given('W1', inp.W1.flat()), backward: q('dW1'), local: null },
      { id: 'z1-h', from: 'z1', to: 'h', forward: q('z1'), backward: q('dL_dz1'), local: q('dh_dz1') },
      { id: 'h-z2', from: 'h', to: 'z2', forward: q('h'), backward: q('dL_dh'), local: null },
      { id: 'W2-z2', from: 'W2', to: 'z2', forward: given('W2', inp.W2), backward: q('dW2'), local: null },
      { id: 'z2-p', from: 'z2', to: 'p', forward: q('z2'), backward: q('dL_dz2'), local: q('dp_dz2') },
      { id: 'p-L', from: 'p', to: 'L', forward: q('p'), backward: q('dL_dp'), local: null },
    ],
    loss: q('loss'),
  };
}
