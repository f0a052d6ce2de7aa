// "Tune this GPU": with a small budget the workbench measures, shows its table and stores it
// for this adapter; after a reload every page runs the stored table (activeTuning, read
// through the page) and the badge names it; a stored table whose adapter differs is not
// used, and the badge says so and names the table that runs instead.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import type { TuneClassResult } from '../../src/index.ts';
import { SCREENSHOTS, openPage, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

interface PageTuning {
  origin: string;
  classes: unknown;
  source: string;
  note?: string;
}
const active = (page: Page): Promise<PageTuning> =>
  page.evaluate(() => {
    const a = window.__activeTuning!()!;
    return { origin: a.origin, classes: a.table.classes, source: a.table.source, ...(a.note ? { note: a.note } : {}) };
  });
const badgeOrigin = (page: Page): Promise<string | null> => page.$eval('#badge-tuning', (e) => e.getAttribute('data-tuning'));

it('tune this GPU: a small budget finishes, shows and stores its table; pages run it after a reload; a table for another adapter is ignored', async () => {
  const { page, problems } = await openPage(site, '/workbench/');
  await page.waitForSelector('#tune-start');
  // SwiftShader has a committed table: that is what runs before tuning.
  expect(await badgeOrigin(page)).toBe('built-in');
  const before = await active(page);
  expect(before.origin).toBe('built-in');
  expect(await page.$eval('#badge-tuning a', (a) => a.getAttribute('href'))).toBe('#tune');

  await page.select('#tune-budget', '5000');
  await page.click('#tune-start');
  await page.waitForFunction(() => 'tune' in window.__results, { timeout: 300_000, polling: 200 });
  const r = (await page.evaluate(() => window.__results.tune)) as { stopped: string | null; stored: boolean; key: string; classes: TuneClassResult[] };
  expect(r.stored).toBe(true);
  const measured = r.classes.filter((c) => c.measured);
  expect(measured.length).toBeGreaterThanOrEqual(1);
  for (const c of measured) {
    expect(c.gflops!).toBeGreaterThan(0);
    expect(c.gflops!).toBeGreaterThanOrEqual(c.defaultGflops!);
  }
  // The table on the page: a header and a row per size class, the measured ones with their speed-up.
  expect(await page.$$eval('#tune-result tr', (rows) => rows.length)).toBe(1 + r.classes.length);
  const firstRow = await page.$eval(`#tune-result tr[data-class="${measured[0]!.sizeClass}"]`, (tr) => [...tr.children].map((td) => td.textContent));
  expect(firstRow[2]).toBe(measured[0]!.winner);
  expect(firstRow[5]).toMatch(/^\d+\.\d\d×$/);
  expect(await page.$eval('#tune-progress', (p) => (p as HTMLProgressElement).value)).toBe(1);
  await page.screenshot({ path: `${SCREENSHOTS}/workbench-tune.png`, fullPage: true });

  // Stored under the adapter's key, as a table for this engine version and adapter; running now.
  const stored = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), r.key))!) as { engine: string; adapter: string; classes: Record<string, unknown> };
  expect(stored.engine).toBe('0.1.0');
  expect(r.key).toBe(`shadergrad.tuning:${stored.adapter}`);
  expect(await badgeOrigin(page)).toBe('stored');
  for (const c of measured) expect(stored.classes[c.sizeClass]).toEqual(c.choice);

  // After a reload, and on a lesson page: the stored table runs, and the badge says so.
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => window.__backend !== undefined && window.__activeTuning !== undefined, { timeout: 60_000 });
  expect(await active(page)).toEqual({ origin: 'stored', classes: stored.classes, source: expect.stringMatching(/measured by tune\(\)/) });
  expect(await badgeOrigin(page)).toBe('stored');
  const lesson = await openPage(site, '/seeds/');
  expect((await active(lesson.page)).origin).toBe('stored');
  expect(await lesson.page.$eval('#badge-tuning a', (a) => a.getAttribute('href'))).toBe('../workbench/index.html#tune');
  await lesson.page.close();

  // A stored table whose adapter description is another's: not used, with a note.
  await page.evaluate((k) => {
    const t = JSON.parse(localStorage.getItem(k)!);
    t.adapter = 'acme rdna9 Acme Radeon 9000';
    t.gpu.description = 'Acme Radeon 9000';
    localStorage.setItem(k, JSON.stringify(t));
  }, r.key);
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => window.__backend !== undefined && window.__activeTuning !== undefined, { timeout: 60_000 });
  const ignored = await active(page);
  expect(ignored.origin).toBe('built-in');
  expect(ignored.classes).toEqual(before.classes);
  expect(ignored.note).toMatch(/a stored tuning table was not used: the table was measured on 'acme rdna9 Acme Radeon 9000', and this adapter is '/);
  expect(await badgeOrigin(page)).toBe('built-in');
  expect(await page.$eval('#badge-tuning-note', (e) => [e.textContent, e.getAttribute('title')])).toEqual([' · the stored table was not used', ignored.note]);
  await page.screenshot({ path: `${SCREENSHOTS}/workbench-tune-ignored.png`, clip: { x: 0, y: 0, width: 1200, height: 140 } });
  expect(problems).toEqual([]);
  await page.close();
});
