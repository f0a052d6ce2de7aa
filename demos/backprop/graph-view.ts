// Draws graph.ts's model as plain DOM: the chain x -> z1 -> h -> z2 -> p -> L in a row, the
// weights W1 and W2 above the nodes they feed. Each edge says what flows forward (above its
// arrow) and what flows back (below), so the page's text holds exactly what the model shows.
import { el } from '../ui/index.ts';
import type { GraphEdge, GraphLabel, GraphModel } from './graph.ts';

const CHAIN = ['x', 'z1', 'h', 'z2', 'p', 'L'] as const;
/** The weight feeding each node from above. */
const WEIGHTS: Record<string, string> = { z1: 'W1', z2: 'W2' };

/** "prefix name =" may wrap; the value after it stays on one line, brackets and all. */
function labelEl(cls: string, l: GraphLabel, prefix = ''): HTMLElement {
  const cut = l.text.indexOf(' = ');
  return el(
    'div',
    { class: `${cls} ${l.complete ? 'known' : 'unknown'}`, ...(l.key ? { 'data-q': l.key } : {}) },
    el('span', { class: 'nm' }, `${prefix}${l.text.slice(0, cut)} =`),
    ' ',
    el('span', { class: 'val' }, l.text.slice(cut + 3)),
  );
}

function edgeEl(e: GraphEdge, vertical: boolean): HTMLElement {
  const parts: HTMLElement[] = [labelEl('fwd', e.forward), el('div', { class: 'arrow', 'aria-hidden': 'true' }, vertical ? '\u2193' : '\u27f6')];
  if (e.local) parts.push(labelEl('local', e.local, 'local '));
  parts.push(e.backward ? labelEl('bwd', e.backward, vertical ? '\u2191 ' : '\u27f5 ') : el('div', { class: 'bwd none' }, 'no gradient needed (data)'));
  return el('div', { class: `edge${vertical ? ' vertical' : ''}`, 'data-edge': e.id }, ...parts);
}

function nodeEl(m: GraphModel, id: string): HTMLElement {
  const op = m.nodes.find((n) => n.id === id)!.op;
  const box = el('div', { class: 'node', 'data-node': id }, el('strong', {}, id), el('span', { class: 'op' }, op));
  if (id === 'L') box.append(labelEl('value', m.loss));
  return box;
}

/** Replace `holder`'s content with the graph. */
export function drawGraph(holder: HTMLElement, m: GraphModel): void {
  const edge = (from: string, to: string): GraphEdge => m.edges.find((e) => e.from === from && e.to === to)!;
  const top = el('div', { class: 'graph-row weights' });
  const chain = el('div', { class: 'graph-row chain' });
  CHAIN.forEach((id, i) => {
    const w = WEIGHTS[id];
    // Chain node i sits in grid column 2i + 1, edges between; a weight spans its node's column
    // and the edge columns on either side, so it sits right above the node it feeds.
    if (w) top.append(el('div', { class: 'weight-col', style: `grid-column: ${2 * i} / ${2 * i + 3}` }, nodeEl(m, w), edgeEl(edge(w, id), true)));
    if (i > 0) chain.append(edgeEl(edge(CHAIN[i - 1]!, id), false));
    chain.append(nodeEl(m, id));
  });
  holder.replaceChildren(top, chain);
}
