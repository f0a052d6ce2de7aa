// `npm run bench:kernels`: each kernel timed alone on the WebGPU adapter, beside the
// adapter's own ceilings (a copy kernel's GB/s, an FMA loop's GFLOP/s), in headless Chromium
// (or Node on Dawn with --node). Prints a markdown table, writes
// bench/results/kernels-latest.json and checks its shape. Options: bench/kernels/options.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const alias = { shadergrad: `${root}src/index.ts` };
const log = (msg) => console.error(`bench: ${msg}`);

async function runBrowser(server, plan) {
  const { callInPage } = await import('../scripts/chrome.mjs');
  await server.listen();
  const url = `${server.resolvedUrls.local[0]}bench/kernels/page/index.html`;
  const { result, errors } = await callInPage(url, 'runKernelBench', { mode: plan.mode, runs: plan.runs });
  if (errors.length > 0) result.notes.push(`console errors in the page: ${errors.slice(0, 5).join(' | ')}`);
  return result;
}

const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'mpa',
  resolve: { alias },
  server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, fs: { allow: [root] } },
});
try {
  const { parseArgs } = await server.ssrLoadModule('/bench/kernels/options.ts');
  let plan;
  try {
    plan = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exitCode = 2;
  }
  if (plan) {
    const started = performance.now();
    const result = plan.node
      ? await (await server.ssrLoadModule('/bench/kernels/run.ts')).runKernels(plan, 'node', log)
      : await runBrowser(server, plan);
    const { schemaErrors, table } = await server.ssrLoadModule('/bench/kernels/report.ts');
    mkdirSync(`${root}bench/results`, { recursive: true });
    writeFileSync(`${root}bench/results/kernels-latest.json`, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${table(result)}\n\nwritten to bench/results/kernels-latest.json (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const errs = schemaErrors(result, plan);
    if (errs.length > 0) {
      console.error(`bench:kernels: the result does not have the expected shape:\n  ${errs.join('\n  ')}`);
      process.exitCode = 1;
    } else if (plan.mode === 'smoke') {
      console.log('bench:kernels --smoke: schema ok');
    }
  }
} finally {
  await server.close();
}
