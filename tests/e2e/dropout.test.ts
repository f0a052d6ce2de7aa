// The dropout page (Part 3.7) in headless Chromium on WebGPU: every exercise runs with the
// lesson's defaults (they are small enough for SwiftShader: a 2-32-32-2 net on 140 points,
// 80 or 60 full-batch epochs), its charts update live, Stop stops within a second and Run
// works again, the Exercise preset runs, every number the page publishes equals a CPU run of
// the same module in this Node process, and the tables and sentences under the charts say
// what the page's own run shows.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { PRESETS, compareRuns, makeData, rateVariants, regularizationVariants, trainRun } from '../../demos/dropout/dropout.ts';
import type { CompareResult, RunResult, Variant } from '../../demos/dropout/dropout.ts';
import { decaySteadiness, rowCells, summaryRows, trainValSteadiness, validationNote } from '../../demos/dropout/summary.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

const demo = PRESETS.demo;

/**
 * Page (WebGPU, float32) vs Node (CPU reference, float32). Same data, same initial weights
 * and the same dropout masks (one Philox stream on both backends: checked equal, forward
 * and backward), but the kernels sum in different orders, so values differ in the last
 * float32 bits: the losses agree to ~1e-6 relative, and Adam carries that along smoothly.
 * Smoothly until a ReLU input lands within rounding of zero: then one backend counts that
 * unit as on for that point and the other as off, the gradient of that unit jumps by one
 * point's share (measured in Node on Dawn with p = 0.3: at epoch 10, fc2's bias [3] differs
 * by 1e-4 of 5e-4 while every other gradient agrees to 1e-6), and from there the two are
 * different, equally valid, training runs (the loss drifts apart by up to 20% by epoch 60).
 * The CPU itself is not that sensitive: a 1-ulp change of the data or of lr moves its
 * losses by ~1e-6 only, so this is the backends' different rounding, not chaos in the code.
 * So each run is checked strictly up to the epoch where it splits (loss within 1e-3
 * relative, each accuracy within one point: a point whose two logits tie to ~1e-6 can go
 * either way), the split must not come before epoch 10, and after it the validation
 * accuracy must still agree within 0.1 on every epoch and 0.05 on average. Most runs never
 * split (see the log lines).
 */
function expectSameRun(page: RunResult, cpu: RunResult, nTrain: number, nVal: number, what: string): void {
  expect(page.loss, what).toHaveLength(cpu.loss.length);
  expect(page.trainAcc, what).toHaveLength(cpu.loss.length);
  expect(page.valAcc, what).toHaveLength(cpu.loss.length);
  const close = (i: number): boolean =>
    Math.abs(page.loss[i]! - cpu.loss[i]!) <= 1e-3 * Math.abs(cpu.loss[i]!) &&
    Math.abs(page.trainAcc[i]! - cpu.trainAcc[i]!) <= 1 / nTrain + 1e-6 &&
    Math.abs(page.valAcc[i]! - cpu.valAcc[i]!) <= 1 / nVal + 1e-6;
  let split = cpu.loss.findIndex((_, i) => !close(i));
  if (split === -1) split = cpu.loss.length;
  let maxRel = 0;
  for (let i = 0; i < split; i++) maxRel = Math.max(maxRel, Math.abs(page.loss[i]! - cpu.loss[i]!) / Math.abs(cpu.loss[i]!));
  const after = page.valAcc.slice(split).map((a, k) => Math.abs(a - cpu.valAcc[split + k]!));
  const meanAfter = after.length ? after.reduce((s, v) => s + v, 0) / after.length : 0;
  console.log(
    `${what}: ${split === cpu.loss.length ? 'no split' : `split at epoch ${split} (page loss ${page.loss[split]}, cpu ${cpu.loss[split]})`}; ` +
      `before it max relative loss difference ${maxRel.toExponential(2)}; after it mean |val difference| ${meanAfter.toFixed(3)}`,
  );
  expect(split, `${what}: page and CPU split at epoch ${split}: page ${JSON.stringify(page).slice(0, 300)}`).toBeGreaterThanOrEqual(Math.min(10, cpu.loss.length));
  for (const d of after) expect(d, `${what}: validation accuracy after the split`).toBeLessThanOrEqual(0.1 + 1e-6);
  expect(meanAfter, what).toBeLessThanOrEqual(0.05);
}

async function runAndCount(page: Page, id: string, charts: string[], minUpdates: number): Promise<unknown> {
  const before = await chartUpdates(page);
  const r = await runExercise(page, id);
  const after = await chartUpdates(page);
  for (const c of charts) expect(after[c]! - (before[c] ?? 0), `${c} updates during the run`).toBeGreaterThanOrEqual(minUpdates);
  return r;
}

/** The table under a section's chart holds one row per run of the page's result, its numbers. */
async function expectTable(page: Page, prefix: string, runs: Record<string, RunResult>, names: Record<string, string>): Promise<void> {
  const shown = await page.$$eval(`#${prefix}-table tr[data-variant]`, (trs) => trs.map((tr) => ({ key: tr.getAttribute('data-variant'), cells: Array.from(tr.children, (c) => c.textContent) })));
  expect(shown, `${prefix} table`).toEqual(summaryRows(runs, names).map((r) => ({ key: r.key, cells: rowCells(r) })));
}
const text = (page: Page, selector: string): Promise<string | null> => page.$eval(selector, (e) => e.textContent);

const data = await makeData(demo.data);
const cpuBase = { data, net: demo.net, lr: demo.lr };

it('dropout: all four exercises on WebGPU with the lesson defaults, equal to a CPU run', async () => {
  const { page, problems } = await openPage(site, '/dropout/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);
  // The summary is drawn from the data, which makeData reads back asynchronously.
  await page.waitForFunction(() => document.querySelector('#do-data-summary')?.textContent !== '', { timeout: 5000 });
  expect(await page.$eval('#do-data-summary', (e) => e.textContent)).toBe('200 points: 140 train (75 of class 1), 60 validation (29 of class 1).');
  expect(await text(page, '#do3-val-note')).toBe(validationNote(60));
  expect(await text(page, '#do3-val-note')).toContain('60 validation points, each one is worth 1.7 percentage points');
  expect(await text(page, '#do4-size-note')).toBe('Here: two hidden layers of 32 units for 140 training points.');

  // 1. Dropout 0.5, 80 epochs: train and validation accuracy (one append per epoch).
  const r1 = (await runAndCount(page, 'dropout-accuracy', ['dropout-accuracy-chart', 'dropout-loss-chart'], 80)) as RunResult;
  expect(r1.valAcc).toHaveLength(80);
  expect(r1).toMatchObject({ stopped: false, epochsRun: 80 });
  const c1 = await trainRun({ ...cpuBase, pdrop: demo.pdrop, weightDecay: 0, epochs: demo.epochs });
  expectSameRun(r1, c1, 140, 60, 'exercise 1');
  expect(r1.valAcc.at(-1)).toBeGreaterThanOrEqual(0.9);
  await expectTable(page, 'do1', { dropout: r1 }, { dropout: 'dropout p = 0.5' });
  const below = r1.trainAcc.filter((t, i) => t < r1.valAcc[i]!).length;
  expect(await text(page, '#do1-steadiness')).toBe(`${trainValSteadiness(r1)} The train accuracy was below the validation accuracy in ${below} of 80 epochs.`);

  // 2. Dropout alone vs dropout + weight decay 0.02.
  const r2 = (await runAndCount(page, 'weight-decay', ['weight-decay-chart'], 2 * 80)) as CompareResult;
  expect(r2).toMatchObject({ stopped: false, epochsRun: 2 * 80 });
  const v2: Variant[] = [
    { key: 'dropout', pdrop: 0.5, weightDecay: 0 },
    { key: 'dropoutL2', pdrop: 0.5, weightDecay: 0.02 },
  ];
  const c2 = await compareRuns({ ...cpuBase, epochs: demo.epochs, variants: v2 });
  for (const v of v2) expectSameRun(r2.runs[v.key]!, c2.runs[v.key]!, 140, 60, `exercise 2 ${v.key}`);
  // From the same start with the same masks, dropout alone is exactly exercise 1's run.
  expect(r2.runs.dropout).toEqual(r1);
  // What the page says about steadiness is what its run shows.
  const said = await text(page, '#do2-steadiness');
  console.log(`exercise 2: ${said}`);
  expect(said).toBe(decaySteadiness(r2.runs.dropout!, r2.runs.dropoutL2!));
  await expectTable(page, 'do2', r2.runs, { dropout: 'dropout p = 0.5', dropoutL2: 'dropout p = 0.5 + weight decay 0.02' });

  // 3. None, dropout, dropout + L2.
  const r3 = (await runAndCount(page, 'regularization', ['regularization-chart'], 3 * 80)) as CompareResult;
  const c3 = await compareRuns({ ...cpuBase, epochs: demo.epochs, variants: regularizationVariants(0.5, 0.02) });
  for (const k of ['none', 'dropout', 'dropoutL2']) expectSameRun(r3.runs[k]!, c3.runs[k]!, 140, 60, `exercise 3 ${k}`);
  await expectTable(page, 'do3', r3.runs, { none: 'no regularization', dropout: 'dropout', dropoutL2: 'dropout + L2' });

  // 4. Rates 0, 0.3, 0.5, 0.7 for 60 epochs: validation curves.
  const r4 = (await runAndCount(page, 'dropout-rates', ['dropout-rates-chart'], 4 * 60)) as CompareResult;
  expect(Object.keys(r4.runs)).toEqual(['p=0', 'p=0.3', 'p=0.5', 'p=0.7']);
  const c4 = await compareRuns({ ...cpuBase, epochs: demo.rateEpochs, variants: rateVariants([...demo.rates]) });
  for (const k of Object.keys(c4.runs)) expectSameRun(r4.runs[k]!, c4.runs[k]!, 140, 60, `exercise 4 ${k}`);
  await expectTable(page, 'do4', r4.runs, { 'p=0': 'dropout = 0', 'p=0.3': 'dropout = 0.3', 'p=0.5': 'dropout = 0.5', 'p=0.7': 'dropout = 0.7' });

  expect(await page.$eval('details.code pre', (e) => e.textContent)).toContain('export async function trainRun');
  await page.screenshot({ path: `${SCREENSHOTS}/dropout.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});

it('dropout: Stop ends a run within a second, Run works again, and the Exercise preset runs', async () => {
  const { page, problems } = await openPage(site, '/dropout/');

  // Stop exercise 3 (240 epochs in all) while it trains: a second in, and after its chart has
  // drawn a few epochs, so that the first epoch's pipelines (about a second each to compile on
  // SwiftShader) are not what is timed. Timed in the page, as the other pages' Stop tests are,
  // without the round trips of driving it.
  const before = (await chartUpdates(page))['regularization-chart'] ?? 0;
  await page.evaluate(() => delete window.__results.regularization);
  await page.click('[data-run="regularization"]');
  await new Promise((r) => setTimeout(r, 1000));
  await page.waitForFunction((n) => (window.__chartUpdates['regularization-chart'] ?? 0) >= n + 3, { timeout: 60_000 }, before);
  const stopMs = await page.evaluate(async () => {
    const t0 = performance.now();
    (document.querySelector('[data-stop="regularization"]') as HTMLButtonElement).click();
    while (!('regularization' in window.__results)) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  });
  expect(stopMs).toBeLessThan(1000);
  const stopped = (await page.evaluate(() => window.__results.regularization)) as CompareResult;
  expect(stopped.stopped).toBe(true);
  expect(stopped.epochsRun).toBeLessThan(240);
  // The partial result holds what the chart drew: the variants started so far, the last cut short.
  const partial = Object.values(stopped.runs);
  expect(partial.length).toBeGreaterThan(0);
  expect(partial.at(-1)!.stopped).toBe(true);
  expect(partial.reduce((s, r) => s + r.valAcc.length, 0)).toBe(stopped.epochsRun);
  expect(await page.$eval('[data-status="regularization"]', (e) => e.textContent)).toMatch(/^Stopped/);
  // The table lists what ran before the Stop.
  await expectTable(page, 'do3', stopped.runs, { none: 'no regularization', dropout: 'dropout', dropoutL2: 'dropout + L2' });

  // Run again, to the end: the same numbers as an uninterrupted CPU run.
  const again = (await runAndCount(page, 'regularization', ['regularization-chart'], 240)) as CompareResult;
  expect(again).toMatchObject({ stopped: false, epochsRun: 240 });
  const cpu = await compareRuns({ ...cpuBase, epochs: demo.epochs, variants: regularizationVariants(0.5, 0.02) });
  for (const k of Object.keys(cpu.runs)) expectSameRun(again.runs[k]!, cpu.runs[k]!, 140, 60, `exercise 3 after Stop, ${k}`);

  // The Exercise preset: seed 11, 180 points, 60/40, RegNet 2-28-2 with p 0.4, lr 0.07, 60 epochs.
  await page.select('#do-preset', 'exercise');
  await page.waitForFunction(() => document.querySelector('#do-data-summary')?.textContent?.startsWith('180 '), { timeout: 5000 });
  expect(await page.$eval('#do-data-summary', (e) => e.textContent)).toBe('180 points: 108 train (72 of class 1), 72 validation (48 of class 1).');
  // The texts that quote the split follow it (the exercise code validates on 72 points).
  expect(await text(page, '#do3-val-note')).toBe('With 72 validation points, each one is worth 1.4 percentage points of validation accuracy, so read differences of one or two points as noise.');
  expect(await text(page, '#do4-size-note')).toBe('Here: one hidden layer of 28 units for 108 training points.');
  expect(await page.$eval('#do1-p', (e) => (e as HTMLInputElement).value)).toBe('0.4');
  const ex = PRESETS.exercise;
  const exData = await makeData(ex.data);
  const r1 = (await runAndCount(page, 'dropout-accuracy', ['dropout-accuracy-chart'], 60)) as RunResult;
  const c1 = await trainRun({ data: exData, net: ex.net, lr: ex.lr, pdrop: ex.pdrop, weightDecay: 0, epochs: ex.epochs });
  expectSameRun(r1, c1, 108, 72, 'exercise preset, exercise 1');
  // Exercise 4's preset rates (0, 0.2, 0.5, 0.7, 40 epochs) rebuild the chart with their legend.
  const r4 = (await runAndCount(page, 'dropout-rates', ['dropout-rates-chart'], 4 * 40)) as CompareResult;
  expect(Object.keys(r4.runs)).toEqual(['p=0', 'p=0.2', 'p=0.5', 'p=0.7']);
  const c4 = await compareRuns({ data: exData, net: ex.net, lr: ex.lr, epochs: ex.rateEpochs, variants: rateVariants([...ex.rates]) });
  for (const k of Object.keys(c4.runs)) expectSameRun(r4.runs[k]!, c4.runs[k]!, 108, 72, `exercise preset, exercise 4 ${k}`);
  expect(problems).toEqual([]);
  await page.close();
});
