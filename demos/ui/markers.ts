// Marker shapes for scatter series (uPlot draws round points only): a `points.paths`
// builder per shape, uPlot's documented hook for custom points.
import uPlot from 'uplot';

export type Marker = 'circle' | 'square' | 'triangle' | 'plus';

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

export function markerPaths(marker: Marker): uPlot.Series.Points.PathBuilder {
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
