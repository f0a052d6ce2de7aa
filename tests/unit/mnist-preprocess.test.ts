// The MNIST framing of a drawn digit (demos/mnist/preprocess.ts) on small grids whose answers
// are worked out by hand: the bounding box scaled to 20 pixels on its longer side by area
// averaging, then a whole-pixel shift putting its centre of mass nearest (14, 14).
import { describe, expect, it } from 'vitest';
import { preprocessDigit } from '../../demos/mnist/preprocess.ts';

/** A width x height grid of zeros with `fill(x, y)` ink. */
function grid(width: number, height: number, fill: (x: number, y: number) => number): Float32Array {
  const g = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) g[y * width + x] = fill(x, y);
  return g;
}
/** The 28x28 output's ink as a list of [x, y, value] where it is not 0. */
const inked = (p: Float32Array): [number, number, number][] => Array.from(p, (v, i) => [i % 28, Math.floor(i / 28), v] as [number, number, number]).filter(([, , v]) => v !== 0);

describe('preprocessDigit', () => {
  it('says nothing is drawn on an empty grid, and checks its size', () => {
    expect(preprocessDigit(new Float32Array(100), 10, 10)).toBeNull();
    expect(() => preprocessDigit(new Float32Array(99), 10, 10)).toThrow(/99 values for a 10x10 grid \(expected 100\)/);
  });

  it('scales one inked pixel up to a 20x20 square, centred at (14, 14)', () => {
    const r = preprocessDigit(grid(10, 10, (x, y) => (x === 3 && y === 5 ? 1 : 0)), 10, 10)!;
    expect(r.box).toEqual({ x0: 3, y0: 5, x1: 3, y1: 5 });
    expect(r.size).toEqual({ width: 20, height: 20 });
    // centre of mass at (10, 10) in the square: shifted by 14 - 10 = 4 each way
    expect(r.offset).toEqual({ x: 4, y: 4 });
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(r.pixels[y * 28 + x], `${x},${y}`).toBe(x >= 4 && x < 24 && y >= 4 && y < 24 ? 1 : 0);
  });

  it('keeps the aspect ratio: a 4x2 bar becomes 20x10, wherever it was drawn', () => {
    const at = (ox: number, oy: number) => preprocessDigit(grid(40, 40, (x, y) => (x >= ox && x < ox + 4 && y >= oy && y < oy + 2 ? 1 : 0)), 40, 40)!;
    const r = at(1, 30);
    expect(r.size).toEqual({ width: 20, height: 10 });
    // centre of mass (10, 5): offset (4, 9)
    expect(r.offset).toEqual({ x: 4, y: 9 });
    expect(inked(r.pixels)).toHaveLength(200);
    expect(inked(r.pixels).every(([x, y, v]) => v === 1 && x >= 4 && x < 24 && y >= 9 && y < 19)).toBe(true);
    // position invariance: the same bar anywhere on the pad gives the same 28x28
    expect(Array.from(at(30, 2).pixels)).toEqual(Array.from(r.pixels));
  });

  it('averages areas when shrinking, and centres by mass, not by the box', () => {
    // 40x40, ink 1 in the left half and 0.5 in the right: shrunk by 2, columns 0-9 are 1 and
    // 10-19 are 0.5. Mass-weighted x: (1 * (0.5 + ... + 9.5) + 0.5 * (10.5 + ... + 19.5)) /
    // (10 + 5) = (50 + 75) / 15 = 8.33, so the shift is round(14 - 8.33) = 6 (the box's own
    // centre would give 4); y: 10, shift 4.
    const r = preprocessDigit(grid(40, 40, (x) => (x < 20 ? 1 : 0.5)), 40, 40)!;
    expect(r.size).toEqual({ width: 20, height: 20 });
    expect(r.offset).toEqual({ x: 6, y: 4 });
    for (let y = 4; y < 24; y++) for (let x = 0; x < 28; x++) expect(r.pixels[y * 28 + x], `${x},${y}`).toBe(x < 6 || x >= 26 ? 0 : x < 16 ? 1 : 0.5);
  });

  it('splits a pixel between two inputs by the share of its area each covers', () => {
    // A 3x3 ring (centre empty) scaled by 20/3: output column 6 covers input [0.9, 1.05), two
    // thirds in column 0 and one third in column 1, so on the middle row (input row 1) it is
    // 2/3 * 1 + 1/3 * 0. Mass scales with the area: 8 * (20/3)^2.
    const r = preprocessDigit(grid(3, 3, (x, y) => (x === 1 && y === 1 ? 0 : 1)), 3, 3)!;
    expect(r.offset).toEqual({ x: 4, y: 4 });
    const at = (x: number, y: number): number => r.pixels[(y + 4) * 28 + x + 4]!;
    expect(at(6, 10)).toBeCloseTo(2 / 3, 6);
    expect(at(5, 10)).toBe(1);
    expect(at(7, 10)).toBe(0);
    expect(at(10, 10)).toBe(0);
    expect(at(6, 6)).toBeCloseTo(1 - (1 / 3) * (1 / 3), 6); // one ninth of its area in the hole
    expect(r.pixels.reduce((a, b) => a + b, 0)).toBeCloseTo(8 * (20 / 3) ** 2, 3);
  });

  it('keeps a lopsided digit inside the field', () => {
    // 1x20: all the ink at the top, a trace at the bottom. Centre of mass near y = 0.5 would
    // need a shift of 13, which would push the bottom out: clamped to 28 - 20 = 8.
    const r = preprocessDigit(grid(5, 20, (x, y) => (x !== 2 ? 0 : y === 0 ? 1 : y === 19 ? 1e-4 : 0)), 5, 20)!;
    expect(r.size).toEqual({ width: 1, height: 20 });
    expect(r.offset).toEqual({ x: 14, y: 8 });
    expect(r.pixels[8 * 28 + 14]).toBe(1);
    expect(r.pixels[27 * 28 + 14]).toBeCloseTo(1e-4, 8);
  });

  it('gives values in [0, 1] for any ink, out-of-range ink clamped', () => {
    let s = 12345;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const w = 5 + Math.floor(rand() * 60);
      const h = 5 + Math.floor(rand() * 60);
      const r = preprocessDigit(grid(w, h, () => (rand() < 0.3 ? rand() * 1.5 - 0.2 : 0)), w, h);
      if (!r) continue;
      expect(Math.max(r.size.width, r.size.height)).toBe(20);
      for (const v of r.pixels) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });
});
