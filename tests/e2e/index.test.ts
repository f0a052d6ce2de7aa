// The index page: WebGPU badge, every lesson listed (built ones linked), and the engine
// check trains live with its chart updating.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setBackend } from '../../src/index.ts';
import { engineCheck } from '../../demos/engine-check.ts';
import { LESSON_PAGES, SCREENSHOTS, chartUpdates, openPage, runExercise, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';

const BUILT = LESSON_PAGES;

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

it('index: lessons listed, engine check trains on WebGPU', async () => {
  const { page, problems } = await openPage(site, '/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  expect(await page.$eval('#backend', (e) => e.textContent)).toMatch(/^WebGPU: /);
  const items = await page.$$eval('#lessons li', (lis) => lis.map((li) => ({ text: li.textContent ?? '', href: li.querySelector('a')?.getAttribute('href') ?? null })));
  expect(items.length).toBe(7);
  // Every lesson is listed, each linked to its page, and each page loads on WebGPU.
  const linked = items.filter((i) => i.href !== null).map((i) => i.href!);
  expect(linked).toEqual(BUILT.map((p) => `./${p}/`));
  for (const href of linked) {
    const sub = await openPage(site, `/${href.slice(2)}`);
    expect(await sub.page.evaluate(() => window.__backend!.name), href).toBe('webgpu');
    expect(sub.problems, href).toEqual([]);
    await sub.page.close();
  }

  const result = (await runExercise(page, 'engine-check')) as { losses: number[] };
  expect(result.losses).toHaveLength(80);
  expect(result.losses[79]!).toBeLessThan(result.losses[0]! / 4);
  // The same module on the CPU backend in Node: float32 on both sides, different summation
  // orders in the kernels, so each loss agrees to a relative 1e-4 (as the GPU suite's
  // training test), not bit for bit.
  await setBackend('cpu');
  const cpu = await engineCheck();
  result.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!) / Math.max(1e-6, cpu.losses[i]!), `epoch ${i}`).toBeLessThan(1e-4));
  expect((await chartUpdates(page))['engine-check-loss']).toBeGreaterThanOrEqual(10);
  await page.screenshot({ path: `${SCREENSHOTS}/index.png`, fullPage: true });
  expect(problems).toEqual([]);
});

it('index: Stop ends a run within a second, and Run works again', async () => {
  const { page, problems } = await openPage(site, '/');
  // A run far longer than any GPU finishes before Stop, stopped once a few epochs are drawn
  // (the reset is one chart update, each epoch another): the Stop always lands mid-run.
  const LONG = 100_000;
  await setInput(page, 'engine-check-epochs', LONG);
  await page.evaluate(() => delete window.__results['engine-check']);
  await page.click('[data-run="engine-check"]');
  await page.waitForFunction(() => window.__chartUpdates['engine-check-loss']! >= 4, { timeout: 60_000, polling: 20 });
  const stoppedAt = Date.now();
  await page.click('[data-stop="engine-check"]');
  await page.waitForFunction(() => 'engine-check' in window.__results, { timeout: 1000, polling: 20 });
  expect(Date.now() - stoppedAt).toBeLessThan(1000);
  const partial = (await page.evaluate(() => window.__results['engine-check'])) as { losses: number[]; stopped: boolean };
  expect(partial.stopped).toBe(true);
  expect(partial.losses.length).toBeGreaterThanOrEqual(3);
  expect(partial.losses.length).toBeLessThan(LONG);
  expect(await page.$eval('[data-status="engine-check"]', (e) => e.textContent)).toMatch(/^Stopped/);
  await setInput(page, 'engine-check-epochs', 80);
  const again = (await runExercise(page, 'engine-check')) as { losses: number[]; stopped: boolean };
  expect(again.losses).toHaveLength(80);
  expect(again.stopped).toBe(false);
  expect(problems).toEqual([]);
});
