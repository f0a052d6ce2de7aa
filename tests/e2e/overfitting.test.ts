// The overfitting page (Part 3.6): WebGPU badge, clean console, each of the four Runs with its
// charts fed live, Stop within a second and Run again, the Exercise preset, and every number
// the page publishes against a CPU run of the same module and seed in Node.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { describeComplexity, runComplexity, runNoisy, runSmallVsLarge, runWeightDecay } from '../../demos/overfitting/overfit.ts';
import type { ComplexityResult, CurveResult, DecayResult, NoisyResult } from '../../demos/overfitting/overfit.ts';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite, setInput } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

/**
 * GPU vs CPU, both float32. The data and the initial weights are the same bits on both (host
 * draws from PyTorch's generator, reproduced); what differs is the order of float32 sums in the matmuls and
 * the mean, a relative 1e-7 per op. Adam divides each gradient by its own running RMS, so such
 * differences pass into the weights at about their own relative size, and over 100 full-batch
 * steps on a smooth 1-12-1 problem they stay small: on SwiftShader we measured at most 1.5e-6
 * relative on the losses and 2.3e-5 on the fitted curve (relative to max(|v|, 1e-3), so near its
 * zero crossing). 1e-3 leaves 40x room and is still far below the gaps the page is about (train
 * vs test, one lambda vs another: 10% and more). The lesson's defaults run in full here (about
 * 15 s of SwiftShader for all four exercises), so no sizes are shrunk for the test.
 */
const REL = 1e-3;
function expectClose(page: number[], node: number[], what: string, tol = REL): void {
  expect(page, what).toHaveLength(node.length);
  let worst = 0;
  for (let i = 0; i < node.length; i++) {
    const d = Math.abs(page[i]! - node[i]!) / Math.max(Math.abs(node[i]!), 1e-3);
    worst = Math.max(worst, d);
    expect(d, `${what}[${i}]: page ${page[i]} vs node ${node[i]}`).toBeLessThanOrEqual(tol);
  }
  console.log(`${what}: worst relative difference ${worst.toExponential(2)}`);
}

/** The cells of a results table, row by row (the header row first). */
async function tableCells(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tr`, (rows) => rows.map((r) => Array.from(r.children).map((c) => c.textContent ?? '')));
}

/** The row a loss section's table shows for a run (the page's formatting: 4 decimals). */
const curveRow = (r: CurveResult): string[] => [String(r.epochs), r.finalTrain!.toFixed(4), r.finalTest!.toFixed(4), `${r.bestTest!.toFixed(4)} (${r.bestTestEpoch})`];

/** Run a section and check each chart got at least `min` updates during the run. */
async function runWithCharts<T>(page: Page, id: string, charts: string[], min: number): Promise<T> {
  const before = await chartUpdates(page);
  const t0 = Date.now();
  const r = (await runExercise(page, id)) as T;
  console.log(`${id}: ${Date.now() - t0} ms`);
  const after = await chartUpdates(page);
  // A chart made anew during the run (section 4's, when the widths change) counts from 0.
  for (const c of charts) expect(after[c]! >= before[c]! ? after[c]! - before[c]! : after[c]!, `${c} updates`).toBeGreaterThanOrEqual(min);
  return r;
}

/** Type a list of widths into section 4's text box and commit it, as a learner would. */
async function typeWidths(page: Page, text: string): Promise<void> {
  await page.$eval(
    '#cx-widths',
    (e, v) => {
      (e as HTMLInputElement).value = v;
      e.dispatchEvent(new Event('change'));
    },
    text,
  );
}

/** Section 4's table and sentence say what the run's numbers say. */
async function checkComplexityReport(page: Page, r: ComplexityResult): Promise<void> {
  const rows = await tableCells(page, 'cx-results');
  expect(rows[0]).toEqual(['hidden', 'final train MSE', 'final test MSE', 'test R²']);
  expect(rows.slice(1)).toEqual(r.sizes.map((h, i) => [String(h), r.finalTrain[i]!.toFixed(4), r.finalTest[i]!.toFixed(4), r.r2[i]!.toFixed(4)]));
  expect(await page.$eval('#cx-summary', (e) => e.textContent)).toBe(describeComplexity(r.sizes, r.r2).sentence);
}

it('overfitting: four exercises on WebGPU, live charts, Stop, numbers equal a CPU run', async () => {
  const { page, problems } = await openPage(site, '/overfitting/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);

  // 1. The lesson's defaults: 20 vs 100 points, hidden 12, Adam 0.05, 100 epochs.
  const r1 = await runWithCharts<CurveResult>(page, 'small-vs-large', ['svl-loss'], 10);
  const n1 = await runSmallVsLarge({ seed: 0 });
  expectClose(r1.train, n1.train, 'svl train');
  expectClose(r1.test, n1.test, 'svl test');
  expect(r1).toMatchObject({ stopped: false, epochs: 100 });
  expect(r1.finalTest).toBeGreaterThan(r1.finalTrain!);
  // The final numbers as a table, not only as curves.
  expect(await tableCells(page, 'svl-results')).toEqual([['epochs', 'final train MSE', 'final test MSE', 'lowest test MSE (epoch)'], curveRow(r1)]);

  // 2. Noise 1.0: losses and the fitted curve (redrawn every 10 epochs).
  const r2 = await runWithCharts<NoisyResult>(page, 'noise', ['noise-loss', 'noise-fit'], 10);
  const n2 = await runNoisy({ seed: 0 });
  expectClose(r2.train, n2.train, 'noise train');
  expectClose(r2.test, n2.test, 'noise test');
  expectClose(r2.fit, n2.fit, 'noise fit');
  expect(r2.trainY).toEqual(n2.trainY); // host draws: the same bits
  expect(r2.fitX).toHaveLength(118);
  const t2 = await tableCells(page, 'noise-results');
  expect(t2[1]).toEqual([...curveRow(r2), r2.fitVsTruth.toFixed(4)]);

  // 3. Weight decay 0, 0.01, 0.1 (lesson defaults; 3 x 100 epochs).
  const r3 = await runWithCharts<DecayResult>(page, 'weight-decay', ['wd-test'], 10);
  const n3 = await runWeightDecay({ seed: 0 });
  expect(r3.decays).toEqual([0, 0.01, 0.1]);
  r3.runs.forEach((run, i) => expectClose(run.test, n3.runs[i]!.test, `wd lambda=${r3.decays[i]} test`));
  expectClose(r3.sumSquares, n3.sumSquares, 'wd sum of squares');
  expect(await page.$$eval('#wd-results tr', (rows) => rows.length)).toBe(4);

  // 4. Hidden sizes 2, 8, 24, 64 against test R^2, then the Exercise preset (2, 8, 32, 64; 90 epochs).
  expect(await page.$eval('#cx-widths', (e) => (e as HTMLInputElement).value)).toBe('2, 8, 24, 64');
  const r4 = await runWithCharts<ComplexityResult>(page, 'complexity', ['cx-test', 'cx-r2'], 4);
  const n4 = await runComplexity({ seed: 0 });
  expect(r4.sizes).toEqual([2, 8, 24, 64]);
  // R^2 = 1 - SSres/SStot: an absolute tolerance (values near 1).
  r4.r2.forEach((v, i) => expect(Math.abs(v - n4.r2[i]!), `R^2 hidden ${r4.sizes[i]}`).toBeLessThan(1e-3));
  expectClose(r4.finalTest, n4.finalTest, 'cx final test');
  await checkComplexityReport(page, r4);
  await page.select('#cx-preset', 'Exercise');
  expect(await page.$eval('#cx-widths', (e) => (e as HTMLInputElement).value)).toBe('2, 8, 32, 64');
  expect(await page.$eval('#cx-epochs', (e) => (e as HTMLInputElement).value)).toBe('90');
  const r4e = await runWithCharts<ComplexityResult>(page, 'complexity', ['cx-test', 'cx-r2'], 4);
  const n4e = await runComplexity({ seed: 0, sizes: [2, 8, 32, 64], epochs: 90 });
  expect(r4e.sizes).toEqual([2, 8, 32, 64]);
  r4e.r2.forEach((v, i) => expect(Math.abs(v - n4e.r2[i]!), `preset R^2 hidden ${r4e.sizes[i]}`).toBeLessThan(1e-3));
  await checkComplexityReport(page, r4e);

  // The third preset fills in Exercise 4's five widths, the noisy set and 500 epochs.
  await page.select('#cx-preset', 'Noisy data, 500 epochs');
  expect(await page.$eval('#cx-widths', (e) => (e as HTMLInputElement).value)).toBe('2, 8, 16, 32, 64');
  expect(await page.$eval('#cx-trainset', (e) => (e as HTMLSelectElement).value)).toBe('x_train2 (σ = 1.0)');
  expect(await page.$eval('#cx-epochs', (e) => (e as HTMLInputElement).value)).toBe('500');
  // Widths typed by hand, in any order, on the noisy set (60 epochs, to keep SwiftShader's time).
  await typeWidths(page, '16, 2 ,5');
  await setInput(page, 'cx-epochs', 60);
  const r4c = (await runExercise(page, 'complexity')) as ComplexityResult;
  expect(r4c).toMatchObject({ sizes: [16, 2, 5], trainingSet: 'noisy', stopped: false });
  expect(await page.evaluate(() => window.__charts['cx-test']!.plot.series.map((x) => x.label))).toEqual(['epoch', 'hidden 16', 'hidden 2', 'hidden 5']);
  const n4c = await runComplexity({ seed: 0, sizes: [16, 2, 5], trainingSet: 'noisy', epochs: 60 });
  r4c.r2.forEach((v, i) => expect(Math.abs(v - n4c.r2[i]!), `typed widths R^2 hidden ${r4c.sizes[i]}`).toBeLessThan(1e-3));
  await checkComplexityReport(page, r4c);
  // A bad entry is named as it is typed, Run reports it, and the section works once it is fixed.
  await typeWidths(page, '2, eight, 16');
  const message = 'widths: entry 2, "eight", is not a whole number from 1 to 4096';
  expect(await page.$eval('#cx-widths-error', (e) => e.textContent)).toBe(message);
  await page.click('[data-run="complexity"]');
  await page.waitForFunction(() => document.querySelector('[data-status="complexity"]')!.textContent!.startsWith('Error'));
  expect(await page.$eval('[data-status="complexity"]', (e) => e.textContent)).toBe(`Error: ${message}`);
  expect(problems.splice(0)).toEqual([expect.stringContaining(message)]);
  await typeWidths(page, '3');
  expect(await page.$eval('#cx-widths-error', (e) => e.textContent)).toBe('');
  await setInput(page, 'cx-epochs', 20);
  expect((await runExercise(page, 'complexity')) as ComplexityResult).toMatchObject({ sizes: [3], stopped: false });
  expect(await tableCells(page, 'cx-results')).toHaveLength(2);

  // 5. Stop: a long run (5000 epochs) stopped after a second; the result within a second.
  await setInput(page, 'svl-epochs', 5000);
  await page.evaluate(() => delete window.__results['small-vs-large']);
  await page.click('[data-run="small-vs-large"]');
  await new Promise((r) => setTimeout(r, 1500));
  const stopMs = await page.evaluate(async () => {
    const t0 = performance.now();
    (document.querySelector('[data-stop="small-vs-large"]') as HTMLButtonElement).click();
    while (!('small-vs-large' in window.__results)) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  });
  console.log(`stop took ${stopMs.toFixed(0)} ms`);
  expect(stopMs).toBeLessThan(1000);
  const stopped = (await page.evaluate(() => window.__results['small-vs-large'])) as { stopped: boolean; epochs: number };
  expect(stopped.stopped).toBe(true);
  expect(stopped.epochs).toBeGreaterThan(0);
  expect(stopped.epochs).toBeLessThan(5000);
  expect(await page.$eval('[data-status="small-vs-large"]', (e) => e.textContent)).toMatch(/^Stopped/);

  // 6. Run again after Stop, with a different seed, against Node.
  await setInput(page, 'svl-epochs', 100);
  await setInput(page, 'svl-seed', 4);
  const r6 = await runWithCharts<CurveResult>(page, 'small-vs-large', ['svl-loss'], 10);
  const n6 = await runSmallVsLarge({ seed: 4 });
  expectClose(r6.test, n6.test, 'svl seed 4 test');

  expect(await page.$eval('details.code pre', (e) => e.textContent)).toContain('export async function trainAndEval');
  await page.screenshot({ path: `${SCREENSHOTS}/overfitting.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});
