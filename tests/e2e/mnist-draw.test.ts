// The MNIST page's two views of a trained model, in headless Chromium on WebGPU, after a brief
// run (1 epoch, 16 hidden units, as tests/e2e/safetensors.test.ts: the point is the views, not
// the accuracy):
//  - a "1" drawn with the mouse as two strokes is framed into the 28x28 values that this file's
//    own implementation of MNIST's recipe gives from the pad's pixels, its ten probabilities
//    sum to 1, and its class is the one the downloaded weights give those values on the CPU;
//  - a clicked confusion cell lists exactly the test digits with that label and prediction.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer';
import { data, readSafetensors } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { IMAGES_FILE, LABELS_FILE } from '../../scripts/build-mnist.mjs';
import { fromIdx, splitMnist } from '../../demos/mnist/mnist.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

const PEN = 20; // demos/mnist/draw-section.ts: the pen's width in pad pixels
type Pt = [number, number];
/** A "1": the short up-stroke of its flag, then the long down-stroke (pad pixels, 280x280). */
const ONE: Pt[][] = [
  [
    [112, 84],
    [150, 46],
  ],
  [
    [150, 46],
    [152, 140],
    [150, 236],
  ],
];

interface Drawn {
  pixels: number[];
  box: { x0: number; y0: number; x1: number; y1: number };
  size: { width: number; height: number };
  offset: { x: number; y: number };
  probs: number[] | null;
  pred: number | null;
}

/**
 * MNIST's framing, written here apart from demos/mnist/preprocess.ts (which resizes one axis
 * at a time): every output pixel of the 20-pixel-box picture is the ink integrated over its
 * rectangular footprint in the bounding box, divided by the footprint's area; then the whole-
 * pixel shift nearest to putting the centre of mass at (14, 14), kept inside the field.
 */
function referenceFrame(ink: number[], w: number, h: number): number[] {
  const xs: number[] = [];
  const ys: number[] = [];
  ink.forEach((v, i) => {
    if (v > 0) {
      xs.push(i % w);
      ys.push(Math.floor(i / w));
    }
  });
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  const bw = Math.max(...xs) - x0 + 1;
  const bh = Math.max(...ys) - y0 + 1;
  const long = Math.max(bw, bh);
  const tw = bw === long ? 20 : Math.max(1, Math.round((bw * 20) / long));
  const th = bh === long ? 20 : Math.max(1, Math.round((bh * 20) / long));
  const fx = bw / tw;
  const fy = bh / th;
  const small: number[][] = [];
  for (let i = 0; i < th; i++) {
    small.push([]);
    for (let j = 0; j < tw; j++) {
      let s = 0;
      for (let y = Math.floor(i * fy); y < Math.ceil((i + 1) * fy); y++) {
        const oy = Math.min((i + 1) * fy, y + 1) - Math.max(i * fy, y);
        for (let x = Math.floor(j * fx); x < Math.ceil((j + 1) * fx); x++) {
          const ox = Math.min((j + 1) * fx, x + 1) - Math.max(j * fx, x);
          if (ox > 0 && oy > 0) s += ox * oy * ink[(y0 + y) * w + x0 + x]!;
        }
      }
      small[i]!.push(s / (fx * fy));
    }
  }
  let m = 0;
  let cx = 0;
  let cy = 0;
  small.forEach((row, i) => row.forEach((v, j) => ((m += v), (cx += v * (j + 0.5)), (cy += v * (i + 0.5)))));
  const ox = Math.min(28 - tw, Math.max(0, Math.round(14 - cx / m)));
  const oy = Math.min(28 - th, Math.max(0, Math.round(14 - cy / m)));
  const out = new Array<number>(784).fill(0);
  small.forEach((row, i) => row.forEach((v, j) => (out[(oy + i) * 28 + ox + j] = v)));
  return out;
}

/** The 784-h-10 net from the downloaded file, in float64: logits for each 784-value digit. */
function cpuNet(bytes: Uint8Array): (x: ArrayLike<number>, at?: number) => number[] {
  const t = Object.fromEntries(readSafetensors(bytes).tensors.map((e) => [e.name, e]));
  const [W1, b1, W2, b2] = ['0.weight', '0.bias', '2.weight', '2.bias'].map((k) => t[k]!.values);
  const hidden = b1!.length;
  return (x, at = 0) => {
    const h = Array.from({ length: hidden }, (_, k) => {
      let s = b1![k]!;
      for (let p = 0; p < 784; p++) s += W1![k * 784 + p]! * x[at + p]!;
      return Math.max(0, s);
    });
    return Array.from({ length: 10 }, (_, c) => h.reduce((s, v, k) => s + W2![c * hidden + k]! * v, b2![c]!));
  };
}
const softmax = (z: number[]): number[] => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
/** The top class and how far ahead of the runner-up it is (a near-tie can go either way in float32). */
const top = (z: number[]): { cls: number; margin: number } => {
  const order = z.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  return { cls: order[0]![1], margin: order[0]![0] - order[1]![0] };
};

/**
 * The pad's drawing as the page framed and read it, checked: framed as this file's recipe frames
 * the pad's pixels, within the pad's ink box, read with probabilities that sum to 1 and the
 * class (and probabilities) that `logitsOf`, the downloaded weights on the CPU, give.
 */
async function readDrawing(page: Page, logitsOf: (x: ArrayLike<number>) => number[]): Promise<Drawn> {
  const drawn = (await page.evaluate(() => window.__results['mnist-draw'])) as Drawn;
  const ink = await page.evaluate(() => window.__mnistPad!.ink());
  expect(ink).toHaveLength(280 * 280);

  // The pad holds the strokes: its inked box is the strokes' points widened by the pen's
  // radius (round caps), give or take the one pixel anti-aliasing touches.
  const pts = ONE.flat();
  const extent = { x0: Math.min(...pts.map((p) => p[0])) - PEN / 2, x1: Math.max(...pts.map((p) => p[0])) + PEN / 2, y0: Math.min(...pts.map((p) => p[1])) - PEN / 2, y1: Math.max(...pts.map((p) => p[1])) + PEN / 2 };
  for (const k of ['x0', 'x1', 'y0', 'y1'] as const) expect(Math.abs(drawn.box[k] - extent[k]), k).toBeLessThanOrEqual(1.5);
  // A "1" is tall and thin: 20 pixels high, a few wide.
  expect(drawn.size.height).toBe(20);
  expect(drawn.size.width).toBeLessThanOrEqual(10);

  // The 28x28 values equal this file's recipe on the pad's pixels. Both compute in float64 from
  // the same bytes and differ only in the order of the sums (~1e-15); the page then rounds to
  // float32 (at most 6e-8 below 1). 1e-6 allows both and would catch any pixel off by a grey
  // level (1/255 = 4e-3) or a shift.
  const ref = referenceFrame(ink, 280, 280);
  const worst = Math.max(...ref.map((v, i) => Math.abs(v - drawn.pixels[i]!)));
  expect(worst).toBeLessThanOrEqual(1e-6);
  expect(drawn.pixels.every((v) => v >= 0 && v <= 1)).toBe(true);
  expect(Math.max(...drawn.pixels)).toBeGreaterThan(0.9); // the stroke's middle is full ink

  // Ten probabilities summing to 1 (float32 softmax), and the class the model gives these values.
  expect(drawn.probs).toHaveLength(10);
  expect(Math.abs(drawn.probs!.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-5);
  const z = logitsOf(drawn.pixels);
  const cpu = top(z);
  console.log(`drawn 1: page reads ${drawn.pred} (${(drawn.probs![drawn.pred!]! * 100).toFixed(1)}%), CPU logits margin ${cpu.margin.toFixed(4)}`);
  // float32 on the GPU against float64 here: logits of size ~10 carry rounding of ~1e-5, so a
  // class ahead by more than 1e-4 is the same on both (the run is seeded: no near-tie here).
  expect(cpu.margin).toBeGreaterThan(1e-4);
  expect(drawn.pred).toBe(cpu.cls);
  softmax(z).forEach((p, c) => expect(Math.abs(p - drawn.probs![c]!), `p(${c})`).toBeLessThanOrEqual(1e-4));
  expect(await page.$eval('#mnist-pad-status', (e) => e.textContent)).toContain(`reads a ${drawn.pred} `);
  return drawn;
}

async function drawStrokes(page: Page, strokes: Pt[][]): Promise<void> {
  const r = await page.$eval('#mnist-pad', (c) => {
    const b = c.getBoundingClientRect();
    return { x: b.left, y: b.top, scale: b.width / (c as HTMLCanvasElement).width };
  });
  const at = ([x, y]: Pt): Pt => [r.x + x * r.scale, r.y + y * r.scale];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]!));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 12 });
    await page.mouse.up();
  }
  await page.evaluate(() => window.__mnistPad!.settled());
}

it('mnist: a drawn "1" is framed as MNIST\'s digits and read by the trained model; a confusion cell lists its digits', async () => {
  const { page, problems } = await openPage(site, '/mnist/');
  await page.$eval('#mnist-draw', (e) => e.scrollIntoView());
  // Before training: the pad says a model is needed and where one comes from.
  expect(await page.$eval('#mnist-pad-status', (e) => e.textContent)).toMatch(/trained model is needed.*section 2.*load a weights file in section 5/);

  await setInput(page, 'mnist-hidden', 16);
  await setInput(page, 'mnist-epochs', 1);
  const r = (await runExercise(page, 'mnist-train', 300_000)) as { hidden: number; epochsRun: number; confusion: number[][] };
  expect(r).toMatchObject({ hidden: 16, epochsRun: 1 });
  await page.$eval('#mnist-download', (b) => (b as HTMLButtonElement).click());
  await page.waitForFunction(() => 'mnist-download' in window.__results, { timeout: 60_000, polling: 50 }).catch((err: unknown) => {
    throw new Error(`no download: ${String(err)}; page problems: ${JSON.stringify(problems)}`);
  });
  const bytes = new Uint8Array(((await page.evaluate(() => window.__results['mnist-download'])) as { bytes: number[] }).bytes);
  const logitsOf = cpuNet(bytes);

  // ---- draw a "1" -------------------------------------------------------------------------------
  await page.$eval('#mnist-draw', (e) => e.scrollIntoView());
  const framesBefore = (await chartUpdates(page))['mnist-pad-input']!;
  await drawStrokes(page, ONE);
  // Updated while drawing (each pointer move asks for a frame), not only at the end.
  expect((await chartUpdates(page))['mnist-pad-input']! - framesBefore).toBeGreaterThanOrEqual(3);
  const drawn = await readDrawing(page, logitsOf);
  await page.$eval('#mnist-draw', (e) => e.scrollIntoView());
  await (await page.$('#mnist-draw'))!.screenshot({ path: `${SCREENSHOTS}/mnist-draw.png` });

  // Clear: nothing to read.
  await page.click('#mnist-pad-clear');
  await page.evaluate(() => window.__mnistPad!.settled());
  expect(await page.evaluate(() => window.__results['mnist-draw'])).toMatchObject({ probs: null, pred: null, box: null });

  // ---- a confusion cell's digits ------------------------------------------------------------------
  const ds = fromIdx(data.parseIdxPair(readFileSync(IMAGES_FILE), readFileSync(LABELS_FILE)));
  const split = splitMnist(ds, { seed: 0, trainSize: 8000 });
  const cpuPreds = Array.from({ length: split.test.y.length }, (_, i) => top(logitsOf(split.test.x, i * 784)));
  // The largest mistake, and a diagonal cell.
  let worstCell: [number, number] = [0, 1];
  r.confusion.forEach((row, t) => row.forEach((c, p) => t !== p && c > r.confusion[worstCell[0]]![worstCell[1]]! && (worstCell = [t, p])));
  for (const [label, pred] of [worstCell, [1, 1] as [number, number]]) {
    await page.evaluate(() => delete window.__results['mnist-cell']);
    const at = await page.$eval(
      '#mnist-confusion-section canvas.confusion',
      (c, t, p) => {
        c.scrollIntoView();
        const b = c.getBoundingClientRect();
        const k = b.width / (c as HTMLCanvasElement).width;
        const margin = Number((c as HTMLCanvasElement).dataset.margin);
        const cell = Number((c as HTMLCanvasElement).dataset.cell);
        return [b.left + (margin + (p + 0.5) * cell) * k, b.top + (margin + (t + 0.5) * cell) * k] as [number, number];
      },
      label,
      pred,
    );
    await page.mouse.click(...at);
    await page.waitForFunction(() => 'mnist-cell' in window.__results, { timeout: 30_000, polling: 50 });
    const cell = (await page.evaluate(() => window.__results['mnist-cell'])) as { label: number; pred: number; count: number; digits: { test: number; file: number; prob: number }[] };
    expect(cell).toMatchObject({ label, pred, count: r.confusion[label]![pred]! });
    expect(cell.digits).toHaveLength(cell.count);
    expect(await page.$eval('#mnist-cell-status', (e) => e.textContent)).toContain(`True ${label}, predicted ${pred}: ${cell.count} test digit`);
    for (const d of cell.digits) {
      expect(split.test.y[d.test], `test digit ${d.test}`).toBe(label);
      expect(d.file).toBe(split.test.index[d.test]);
      const z = logitsOf(split.test.x, d.test * 784);
      expect(Math.abs(softmax(z)[pred]! - d.prob), `p of test digit ${d.test}`).toBeLessThanOrEqual(1e-4);
    }
    // Exactly the digits with that label whose CPU prediction is `pred`, near-ties aside (none
    // expected; counted so that one would show).
    const listed = new Set(cell.digits.map((d) => d.test));
    let ties = 0;
    split.test.y.forEach((y, i) => {
      if (y !== label) return;
      if (cpuPreds[i]!.margin <= 1e-4) return void ties++;
      expect(listed.has(i), `test digit ${i}`).toBe(cpuPreds[i]!.cls === pred);
    });
    console.log(`cell (${label}, ${pred}): ${cell.count} digits, ${ties} near-ties skipped`);
    expect(ties).toBeLessThanOrEqual(3);
  }
  await (await page.$('#mnist-confusion-section'))!.screenshot({ path: `${SCREENSHOTS}/mnist-cell.png` });
  expect(problems).toEqual([]);
  await page.close();

  // ---- a fresh page: the loaded file reads the same drawing the same way ----------------------------
  const fresh = await openPage(site, '/mnist/');
  const path = join(mkdtempSync(join(tmpdir(), 'shadergrad-draw-')), 'mnist-shallow.safetensors');
  writeFileSync(path, bytes);
  await ((await fresh.page.$('#mnist-load-weights')) as ElementHandle<HTMLInputElement>).uploadFile(path);
  await fresh.page.waitForFunction(() => 'mnist-load' in window.__results, { timeout: 120_000, polling: 100 });
  await fresh.page.$eval('#mnist-draw', (e) => e.scrollIntoView());
  await drawStrokes(fresh.page, ONE);
  // The pad may sit a fraction of a pixel elsewhere on this page (other texts above it), so the
  // ink is not byte for byte the first page's: checked afresh, against the same file's weights.
  const again = await readDrawing(fresh.page, logitsOf);
  expect(again.size.height).toBe(20);
  expect(await fresh.page.$eval('#mnist-pad-status', (e) => e.textContent)).toContain('network loaded from mnist-shallow.safetensors');
  expect(fresh.problems).toEqual([]);
});
