// A drawn digit made to look like an MNIST digit, as MNIST's were made (LeCun et al.): the ink's
// bounding box scaled, keeping its aspect ratio, so that its longer side is 20 pixels (with
// anti-aliasing: every output pixel is the average of the ink over the area it covers), then
// put in a 28x28 field so that the centre of mass of its grey levels sits at the field's
// centre. A net trained on MNIST has only ever seen digits framed this way: a digit drawn in
// a corner, or small, or as thick as the drawing pen, reads poorly without it. No DOM here:
// the page feeds it the drawing canvas's pixels, and the unit tests small hand-made grids.
import { PIXELS, SIDE } from './mnist.ts';

/** The longer side of the scaled digit, in pixels of the 28x28 field. */
export const BOX = 20;

export interface Preprocessed {
  /** 784 grey levels in [0, 1], row-major, white ink (1) on black (0), as the net was trained. */
  pixels: Float32Array;
  /** The ink's bounding box in the input: first and last column and row holding ink. */
  box: { x0: number; y0: number; x1: number; y1: number };
  /** The scaled digit's size in the field (the longer side is BOX) and its top-left corner. */
  size: { width: number; height: number };
  offset: { x: number; y: number };
}

/**
 * Weights of an area-averaging resize of `from` input pixels to `to` output pixels along one
 * axis: w[o][i] is the share of output pixel o's footprint (from / to input pixels wide) that
 * input pixel i covers, so every row sums to 1 and a constant stays that constant.
 */
function areaWeights(from: number, to: number): Float64Array[] {
  const step = from / to;
  return Array.from({ length: to }, (_, o) => {
    const w = new Float64Array(from);
    const a = o * step;
    const b = (o + 1) * step;
    for (let i = Math.floor(a); i < Math.min(from, Math.ceil(b)); i++) w[i] = (Math.min(b, i + 1) - Math.max(a, i)) / step;
    return w;
  });
}

/**
 * `ink` is a width x height grid of ink amounts in [0, 1] (the drawing canvas, anti-aliased by
 * the browser). Returns null when nothing is drawn. Steps:
 *  1. the bounding box of the pixels with any ink (> 0);
 *  2. an area-averaging resize of the box to BOX pixels on its longer side and the same scale
 *     on the other (rounded to whole pixels, at least 1);
 *  3. the centre of mass of the resized digit (each pixel at its centre, weighted by its grey
 *     level), and a whole-pixel shift that puts it nearest the field's centre (14, 14): whole
 *     pixels, so no second resampling blurs the digit. The shift is clamped to keep the digit
 *     inside the field (a lopsided digit can have its centre of mass near one end).
 */
export function preprocessDigit(ink: ArrayLike<number>, width: number, height: number): Preprocessed | null {
  if (ink.length !== width * height) throw new Error(`preprocessDigit: ${ink.length} values for a ${width}x${height} grid (expected ${width * height})`);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = bw >= bh ? BOX : Math.max(1, Math.round(bw * scale));
  const th = bh >= bw ? BOX : Math.max(1, Math.round(bh * scale));
  const wx = areaWeights(bw, tw);
  const wy = areaWeights(bh, th);
  // Separable: first along x (each input row of the box to tw values), then along y.
  const rows = Array.from({ length: bh }, (_, y) => {
    const r = new Float64Array(tw);
    for (let o = 0; o < tw; o++) {
      let s = 0;
      const w = wx[o]!;
      for (let x = 0; x < bw; x++) if (w[x]) s += w[x]! * Math.min(1, Math.max(0, ink[(y0 + y) * width + x0 + x]!));
      r[o] = s;
    }
    return r;
  });
  const small = new Float64Array(th * tw);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let o = 0; o < th; o++) {
    const w = wy[o]!;
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (let y = 0; y < bh; y++) if (w[y]) s += w[y]! * rows[y]![x]!;
      small[o * tw + x] = s;
      mass += s;
      mx += s * (x + 0.5);
      my += s * (o + 0.5);
    }
  }
  const centre = SIDE / 2;
  const place = (com: number, size: number): number => Math.min(SIDE - size, Math.max(0, Math.round(centre - com)));
  const ox = place(mx / mass, tw);
  const oy = place(my / mass, th);
  const pixels = new Float32Array(PIXELS);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) pixels[(oy + y) * SIDE + ox + x] = Math.min(1, small[y * tw + x]!);
  return { pixels, box: { x0, y0, x1, y1 }, size: { width: tw, height: th }, offset: { x: ox, y: oy } };
}
