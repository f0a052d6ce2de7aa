// Canvas pictures for the MNIST page: a grid of digits with captions, and the confusion
// matrix as a 10x10 heatmap with its counts. Each draw counts as a chart update.
import { PIXELS, SIDE } from './mnist.ts';

export interface DigitTile {
  /** 784 bytes, 0 (black) .. 255 (white). */
  pixels: Uint8Array;
  caption: string;
  /** Caption colour: green for right, red for wrong, grey for plain. */
  tone?: 'right' | 'wrong' | 'plain';
}

const TONES = { right: '#145a25', wrong: '#b00020', plain: '#333' };

export class DigitGrid {
  readonly canvas: HTMLCanvasElement;
  constructor(
    parent: HTMLElement,
    private readonly id: string,
    private readonly columns = 8,
    private readonly scale = 2,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'digits';
    this.canvas.dataset.chart = id;
    parent.append(this.canvas);
    window.__chartUpdates[id] = 0;
  }

  draw(tiles: DigitTile[]): void {
    const cell = SIDE * this.scale;
    const captionH = 16;
    const rows = Math.max(1, Math.ceil(tiles.length / this.columns));
    this.canvas.width = this.columns * (cell + 6) + 6;
    this.canvas.height = rows * (cell + captionH + 6) + 6;
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const img = ctx.createImageData(SIDE, SIDE);
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = SIDE;
    const tctx = tmp.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    tiles.forEach((t, k) => {
      const x = 6 + (k % this.columns) * (cell + 6);
      const y = 6 + Math.floor(k / this.columns) * (cell + captionH + 6);
      // MNIST is white ink on black, as matplotlib's gray colormap shows it.
      for (let p = 0; p < PIXELS; p++) {
        const v = t.pixels[p]!;
        img.data[p * 4] = img.data[p * 4 + 1] = img.data[p * 4 + 2] = v;
        img.data[p * 4 + 3] = 255;
      }
      tctx.putImageData(img, 0, 0);
      ctx.drawImage(tmp, x, y, cell, cell);
      ctx.fillStyle = TONES[t.tone ?? 'plain'];
      ctx.font = '12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(t.caption, x + cell / 2, y + cell + 12);
    });
    window.__chartUpdates[this.id] = (window.__chartUpdates[this.id] ?? 0) + 1;
  }
}

/** confusion[true][predicted] as a white-to-blue heatmap with the counts written in. */
export class ConfusionHeatmap {
  readonly canvas: HTMLCanvasElement;
  private last: number[][] | null = null;
  private selected: [number, number] | null = null;
  constructor(
    parent: HTMLElement,
    private readonly id: string,
    private readonly cell = 38,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'confusion';
    this.canvas.dataset.chart = id;
    const margin = 46;
    this.canvas.width = margin + 10 * cell + 8;
    this.canvas.height = margin + 10 * cell + 8;
    // The geometry, for the tests that click a cell.
    this.canvas.dataset.margin = String(margin);
    this.canvas.dataset.cell = String(cell);
    parent.append(this.canvas);
    window.__chartUpdates[id] = 0;
  }

  /** Call `handler(true, predicted)` when a cell is clicked (the canvas may be drawn scaled). */
  onCellClick(handler: (label: number, pred: number) => void): void {
    this.canvas.style.cursor = 'pointer';
    this.canvas.addEventListener('click', (e) => {
      const rect = this.canvas.getBoundingClientRect();
      const x = ((e.clientX - rect.left) * this.canvas.width) / rect.width - 46;
      const y = ((e.clientY - rect.top) * this.canvas.height) / rect.height - 46;
      const p = Math.floor(x / this.cell);
      const t = Math.floor(y / this.cell);
      if (p >= 0 && p < 10 && t >= 0 && t < 10) handler(t, p);
    });
  }

  /** Outline one cell (true, predicted), or none. */
  select(cell: [number, number] | null): void {
    this.selected = cell;
    if (this.last) this.draw(this.last);
  }

  draw(confusion: number[][]): void {
    this.last = confusion;
    const { canvas, cell } = this;
    const n = confusion.length;
    const margin = 46;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    // Colour by share of the true class's row, so every row spans the same scale.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let t = 0; t < n; t++) {
      const total = confusion[t]!.reduce((a, b) => a + b, 0) || 1;
      for (let p = 0; p < n; p++) {
        const count = confusion[t]![p]!;
        const share = count / total;
        const s = Math.sqrt(share); // square root: small confusions stay visible
        ctx.fillStyle = `rgb(${Math.round(255 - 225 * s)}, ${Math.round(255 - 170 * s)}, ${Math.round(255 - 75 * s)})`;
        const x = margin + p * cell;
        const y = margin + t * cell;
        ctx.fillRect(x, y, cell, cell);
        ctx.fillStyle = s > 0.6 ? '#fff' : '#222';
        if (count > 0) ctx.fillText(String(count), x + cell / 2, y + cell / 2);
      }
    }
    ctx.strokeStyle = '#999';
    ctx.strokeRect(margin, margin, n * cell, n * cell);
    if (this.selected) {
      ctx.strokeStyle = '#d62728';
      ctx.lineWidth = 3;
      ctx.strokeRect(margin + this.selected[1] * cell + 1.5, margin + this.selected[0] * cell + 1.5, cell - 3, cell - 3);
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = '#222';
    ctx.font = '12px system-ui, sans-serif';
    for (let k = 0; k < n; k++) {
      ctx.fillText(String(k), margin + k * cell + cell / 2, margin - 10);
      ctx.fillText(String(k), margin - 12, margin + k * cell + cell / 2);
    }
    ctx.fillText('predicted', margin + (n * cell) / 2, 12);
    ctx.save();
    ctx.translate(12, margin + (n * cell) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('true', 0, 0);
    ctx.restore();
    window.__chartUpdates[this.id] = (window.__chartUpdates[this.id] ?? 0) + 1;
  }
}
