// The cold-start bench's pure half (bench/cold-start-report.mjs): its command line, reading a
// run's marks, the trace's compile time, and the table. The browsers are not started here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKEND_READY, CLICK, FIRST_CHART_POINT, FIRST_STEP, PAGES, compileFromTrace, exerciseFor, markdownTable, median, parseArgs, readRun, summarize } from '../../bench/cold-start-report.mjs';
import { LESSON_PAGES } from '../e2e/harness.ts';
import * as pageMarks from '../../demos/ui/cold-start.ts';

describe('the pages measured', () => {
  it('are every lesson page the e2e suite knows, each on an exercise with a Run button', () => {
    expect(PAGES.map((p) => p.page).sort()).toEqual([...LESSON_PAGES].sort());
    for (const { page, exercise } of PAGES) {
      const src = readFileSync(new URL(`../../demos/${page}/main.ts`, import.meta.url), 'utf8');
      // section(main, '<id>', ...) makes the Run button [data-run="<id>"] the bench clicks.
      expect(src, `${page}: no section '${exercise}'`).toMatch(new RegExp(`section\\(main, '${exercise}'`));
      // ...and its run reports a first step (ctx.firstStepDone, directly or through a helper).
      expect(src, `${page}: never calls ctx.firstStepDone()`).toContain('ctx.firstStepDone()');
    }
  });

  it('use the mark names the pages make', () => {
    expect([FIRST_STEP, FIRST_CHART_POINT, BACKEND_READY]).toEqual([pageMarks.FIRST_STEP, pageMarks.FIRST_CHART_POINT, pageMarks.BACKEND_READY]);
  });
});

describe('parseArgs', () => {
  it('defaults to one run of every page on a fresh build', () => {
    const o = parseArgs([]);
    expect(o).toMatchObject({ site: null, runs: 1, timeoutS: 300, readS: 0, out: null, exercises: {} });
    expect(o.pages).toEqual(PAGES.map((p) => p.page));
  });

  it('reads the site, runs, pages and exercise overrides', () => {
    const o = parseArgs(['--site', '/tmp/before', '--runs', '3', '--pages', 'xor,activations', '--exercise', 'activations:curves', '--timeout', '60', '--out', 'x.json']);
    expect(o).toMatchObject({ site: '/tmp/before', runs: 3, pages: ['xor', 'activations'], timeoutS: 60, out: 'x.json' });
    expect(exerciseFor('activations', o)).toBe('curves');
    expect(exerciseFor('xor', o)).toBe('lab');
    expect(parseArgs(['--read', '8']).readS).toBe(8);
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => parseArgs(['--pages', 'seeds,nope'])).toThrow(/unknown page\(s\) nope/);
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs must be a positive number, got '0'/);
    expect(() => parseArgs(['--runs', '1.5'])).toThrow(/whole number/);
    expect(() => parseArgs(['--site'])).toThrow(/--site needs a value/);
    expect(() => parseArgs(['--exercise', 'workbench:x'])).toThrow(/PAGE:ID with a lesson page/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['--read', '-1'])).toThrow(/--read must be seconds \(0 or more\), got '-1'/);
  });
});

describe('readRun', () => {
  const marks = [
    { name: BACKEND_READY, startTime: 480.4, detail: { pipelines: 0 } },
    { name: CLICK, startTime: 990.6, detail: null },
    { name: `${FIRST_CHART_POINT}:other`, startTime: 700, detail: { chart: 'x', pipelines: 3 } },
    { name: `${FIRST_STEP}:flow`, startTime: 3271.6, detail: { exercise: 'flow', pipelines: 14 } },
    { name: `${FIRST_CHART_POINT}:flow`, startTime: 3290.2, detail: { exercise: 'flow', chart: 'flow-grads', pipelines: 15 } },
  ];

  it("takes the measured exercise's marks, not another's", () => {
    expect(readRun(marks, 'flow')).toEqual({
      backendMs: 480,
      clickMs: 991,
      firstStepMs: 3272,
      firstChartMs: 3290,
      chart: 'flow-grads',
      pipelinesAtStep: 14,
      pipelinesAtChart: 15,
      missing: [],
    });
  });

  it('names the marks that never came', () => {
    const r = readRun(marks.slice(0, 3), 'flow');
    expect(r.firstStepMs).toBeNull();
    expect(r.firstChartMs).toBeNull();
    expect(r.missing).toEqual(['first step', 'first chart point']);
  });
});

describe('compileFromTrace', () => {
  const ev = (name: string, ts: number, dur: number, cat = 'gpu.dawn', ph = 'X') => ({ name, cat, ph, ts, dur });

  it('counts the time some compile ran once, nested or side by side', () => {
    const r = compileFromTrace([
      ev('DeviceBase::APICreateShaderModule', 0, 100_000), // 0-100 ms
      ev('DeviceBase::APICreateComputePipeline', 200_000, 500_000), // 200-700 ms
      ev('DeviceBase::APICreateComputePipeline', 400_000, 500_000), // 400-900 ms, overlapping
      ev('CreateComputePipelineAsyncTask::Run', 450_000, 100_000), // nested in both
      ev('Queue::Submit', 1_000_000, 50_000), // not a compile
      ev('DeviceBase::APICreateComputePipeline', 2_000_000, 10_000, 'gpu'), // another category
      ev('DeviceBase::APICreateComputePipeline', 3_000_000, 10_000, 'gpu.dawn', 'B'), // not a complete event
    ]);
    expect(r.wallMs).toBe(800); // 100 + (900 - 200)
    expect(r.byName).toEqual({
      'DeviceBase::APICreateShaderModule': { count: 1, ms: 100 },
      'DeviceBase::APICreateComputePipeline': { count: 2, ms: 1000 },
      'CreateComputePipelineAsyncTask::Run': { count: 1, ms: 100 },
    });
  });

  it('is zero for a trace without compiles', () => {
    expect(compileFromTrace([ev('Queue::Submit', 0, 5)])).toEqual({ byName: {}, wallMs: 0 });
  });
});

describe('summary', () => {
  it('median ignores missing figures', () => {
    expect(median([3, null, 1, 2])).toBe(2);
    expect(median([4, 1, undefined, 2, 3])).toBe(2.5);
    expect(median([null])).toBeNull();
  });

  it('takes medians over the runs that did not fail, and says how many failed', () => {
    const run = (step: number, chart: number) => ({ backendMs: 500, clickMs: 900, firstStepMs: step, firstChartMs: chart, pipelinesAtStep: 14, pipelinesTotal: 15, compileWallMs: step / 2 });
    const rows = summarize([
      { page: 'backprop', exercise: 'flow', runs: [run(3000, 3010), run(4000, 4020), run(3500, 3600), { error: 'no first step within 60 s' }] },
      { page: 'seeds', exercise: 'seeds', runs: [run(1500, 1500)] },
    ]);
    expect(rows[0]).toEqual({
      page: 'backprop',
      exercise: 'flow',
      runs: 4,
      failed: 1,
      backendMs: 500,
      clickMs: 900,
      firstStepMs: 3500,
      firstChartMs: 3600,
      stepRange: [3000, 4000],
      pipelinesAtStep: 14,
      pipelinesTotal: 15,
      compileWallMs: 1750,
    });
    expect(rows[1]!.stepRange).toBeNull();

    const table = markdownTable(rows).split('\n');
    expect(table).toHaveLength(4);
    expect(table[0]).toBe('| page | exercise | runs | backend ready | Run clicked | first step | first chart point | step range | pipelines at step | pipelines at end | compiling (trace) |');
    expect(table[1]!.split('|').length).toBe(table[0]!.split('|').length);
    expect(table[2]).toBe('| backprop | flow | 4 (1 failed) | 500 | 900 | 3500 | 3600 | 3000–4000 | 14 | 15 | 1750 |');
    expect(table[3]).toBe('| seeds | seeds | 1 | 500 | 900 | 1500 | 1500 | – | 14 | 15 | 750 |');
  });

  it('shows a page whose every run failed with dashes', () => {
    const [row] = summarize([{ page: 'mnist', exercise: 'mnist-train', runs: [{ error: 'timeout' }] }]);
    expect(markdownTable([row!]).split('\n')[2]).toBe('| mnist | mnist-train | 1 (1 failed) | – | – | – | – | – | – | – | – |');
  });
});
