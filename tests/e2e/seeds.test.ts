// The identical-random-weights page: WebGPU badge, the four nets built live, the lesson's
// checks (seed 1 vs seed 1 -> 0, everything else -> not 0), seed inputs that change which
// nets coincide, the start seed the page picks and names, Stop, and the page's numbers
// against a CPU run of the same module in Node and against the lesson's PyTorch printout.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { lessonPrintout, runSeedsExperiment } from '../../demos/seeds/seeds.ts';
import type { SeedsResult, SeedsStopped } from '../../demos/seeds/seeds.ts';
import { SCREENSHOTS, chartUpdates, openPage, runExercise, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
  await setBackend('cpu');
});
afterAll(async () => {
  await site?.close();
});

const CHARTS = ['seeds-weights', 'seeds-differences'];

/**
 * Page (WebGPU) vs Node (CPU). Xavier init draws on the host in both (PyTorch's generator
 * reproduced: MT19937 words, Box-Muller in float32 or float64); the GPU only stores and
 * returns those float32 values. So they should be bit-identical. We allow one float32 ulp (2^-23 relative, ~1e-7 for these
 * |w| < 2) in case Chromium's V8 and Node's V8 ever differ in the last bit of Math.log or
 * Math.cos and that flips a float32 rounding; seeds differ by O(0.1) and more.
 */
function expectSameWeights(page: number[], node: number[], what: string): void {
  expect(page, what).toHaveLength(node.length);
  for (let i = 0; i < node.length; i++) {
    expect(Math.abs(page[i]! - node[i]!), `${what}[${i}]: page ${page[i]} vs node ${node[i]}`).toBeLessThanOrEqual(2 ** -23 * Math.abs(node[i]!));
  }
}

const maxAbs = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

async function setSeeds(page: Page, a: number, b: number, c: number): Promise<void> {
  await page.evaluate(
    (v) => {
      (['seed-a', 'seed-b', 'seed-c'] as const).forEach((id, i) => {
        (document.getElementById(id) as HTMLInputElement).value = String(v[i]);
      });
    },
    [a, b, c],
  );
}

/** Run, and check both charts were fed several times during this run (once per net). */
async function runAndCheckCharts(page: Page): Promise<SeedsResult> {
  const before = await chartUpdates(page);
  const r = (await runExercise(page, 'seeds')) as SeedsResult;
  expect(r).toMatchObject({ stopped: false, built: 4 });
  const after = await chartUpdates(page);
  // A reset, then one update as each of the four nets is built.
  for (const id of CHARTS) expect(after[id]! - before[id]!, id).toBeGreaterThanOrEqual(5);
  return r;
}

async function startShown(page: Page): Promise<string> {
  return page.$eval('#seeds-start', (e) => e.textContent ?? '');
}

async function printout(page: Page): Promise<string[]> {
  return page.$eval('#seeds-printout', (e) => (e.textContent ?? '').split('\n').slice(1));
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/seeds.json', import.meta.url)), 'utf8')) as {
  variants: { start: number; seeds: { rs1a: number; rs2: number; rs1b: number }; flat: Record<string, number[]>; printed: string[] }[];
};

async function tableCell(page: Page, pair: string): Promise<string> {
  return page.$eval(`#seeds-diff-table tr[data-pair="${pair}"] td:nth-child(3)`, (td) => td.textContent ?? '');
}

it('seeds: same seed -> identical weights, matching a CPU run in Node', async () => {
  const { page, problems } = await openPage(site, '/seeds/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);

  // 1. The lesson's seeds: 1, 2, 1.
  const r1 = await runAndCheckCharts(page);
  expect(r1.seeds).toEqual({ rs1a: 1, rs2: 2, rs1b: 1 });
  expect(r1.shapes).toEqual({ noseed: [24], rs1a: [24], rs2: [24], rs1b: [24] });
  expect(r1.maxAbsDiff['rs1a-rs1b']).toBe(0);
  expect(r1.maxAbsDiff['rs1a-rs2']).toBeGreaterThan(1e-3);
  expect(r1.maxAbsDiff['rs1a-noseed']).toBeGreaterThan(1e-3);
  expect(await tableCell(page, 'rs1a-rs1b')).toBe('0');
  expect(Number(await tableCell(page, 'rs1a-rs2'))).toBeGreaterThan(1e-3);
  // The page picked a start seed, named it, and with it Node builds the same four nets.
  expect(await startShown(page)).toContain(`: ${r1.startSeed}, picked at random.`);
  const cpu1 = await runSeedsExperiment({ startSeed: r1.startSeed, seedA: 1, seedB: 2, seedC: 1 });
  for (const n of ['noseed', 'rs1a', 'rs2', 'rs1b'] as const) expectSameWeights(r1.weights[n], cpu1.weights[n], `run 1 ${n}`);
  for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expect(maxAbs(r1.weights.noseed, r1.weights[n])).toBeGreaterThan(1e-3);
  expect(await printout(page)).toEqual(lessonPrintout(cpu1));

  // 2. Seed B -> 3: rs1a and rs1b still share seed 1, rs2 is now seed 3's draws.
  await setSeeds(page, 1, 3, 1);
  const r2 = await runAndCheckCharts(page);
  expect(r2.seeds).toEqual({ rs1a: 1, rs2: 3, rs1b: 1 });
  expect(r2.maxAbsDiff['rs1a-rs1b']).toBe(0);
  expect(r2.maxAbsDiff['rs1a-rs2']).toBeGreaterThan(1e-3);
  expect(maxAbs(r2.weights.rs2, r1.weights.rs2)).toBeGreaterThan(1e-3);
  expectSameWeights(r2.weights.rs1a, r1.weights.rs1a, 'rs1a run 2 vs run 1');
  const cpu2 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 1 });
  for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expectSameWeights(r2.weights[n], cpu2.weights[n], `run 2 ${n}`);
  // Run again: a new start seed, so the unseeded net is new draws.
  expect(r2.startSeed).not.toBe(r1.startSeed);
  expect(maxAbs(r2.weights.noseed, r1.weights.noseed)).toBeGreaterThan(1e-3);

  // 3. Seed C -> 3 too: now rs2 and rs1b coincide, and rs1a stands alone.
  await setSeeds(page, 1, 3, 3);
  const r3 = await runAndCheckCharts(page);
  expect(r3.maxAbsDiff['rs2-rs1b']).toBe(0);
  expect(r3.maxAbsDiff['rs1a-rs1b']).toBeGreaterThan(1e-3);
  expect(await tableCell(page, 'rs2-rs1b')).toBe('0');
  expect(await page.$eval('#seeds-diff-table tr[data-pair="rs2-rs1b"] td:nth-child(4)', (td) => td.textContent)).toBe('0 (same seed)');
  const cpu3 = await runSeedsExperiment({ seedA: 1, seedB: 3, seedC: 3 });
  for (const n of ['rs1a', 'rs2', 'rs1b'] as const) expectSameWeights(r3.weights[n], cpu3.weights[n], `run 3 ${n}`);

  // 4. Stop: press Stop in the same task as Run, so it lands mid-run (a whole run takes only
  // a few frames); the run must end within a second, keep its partial charts, and Run again.
  await setSeeds(page, 1, 2, 1);
  await page.evaluate(() => delete window.__results.seeds);
  const stopMs = await page.evaluate(async () => {
    (document.querySelector('[data-run="seeds"]') as HTMLButtonElement).click();
    const t0 = performance.now();
    (document.querySelector('[data-stop="seeds"]') as HTMLButtonElement).click();
    while (!('seeds' in window.__results)) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  });
  expect(stopMs).toBeLessThan(1000);
  const stopped = (await page.evaluate(() => window.__results.seeds)) as SeedsStopped;
  expect(stopped.stopped).toBe(true);
  expect(stopped.built).toBeLessThan(4);
  expect(Object.keys(stopped.weights)).toHaveLength(stopped.built);
  expect(await page.$eval('[data-status="seeds"]', (e) => e.textContent)).toMatch(/^Stopped/);
  expect(await page.$eval('[data-run="seeds"]', (b) => (b as HTMLButtonElement).disabled)).toBe(false);

  // 5. Run again after Stop, with the lesson's seeds, for the screenshot.
  const r5 = await runAndCheckCharts(page);
  expect(r5.maxAbsDiff['rs1a-rs1b']).toBe(0);
  expectSameWeights(r5.weights.rs1a, cpu1.weights.rs1a, 'run 5 rs1a');
  expect(await page.$eval('details.code pre', (e) => e.textContent)).toContain('export async function runSeedsExperiment');
  await page.screenshot({ path: `${SCREENSHOTS}/seeds.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});

it("seeds: with ?seed=N every Run starts from N, and the page's nets and printout are the lesson's PyTorch ones", async () => {
  const v = fixture.variants[0]!;
  expect(v.seeds).toEqual({ rs1a: 1, rs2: 2, rs1b: 1 });
  const { page, problems } = await openPage(site, `/seeds/?seed=${v.start}`);
  const r = (await runExercise(page, 'seeds')) as SeedsResult;
  expect(r.startSeed).toBe(v.start);
  expect(await startShown(page)).toContain(`: ${v.start}, from ?seed= in the address.`);
  const cpu = await runSeedsExperiment({ startSeed: v.start });
  for (const n of ['noseed', 'rs1a', 'rs2', 'rs1b'] as const) {
    expectSameWeights(r.weights[n], cpu.weights[n], n);
    // PyTorch's 16-wide normal path may differ by a few float32 ulps (seeds-torch.test.ts).
    v.flat[n]!.forEach((w, i) => expect(Math.abs(r.weights[n][i]! - w), `${n}[${i}] vs PyTorch`).toBeLessThanOrEqual(4 * 2 ** -23 * Math.max(Math.abs(w), 2 ** -10)));
  }
  expect(await printout(page)).toEqual(v.printed);
  // Again: the same start, the same nets.
  const again = (await runExercise(page, 'seeds')) as SeedsResult;
  expect(again.weights).toEqual(r.weights);
  expect(problems).toEqual([]);
  await page.close();
});
