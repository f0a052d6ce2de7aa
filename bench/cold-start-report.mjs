// The pure half of the cold-start bench (cold-start.mjs runs the browsers): which exercise
// each lesson page is measured on, the command line, reading a run's performance marks, and
// the summary table. Plain JavaScript so the bench runs under Node without a build; types in
// cold-start-report.d.mts, tests in tests/unit/cold-start-report.test.ts.

/** The marks the pages make (demos/ui/cold-start.ts); the exercise id follows a colon. */
export const FIRST_STEP = 'shadergrad:first-step';
export const FIRST_CHART_POINT = 'shadergrad:first-chart-point';
export const BACKEND_READY = 'shadergrad:backend-ready';
/** The bench's own mark, made in the page just before it clicks the exercise's Run. */
export const CLICK = 'shadergrad-bench:click';

/**
 * Per lesson page (index order, as tests/e2e/harness.ts lists them), the exercise measured:
 * the first one in page order that trains a network, started by its Run button as a learner
 * would start it. Earlier exercises that train nothing are skipped (activations' curves,
 * backprop's worksheet and single backward()); seeds trains nothing at all, so its one
 * exercise is measured and its "step" is the first network built and read back. On the XOR
 * page the lab's Run button is "Train to Convergence": it is enabled once the network the
 * page builds on load is ready, and the bench clicks it then. The MNIST page's training loads
 * the digits itself when the learner has not pressed Load first.
 */
export const PAGES = [
  { page: 'seeds', exercise: 'seeds' },
  { page: 'activations', exercise: 'compare' },
  { page: 'backprop', exercise: 'flow' },
  { page: 'overfitting', exercise: 'small-vs-large' },
  { page: 'dropout', exercise: 'dropout-accuracy' },
  { page: 'mnist', exercise: 'mnist-train' },
  { page: 'xor', exercise: 'lab' },
];

const USAGE = `usage: npm run bench:cold -- [options]
  --site DIR         measure this built site (default: build the site into dist-site/ first)
  --runs N           runs per page, each in a fresh browser (default 1)
  --pages a,b        only these lesson pages (default: all)
  --exercise P:ID    measure exercise ID on page P instead of the default (repeatable)
  --timeout S        seconds to wait for a run's marks before giving up on it (default 300)
  --read S           seconds a learner reads before pressing Run, counted from when it is
                     enabled (default 0: pressed at once); what a page's warm-up is for
  --out FILE         where the JSON goes (default bench/results/cold-start-<time>.json)`;

/** The command line as options; throws with the usage on anything it does not know. */
export function parseArgs(argv) {
  const opts = { site: null, runs: 1, pages: PAGES.map((p) => p.page), exercises: {}, timeoutS: 300, readS: 0, out: null };
  const known = new Set(PAGES.map((p) => p.page));
  const value = (i, flag) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`cold-start: ${flag} needs a value\n${USAGE}`);
    return v;
  };
  const positive = (v, flag) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`cold-start: ${flag} must be a positive number, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') throw new Error(USAGE);
    else if (a === '--site') opts.site = value(i++, a);
    else if (a === '--out') opts.out = value(i++, a);
    else if (a === '--runs') {
      opts.runs = positive(value(i++, a), a);
      if (!Number.isInteger(opts.runs)) throw new Error(`cold-start: --runs must be a whole number, got ${opts.runs}`);
    } else if (a === '--timeout') opts.timeoutS = positive(value(i++, a), a);
    else if (a === '--read') {
      const v = value(i++, a);
      opts.readS = Number(v);
      if (!Number.isFinite(opts.readS) || opts.readS < 0) throw new Error(`cold-start: --read must be seconds (0 or more), got '${v}'`);
    }
    else if (a === '--pages') {
      opts.pages = value(i++, a).split(',').filter(Boolean);
      const unknown = opts.pages.filter((p) => !known.has(p));
      if (unknown.length) throw new Error(`cold-start: unknown page(s) ${unknown.join(', ')}; the lesson pages are ${[...known].join(', ')}`);
    } else if (a === '--exercise') {
      const v = value(i++, a);
      const m = /^([a-z-]+):([A-Za-z0-9_-]+)$/.exec(v);
      if (!m || !known.has(m[1])) throw new Error(`cold-start: --exercise takes PAGE:ID with a lesson page (${[...known].join(', ')}), got '${v}'`);
      opts.exercises[m[1]] = m[2];
    } else throw new Error(`cold-start: unknown option '${a}'\n${USAGE}`);
  }
  return opts;
}

/** The exercise measured on `page` under these options. */
export function exerciseFor(page, opts) {
  return opts.exercises[page] ?? PAGES.find((p) => p.page === page)?.exercise ?? null;
}

/**
 * One run's figures from the page's marks ({ name, startTime, detail }, startTime in ms since
 * navigation start). A figure whose mark never came is null, and `missing` names it.
 */
export function readRun(marks, exercise) {
  const find = (name) => marks.find((m) => m.name === name) ?? null;
  const step = find(`${FIRST_STEP}:${exercise}`);
  const chart = find(`${FIRST_CHART_POINT}:${exercise}`);
  const backend = find(BACKEND_READY);
  const click = find(CLICK);
  const at = (m) => (m ? Math.round(m.startTime) : null);
  const missing = [
    [backend, 'backend ready'],
    [click, 'click'],
    [step, 'first step'],
    [chart, 'first chart point'],
  ]
    .filter(([m]) => !m)
    .map(([, what]) => what);
  return {
    backendMs: at(backend),
    clickMs: at(click),
    firstStepMs: at(step),
    firstChartMs: at(chart),
    chart: chart?.detail?.chart ?? null,
    pipelinesAtStep: step?.detail?.pipelines ?? null,
    pipelinesAtChart: chart?.detail?.pipelines ?? null,
    missing,
  };
}

/** Dawn's trace events that create pipelines and shader modules (category gpu.dawn). */
const COMPILE_EVENT = /CreateComputePipeline|CreateShaderModule/;

/**
 * Shader compiling in a Chromium trace (category gpu.dawn, complete 'X' events, durations
 * in µs): per event name its count and summed ms, and `wallMs`, the time during which at
 * least one compile ran (the union of their intervals), which neither double counts an
 * event nested in another nor sums compiles that ran side by side on several threads.
 */
export function compileFromTrace(events) {
  const picked = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number' && typeof e.ts === 'number' && String(e.cat).includes('gpu.dawn') && COMPILE_EVENT.test(e.name));
  const byName = {};
  for (const e of picked) {
    const b = (byName[e.name] ??= { count: 0, ms: 0 });
    b.count++;
    b.ms += e.dur / 1000;
  }
  for (const b of Object.values(byName)) b.ms = Math.round(b.ms * 10) / 10;
  const spans = picked.map((e) => [e.ts, e.ts + e.dur]).sort((a, b) => a[0] - b[0]);
  let wall = 0;
  let end = -Infinity;
  for (const [s, e] of spans) {
    if (e <= end) continue;
    wall += e - Math.max(s, end);
    end = e;
  }
  return { byName, wallMs: Math.round(wall / 100) / 10 };
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Per page: the medians of its runs, with the range of the first-step figure. */
export function summarize(results) {
  return results.map(({ page, exercise, runs }) => {
    const ok = runs.filter((r) => !r.error);
    const col = (k) => median(ok.map((r) => r[k]));
    const steps = ok.map((r) => r.firstStepMs).filter((x) => x !== null);
    return {
      page,
      exercise,
      runs: runs.length,
      failed: runs.length - ok.length,
      backendMs: col('backendMs'),
      clickMs: col('clickMs'),
      firstStepMs: col('firstStepMs'),
      firstChartMs: col('firstChartMs'),
      stepRange: steps.length > 1 ? [Math.min(...steps), Math.max(...steps)] : null,
      pipelinesAtStep: col('pipelinesAtStep'),
      pipelinesTotal: col('pipelinesTotal'),
      compileWallMs: col('compileWallMs'),
    };
  });
}

const ms = (x) => (x === null || x === undefined ? '–' : String(Math.round(x)));

/** The summary as a markdown table (ms from navigation start; medians over the runs). */
export function markdownTable(rows) {
  const head = ['page', 'exercise', 'runs', 'backend ready', 'Run clicked', 'first step', 'first chart point', 'step range', 'pipelines at step', 'pipelines at end', 'compiling (trace)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) {
    const runs = r.failed ? `${r.runs} (${r.failed} failed)` : String(r.runs);
    const range = r.stepRange ? `${ms(r.stepRange[0])}–${ms(r.stepRange[1])}` : '–';
    lines.push(`| ${[r.page, r.exercise, runs, ms(r.backendMs), ms(r.clickMs), ms(r.firstStepMs), ms(r.firstChartMs), range, ms(r.pipelinesAtStep), ms(r.pipelinesTotal), ms(r.compileWallMs)].join(' | ')} |`);
  }
  return lines.join('\n');
}
