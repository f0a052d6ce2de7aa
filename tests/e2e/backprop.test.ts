// The backpropagation page in headless Chromium on WebGPU: the hand calculation, autograd
// beside it (equal to 1e-6, the check), gradient flow and the sigmoid-vs-ReLU
// vanishing run with live charts, Stop, and every published number against a CPU run of the
// same module in this Node process.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite, setInput } from './harness.ts';
import type { Site } from './harness.ts';
import { DEMO_INPUTS, EXERCISE_INPUTS, autogradBackprop, manualBackprop } from '../../demos/backprop/worked.ts';
import type { ManualResult, SideBySide, WorkedInputs } from '../../demos/backprop/worked.ts';
import { FLOW_DEMO, runGradientFlow } from '../../demos/backprop/flow.ts';
import type { FlowResult } from '../../demos/backprop/flow.ts';
import { VANISHING_DEMO, runVanishing } from '../../demos/backprop/vanishing.ts';
import type { VanishingResult } from '../../demos/backprop/vanishing.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

/**
 * GPU (float32, WGSL, its own summation order) vs CPU (float32) for a whole training run. On
 * the CPU, float32 against float64 drifts by at most 2e-5 relative (flow) and 1.4e-4
 * (vanishing; the sigmoid net's layer-1 gradients are ~1e-7 and its Adam steps amplify
 * rounding) over the lesson's 60 and 30 epochs. Two float32 runs that differ only in
 * summation order drift by the same order, so 2e-3 relative leaves 10x headroom while still
 * catching any real difference (a wrong gradient moves these numbers by O(1)).
 */
const TRAIN_REL = 2e-3;
function expectSeries(page: number[], node: number[], what: string, rel = TRAIN_REL): void {
  expect(page, what).toHaveLength(node.length);
  page.forEach((v, i) => expect(Math.abs(v - node[i]!) <= rel * Math.abs(node[i]!) + 1e-12, `${what}[${i}]: page ${v} vs node ${node[i]}`).toBe(true));
}
/** Accuracy is a count of points: a borderline point may flip between backends, one at most. */
function expectAccuracy(page: number[], node: number[], n: number, what: string): void {
  page.forEach((v, i) => expect(Math.abs(v - node[i]!), `${what}[${i}]`).toBeLessThanOrEqual(1 / n + 1e-6));
}

async function setPreset(page: Page, id: string, value: string): Promise<void> {
  await page.select(`#${id}`, value);
}

const flat = (m: { dW1: number[][]; dW2: number[] }): number[] => [...m.dW1.flat(), ...m.dW2];

async function checkWorked(page: Page, inputs: WorkedInputs): Promise<void> {
  // Exercise 1: plain JS in both places, the same V8 arithmetic: equal to the last bits.
  const manual = (await runExercise(page, 'manual')) as ManualResult & { inputs: WorkedInputs };
  expect(manual.inputs).toEqual(inputs);
  const node = manualBackprop(inputs);
  flat(manual).forEach((v, i) => expect(v).toBeCloseTo(flat(node)[i]!, 14));
  expect(manual.loss).toBeCloseTo(node.loss, 14);
  expect(await page.$$eval('#bp-manual-table tr[data-row]', (rows) => rows.length)).toBe(16);

  // Exercise 2: autograd on WebGPU equals the manual numbers to 1e-6 (the check).
  const side = (await runExercise(page, 'autograd')) as SideBySide;
  expect(side.rows).toHaveLength(13);
  for (const r of side.rows) expect(Math.abs(r.autograd - r.manual), r.name).toBeLessThan(1e-6);
  expect(side.maxDiff).toBeLessThan(1e-6);
  flat(side.manual).forEach((v, i) => expect(v).toBeCloseTo(flat(node)[i]!, 14));
  expect(await page.$eval('#bp-verdict', (e) => e.textContent)).toMatch(/a match/);
  // ...and the same engine code on the CPU in Node: both float32, each within ~3e-7 of
  // float64, so within 1e-6 of each other.
  const cpu = await autogradBackprop(inputs);
  flat(side.autograd).forEach((v, i) => expect(Math.abs(v - flat(cpu)[i]!)).toBeLessThan(1e-6));
  expect(Math.abs(side.autograd.loss - cpu.loss)).toBeLessThan(1e-6);
}

it('backprop: by hand = autograd to 1e-6, gradient flow and vanishing run live and equal a CPU run', async () => {
  const { page, problems } = await openPage(site, '/backprop/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);

  // ---- exercises 1 and 2: the lesson's demo, then the Exercise preset (a dead ReLU unit) ----
  await checkWorked(page, DEMO_INPUTS);
  await setPreset(page, 'bp-preset', 'Exercise');
  await checkWorked(page, EXERCISE_INPUTS);
  const dead = (await page.evaluate(() => window.__results.autograd)) as SideBySide;
  expect(Math.abs(dead.autograd.dW1[0][1])).toBe(0);
  expect(Math.abs(dead.autograd.dW2[1])).toBe(0);
  // An edited weight: the table follows, and Run uses it.
  await setInput(page, 'bp-w2-1', 0.25);
  await checkWorked(page, { ...EXERCISE_INPUTS, W2: [0.6, 0.25] });
  await setPreset(page, 'bp-preset', 'Demo (lesson)');
  await checkWorked(page, DEMO_INPUTS);

  // ---- exercise 3: gradient flow, the lesson's demo settings (60 epochs: a few seconds) -------
  const f0 = await chartUpdates(page);
  const flow = (await runExercise(page, 'flow')) as FlowResult;
  const f1 = await chartUpdates(page);
  // A reset, then one append per epoch.
  for (const id of ['flow-grads', 'flow-loss']) expect(f1[id]! - f0[id]!, id).toBeGreaterThanOrEqual(FLOW_DEMO.epochs);
  expect(flow).toMatchObject({ seed: 11, n: 200, hidden: 10, lr: 0.1, epochs: 60, epochsRun: 60, stopped: false, nullGrads: 0 });
  const flowCpu = await runGradientFlow(FLOW_DEMO);
  expectSeries(flow.loss, flowCpu.loss, 'flow loss');
  expectSeries(flow.fc1, flowCpu.fc1, 'flow fc1');
  expectSeries(flow.fc2, flowCpu.fc2, 'flow fc2');
  expectAccuracy(flow.accuracy, flowCpu.accuracy, FLOW_DEMO.n, 'flow accuracy');

  // Stop: 2000 epochs asked; press Stop after a second and a half; the run must end within a
  // second with what it recorded, and Run must work again.
  await setInput(page, 'flow-epochs', 2000);
  await page.evaluate(() => delete window.__results.flow);
  await page.click('[data-run="flow"]');
  await new Promise((r) => setTimeout(r, 1500));
  const stopMs = await page.evaluate(async () => {
    const t0 = performance.now();
    (document.querySelector('[data-stop="flow"]') as HTMLButtonElement).click();
    while (!('flow' in window.__results)) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  });
  expect(stopMs).toBeLessThan(1000);
  const stopped = (await page.evaluate(() => window.__results.flow)) as FlowResult;
  expect(stopped.stopped).toBe(true);
  expect(stopped.epochsRun).toBeGreaterThan(0);
  expect(stopped.epochsRun).toBeLessThan(2000);
  expect(await page.$eval('[data-status="flow"]', (e) => e.textContent)).toMatch(/^Stopped/);
  // The epochs it did run are the start of the same run.
  const k = Math.min(stopped.epochsRun, FLOW_DEMO.epochs);
  expectSeries(stopped.loss.slice(0, k), flowCpu.loss.slice(0, k), 'stopped flow loss');
  await setInput(page, 'flow-epochs', FLOW_DEMO.epochs);
  const again = (await runExercise(page, 'flow')) as FlowResult;
  expect(again.epochsRun).toBe(60);
  expectSeries(again.loss, flowCpu.loss, 'flow loss after Stop');

  // ---- exercise 4: vanishing gradients, the lesson's demo settings (30 epochs x 2 nets) -------
  const v = (await runExercise(page, 'vanishing')) as VanishingResult;
  const v1 = await chartUpdates(page);
  // The charts are rebuilt at the start of the run (counts from 0), then fed every epoch.
  for (const id of ['van-sigmoid-layers', 'van-relu-layers', 'van-profile', 'van-mean', 'van-loss']) expect(v1[id]!, id).toBeGreaterThanOrEqual(VANISHING_DEMO.epochs);
  expect(v).toMatchObject({ depth: 6, hidden: 32, lr: 0.07, epochs: 30, epochsRun: 30, stopped: false });
  const vCpu = await runVanishing(VANISHING_DEMO);
  for (const a of ['sigmoid', 'relu'] as const) {
    const h = v.history[a]!;
    const c = vCpu.history[a]!;
    expectSeries(h.loss, c.loss, `${a} loss`);
    expectSeries(h.perLayer.flat(), c.perLayer.flat(), `${a} per-layer mean |grad|`);
    expectSeries(h.mean, c.mean, `${a} mean over layers`);
    expectAccuracy(h.accuracy, c.accuracy, VANISHING_DEMO.n, `${a} accuracy`);
  }
  // What the page shows: the sigmoid net's first layer far below its last, ReLU's not.
  expect(v.firstOverLast.sigmoid!).toBeLessThan(0.01);
  expect(v.firstOverLast.relu!).toBeGreaterThan(0.1);
  expect(await page.$eval('#van-summary', (e) => e.textContent)).toMatch(/sigmoid net/);

  expect(await page.$$eval('details.code pre', (es) => es.map((e) => e.textContent ?? ''))).toEqual([
    expect.stringContaining('export async function autogradBackprop'),
    expect.stringContaining('export async function runGradientFlow'),
    expect.stringContaining('export async function runVanishing'),
  ]);
  await page.screenshot({ path: `${SCREENSHOTS}/backprop.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});
