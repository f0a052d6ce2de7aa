#!/usr/bin/env node
// Cold start: for every lesson page, the milliseconds from opening it to the first training
// step done and to the first chart point, in headless Chromium with WebGPU (SwiftShader
// where there is no GPU), on the built site. `npm run bench:cold -- --help` for options.
//
// Each run gets a fresh browser, so nothing a previous run compiled is reused: Puppeteer
// starts every browser on a new temporary profile (no disk caches, Dawn's pipeline cache
// among them, survive), a new browser is a new GPU process (no in-memory pipeline cache),
// and --disable-gpu-shader-disk-cache keeps the GPU process from writing one at all. (On
// SwiftShader, Chromium 156, a second and third incognito context in one browser compiled as
// long as the first, so contexts do not share pipelines there; a real GPU's driver may keep
// its own cache, which no flag of ours reaches.) The
// site is served with Cache-Control: no-store. The times come from the page's own
// performance marks (demos/ui/cold-start.ts), counted from navigation start, so the
// browser's launch is not in them; the bench clicks the exercise's Run as soon as the
// button is there and enabled, so a learner's reading time is not in them either. The
// compile time comes from a Chromium trace (category gpu.dawn) taken from navigation until
// both marks are in.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChrome } from '../scripts/chrome.mjs';
import { CLICK, compileFromTrace, exerciseFor, markdownTable, parseArgs, readRun, summarize } from './cold-start-report.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** A static server over `dir` (any built site, not only this checkout's), nothing cached. */
function serve(dir) {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (!(file === base || file.startsWith(base + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

async function buildSite() {
  const { buildMnist } = await import('../scripts/build-mnist.mjs');
  const { build } = await import('vite');
  buildMnist({ quiet: true }); // the MNIST page's digits, as `npm run build` makes them first
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'error' });
  return `${root}dist-site`;
}

/** One cold open of `page`: a fresh browser, the exercise's Run clicked once it can be, its marks read. */
async function measure(url, page, exercise, timeoutMs, readMs) {
  const browser = await launchChrome(timeoutMs + 60_000, ['--disable-gpu-shader-disk-cache']);
  const problems = [];
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1200, height: 900 });
    tab.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    tab.on('pageerror', (e) => problems.push(String(e)));
    // Dawn's own trace events time each pipeline's creation in the GPU process, which the
    // page cannot see (createComputePipeline returns before the compile is done).
    await tab.tracing.start({ categories: ['gpu.dawn'] });
    await tab.goto(`${url}/${page}/`, { waitUntil: 'domcontentloaded' });
    const run = `[data-run="${exercise}"]`;
    await tab.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, { timeout: timeoutMs, polling: 50 }, run);
    // A learner reading the page first (--read): what a page's warm-up has to work with.
    if (readMs > 0) await new Promise((r) => setTimeout(r, readMs));
    await tab.evaluate(
      (sel, click) => {
        performance.mark(click);
        document.querySelector(sel).click();
      },
      run,
      CLICK,
    );
    const names = [`shadergrad:first-step:${exercise}`, `shadergrad:first-chart-point:${exercise}`];
    const done = await tab
      .waitForFunction((ns) => ns.every((n) => performance.getEntriesByName(n, 'mark').length > 0), { timeout: timeoutMs, polling: 100 }, names)
      .then(() => true)
      .catch(() => false);
    const { marks, pipelinesTotal } = await tab.evaluate(() => ({
      marks: performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('shadergrad'))
        .map((m) => ({ name: m.name, startTime: m.startTime, detail: m.detail })),
      pipelinesTotal: window.__engine?.engine.backendStats().pipelines ?? null,
    }));
    const trace = JSON.parse(Buffer.from(await tab.tracing.stop()).toString('utf8'));
    const compile = compileFromTrace(trace.traceEvents ?? trace);
    const figures = { ...readRun(marks, exercise), pipelinesTotal, compileWallMs: compile.wallMs, compileEvents: compile.byName };
    if (!done) figures.error = `no ${figures.missing.join(', ')} within ${timeoutMs / 1000} s`;
    if (problems.length) figures.problems = problems;
    return figures;
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err), problems };
  } finally {
    await browser.close();
  }
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const site = opts.site ? resolve(opts.site) : await buildSite();
  for (const p of opts.pages) {
    if (!existsSync(join(site, p, 'index.html'))) {
      console.error(`cold-start: ${site} has no ${p}/index.html; build the site (npm run build) or pass --site DIR of a built one`);
      process.exit(1);
    }
  }
  const server = await serve(site);
  const probe = await launchChrome();
  const chromium = await probe.version();
  await probe.close();
  const started = new Date();
  const load = loadavg()[0];
  console.error(`cold-start: ${site} on ${server.url}, ${chromium}, ${opts.runs} run(s) per page, load average ${load.toFixed(2)} on ${cpus().length} cores`);
  const results = [];
  try {
    for (const page of opts.pages) {
      const exercise = exerciseFor(page, opts);
      const runs = [];
      for (let i = 0; i < opts.runs; i++) {
        const t0 = performance.now();
        const r = await measure(server.url, page, exercise, opts.timeoutS * 1000, opts.readS * 1000);
        runs.push(r);
        const wall = ((performance.now() - t0) / 1000).toFixed(1);
        console.error(`  ${page}/${exercise} run ${i + 1}: ${r.error ? `FAILED (${r.error})` : `first step ${r.firstStepMs} ms, first chart point ${r.firstChartMs} ms, ${r.pipelinesAtStep} pipelines by then, ${r.compileWallMs} ms compiling`} [${wall} s wall]`);
        if (r.problems?.length) console.error(`    console errors: ${r.problems.join(' | ')}`);
      }
      results.push({ page, exercise, runs });
    }
  } finally {
    await server.close();
  }
  const rows = summarize(results);
  const table = markdownTable(rows);
  console.log(`Cold start, ms from navigation start (median of ${opts.runs} run(s) per page, a fresh browser each), ${chromium}:\n`);
  console.log(table);
  const out = opts.out ?? join(root, 'bench', 'results', `cold-start-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  const meta = { date: started.toISOString(), site, commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain') !== '', chromium, loadAverageAtStart: load, cores: cpus().length, runsPerPage: opts.runs, readS: opts.readS };
  writeFileSync(out, `${JSON.stringify({ meta, rows, results }, null, 2)}\n`);
  console.error(`cold-start: wrote ${out}`);
  if (rows.some((r) => r.failed)) process.exitCode = 1;
}

await main();
