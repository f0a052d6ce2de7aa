// The activations page (Part 3.4) in headless Chromium on WebGPU: every section runs with
// its charts fed live, the derivatives appear on demand, the Exercise presets apply, Stop
// stops within a second and Run works again, every number the page publishes equals a
// CPU run of the same module in this Node process, Demo 2's first losses equal the lesson's
// PyTorch run (tests/fixtures/torch/activations.json), and the prose computed from a run
// (the starting losses, the mean-|grad| formula's count) follows the run and the settings.
//
// Run lengths: the lesson's defaults are short enough for SwiftShader (80 epochs of four
// 2-8-2 nets is 320 small steps, a few seconds), so every section runs with the page's own
// defaults; only the Stop check asks for a long run (2000 epochs) so there is one to stop.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite, setInput } from './harness.ts';
import type { Site } from './harness.ts';
import { ACTIVATIONS } from '../../demos/activations/nets.ts';
import { activationCurves } from '../../demos/activations/curves.ts';
import type { CurvesResult } from '../../demos/activations/curves.ts';
import { DEMO2, DEMO3, compareActivations } from '../../demos/activations/compare.ts';
import type { CompareResult } from '../../demos/activations/compare.ts';
import { EXERCISE4, swapActivation } from '../../demos/activations/swap.ts';
import type { SwapResult } from '../../demos/activations/swap.ts';

/** The lesson's PyTorch run (tests/fixtures/torch/activations.py): Demo 2's first losses. */
const torchDemo2 = (JSON.parse(readFileSync(new URL('../fixtures/torch/activations.json', import.meta.url), 'utf8')) as { demos: { demo2: { losses: Record<string, { first: number[] }> } } }).demos.demo2;

let site: Site;
beforeAll(async () => {
  site = await startSite();
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

/**
 * Activation values and slopes: one float32 evaluation per point on both sides, but WGSL's
 * exp and tanh are not correctly rounded (the spec allows a few ulps, more for tanh near 0
 * where it is computed through exp). Values here are at most 5 in size, so 1e-5 absolute is
 * a few dozen ulps at most and far below anything visible or any wrong formula.
 */
const CURVE_TOL = 1e-5;
/**
 * Training losses and gradient means: the same float32 arithmetic in a different order
 * (GPU reductions are trees, the CPU's are sequential) and WGSL's inexact exp/log differ in
 * the last bits, and Adam's updates carry such differences forward for 60-80 steps. On
 * SwiftShader the worst relative difference over all curves was 2.9e-5 (the LeakyReLU
 * net's gradient means; losses stayed below 2e-6; this test logs each curve's worst), so
 * 1e-3 relative (plus a tiny absolute term for values near 0) leaves room for real GPUs'
 * different exp/log while still catching any real difference in data, init,
 * hyperparameters or the swap epoch, which move the curves by 1e-2 and more.
 */
const TRAIN_REL = 1e-3;

function expectClose(page: number[], node: number[], rel: number, abs: number, what: string): void {
  expect(page, what).toHaveLength(node.length);
  let worst = 0;
  for (let i = 0; i < node.length; i++) {
    const d = Math.abs(page[i]! - node[i]!);
    worst = Math.max(worst, d / Math.max(Math.abs(node[i]!), 1e-12));
    if (!(d <= abs + rel * Math.abs(node[i]!))) throw new Error(`${what}[${i}]: page ${page[i]} vs node ${node[i]}`);
  }
  console.log(`${what}: worst relative difference ${worst.toExponential(2)}`);
}

/** Run a section and check that every one of its charts was fed at least `min` times. */
async function runWithCharts(page: Page, id: string, charts: string[], min: number, click?: string): Promise<unknown> {
  const before = await chartUpdates(page);
  let r: unknown;
  if (click) {
    await page.evaluate((i) => delete window.__results[i], id);
    await page.click(click);
    await page.waitForFunction((i) => i in window.__results, { timeout: 300_000, polling: 100 }, id);
    r = await page.evaluate((i) => window.__results[i], id);
  } else {
    r = await runExercise(page, id);
  }
  const after = await chartUpdates(page);
  for (const c of charts) expect(after[c]! - (before[c] ?? 0), `${c} updates`).toBeGreaterThanOrEqual(min);
  return r;
}

it('activations: four sections on WebGPU, live charts, presets, Stop, numbers equal a CPU run', async () => {
  const { page, problems } = await openPage(site, '/activations/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);

  // ---- 1. curves: values only, then derivatives on demand -----------------------------------
  const plain = (await runWithCharts(page, 'curves', ['curves-values'], 4)) as CurvesResult;
  expect(plain.derivatives).toBeNull();
  expect(await page.$eval('#curves-derivative-panel', (e) => (e as HTMLElement).hidden)).toBe(true);
  const curves = (await runWithCharts(page, 'curves', ['curves-values', 'curves-derivatives'], 4, '#curves-show-derivatives')) as CurvesResult;
  expect(await page.$eval('#curves-derivative-panel', (e) => (e as HTMLElement).hidden)).toBe(false);
  const cpuCurves = await activationCurves({ alpha: 0.1, derivatives: true });
  expect(curves.alpha).toBe(0.1);
  expect(curves.z).toEqual(cpuCurves.z);
  for (const act of ACTIVATIONS) {
    expectClose(curves.values[act]!, cpuCurves.values[act]!, 0, CURVE_TOL, `curves ${act}`);
    expectClose(curves.derivatives![act]!, cpuCurves.derivatives![act]!, 0, CURVE_TOL, `curves ${act}'`);
  }
  // Alpha is editable: the leak's slope follows it.
  await setInput(page, 'curves-alpha', 0.25);
  const leaky = (await runExercise(page, 'curves')) as CurvesResult;
  expect(leaky.derivatives!.leakyrelu![0]).toBeCloseTo(0.25, 6);
  expect(leaky.values.leakyrelu![0]).toBeCloseTo(-1.25, 5);

  // ---- 2. compare: Stop first, then the lesson's run --------------------------------------------
  await setInput(page, 'compare-epochs', 2000);
  await page.evaluate(() => delete window.__results.compare);
  await page.click('[data-run="compare"]');
  await new Promise((r) => setTimeout(r, 1500));
  const stopMs = await page.evaluate(async () => {
    const t0 = performance.now();
    (document.querySelector('[data-stop="compare"]') as HTMLButtonElement).click();
    while (!('compare' in window.__results)) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  });
  expect(stopMs).toBeLessThan(1000);
  const stopped = (await page.evaluate(() => window.__results.compare)) as CompareResult;
  expect(stopped.stopped).toBe(true);
  expect(stopped.epochsRun).toBeGreaterThan(0);
  expect(stopped.epochsRun).toBeLessThan(2000);
  expect(await page.$eval('[data-status="compare"]', (e) => e.textContent)).toMatch(/^Stopped/);
  expect(await page.$eval('[data-run="compare"]', (b) => (b as HTMLButtonElement).disabled)).toBe(false);

  await setInput(page, 'compare-epochs', DEMO2.epochs);
  const compare = (await runWithCharts(page, 'compare', ['compare-loss'], 10)) as CompareResult;
  expect(compare).toMatchObject({ stopped: false, epochsRun: 80 });
  expect(compare.settings).toMatchObject({ seed: 3, n: 100, rule: 'sum', hidden: 8, lr: 0.08, epochs: 80, slope: 0.05 });
  const cpuCompare = await compareActivations();
  for (const act of ACTIVATIONS) expectClose(compare.losses[act]!, cpuCompare.losses[act]!, TRAIN_REL, 1e-6, `compare ${act}`);
  // The lesson's own numbers: PyTorch's first epochs, on WebGPU as on the CPU.
  for (const act of ACTIVATIONS) {
    const want = torchDemo2.losses[act]!.first;
    expectClose(compare.losses[act]!.slice(0, want.length), want, TRAIN_REL, 1e-6, `compare ${act} vs PyTorch`);
  }
  // What the page says about the start is this run's: lowest and highest first loss, against ln 2.
  const starts = ACTIVATIONS.map((a) => [a, compare.losses[a]![0]!] as const).sort((p, q) => p[1] - q[1]);
  const label = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'ReLU', leakyrelu: 'LeakyReLU' };
  const startText = await page.$eval('#compare-start', (e) => e.textContent ?? '');
  expect(startText).toContain(`between ${starts[0]![1].toPrecision(4)} (${label[starts[0]![0]]}) and ${starts[3]![1].toPrecision(4)} (${label[starts[3]![0]]})`);
  expect(startText).toContain('ln 2 ≈ 0.6931');
  // The stopped run was the same computation: its epochs equal the full run's first ones.
  for (const act of ACTIVATIONS) {
    const n = Math.min(stopped.epochsRun, 80);
    expectClose(stopped.losses[act]!.slice(0, n), cpuCompare.losses[act]!.slice(0, n), TRAIN_REL, 1e-6, `stopped ${act}`);
  }

  // ---- 3. gradients --------------------------------------------------------------------------
  const grads = (await runWithCharts(page, 'gradients', ['gradients-mean', 'gradients-loss'], 10)) as CompareResult;
  expect(grads.settings).toMatchObject({ lr: DEMO3.lr, epochs: DEMO3.epochs, recordGrad: true });
  const cpuGrads = await compareActivations({ recordGrad: true });
  for (const act of ACTIVATIONS) {
    expectClose(grads.grads![act]!, cpuGrads.grads![act]!, TRAIN_REL, 1e-7, `gradients ${act}`);
    expectClose(grads.losses[act]!, cpuGrads.losses[act]!, TRAIN_REL, 1e-6, `gradients loss ${act}`);
  }

  // The mean-|grad| formula counts fc1.weight's entries for the settings: 8 x 2, 6 x 2 for the Exercise.
  const formula = () => page.$eval('#gradients-formula annotation', (e) => e.textContent ?? '');
  expect(await formula()).toContain(String.raw`g_t = \frac{1}{8\cdot 2}`);
  await page.select('#gradients-preset', 'Exercise 3');
  expect(await formula()).toContain(String.raw`g_t = \frac{1}{6\cdot 2}`);
  // Typed by hand (setInput writes the value; the change event is what a learner's edit sends).
  await setInput(page, 'gradients-hidden', 11);
  await page.$eval('#gradients-hidden', (e) => e.dispatchEvent(new Event('change')));
  expect(await formula()).toContain(String.raw`g_t = \frac{1}{11\cdot 2}`);
  await page.select('#gradients-preset', 'Demo 3');

  // ---- 4. swap: the Demo, then the Exercise preset through the page's select ------------------
  const swap = (await runWithCharts(page, 'swap', ['swap-loss'], 10)) as SwapResult;
  expect(swap.settings).toMatchObject({ swapAfter: 35, epochs: 60, lr: 0.08 });
  const cpuSwap = await swapActivation();
  expectClose(swap.losses, cpuSwap.losses, TRAIN_REL, 1e-6, 'swap');
  expectClose(swap.baseline!, cpuSwap.baseline!, TRAIN_REL, 1e-6, 'swap baseline');
  expect(await page.$eval('#swap-info', (e) => e.textContent)).toMatch(/epoch 35 \(last tanh epoch\)/);

  await page.select('#swap-preset', 'Exercise 4');
  expect(await page.$eval('#swap-swap', (e) => (e as HTMLInputElement).value)).toBe('30');
  expect(await page.$eval('#swap-lr', (e) => (e as HTMLInputElement).value)).toBe('0.11');
  const ex4 = (await runWithCharts(page, 'swap', ['swap-loss'], 10)) as SwapResult;
  expect(ex4.settings).toMatchObject({ ...EXERCISE4 });
  const cpuEx4 = await swapActivation({ ...EXERCISE4 });
  expectClose(ex4.losses, cpuEx4.losses, TRAIN_REL, 1e-6, 'swap Exercise 4');
  // Back to the Demo for the screenshot.
  await page.select('#swap-preset', 'Demo 4');
  await runExercise(page, 'swap');

  expect(await page.$$eval('details.code pre', (es) => es.map((e) => e.textContent ?? ''))).toEqual(
    expect.arrayContaining([expect.stringContaining('export async function compareActivations'), expect.stringContaining('export async function swapActivation')]),
  );
  await page.screenshot({ path: `${SCREENSHOTS}/activations.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
}, 600_000);
