// Marker shapes for a scatter Chart (uPlot draws round points only). The shared Chart has
// no marker option, so after building it we give each points series its own
// `points.paths` builder, uPlot's documented hook for custom points, and redraw.
import uPlot from 'uplot';
import type { Chart } from '../ui/index.ts';

export type Marker = 'circle' | 'square' | 'triangle' | 'plus';

export interface MarkerStyle {
  marker: Marker;
  /** Outline (and the plus's strokes). */
  stroke: string;
  /** Inside of closed shapes; ignored for the plus. */
  fill: string;
  /** Line width in CSS pixels. */
  width: number;
}

function addMarker(path: Path2D, marker: Marker, x: number, y: number, r: number): void {
  switch (marker) {
    case 'circle':
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'square': {
      const h = r * 0.85; // a square of the circle's area looks the same size
      path.rect(x - h, y - h, 2 * h, 2 * h);
      break;
    }
    case 'triangle':
      path.moveTo(x, y - r);
      path.lineTo(x + r * 0.95, y + r * 0.7);
      path.lineTo(x - r * 0.95, y + r * 0.7);
      path.closePath();
      break;
    case 'plus':
      path.moveTo(x - r, y);
      path.lineTo(x + r, y);
      path.moveTo(x, y - r);
      path.lineTo(x, y + r);
      break;
  }
}

function markerPaths(marker: Marker): uPlot.Series.Points.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const size = (u.series[seriesIdx]!.points?.size ?? 8) * uPlot.pxRatio;
    const xs = u.data[0];
    const ys = u.data[seriesIdx]!;
    const path = new Path2D();
    for (let i = idx0; i <= idx1; i++) {
      const y = ys[i];
      if (y === null || y === undefined) continue;
      addMarker(path, marker, u.valToPos(xs[i]!, 'x', true), u.valToPos(y, 'y', true), size / 2);
    }
    // Let markers on the plot's edge show whole, as uPlot's own points do.
    const { left, top, width, height } = u.bbox;
    const clip = new Path2D();
    clip.rect(left - size, top - size, width + 2 * size, height + 2 * size);
    return { stroke: path, fill: marker === 'plus' ? null : path, clip, flags: 0 };
  };
}

/**
 * Give series i of the chart (0 = first data series) style i; the next setData draws them.
 * (No redraw here: called right after the chart is made, before uPlot has sized its axes,
 * a redraw throws inside uPlot.)
 */
export function applyMarkers(chart: Chart, styles: MarkerStyle[]): void {
  styles.forEach((st, i) => {
    const points = chart.plot.series[i + 1]!.points!;
    points.paths = markerPaths(st.marker);
    // uPlot calls these per redraw (it wraps plain values in functions at creation).
    points.stroke = () => st.stroke;
    points.fill = () => st.fill;
    points.width = st.width;
  });
}
