// A small wrapper over uPlot: line or scatter series, live appends, optional log scale.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { markerPaths } from './markers.ts';
import type { Marker } from './markers.ts';
import { formatLogTick } from './ticks.ts';
import { markChartPoint } from './cold-start.ts';

declare global {
  interface Window {
    /** Each chart by id, so tests can feed one data and read what it shows. */
    __charts: Record<string, Chart>;
    /** The y-axis tick labels each log chart last drew, by chart id. */
    __chartTicks: Record<string, string[]>;
  }
}
window.__charts ??= {};
window.__chartTicks ??= {};

export interface SeriesSpec {
  label: string;
  color?: string;
  /** Points instead of a line (scatter), with this marker size. */
  points?: number;
  /** The points' shape (round by default); `fill` colours the inside of closed shapes. */
  marker?: Marker;
  fill?: string;
  /** Outline width of the markers, in CSS pixels. */
  markerWidth?: number;
  dash?: number[];
}

export interface ChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  logY?: boolean;
  /** A fixed y range (e.g. [0, 1] for a share), instead of fitting the data. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export class Chart {
  readonly plot: uPlot;
  private xs: number[] = [];
  private ys: (number | null)[][];

  constructor(
    parent: HTMLElement,
    private readonly opts: ChartOptions,
  ) {
    this.ys = opts.series.map(() => []);
    const holder = document.createElement('div');
    holder.className = 'chart';
    holder.dataset.chart = opts.id;
    parent.append(holder);
    this.plot = new uPlot(
      {
        title: opts.title,
        width: opts.width ?? 520,
        height: opts.height ?? 280,
        scales: { x: { time: false }, y: { ...(opts.logY ? { distr: 3 } : {}), ...(opts.yRange ? { range: opts.yRange } : {}) } },
        axes: [
          { label: opts.xLabel },
          opts.logY
            ? {
                label: opts.yLabel,
                values: (_u: uPlot, splits: number[]) => {
                  const labels = splits.map(formatLogTick);
                  window.__chartTicks[opts.id] = labels.filter((l) => l !== '');
                  return labels;
                },
              }
            : { label: opts.yLabel },
        ],
        series: [
          { label: opts.xLabel },
          ...opts.series.map((s, i) => {
            const color = s.color ?? PALETTE[i % PALETTE.length]!;
            if (!s.points) return { label: s.label, stroke: color, width: 2, dash: s.dash };
            const points: uPlot.Series.Points = { show: true, size: s.points, stroke: color, fill: s.fill ?? color, width: s.markerWidth ?? 1 };
            if (s.marker && s.marker !== 'circle') points.paths = markerPaths(s.marker);
            return { label: s.label, stroke: color, width: 0, points };
          }),
        ],
        legend: { show: true },
      },
      [[], ...opts.series.map(() => [])],
      holder,
    );
    window.__chartUpdates[opts.id] = 0;
    window.__charts[opts.id] = this;
  }

  /** Replace all data. A log scale cannot show values <= 0: they are left out. */
  setData(xs: number[], ys: (number | null)[][]): void {
    this.xs = [...xs];
    this.ys = ys.map((s) => [...s]);
    this.redraw();
  }

  /** Add one x with a value per series (null for a gap). */
  append(x: number, values: (number | null)[]): void {
    this.xs.push(x);
    values.forEach((v, i) => this.ys[i]!.push(v));
    this.redraw();
  }

  reset(): void {
    this.setData([], this.opts.series.map(() => []));
  }

  private redraw(): void {
    const ys = this.opts.logY ? this.ys.map((s) => s.map((v) => (v !== null && v > 0 ? v : null))) : this.ys;
    this.plot.setData([this.xs, ...ys] as uPlot.AlignedData);
    window.__chartUpdates[this.opts.id] = (window.__chartUpdates[this.opts.id] ?? 0) + 1;
    if (ys.some((s) => s.some((v) => v !== null))) markChartPoint(this.plot.root, this.opts.id);
  }
}
