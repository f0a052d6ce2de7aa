// A canvas heatmap of a network's output over the plane, with the 0.5 contour (the
// decision boundary) and the data points on top.
export interface HeatmapOptions {
  id: string;
  size?: number;
  /** The square region shown, [min, max] on both axes. */
  range: [number, number];
}

export interface Point {
  x: number;
  y: number;
  label: number;
}

export class Heatmap {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    parent: HTMLElement,
    private readonly opts: HeatmapOptions,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = this.canvas.height = opts.size ?? 320;
    this.canvas.className = 'heatmap';
    this.canvas.dataset.chart = opts.id;
    parent.append(this.canvas);
    this.ctx = this.canvas.getContext('2d')!;
    window.__chartUpdates[opts.id] = 0;
  }

  /** Grid coordinates: n x n points spanning the range, row-major from the bottom row. */
  static grid(n: number, [lo, hi]: [number, number]): Float32Array {
    const g = new Float32Array(n * n * 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        g[(r * n + c) * 2] = lo + ((hi - lo) * c) / (n - 1);
        g[(r * n + c) * 2 + 1] = lo + ((hi - lo) * r) / (n - 1);
      }
    }
    return g;
  }

  /** `values` is the output on an n x n grid (as from grid(n)); drawn blue (0) to red (1). */
  draw(values: ArrayLike<number>, n: number, points: Point[]): void {
    const { ctx, canvas } = this;
    const [lo, hi] = this.opts.range;
    const w = canvas.width;
    const cell = w / n;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const v = Math.max(0, Math.min(1, values[r * n + c]!));
        ctx.fillStyle = `rgb(${Math.round(80 + 175 * v)}, ${Math.round(120 + 60 * (1 - Math.abs(v - 0.5) * 2))}, ${Math.round(80 + 175 * (1 - v))})`;
        ctx.fillRect(c * cell, w - (r + 1) * cell, cell + 1, cell + 1);
      }
    }
    // The 0.5 contour, by marching squares on cell edges (linear interpolation).
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.beginPath();
    const px = (c: number): number => (c + 0.5) * cell;
    const py = (r: number): number => w - (r + 0.5) * cell;
    for (let r = 0; r < n - 1; r++) {
      for (let c = 0; c < n - 1; c++) {
        const corners = [values[r * n + c]!, values[r * n + c + 1]!, values[(r + 1) * n + c + 1]!, values[(r + 1) * n + c]!];
        const pos = [
          [px(c), py(r)],
          [px(c + 1), py(r)],
          [px(c + 1), py(r + 1)],
          [px(c), py(r + 1)],
        ] as const;
        const cross: [number, number][] = [];
        for (let e = 0; e < 4; e++) {
          const a = corners[e]! - 0.5;
          const b = corners[(e + 1) % 4]! - 0.5;
          if (a < 0 !== b < 0) {
            const t = a / (a - b);
            const [x0, y0] = pos[e]!;
            const [x1, y1] = pos[(e + 1) % 4]!;
            cross.push([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]);
          }
        }
        for (let k = 0; k + 1 < cross.length; k += 2) {
          ctx.moveTo(cross[k]![0], cross[k]![1]);
          ctx.lineTo(cross[k + 1]![0], cross[k + 1]![1]);
        }
      }
    }
    ctx.stroke();
    const toX = (x: number): number => ((x - lo) / (hi - lo)) * w;
    const toY = (y: number): number => w - ((y - lo) / (hi - lo)) * w;
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(toX(p.x), toY(p.y), 4, 0, 2 * Math.PI);
      ctx.fillStyle = p.label ? '#b00020' : '#0d47a1';
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    window.__chartUpdates[this.opts.id] = (window.__chartUpdates[this.opts.id] ?? 0) + 1;
  }
}
