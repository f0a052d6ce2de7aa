// The engine panel on every lesson page: collapsed until its toggle beside the badge is
// pressed; then, after a short Run, one row per dispatch of the latest step, matching what
// the engine itself reports (describeLastRun, read in the page), each row's WGSL when
// expanded (the entry point's `fn` line marked), totals, GPU times where the adapter has
// timestamp queries, and the CPU check of the Run's first step all within tolerance. On the
// CPU fallback it says plainly what it would show.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { LESSON_PAGES, SCREENSHOTS, openPage, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

/**
 * Press a button in the page (a DOM click: the open panel is a drawer over the bottom of the
 * window, so a click at the button's screen position could land on the panel) and wait for
 * the section `id` to publish its result.
 */
async function press(page: Page, id: string, selector = `[data-run="${id}"]`, timeoutMs = 300_000): Promise<unknown> {
  await page.evaluate((i) => delete window.__results[i], id);
  await page.$eval(selector, (b) => (b as HTMLButtonElement).click());
  await page.waitForFunction((i) => i in window.__results, { timeout: timeoutMs, polling: 100 }, id);
  return page.evaluate((i) => window.__results[i], id);
}

interface Quick {
  /** Settings for a short run, and anything that must come before it (data loaded, the lab started). */
  prepare?(page: Page): Promise<void>;
  /** Start the short run and wait for its result. */
  run(page: Page): Promise<unknown>;
}

// One short run per page, from the settings each page's own e2e test uses for its quick runs.
const QUICK: Record<string, Quick> = {
  seeds: { run: (p) => press(p, 'seeds') },
  activations: {
    prepare: (p) => setInput(p, 'compare-epochs', 3),
    run: (p) => press(p, 'compare'),
  },
  backprop: {
    prepare: (p) => setInput(p, 'flow-epochs', 3),
    run: (p) => press(p, 'flow'),
  },
  overfitting: {
    prepare: (p) => setInput(p, 'svl-epochs', 5),
    run: (p) => press(p, 'small-vs-large'),
  },
  dropout: {
    prepare: (p) => setInput(p, 'do1-epochs', 2),
    run: (p) => press(p, 'dropout-accuracy'),
  },
  mnist: {
    prepare: async (p) => {
      await setInput(p, 'mnist-train-size', 256);
      await press(p, 'mnist-data');
      await setInput(p, 'mnist-epochs', 1);
    },
    run: (p) => press(p, 'mnist-train'),
  },
  xor: {
    // The lab builds its first network as the page starts; then one training step.
    prepare: (p) => p.waitForFunction(() => 'lab' in window.__results, { timeout: 120_000 }).then(() => undefined),
    run: (p) => press(p, 'lab', '#xor-step1'),
  },
};

it('every lesson page has a quick run here', () => {
  expect(Object.keys(QUICK).sort()).toEqual([...LESSON_PAGES].sort());
});

interface Shown {
  rows: { kernel: string; op: string; shapes: string; time: string }[];
  totals: string;
  timing: string;
}

const shown = (page: Page): Promise<Shown> =>
  page.evaluate(() => ({
    rows: [...document.querySelectorAll<HTMLTableRowElement>('#engine-panel-dispatches tr.engine-row')].map((tr) => ({
      kernel: tr.dataset.kernel!,
      op: tr.cells[2]!.textContent!,
      shapes: tr.cells[4]!.textContent!,
      time: tr.cells[9]!.textContent!,
    })),
    totals: document.querySelector('#engine-panel-totals')!.textContent!,
    timing: document.querySelector('#engine-panel-timing')!.textContent!,
  }));

for (const name of LESSON_PAGES) {
  it(`${name}: the engine panel lists the step's kernels with their WGSL, and the CPU check passes`, async () => {
    const { page, problems } = await openPage(site, `/${name}/`);
    expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');
    // Collapsed by default, its toggle beside the badge.
    expect(await page.$eval('#engine-panel', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await page.$eval('#backend + #engine-panel-toggle', (b) => b.getAttribute('aria-expanded'))).toBe('false');
    expect(await page.evaluate(() => window.__engine!.open)).toBe(false);

    await page.click('#engine-panel-toggle');
    expect(await page.$eval('#engine-panel', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.evaluate(() => window.__engine!.open)).toBe(true);

    const quick = QUICK[name]!;
    await quick.prepare?.(page);

    // Arm the check with no Run in progress: the Run's first step is what it checks.
    await page.click('#engine-panel-check');
    expect(await page.$eval('#engine-panel-check-status', (e) => e.textContent)).toMatch(/^Armed: no Run is in progress, so the next step of a Run on this page will be checked/);
    const ended = await page.evaluate(() => window.__engine!.runsEnded);
    await quick.run(page);
    // The panel refreshes once the section's run has ended; the check resolves after its step.
    await page.waitForFunction((n) => window.__engine!.runsEnded > n && window.__engine!.check.state !== 'armed', { timeout: 120_000, polling: 100 }, ended);

    // ---- the rows against the engine's own description of the last run -------------------
    const run = await page.evaluate(() => window.__engine!.engine.describeLastRun());
    expect(run, 'a run on the GPU').not.toBeNull();
    expect(run!.dispatches.length).toBeGreaterThan(0);
    const view = await shown(page);
    expect(view.rows.map((r) => r.kernel)).toEqual(run!.dispatches.map((d) => `${d.family}.${d.kernel}`));
    expect(view.rows.map((r) => r.op)).toEqual(run!.dispatches.map((d) => d.op));
    view.rows.forEach((r, i) => {
      const d = run!.dispatches[i]!;
      expect(r.shapes, `row ${i}`).toBe(`${d.inShapes.map((s) => `[${s.join(", ")}]`).join(" ")} → ${d.inPlace ? "in place" : `[${d.outShape.join(", ")}]`}`);
    });
    const kernels = [...new Set(run!.dispatches.map((d) => `${d.family}.${d.kernel}`))];
    expect(view.totals).toContain(`This step: ${run!.dispatches.length} dispatch${run!.dispatches.length === 1 ? '' : 'es'} in one submit`);
    expect(view.totals).toMatch(/In the latest Run: [1-9]\d* submits/);

    // GPU times where the adapter can take timestamps (the run came after the panel opened).
    const canTime = await page.evaluate(() => window.__engine!.canTime);
    expect(run!.timed).toBe(canTime);
    if (canTime) {
      expect(view.timing).toBe('GPU times come from timestamp queries written before and after each kernel.');
      for (const r of view.rows) expect(r.time, r.kernel).toMatch(/^\d+\.\d+ (µs|ms)$/);
      expect(view.totals).toMatch(/of GPU time/);
    } else {
      expect(view.timing).toBe("Per-kernel GPU time needs timestamp-query, which this adapter does not offer: only the whole step's wall-clock time is shown.");
      for (const r of view.rows) expect(r.time, r.kernel).toBe('—');
    }

    // ---- each kernel's WGSL, opened from its first row ---------------------------------
    for (const k of kernels) {
      const kernel = k.slice(k.indexOf('.') + 1);
      await page.$eval(`#engine-panel-dispatches tr.engine-row[data-kernel="${k}"]`, (tr) => (tr as HTMLElement).click());
      // Shown once the source is in; highlighted as CodeMirror's parser reaches the visible lines.
      await page.waitForFunction(
        (key) => key in window.__engine!.sources && document.querySelector(`#engine-panel-dispatches tr.engine-source[data-kernel="${key}"] .cm-content span`) !== null,
        { timeout: 30_000, polling: 50 },
        k,
      );
      const got = await page.evaluate(
        (key) => {
          const family = key.slice(0, key.indexOf('.'));
          const box = document.querySelector(`#engine-panel-dispatches tr.engine-source[data-kernel="${key}"]`);
          return {
            source: window.__engine!.sources[key]!,
            file: window.__engine!.engine.familySource(family),
            // The marked line, scrolled into the view (CodeMirror draws only what is visible).
            marked: box?.querySelector('.cm-entry-line')?.textContent ?? null,
          };
        },
        k,
      );
      expect(got.source, k).toMatch(new RegExp(`\\bfn ${kernel}\\s*\\(`));
      expect(got.source, k).toBe(got.file);
      expect(got.marked, k).toMatch(new RegExp(`fn ${kernel}\\s*\\(`));
      // Closed again, except the last, which stays open for the screenshot.
      if (k !== kernels.at(-1)) await page.$eval(`#engine-panel-dispatches tr.engine-row[data-kernel="${k}"]`, (tr) => (tr as HTMLElement).click());
    }
    expect(await page.$$eval('#engine-panel-dispatches tr.engine-source', (rs) => rs.length)).toBe(1);

    // ---- the CPU check of the Run's first step ----------------------------------------
    const check = await page.evaluate(() => window.__engine!.check);
    expect(check.state, check.error ?? '').toBe('done');
    const c = check.result!;
    expect(c.values.length).toBeGreaterThan(0);
    for (const v of c.values) expect(v.maxAbsDiff, v.name).toBeLessThanOrEqual(v.tolerance);
    expect(c.ok).toBe(true);
    expect(await page.$eval('#engine-panel-check-status', (e) => e.textContent)).toBe(`Checked against the CPU reference: all ${c.values.length} values of that step are within tolerance.`);
    expect(await page.$$eval('#engine-panel-check-table tbody tr', (rs) => rs.map((r) => r.lastElementChild!.textContent))).toEqual(c.values.map(() => 'ok'));
    // All within tolerance: the list of values is there, folded away.
    expect(await page.$eval('#engine-panel-check-values', (d) => ({ hidden: (d as HTMLDetailsElement).hidden, open: (d as HTMLDetailsElement).open }))).toEqual({ hidden: false, open: false });

    // The screenshot: the panel from its top, with the first row's kernel open.
    await page.$eval('#engine-panel-dispatches tr.engine-source', (r) => (r.previousElementSibling as HTMLElement).click());
    await page.$eval('#engine-panel-dispatches tr.engine-row', (tr) => (tr as HTMLElement).click());
    await page.waitForSelector('#engine-panel-dispatches tr.engine-source .cm-entry-line');
    await page.$eval('#engine-panel', (p) => p.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/engine-panel-${name}.png` });

    // Closing it stops the inspection; the page keeps working.
    await page.click('#engine-panel-toggle');
    expect(await page.$eval('#engine-panel', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
}

it('armed during a Run, the check takes that Run\'s next step (the index page\'s engine check)', async () => {
  const { page, problems } = await openPage(site, '/');
  await page.click('#engine-panel-toggle');
  await setInput(page, 'engine-check-epochs', 40);
  await page.evaluate(() => delete window.__results['engine-check']);
  await page.$eval('[data-run="engine-check"]', (b) => (b as HTMLButtonElement).click());
  await page.waitForFunction(() => (window.__chartUpdates['engine-check-loss'] ?? 0) >= 3, { timeout: 60_000, polling: 20 });
  await page.click('#engine-panel-check');
  // Armed, or already done: a step can run and be checked before the status is read.
  expect(await page.$eval('#engine-panel-check-status', (e) => e.textContent)).toMatch(/^(Armed: the next step of this Run will be run again on the CPU reference and compared\.|Checked against the CPU reference)/);
  await page.waitForFunction(() => window.__engine!.check.state !== 'armed', { timeout: 60_000, polling: 50 });
  const check = await page.evaluate(() => window.__engine!.check);
  expect(check.state, check.error ?? '').toBe('done');
  // A training step: its outputs, and the parameters Adam updated, all within tolerance.
  expect(check.result!.values.some((v) => v.name.includes('updated by'))).toBe(true);
  for (const v of check.result!.values) expect(v.maxAbsDiff, v.name).toBeLessThanOrEqual(v.tolerance);
  expect(check.result!.ok).toBe(true);
  await page.waitForFunction(() => 'engine-check' in window.__results, { timeout: 120_000, polling: 100 });
  expect(problems).toEqual([]);
  await page.close();
});

it('closed, the panel stops timing kernels: runs go back to one pass, untimed', async () => {
  const { page, problems } = await openPage(site, '/seeds/');
  await page.click('#engine-panel-toggle');
  await press(page, 'seeds');
  const canTime = await page.evaluate(() => window.__engine!.canTime);
  expect((await page.evaluate(() => window.__engine!.engine.describeLastRun()))!.timed).toBe(canTime);
  await page.click('#engine-panel-toggle');
  expect(await page.evaluate(() => window.__engine!.open)).toBe(false);
  await press(page, 'seeds');
  const run = (await page.evaluate(() => window.__engine!.engine.describeLastRun()))!;
  expect(run.timed).toBe(false);
  expect(run.dispatches.every((d) => d.gpuMs === null)).toBe(true);
  expect(problems).toEqual([]);
  await page.close();
});

it('on the CPU fallback the panel says what it would show on a GPU, with no rows', async () => {
  // No navigator.gpu: the page falls back to the CPU, as in a browser without WebGPU.
  const { page, problems } = await openPage(site, '/seeds/', async (p) => {
    await p.evaluateOnNewDocument(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
  });
  expect(await page.evaluate(() => window.__backend!.name)).toBe('cpu');
  await page.click('#engine-panel-toggle');
  await press(page, 'seeds');
  const note = await page.$eval('#engine-panel-note', (e) => e.textContent);
  expect(note).toMatch(/^This page is running on the CPU backend \(.+\), which computes with plain TypeScript loops and dispatches no GPU kernels/);
  expect(note).toContain('With WebGPU this panel lists every kernel the latest step dispatched');
  expect(await page.$$eval('#engine-panel-dispatches tr.engine-row', (rs) => rs.length)).toBe(0);
  expect(await page.$('#engine-panel-check')).toBeNull();
  expect(await page.evaluate(() => window.__engine!.rows)).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});
