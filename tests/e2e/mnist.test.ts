// The MNIST page in headless Chromium on WebGPU: the IDX files stream in with progress, the
// seeded split equals Node's, Stop stops training within a second, a run with the page's
// defaults (784-128-10, Adam 1e-3, batch 128, 5 epochs) reaches about 92% test accuracy (as
// the page says) with the charts, the confusion matrix, the digit grids and the per-epoch
// table updated live, and every number the page publishes equals a CPU run of the same
// module and seed in this Node process, PyTorch's shuffle order included.
// The defaults are the lesson's: on SwiftShader an epoch (63 steps) takes about 4 s (60 ms a
// step on a 2-core machine), so the whole test takes about a minute; nothing is shortened,
// since the point is the defaults' accuracy.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { data, setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { IMAGES_FILE, LABELS_FILE } from '../../scripts/build-mnist.mjs';
import { fromIdx, splitMnist, trainMnist } from '../../demos/mnist/mnist.ts';
import type { Example, TrainResult } from '../../demos/mnist/mnist.ts';
import { epochCells, runSummary, scaleNote } from '../../demos/mnist/report.ts';

type PageTrain = Omit<TrainResult, 'final'> & { splitSeed: number; finalTestAccuracy: number; confusion: number[][]; correct: Example[]; wrong: Example[] };

let site: Site;
beforeAll(async () => {
  site = await startSite(); // the global setup wrote the IDX files (scripts/build-mnist.mjs)
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

it('mnist: streams the digits, trains to >= 90% on WebGPU with live charts, Stop works, equals a CPU run', async () => {
  const { page, problems } = await openPage(site, '/mnist/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);

  const ds = fromIdx(data.parseIdxPair(readFileSync(IMAGES_FILE), readFileSync(LABELS_FILE)));
  const split = splitMnist(ds, { seed: 0, trainSize: 8000 });

  // ---- Stop during the download: Stop in the same task as Run, so the fetch is in flight -------
  // The fetch rejects on abort: the training section says no epoch ran; the data section lets
  // the rejection through, and the page's safety net publishes it as { stopped: true }.
  const stopAtOnce = (id: string): Promise<unknown> =>
    page.evaluate(async (id) => {
      delete window.__results[id];
      (document.querySelector(`[data-run="${id}"]`) as HTMLButtonElement).click();
      (document.querySelector(`[data-stop="${id}"]`) as HTMLButtonElement).click();
      while (!(id in window.__results)) await new Promise((r) => setTimeout(r, 10));
      return window.__results[id];
    }, id);
  expect(await stopAtOnce('mnist-train')).toEqual({ hidden: 128, lr: 0.001, batchSize: 128, epochs: 5, seed: 0, stopped: true, epochsRun: 0 });
  expect(await stopAtOnce('mnist-data')).toEqual({ stopped: true });
  for (const id of ['mnist-train', 'mnist-data']) {
    expect(await page.$eval(`[data-status="${id}"]`, (e) => e.textContent), id).toMatch(/^Stopped in /);
    expect(await page.$eval(`[data-run="${id}"]`, (b) => (b as HTMLButtonElement).disabled), id).toBe(false);
  }

  // ---- 1. data: streamed with progress, then the same seeded split as in Node -----------------
  // Watch the status line while the 7.8 MB arrive: the progress text must change several times.
  await page.evaluate(() => {
    const w = window as unknown as { __statusSeen: string[] };
    w.__statusSeen = [];
    const status = document.querySelector('[data-status="mnist-data"]')!;
    new MutationObserver(() => w.__statusSeen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
  });
  const d = (await runExercise(page, 'mnist-data')) as Record<string, unknown>;
  const seen = await page.evaluate(() => (window as unknown as { __statusSeen: string[] }).__statusSeen);
  expect(seen.filter((t) => t.startsWith('downloading digits')).length).toBeGreaterThanOrEqual(2);
  expect(seen.some((t) => /downloading digits: 7\.9 of 7\.9 MB/.test(t))).toBe(true);
  const tally = (y: Int32Array): number[] => Array.from({ length: 10 }, (_, k) => y.filter((v) => v === k).length);
  expect(d).toEqual({
    stopped: false,
    count: 10000,
    seed: 0,
    trainSize: 8000,
    testSize: 2000,
    trainCounts: tally(split.train.y),
    testCounts: tally(split.test.y),
    firstTrain: Array.from(split.train.index.subarray(0, 24)),
    firstTrainLabels: Array.from(split.train.y.subarray(0, 24)),
  });
  expect((d.trainCounts as number[]).every((c) => c > 600)).toBe(true); // every digit is there
  const afterData = await chartUpdates(page);
  expect(afterData['mnist-counts']).toBeGreaterThanOrEqual(1);
  expect(afterData['mnist-samples']).toBeGreaterThanOrEqual(1);

  // ---- Stop: mid-training, within a second; then Run again works ------------------------------
  await page.evaluate(() => delete window.__results['mnist-train']);
  await page.click('[data-run="mnist-train"]');
  await page.waitForFunction(() => /step ([3-9]|\d\d+) of/.test(document.querySelector('[data-status="mnist-train"]')!.textContent ?? ''), { timeout: 120_000, polling: 50 });
  const t0 = Date.now();
  await page.click('[data-stop="mnist-train"]');
  await page.waitForFunction(() => 'mnist-train' in window.__results, { timeout: 10_000, polling: 20 });
  const stopMs = Date.now() - t0;
  const stopped = (await page.evaluate(() => window.__results['mnist-train'])) as PageTrain;
  console.log(`stopped after ${stopped.stepLosses.length} steps, result in ${stopMs} ms`);
  expect(stopMs).toBeLessThan(1000);
  expect(stopped.stopped).toBe(true);
  expect(stopped.epochsRun).toBe(0);
  expect(await page.$eval('[data-status="mnist-train"]', (e) => e.textContent)).toMatch(/^Stopped/);

  // ---- the step counts against the lesson's follow the settings; the Longer preset ---------------
  expect(await page.$eval('#mnist-scale', (e) => e.textContent)).toBe(scaleNote(8000, 128, 5));
  expect(await page.$eval('#mnist-scale', (e) => e.textContent)).toContain('63 Adam steps per epoch, 315 in 5 epochs');
  const presets = await page.$$eval('#mnist-preset option', (os) => os.map((o) => (o as HTMLOptionElement).value));
  const longer = presets.find((p) => p.startsWith('Longer'))!;
  expect(longer).toBe("Longer (37 epochs, the lesson's 2,345 steps)");
  await page.select('#mnist-preset', longer);
  expect(await page.$eval('#mnist-epochs', (e) => (e as HTMLInputElement).value)).toBe('37');
  expect(await page.$eval('#mnist-scale', (e) => e.textContent)).toContain('63 Adam steps per epoch, 2,331 in 37 epochs');
  await page.select('#mnist-preset', 'Lesson (demo)');
  expect(await page.$eval('#mnist-epochs', (e) => (e as HTMLInputElement).value)).toBe('5');

  // ---- 2-4. the defaults, to the end ------------------------------------------------------------
  const before = await chartUpdates(page);
  const started = Date.now();
  const r = (await runExercise(page, 'mnist-train', 540_000)) as PageTrain;
  const after = await chartUpdates(page);
  console.log(`trained in ${Date.now() - started} ms (${r.msPerStep.toFixed(0)} ms/step): train ${JSON.stringify(r.trainAccuracy)}, test ${JSON.stringify(r.testAccuracy)}`);
  expect(r).toMatchObject({ hidden: 128, lr: 0.001, batchSize: 128, epochs: 5, seed: 0, splitSeed: 0, trainSize: 8000, testSize: 2000, stepsPerEpoch: 63, epochsRun: 5, stopped: false });
  expect(r.finalTestAccuracy).toBeGreaterThanOrEqual(0.9);
  // The page explains why the test accuracy stops "near 92%" here: it does.
  expect(Math.abs(r.finalTestAccuracy - 0.92)).toBeLessThanOrEqual(0.01);
  expect(r.testAccuracy.at(-1)).toBe(r.finalTestAccuracy);
  // The lesson's per-epoch lines: a table row per epoch with train loss, train and test accuracy.
  expect(r.trainLoss).toHaveLength(5);
  expect(r.trainAccuracy).toHaveLength(5);
  const rows = await page.$$eval('#mnist-epoch-log tr[data-epoch]', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
  expect(rows).toEqual([0, 1, 2, 3, 4].map((e) => epochCells(r, e)));
  expect(await page.$eval('#mnist-run-summary', (e) => e.textContent)).toBe(runSummary(r, 63, r.msPerStep, 37 * 63));
  expect(r.stepLosses).toHaveLength(5 * 63);
  // Live: the loss chart every couple of steps, the rest after each of the 6 evaluations.
  expect(after['mnist-loss']! - before['mnist-loss']!).toBeGreaterThanOrEqual(100);
  for (const id of ['mnist-accuracy', 'mnist-confusion', 'mnist-correct', 'mnist-wrong']) expect(after[id]! - before[id]!, id).toBeGreaterThanOrEqual(6);
  expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2000);
  expect(r.correct).toHaveLength(16);
  expect(r.wrong).toHaveLength(16);
  for (const e of r.correct) expect(e.pred).toBe(e.label);
  for (const e of r.wrong) expect(e.pred).not.toBe(e.label);
  expect(await page.$eval('[data-confusion-caption]', (e) => e.textContent)).toContain(`After epoch 5: test accuracy ${(r.finalTestAccuracy * 100).toFixed(2)}%`);

  // ---- the same run on the CPU in Node ---------------------------------------------------------
  const cpu = await trainMnist(split, { hidden: 128, lr: 1e-3, batchSize: 128, epochs: 5, seed: 0 });
  console.log(`cpu: train ${JSON.stringify(cpu.trainAccuracy)}, test ${JSON.stringify(cpu.testAccuracy)}`);
  // Same initial weights and shuffles (drawn on the host by PyTorch's generator, seeded with 0):
  // the same epoch orders, and the untrained net's predictions and the first losses agree to
  // float32 rounding (different summation orders in the 784-long dot products).
  expect(r.epochOrderHeads).toEqual(cpu.epochOrderHeads);
  expect(r.initialTestAccuracy).toBe(cpu.initialTestAccuracy);
  for (let i = 0; i < 10; i++) expect(Math.abs(r.stepLosses[i]! - cpu.stepLosses[i]!), `step ${i + 1} loss`).toBeLessThanOrEqual(1e-4 * cpu.stepLosses[i]!);
  // Over 315 Adam steps those rounding differences grow (Adam divides by sqrt(v), which
  // magnifies them where gradients are tiny) but stay small: 1% of a loss, relative.
  r.stepLosses.forEach((l, i) => expect(Math.abs(l - cpu.stepLosses[i]!), `step ${i + 1} loss`).toBeLessThanOrEqual(1e-2 * cpu.stepLosses[i]! + 1e-4));
  // Accuracies are counts of argmax decisions: only digits whose two top logits are within
  // rounding of each other can flip. On the CPU, float32 and float64 runs of this net give the
  // very same accuracies epoch by epoch (checked with seeds 0 and 1), so we allow at most 3 flips:
  // 3/8000 for training accuracy and 3/2000 for test accuracy.
  r.trainAccuracy.forEach((a, e) => expect(Math.abs(a - cpu.trainAccuracy[e]!), `train epoch ${e + 1}`).toBeLessThanOrEqual(3 / 8000 + 1e-12));
  r.trainLoss.forEach((l, e) => expect(Math.abs(l - cpu.trainLoss[e]!), `train loss epoch ${e + 1}`).toBeLessThanOrEqual(1e-2 * cpu.trainLoss[e]!));
  r.testAccuracy.forEach((a, e) => expect(Math.abs(a - cpu.testAccuracy[e]!), `test epoch ${e + 1}`).toBeLessThanOrEqual(3 / 2000 + 1e-12));
  // The confusion matrix: the same rows (the true labels), at most 3 digits moved between cells.
  const moved = r.confusion.flat().reduce((s, v, i) => s + Math.abs(v - cpu.final.confusion.flat()[i]!), 0) / 2;
  expect(r.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(cpu.final.confusion.map((row) => row.reduce((a, b) => a + b, 0)));
  expect(moved).toBeLessThanOrEqual(3);
  if (moved === 0) expect({ correct: r.correct, wrong: r.wrong }).toEqual({ correct: cpu.final.correct, wrong: cpu.final.wrong });

  await page.evaluate(() => new Promise<void>((res) => (window.scrollTo(0, 0), requestAnimationFrame(() => requestAnimationFrame(() => res())))));
  await page.screenshot({ path: `${SCREENSHOTS}/mnist.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});

it("mnist: the Longer preset (37 epochs, the lesson's number of steps) does what the page says", async () => {
  // "test accuracy creeps up by a couple of points and then levels off, while training
  // accuracy heads for 100%": 2,331 steps, about two and a half minutes on SwiftShader.
  const { page, problems } = await openPage(site, '/mnist/');
  const longer = (await page.$$eval('#mnist-preset option', (os) => os.map((o) => (o as HTMLOptionElement).value))).find((p) => p.startsWith('Longer'))!;
  await page.select('#mnist-preset', longer);
  const started = Date.now();
  const r = (await runExercise(page, 'mnist-train', 540_000)) as PageTrain;
  console.log(`Longer: ${Date.now() - started} ms (${r.msPerStep.toFixed(0)} ms/step): test ${JSON.stringify(r.testAccuracy)}, final train ${r.trainAccuracy.at(-1)}`);
  expect(r).toMatchObject({ epochs: 37, epochsRun: 37, stopped: false, stepsPerEpoch: 63 });
  const atFive = r.testAccuracy[4]!;
  const best = Math.max(...r.testAccuracy);
  const lastTen = r.testAccuracy.slice(-10);
  // Up by a couple of points over the 5-epoch run (the first 5 epochs here are that run)...
  expect(best - atFive).toBeGreaterThanOrEqual(0.01);
  expect(best - atFive).toBeLessThanOrEqual(0.04);
  // ...then level: the last ten epochs within 1.5 points of each other, none of them better
  // than the best by construction, and the final one within a point of the best.
  expect(Math.max(...lastTen) - Math.min(...lastTen)).toBeLessThanOrEqual(0.015);
  expect(best - r.testAccuracy.at(-1)!).toBeLessThanOrEqual(0.01);
  // Training accuracy heads for 100%, far above test accuracy.
  expect(r.trainAccuracy.at(-1)!).toBeGreaterThanOrEqual(0.995);
  expect(r.trainAccuracy.at(-1)! - r.testAccuracy.at(-1)!).toBeGreaterThanOrEqual(0.03);
  expect(await page.$$eval('#mnist-epoch-log tr[data-epoch]', (trs) => trs.length)).toBe(37);
  expect(problems).toEqual([]);
  await page.close();
}, 600_000);
