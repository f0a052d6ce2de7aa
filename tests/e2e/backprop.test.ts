// The backpropagation page in headless Chromium on WebGPU: exercise 1 as a worksheet (typed
// answers checked against autograd, a wrong one reported, the worked solution hidden until
// asked for; backprop-exercise.test.ts checks that nothing gives the answers away before
// that), autograd beside the hand calculation (equal to 1e-6, the check),
// gradient flow and the sigmoid / ReLU / tanh vanishing run with live charts, Stop, and
// every published number against a CPU run of the same module in this Node process and
// against the lesson's PyTorch run (tests/fixtures/torch/backprop.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite, setInput } from './harness.ts';
import type { Site } from './harness.ts';
import { DEMO_INPUTS, EXERCISE_INPUTS, QUANTITIES, autogradBackprop, manualBackprop, manualValues } from '../../demos/backprop/worked.ts';
import type { QuantityValues, SideBySide, WorkedInputs } from '../../demos/backprop/worked.ts';
import type { AnswerReport, Answers } from '../../demos/backprop/answers.ts';
import { FLOW_DEMO, describeFlow, runGradientFlow } from '../../demos/backprop/flow.ts';
import type { FlowResult } from '../../demos/backprop/flow.ts';
import { DEEP_ACTIVATIONS, VANISHING_DEMO, describeRun, runVanishing } from '../../demos/backprop/vanishing.ts';
import type { VanishingResult } from '../../demos/backprop/vanishing.ts';

const torchRun = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/backprop.json', import.meta.url)), 'utf8')) as {
  demo3: { loss: number[]; fc1: number[]; fc2: number[] };
  demo4: { nets: Record<'sigmoid' | 'relu' | 'tanh', { loss: number[]; mean: number[] }> };
};

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
 * rounding) over the lesson's 60 and 30 epochs; our CPU run against PyTorch's (another
 * summation order) by 2.2e-5 and 1.2e-4. Two float32 runs that differ only in summation
 * order drift by the same order, so 2e-3 relative leaves 10x headroom while still catching
 * any real difference (a wrong gradient moves these numbers by O(1)). The tanh net's run is
 * chaotic after epoch 7 (its loss jumps, and a last-bit difference grows to O(1) by epoch
 * 9, CPU against PyTorch), so it is compared over its first TANH_EPOCHS epochs only.
 */
const TRAIN_REL = 2e-3;
const TANH_EPOCHS = 5;
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

async function solutionHidden(page: Page): Promise<boolean> {
  return page.$eval('#bp-solution', (e) => getComputedStyle(e).display === 'none' && (e as HTMLElement).offsetParent === null);
}

/** Type every quantity as a learner would (4 decimals), with one slip: dp/dz2 taken as p. */
async function typeAnswers(page: Page, hand: QuantityValues, slip: boolean): Promise<Answers> {
  const typed: Answers = {};
  for (const k of QUANTITIES) {
    const vals = hand[k].map((v) => Math.round(v * 1e4) / 1e4 || 0); // -0 typed is "0"
    if (slip && k === 'dp_dz2') vals[0] = Math.round(hand.p[0]! * 1e4) / 1e4;
    typed[k] = vals;
    for (const [i, v] of vals.entries()) await setInput(page, `ans-${k}-${i}`, v);
  }
  return typed;
}

interface CheckResult {
  inputs: WorkedInputs;
  answers: Answers;
  reference: QuantityValues;
  report: AnswerReport;
  solutionShown: boolean;
}

async function checkWorked(page: Page, inputs: WorkedInputs, slip: boolean): Promise<void> {
  // Exercise 1: the learner's answers, checked against autograd on WebGPU.
  const node = manualBackprop(inputs);
  const hand = manualValues(node);
  const typed = await typeAnswers(page, hand, slip);
  const check = (await runExercise(page, 'manual')) as CheckResult;
  expect(check.inputs).toEqual(inputs);
  expect(check.answers).toEqual(typed);
  // The page's reference is autograd in float32 on the GPU: within 1e-6 of float64 by hand.
  for (const k of QUANTITIES) check.reference[k].forEach((v, i) => expect(Math.abs(v - hand[k][i]!), `${k}[${i}]`).toBeLessThan(1e-6));
  const cells = await page.$$eval('#bp-answers td[data-check]', (tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-check'), { text: td.textContent, cls: td.className }])));
  if (slip) {
    // p (1 - p) typed as p: wrong by p^2. The factors after it are typed right, so this one
    // slip is the only thing reported (answers.test covers slips carried down the chain),
    // as wrong, not by how much: the solution has not been asked for.
    expect(check.report.firstWrong).toBe('dp_dz2');
    const err = check.answers.dp_dz2![0]! - check.reference.dp_dz2[0]!;
    expect(err).toBeGreaterThan(0.1);
    expect(cells.dp_dz2).toEqual({ text: 'wrong', cls: 'check wrong' });
    expect(check.report.checks.filter((c) => c.status !== 'right').map((c) => c.key)).toEqual(['dp_dz2']);
    expect(await page.$eval('#bp-check-summary', (e) => e.textContent)).toBe('12 of 13 quantities right; the first wrong one is dp/dz2.');
    // Exercise 2 runs, and shows nothing until Exercise 1 is solved or revealed.
    expect(await runExercise(page, 'autograd')).toEqual({ hidden: true, inputs });
    expect(await page.$$eval('#bp-autograd-table tr', (rows) => rows.length)).toBe(0);
    return;
  }
  expect(check.report.right).toBe(13);
  for (const k of QUANTITIES) expect(cells[k]!.cls, k).toBe('check right');
  expect(await page.$eval('#bp-check-summary', (e) => e.textContent)).toMatch(/^13 of 13 quantities right: all of them\./);

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

  // ---- exercise 1: the worked solution is hidden until asked for ---------------------------
  expect(await solutionHidden(page)).toBe(true);
  expect(await page.$eval('#bp-show-solution', (e) => e.textContent)).toBe('Show the worked solution');
  // A typed answer that is not a number is refused by name, and nothing is revealed.
  await setInput(page, 'ans-dL_dp-0', 'abc');
  await page.click('[data-run="manual"]');
  await page.waitForFunction(() => /^Error: /.test(document.querySelector('[data-status="manual"]')!.textContent ?? ''));
  expect(await page.$eval('[data-status="manual"]', (e) => e.textContent)).toBe('Error: dL/dp: "abc" is not a number (type a decimal such as -0.3168 or 2.5e-3)');
  expect(await solutionHidden(page)).toBe(true);
  // The page also logs the error it shows; that one console message is expected.
  const logged = problems.filter((p) => p.includes('"abc" is not a number'));
  expect(logged).toHaveLength(1);
  problems.splice(problems.indexOf(logged[0]!), 1);

  // ---- exercises 1 and 2: the lesson's demo, then the Exercise preset (a dead ReLU unit) ----
  await setPreset(page, 'bp-preset', 'Demo (lesson)');
  await checkWorked(page, DEMO_INPUTS, true);
  expect(await solutionHidden(page)).toBe(true); // checking does not reveal it
  await checkWorked(page, DEMO_INPUTS, false);
  // The solution, when asked for: every factor of the float64 hand calculation.
  await page.click('#bp-show-solution');
  expect(await solutionHidden(page)).toBe(false);
  expect(await page.$eval('#bp-show-solution', (e) => e.textContent)).toBe('Hide the worked solution');
  expect(await page.$$eval('#bp-manual-table tr[data-row]', (rows) => rows.length)).toBe(16);
  const shownDW2 = await page.$eval('#bp-manual-table tr[data-row="dW2"] td:last-child', (e) => e.textContent);
  expect(shownDW2).toBe(`[${manualBackprop(DEMO_INPUTS).dW2.map((v) => v.toPrecision(8)).join(', ')}]`);
  // A new problem hides it again.
  await setPreset(page, 'bp-preset', 'Exercise');
  expect(await solutionHidden(page)).toBe(true);
  expect(await page.$eval('#bp-check-summary', (e) => e.textContent)).toBe(''); // old checks cleared
  await checkWorked(page, EXERCISE_INPUTS, true);
  await checkWorked(page, EXERCISE_INPUTS, false);
  const dead = (await page.evaluate(() => window.__results.autograd)) as SideBySide;
  expect(Math.abs(dead.autograd.dW1[0][1])).toBe(0);
  expect(Math.abs(dead.autograd.dW2[1])).toBe(0);
  // An edited weight: Check and autograd use it.
  await setInput(page, 'bp-w2-1', 0.25);
  await checkWorked(page, { ...EXERCISE_INPUTS, W2: [0.6, 0.25] }, false);
  await setPreset(page, 'bp-preset', 'Demo (lesson)');
  await checkWorked(page, DEMO_INPUTS, false);

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
  // ...and the lesson's PyTorch run, which the page reproduces (same data, same initial weights).
  expectSeries(flow.loss, torchRun.demo3.loss, 'flow loss vs PyTorch');
  expectSeries(flow.fc1, torchRun.demo3.fc1, 'flow fc1 vs PyTorch');
  expectSeries(flow.fc2, torchRun.demo3.fc2, 'flow fc2 vs PyTorch');
  // The line under the charts: the null-gradient count the prose promises, and the run's numbers.
  expect(await page.$eval('#flow-summary', (e) => e.textContent)).toBe(describeFlow(flow));
  expect(await page.$eval('#flow-summary', (e) => e.textContent)).toMatch(/still null when read \(each counted as 0\): none, in all 60 epochs/);

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

  // ---- exercise 4: vanishing gradients, the lesson's demo settings (30 epochs x 3 nets) -------
  const v = (await runExercise(page, 'vanishing')) as VanishingResult;
  const v1 = await chartUpdates(page);
  // The charts are rebuilt at the start of the run (counts from 0), then fed every epoch.
  for (const id of ['van-sigmoid-layers', 'van-relu-layers', 'van-tanh-layers', 'van-profile', 'van-mean', 'van-loss']) expect(v1[id]!, id).toBeGreaterThanOrEqual(VANISHING_DEMO.epochs);
  expect(v).toMatchObject({ depth: 6, hidden: 32, lr: 0.07, epochs: 30, epochsRun: 30, stopped: false, sameStart: false, activations: ['sigmoid', 'relu', 'tanh'] });
  const vCpu = await runVanishing(VANISHING_DEMO);
  for (const a of DEEP_ACTIVATIONS) {
    const h = v.history[a]!;
    const c = vCpu.history[a]!;
    const k = a === 'tanh' ? TANH_EPOCHS : VANISHING_DEMO.epochs;
    expectSeries(h.loss.slice(0, k), c.loss.slice(0, k), `${a} loss`);
    expectSeries(h.perLayer.slice(0, k).flat(), c.perLayer.slice(0, k).flat(), `${a} per-layer mean |grad|`);
    expectSeries(h.mean.slice(0, k), c.mean.slice(0, k), `${a} mean over layers`);
    expectAccuracy(h.accuracy.slice(0, k), c.accuracy.slice(0, k), VANISHING_DEMO.n, `${a} accuracy`);
    // ...and the lesson's PyTorch runs (tanh: the page's addition, drawn after the lesson's two).
    expectSeries(h.loss.slice(0, k), torchRun.demo4.nets[a].loss.slice(0, k), `${a} loss vs PyTorch`);
    expectSeries(h.mean.slice(0, k), torchRun.demo4.nets[a].mean.slice(0, k), `${a} mean over layers vs PyTorch`);
  }
  // What the page says under the charts is the run's own numbers: sigmoid's first layer far
  // below its last, ReLU's (and tanh's) not below it at all.
  const said = await page.$$eval('#van-summary li', (lis) => lis.map((li) => [li.getAttribute('data-net'), li.textContent]));
  expect(said).toEqual(DEEP_ACTIVATIONS.map((a) => [a, describeRun(a, v.summary[a]!, 6, 30)]));
  expect(v.summary.sigmoid!.ratioGeoMean).toBeLessThan(0.01);
  expect(said[0]![1]).toMatch(/vanishes toward the input/);
  expect(said[1]![1]).toMatch(/grows toward the input/);

  // The departure from the lesson, on request: every net from the same weights.
  await page.select('#van-start', 'the same for every net (reseeded)');
  await setInput(page, 'van-epochs', 2);
  const same = (await runExercise(page, 'vanishing')) as VanishingResult;
  expect(same).toMatchObject({ sameStart: true, epochsRun: 2 });
  const sameCpu = await runVanishing({ ...VANISHING_DEMO, epochs: 2, sameStart: true });
  for (const a of DEEP_ACTIVATIONS) expectSeries(same.history[a]!.loss, sameCpu.history[a]!.loss, `same start: ${a} loss`);
  expect(Math.abs(same.history.relu!.loss[0]! - torchRun.demo4.nets.relu.loss[0]!)).toBeGreaterThan(1e-3);

  expect(await page.$$eval('details.code pre', (es) => es.map((e) => e.textContent ?? ''))).toEqual([
    expect.stringContaining('export async function autogradBackprop'),
    expect.stringContaining('export function checkAnswers'),
    expect.stringContaining('export async function runGradientFlow'),
    expect.stringContaining('export async function runVanishing'),
  ]);
  await page.screenshot({ path: `${SCREENSHOTS}/backprop.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});
