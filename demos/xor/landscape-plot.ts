// Page code (DOM): one loss-landscape panel. The loss over a grid of two weights as a canvas
// heatmap (log scale: the loss spans orders of magnitude between a plateau and a valley),
// SVG axes in the weights' own values, and a training path on top (start: open circle,
// end: filled). Not demos/ui's Heatmap: that one draws outputs in [0, 1] with a 0.5 contour,
// which means nothing for a loss.
import { el } from '../ui/index.ts';
import { tickLabel } from './boundary-plot.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = { left: 56, right: 12, top: 8, bottom: 44 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// A perceptually ordered dark-to-light scale (viridis' ends and middle): low loss dark.
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
export function lossColor(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return `rgb(${[0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!))).join(', ')})`;
}

/** Round tick values (1, 2 or 5 times a power of ten) inside [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface LandscapeDraw {
  /** n x n losses, row-major from the bottom row (weight a along x, weight b along y). */
  losses: ArrayLike<number>;
  n: number;
  xRange: [number, number];
  yRange: [number, number];
  xLabel: string;
  yLabel: string;
  /** The log-loss interval the colours span (shared by the panels, so they compare). */
  logRange: [number, number];
  path: [number, number][];
  title: string;
}

export class LandscapePlot {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly axes: SVGSVGElement;
  private readonly title: HTMLElement;
  private readonly caption: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly id: string,
    private readonly size = 320,
  ) {
    const width = MARGIN.left + size + MARGIN.right;
    const height = MARGIN.top + size + MARGIN.bottom;
    this.title = el('div', { class: 'landscape-title', 'data-landscape-title': '' });
    this.title.style.cssText = `font-weight: 600; text-align: center; width: ${width}px; padding-left: ${MARGIN.left - MARGIN.right}px; box-sizing: border-box;`;
    const frame = el('div', { class: 'landscape-frame' });
    frame.style.cssText = `position: relative; width: ${width}px; height: ${height}px;`;
    this.canvas = el('canvas', { 'data-chart': id, role: 'img', 'aria-label': 'The loss over two weights, and the path a training run took' });
    this.canvas.width = this.canvas.height = size;
    this.canvas.style.cssText = `position: absolute; left: ${MARGIN.left}px; top: ${MARGIN.top}px; width: ${size}px; height: ${size}px;`;
    this.axes = svg('svg', { width, height, 'data-landscape-axes': '' });
    this.axes.style.cssText = 'position: absolute; left: 0; top: 0; overflow: visible;';
    frame.append(this.canvas, this.axes);
    this.caption = el('div', { class: 'landscape-caption', 'data-landscape-caption': '' });
    this.caption.style.cssText = `font-size: 0.85rem; max-width: ${width}px; padding-left: ${MARGIN.left}px; box-sizing: border-box;`;
    this.root = el('figure', { class: 'landscape-plot', 'data-landscape-plot': id }, this.title, frame, this.caption);
    this.root.style.margin = '0';
    parent.append(this.root);
    window.__chartUpdates[id] = 0;
  }

  draw(d: LandscapeDraw): void {
    const { size } = this;
    const ctx = this.canvas.getContext('2d')!;
    const cell = size / d.n;
    const [l0, l1] = d.logRange;
    for (let r = 0; r < d.n; r++) {
      for (let c = 0; c < d.n; c++) {
        ctx.fillStyle = lossColor((Math.log(d.losses[r * d.n + c]!) - l0) / (l1 - l0 || 1));
        ctx.fillRect(c * cell, size - (r + 1) * cell, cell + 1, cell + 1);
      }
    }
    // Grid values sit at cell centres: value k of n at (k + 0.5) / n of the side.
    const span = (range: [number, number], v: number): number => (((v - range[0]) / (range[1] - range[0])) * (d.n - 1) + 0.5) / d.n;
    const toX = (v: number): number => MARGIN.left + span(d.xRange, v) * size;
    const toY = (v: number): number => MARGIN.top + size - span(d.yRange, v) * size;
    const a = this.axes;
    a.replaceChildren(svg('rect', { x: MARGIN.left - 0.5, y: MARGIN.top - 0.5, width: size + 1, height: size + 1, fill: 'none', stroke: '#444' }));
    for (const t of niceTicks(...d.xRange)) {
      const x = toX(t);
      a.append(svg('line', { x1: x, x2: x, y1: MARGIN.top + size, y2: MARGIN.top + size + 5, stroke: '#444' }), svg('text', { x, y: MARGIN.top + size + 18, 'text-anchor': 'middle', 'font-size': 12, 'data-tick-label-x': t }, tickLabel(t)));
    }
    for (const t of niceTicks(...d.yRange)) {
      const y = toY(t);
      a.append(svg('line', { x1: MARGIN.left - 5, x2: MARGIN.left, y1: y, y2: y, stroke: '#444' }), svg('text', { x: MARGIN.left - 8, y: y + 4, 'text-anchor': 'end', 'font-size': 12, 'data-tick-label-y': t }, tickLabel(t)));
    }
    a.append(
      svg('text', { x: MARGIN.left + size / 2, y: MARGIN.top + size + 38, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 600, 'data-axis-label': 'x' }, d.xLabel),
      svg('text', { x: 14, y: MARGIN.top + size / 2, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 600, transform: `rotate(-90 14 ${MARGIN.top + size / 2})`, 'data-axis-label': 'y' }, d.yLabel),
    );
    const pts = d.path.map(([x, y]) => `${toX(x).toFixed(2)},${toY(y).toFixed(2)}`).join(' ');
    const [sx, sy] = d.path[0]!;
    const [ex, ey] = d.path.at(-1)!;
    a.append(
      svg('polyline', { points: pts, fill: 'none', stroke: '#fff', 'stroke-width': 2.5, 'data-path': this.id, 'data-steps': d.path.length - 1, 'data-end-x': ex, 'data-end-y': ey }),
      svg('circle', { cx: toX(sx), cy: toY(sy), r: 5, fill: 'none', stroke: '#fff', 'stroke-width': 2, 'data-path-start': '' }),
      svg('circle', { cx: toX(ex), cy: toY(ey), r: 5, fill: '#e8173d', stroke: '#fff', 'stroke-width': 1.5, 'data-path-end': '' }),
    );
    this.title.textContent = d.title;
    this.caption.textContent = `Colour: log loss, dark ${Math.exp(l0).toPrecision(3)} to light ${Math.exp(l1).toPrecision(3)}. Open circle: start; red: after ${d.path.length - 1} epochs, ${d.xLabel} = ${ex.toFixed(4)}, ${d.yLabel} = ${ey.toFixed(4)}.`;
    window.__chartUpdates[this.id] = (window.__chartUpdates[this.id] ?? 0) + 1;
  }
}
