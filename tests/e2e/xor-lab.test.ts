// The XOR lab's weights table, hidden-unit heatmaps and loss landscape in headless Chromium on
// WebGPU: the lesson's hand-built weights, entered through the table's preset, give the loss
// and accuracy the lesson's numpy code computes for them (tests/fixtures/numpy/xor_lab.json,
// handBuilt), as do weights typed cell by cell (the fixture's W0, atW0); h1 and h2 are drawn
// beside the output; the landscape draws both paths, and each path ends at the two weights'
// values after the same frozen run recomputed here through the API on the CPU.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { HAND_BUILT } from '../../demos/xor/lab.ts';
import type { LabSnapshot } from '../../demos/xor/lab.ts';
import { WEIGHT_NAMES } from '../../demos/xor/net.ts';
import { createXorDataset, toTensors } from '../../demos/xor/data.ts';
import { frozenRuns } from '../../demos/xor/landscape.ts';
import type { LandscapeResult } from '../../demos/xor/landscape-section.ts';
import { readFixture } from '../shared/fixtures.ts';

const numpy = readFixture<{
  W0: number[];
  atW0: { loss: number; accuracy: number };
  handBuilt: { weights: number[]; byDataset: Record<string, { loss: number; accuracy: number }> };
}>('numpy/xor_lab.json');
type LabResult = LabSnapshot & { action: string };
// Few epochs: every epoch is a readback, and SwiftShader emulates the GPU on the CPU.
const EPOCHS = 30;

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

async function clickAndWait(page: Page, selector: string): Promise<LabResult> {
  await page.evaluate(() => delete window.__results.lab);
  await page.click(selector);
  await page.waitForFunction(() => 'lab' in window.__results, { timeout: 120_000, polling: 50 });
  return (await page.evaluate(() => window.__results.lab)) as LabResult;
}

async function tableShown(page: Page): Promise<string[]> {
  return page.$$eval('#xor-weights input[data-weight]', (is) => is.map((i) => (i as HTMLInputElement).value));
}

function expectRel(actual: number, expected: number, rel: number, what: string): void {
  if (!(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-6))) throw new Error(`${what}: ${actual} vs ${expected} (relative tolerance ${rel})`);
}

/** The colour at data point (x, y) of a field plot whose canvas spans [-2, 2] on both axes. */
async function colourAt(page: Page, id: string, pts: [number, number][]): Promise<[number, number, number][]> {
  return page.$eval(
    `[data-chart="${id}"]`,
    (c, ps) => {
      const canvas = c as HTMLCanvasElement;
      const { data, width } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return ps.map(([x, y]) => {
        const k = (Math.floor(canvas.height - ((y + 2) / 4) * canvas.height) * width + Math.floor(((x + 2) / 4) * canvas.width)) * 4;
        return [data[k]!, data[k + 1]!, data[k + 2]!] as [number, number, number];
      });
    },
    pts,
  );
}

it('xor lab: the weights table enters the hand-built solution with numpy\'s loss and accuracy, h1 and h2 are drawn, the landscape paths end where a CPU frozen run ends', async () => {
  const { page, problems } = await openPage(site, '/xor/?seed=1');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  await page.waitForFunction(() => 'lab' in window.__results, { timeout: 120_000 });
  const init = (await page.evaluate(() => window.__results.lab)) as LabResult;
  // The table shows the network being trained.
  expect(await tableShown(page)).toEqual(init.weights.map((w) => String(Number(w.toFixed(4)))));
  const drawn = await chartUpdates(page);
  expect(drawn['xor-h1']).toBeGreaterThanOrEqual(1);
  expect(drawn['xor-h2']).toBeGreaterThanOrEqual(1);
  expect(await page.$$eval('[data-boundary-plot^="xor-h"] [data-boundary-title]', (ts) => ts.map((t) => t.textContent))).toEqual(['Hidden unit h\u2081 (Epoch 0)', 'Hidden unit h\u2082 (Epoch 0)']);

  // ---- the hand-built solution, through the preset ---------------------------------------------
  const hb = await clickAndWait(page, '#xor-handbuilt');
  expect(hb).toMatchObject({ action: 'handbuilt', epoch: 0, dataset: 'clean' });
  expect(hb.weights).toEqual(numpy.handBuilt.weights);
  expect(await tableShown(page)).toEqual(HAND_BUILT.map(String));
  const ref = numpy.handBuilt.byDataset.clean!;
  console.log(`hand-built on clean XOR: loss ${hb.loss} (numpy ${ref.loss}), accuracy ${hb.accuracy} (numpy ${ref.accuracy})`);
  expectRel(hb.loss, ref.loss, 1e-4, 'hand-built loss'); // float32 on the GPU against numpy's float64
  expect(hb.accuracy).toBe(ref.accuracy);
  const readout = await page.$eval('[data-weights-readout]', (e) => e.textContent);
  expect(readout).toBe(`Hand-built solution: Loss ${hb.loss.toFixed(6)} | Accuracy ${(hb.accuracy * 100).toFixed(2)}%`);
  // What the learner reads: the numbers numpy gives, to the 6 decimals shown (within float32).
  const [, shownLoss, shownAcc] = /Loss (\d+\.\d{6}) \| Accuracy (\d+\.\d{2})%$/.exec(readout!)!;
  expect(Math.abs(Number(shownLoss) - ref.loss)).toBeLessThan(1e-6 + 1e-4 * ref.loss);
  expect(shownAcc).toBe((ref.accuracy * 100).toFixed(2));
  expect(await page.$eval('[data-lab-status]', (e) => e.textContent)).toBe(`Epoch 0 | Loss: ${hb.loss.toFixed(6)} | Accuracy: ${(hb.accuracy * 100).toFixed(2)}%`);
  // h1 = tanh(-10 x1 - 10 x2 - 10) is near 1 (red) only towards (-1, -1); h2 = tanh(-10 x1 - 10 x2 + 5)
  // is near -1 (blue) only towards (1, 1). Points off the data clusters.
  const red = ([r, , b]: [number, number, number]): boolean => r > 200 && b < 120;
  const blue = ([r, , b]: [number, number, number]): boolean => b > 200 && r < 120;
  const h1 = await colourAt(page, 'xor-h1', [[-1.7, -1.7], [1.7, 1.7], [-1.7, 1.7]]);
  const h2 = await colourAt(page, 'xor-h2', [[-1.7, -1.7], [1.7, 1.7], [-1.7, 1.7]]);
  expect([red(h1[0]!), blue(h1[1]!), blue(h1[2]!)]).toEqual([true, true, true]);
  expect([red(h2[0]!), blue(h2[1]!), red(h2[2]!)]).toEqual([true, true, true]);
  await page.$eval('#lab', (e) => e.scrollIntoView());
  await (await page.$('#lab'))!.screenshot({ path: `${SCREENSHOTS}/xor-weights-hidden.png` });

  // ---- weights typed cell by cell: the fixture's W0 ---------------------------------------------
  for (const [k, name] of WEIGHT_NAMES.entries()) await setInput(page, `xor-w-${name}`, numpy.W0[k]!);
  const typed = await clickAndWait(page, '#xor-set-weights');
  expect(typed).toMatchObject({ action: 'weights', epoch: 0 });
  expect(typed.weights).toEqual(Array.from(Float32Array.from(numpy.W0)));
  expectRel(typed.loss, numpy.atW0.loss, 1e-5, 'typed W0 loss');
  expect(typed.accuracy).toBe(numpy.atW0.accuracy);

  // ---- the loss landscape from W0: w11 across, w_out2 up ----------------------------------------
  await page.select('#landscape-x', 'w11');
  await page.select('#landscape-y', 'w_out2');
  await setInput(page, 'landscape-epochs', EPOCHS);
  const before = await chartUpdates(page);
  const land = (await runExercise(page, 'landscape')) as LandscapeResult;
  const after = await chartUpdates(page);
  expect(land).toMatchObject({ x: 'w11', y: 'w_out2', lr: 0.3, epochs: EPOCHS, epochsRun: EPOCHS, stopped: false });
  expect(land.weights).toEqual(typed.weights);
  for (const id of ['landscape-basic', 'landscape-momentum']) expect(after[id]! - before[id]!).toBe(1);

  const shown = await page.$$eval('polyline[data-path]', (ls) =>
    ls.map((l) => ({ id: l.getAttribute('data-path'), steps: Number(l.getAttribute('data-steps')), vertices: l.getAttribute('points')!.trim().split(/\s+/).length, end: [Number(l.getAttribute('data-end-x')), Number(l.getAttribute('data-end-y'))] })),
  );
  expect(shown.map((s) => s.id)).toEqual(['landscape-basic', 'landscape-momentum']);
  for (const s of shown) expect([s.steps, s.vertices]).toEqual([EPOCHS, EPOCHS + 1]);

  // The same frozen runs in this Node process, through the API on the CPU backend.
  await setBackend('cpu');
  const cpu = await frozenRuns(toTensors(createXorDataset('clean')), land.weights, 0, 7, { lr: 0.3, epochs: EPOCHS });
  for (const [i, alg] of (['basic', 'momentum'] as const).entries()) {
    const gpu = land.paths[alg]!;
    const end = cpu.paths[alg].points.at(-1)!;
    console.log(`${alg}: (w11, w_out2) ${JSON.stringify(gpu.points[0])} -> ${JSON.stringify(gpu.points.at(-1))} on WebGPU, ${JSON.stringify(end)} on the CPU; loss ${gpu.losses[0]} -> ${gpu.losses.at(-1)}`);
    // The path drawn ends at the run's end, and the run's end is the CPU run's end.
    expect(shown[i]!.end).toEqual(gpu.points.at(-1));
    expectRel(shown[i]!.end[0]!, end[0], 1e-4, `${alg} w11 at the end`);
    expectRel(shown[i]!.end[1]!, end[1], 1e-4, `${alg} w_out2 at the end`);
    expectRel(gpu.losses.at(-1)!, cpu.paths[alg].losses.at(-1)!, 1e-4, `${alg} loss at the end`);
    // The seven others did not move.
    gpu.final.forEach((v, k) => (k === 0 || k === 7 ? undefined : expect(v).toBe(land.weights[k])));
    // It went somewhere: both weights moved, and the loss fell.
    expect(gpu.points.at(-1)![0]).not.toBe(gpu.points[0]![0]);
    expect(gpu.points.at(-1)![1]).not.toBe(gpu.points[0]![1]);
    expect(gpu.losses.at(-1)!).toBeLessThan(gpu.losses[0]!);
  }
  expect(land.paths.momentum!.points.at(-1)).not.toEqual(land.paths.basic!.points.at(-1));
  // The grid took in both paths.
  for (const alg of ['basic', 'momentum']) {
    for (const [x, y] of land.paths[alg]!.points) {
      expect(x >= land.xRange[0] && x <= land.xRange[1] && y >= land.yRange[0] && y <= land.yRange[1]).toBe(true);
    }
  }
  await page.$eval('#landscape', (e) => e.scrollIntoView());
  await (await page.$('#landscape'))!.screenshot({ path: `${SCREENSHOTS}/xor-landscape.png` });
  expect(problems).toEqual([]);
});
