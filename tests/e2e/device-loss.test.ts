// A lesson page whose GPU device is lost mid-Run (as a driver update or a GPU process crash
// would do): the page says the GPU was reset, starts a new device, runs again from the
// start and finishes, with the same numbers as a Run that was never interrupted; later
// Runs work. The test takes the device away with GPUDevice.destroy(), reaching the page's
// devices through a wrapper of requestDevice installed before the page loads.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPage, runExercise, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

declare global {
  interface Window {
    __devices?: GPUDevice[];
  }
}

it('activations: the device destroyed mid-Run; the page says the GPU was reset and the Run finishes with the uninterrupted numbers', async () => {
  const { page, problems } = await openPage(site, '/activations/', async (p) => {
    await p.evaluateOnNewDocument(() => {
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (...args: Parameters<typeof request>) {
        const device = await request.apply(this, args);
        (window.__devices ??= []).push(device);
        return device;
      };
    });
  });
  try {
    type Result = { losses: Record<string, number[]>; epochsRun: number };
    const clean = (await runExercise(page, 'compare')) as Result;
    expect(clean.epochsRun).toBe(80);

    await page.evaluate(() => delete window.__results.compare);
    await page.click('[data-run="compare"]');
    // Some epochs in, the device goes.
    await page.waitForFunction(() => /epoch [1-9]\d* of/.test(document.querySelector('[data-status="compare"]')!.textContent ?? ''), { timeout: 120_000, polling: 20 });
    await page.evaluate(() => window.__devices!.at(-1)!.destroy());
    await page.waitForFunction(() => 'compare' in window.__results, { timeout: 300_000, polling: 100 });
    const status = await page.$eval('[data-status="compare"]', (e) => e.textContent ?? '');
    expect(status).toMatch(/^Done in .* the GPU was reset \(destroyed\) and the Run started again$/);
    const again = (await page.evaluate(() => window.__results.compare)) as Result;
    expect(again.epochsRun).toBe(80);
    // Started again from the start on the new device: the very numbers of the clean Run.
    expect(again.losses).toEqual(clean.losses);
    expect(await page.evaluate(() => window.__devices!.length)).toBe(2);
    expect(await page.$eval('#backend', (e) => e.textContent ?? '')).toMatch(/^WebGPU: /);

    // And the page goes on working on its new device.
    const third = (await runExercise(page, 'compare')) as Result;
    expect(third.losses).toEqual(clean.losses);
    // The only console lines are the loss itself (a warning naming it), and Chromium's own
    // notes about the destroyed device.
    expect(problems.filter((p) => !/device was lost|destroyed|Device is lost|lost/i.test(p))).toEqual([]);
  } finally {
    await page.close();
  }
});
