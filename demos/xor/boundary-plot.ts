// Page code (DOM), not a lesson module: the decision-boundary picture with what a reader
// needs to read it, as the lesson's matplotlib panel has it: ticks on both axes, x₁ and x₂
// axis labels, a legend for the two classes and the boundary, and an "Epoch N" title.
// demos/ui's Heatmap draws only the bare field, contour and points on a canvas; this wraps
// that canvas in an SVG frame here (demos/ui is shared and is being changed elsewhere), using
// the same data-to-pixel mapping as Heatmap's points: range[0] at the canvas's left/bottom
// edge, range[1] at its right/top edge.
import { Heatmap, el } from '../ui/index.ts';
import type { Point } from '../ui/index.ts';

export interface BoundaryPlotOptions {
  /** The Heatmap's id: window.__chartUpdates[id] counts draws, as for every chart. */
  id: string;
  /** The square region shown, [min, max] on both axes. */
  range: [number, number];
  /** Tick values on both axes (within the range). */
  ticks: readonly number[];
  /** The field's side in CSS pixels. */
  size: number;
  /**
   * What the field is: the network's output (the default: 0 to 1, the 0.5 contour is the
   * decision boundary), or a hidden unit's tanh output, drawn as (h + 1) / 2 so that its
   * colours run from -1 to 1 and the contour is h = 0. `unit` names the unit ('h₁').
   */
  field?: { kind: 'output' } | { kind: 'hidden'; unit: string };
}

// The colours Heatmap gives the points (demos/ui/heatmap.ts), repeated for the legend.
const CLASS_COLORS = ['#0d47a1', '#b00020'] as const;
const SVG_NS = 'http://www.w3.org/2000/svg';
// Room around the field for tick labels and axis labels, in CSS pixels.
const MARGIN = { left: 56, right: 12, top: 8, bottom: 44 };
const TICK = 5;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A tick label as plots print it: a true minus sign for negatives. */
export function tickLabel(v: number): string {
  return v < 0 ? `\u2212${-v}` : String(v);
}

export class BoundaryPlot {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly heatmap: Heatmap;
  private readonly field: NonNullable<BoundaryPlotOptions['field']>;

  constructor(parent: HTMLElement, opts: BoundaryPlotOptions) {
    const { size, range, ticks } = opts;
    this.field = opts.field ?? { kind: 'output' };
    const hidden = this.field.kind === 'hidden' ? this.field.unit : null;
    const [lo, hi] = range;
    for (const t of ticks) if (!(t >= lo && t <= hi)) throw new Error(`BoundaryPlot: tick ${t} is outside the range [${lo}, ${hi}]`);
    this.title = el('div', { class: 'boundary-title', 'data-boundary-title': '' });
    const width = MARGIN.left + size + MARGIN.right;
    const height = MARGIN.top + size + MARGIN.bottom;
    const frame = el('div', { class: 'boundary-frame' });
    frame.style.cssText = `position: relative; width: ${width}px; height: ${height}px;`;
    this.heatmap = new Heatmap(frame, { id: opts.id, range, size });
    const canvas = this.heatmap.canvas;
    canvas.style.cssText = `position: absolute; left: ${MARGIN.left}px; top: ${MARGIN.top}px; width: ${size}px; height: ${size}px; border: none;`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', hidden ? `Hidden unit ${hidden} over the plane, its zero contour and the training points` : 'The network output over the plane, its 0.5 contour and the training points');

    const axes = svg('svg', { width, height, class: 'boundary-axes', 'aria-hidden': 'true' });
    axes.style.cssText = 'position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible;';
    const x0 = MARGIN.left;
    const y0 = MARGIN.top;
    const toX = (v: number): number => x0 + ((v - lo) / (hi - lo)) * size;
    const toY = (v: number): number => y0 + size - ((v - lo) / (hi - lo)) * size;
    axes.append(svg('rect', { x: x0 - 0.5, y: y0 - 0.5, width: size + 1, height: size + 1, fill: 'none', stroke: '#444', 'stroke-width': 1 }));
    for (const t of ticks) {
      const x = toX(t);
      const y = toY(t);
      axes.append(
        svg('line', { x1: x, x2: x, y1: y0 + size, y2: y0 + size + TICK, stroke: '#444', 'data-tick-x': t }),
        svg('text', { x, y: y0 + size + TICK + 13, 'text-anchor': 'middle', 'font-size': 12, fill: '#222', 'data-tick-label-x': t }, tickLabel(t)),
        svg('line', { x1: x0 - TICK, x2: x0, y1: y, y2: y, stroke: '#444', 'data-tick-y': t }),
        svg('text', { x: x0 - TICK - 3, y: y + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#222', 'data-tick-label-y': t }, tickLabel(t)),
      );
    }
    axes.append(
      svg('text', { x: x0 + size / 2, y: height - 6, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 600, fill: '#111', 'data-axis-label': 'x' }, 'x\u2081'),
      svg('text', { x: 14, y: y0 + size / 2 + 5, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 600, fill: '#111', 'data-axis-label': 'y' }, 'x\u2082'),
    );
    frame.append(axes);

    const swatch = (style: string): HTMLElement => {
      const s = el('span', { class: 'swatch' });
      s.style.cssText = `display: inline-block; vertical-align: middle; margin-right: 0.3em; ${style}`;
      return s;
    };
    const item = (mark: HTMLElement, text: string): HTMLElement => el('span', { class: 'legend-item' }, mark, text);
    const legend = el(
      'div',
      { class: 'boundary-legend', 'data-boundary-legend': '' },
      item(swatch(`width: 10px; height: 10px; border-radius: 50%; background: ${CLASS_COLORS[0]};`), 'Class 0'),
      item(swatch(`width: 10px; height: 10px; border-radius: 50%; background: ${CLASS_COLORS[1]};`), 'Class 1'),
      item(swatch('width: 18px; height: 0; border-top: 2px solid #111;'), hidden ? `${hidden} = 0` : 'decision boundary (output 0.5)'),
      // Heatmap's colours at 0, 0.5 and 1 of its scale.
      item(swatch('width: 36px; height: 10px; background: linear-gradient(to right, rgb(80,120,255), rgb(168,180,168), rgb(255,120,80));'), hidden ? `${hidden} \u22121 to 1` : 'output 0 to 1'),
    );
    legend.style.cssText = `display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; font-size: 0.85rem; max-width: ${width}px; padding-left: ${MARGIN.left}px; box-sizing: border-box;`;
    this.title.style.cssText = `font-weight: 600; text-align: center; width: ${width}px; padding-left: ${MARGIN.left - MARGIN.right}px; box-sizing: border-box;`;
    this.root = el('figure', { class: 'boundary-plot', 'data-boundary-plot': opts.id }, this.title, frame, legend);
    this.root.style.margin = '0';
    parent.append(this.root);
  }

  /**
   * Draw the field on the grid (as Heatmap.draw: the output, or a hidden unit's values in
   * [-1, 1]) and title it with the epoch it shows.
   */
  draw(values: ArrayLike<number>, n: number, points: Point[], epoch: number): void {
    if (this.field.kind === 'hidden') {
      this.heatmap.draw(Float32Array.from(values, (h) => (h + 1) / 2), n, points);
      this.title.textContent = `Hidden unit ${this.field.unit} (Epoch ${epoch})`;
      return;
    }
    this.heatmap.draw(values, n, points);
    this.title.textContent = `Decision boundary (Epoch ${epoch})`;
  }
}
