// Every lesson page: its formulas render from intact TeX (no KaTeX error, no command that
// lost its backslash in a JS string), and its log-scale charts label small values in
// 1e-4 style instead of "0".
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LESSON_PAGES, openPage, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { texProblem } from '../shared/tex.ts';


let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

for (const name of LESSON_PAGES) {
  it(`${name}: intact formulas, readable log axes`, async () => {
    const { page, problems } = await openPage(site, `/${name}/`);
    // Formulas off screen are drawn in idle time after load (demos/ui/content.ts): all of them.
    await page.waitForFunction(() => window.__mathPending === undefined || window.__mathPending === 0, { timeout: 60_000, polling: 100 });
    const tex = await page.$$eval('annotation[encoding="application/x-tex"]', (as) => as.map((a) => a.textContent ?? ''));
    expect(tex.length, 'formulas on the page').toBeGreaterThan(0);
    expect(tex.map(texProblem).filter((p) => p !== null)).toEqual([]);
    expect(await page.$$eval('.katex-error', (es) => es.length)).toBe(0);

    // Feed each log chart values from 1e-6 to 10 and read the tick labels it draws.
    const ticks = await page.evaluate(async () => {
      const logCharts = Object.entries(window.__charts).filter(([, c]) => (c as unknown as { opts: { logY?: boolean; series: unknown[] } }).opts.logY);
      for (const [, c] of logCharts) {
        const n = (c as unknown as { opts: { series: unknown[] } }).opts.series.length;
        c.setData([0, 1, 2, 3], Array.from({ length: n }, () => [1e-6, 1e-4, 0.1, 10]));
      }
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const out: Record<string, string[]> = {};
      for (const [id, c] of logCharts) {
        out[id] = window.__chartTicks[id] ?? [];
        c.reset();
      }
      return out;
    });
    for (const [id, labels] of Object.entries(ticks)) {
      expect(labels.length, `${id}: tick labels drawn`).toBeGreaterThan(1);
      expect(labels, `${id}: a tick reads "0"`).not.toContain('0');
      expect(labels.some((l) => /e-\d/.test(l)), `${id}: ${labels.join(' ')}`).toBe(true);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
}
