// `npm run bench`: shadergrad beside TensorFlow.js and jax-js in headless Chromium, on WebGPU
// (the same adapter) and on each one's CPU backend, all given the same inputs and checked to
// compute the same results. Writes bench/results/latest.json and prints a markdown table.
//   --quick   fewer sizes and repetitions (minutes on SwiftShader)
//   --smoke   every row at toy sizes; checks the result's schema and that every peer ran and
//             agrees with ours, not the speed (npm test)
//   --require-peer  a real run fails where a peer has no figure
//   --node    no browser: our rows only, in Node on Dawn (a GPU server without Chrome)
// Any run fails (after writing its JSON and table) where a peer's results differ from ours.
//   --tune    instead of the rows: measure the matmul kernel candidates per size class and
//             write the winners to src/backend/webgpu/tuning/<vendor>-<architecture>.json
//             (with --quick, the largest classes take the next class's winner)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { schemaErrors, table } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const mode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const alias = { shadergrad: `${root}src/index.ts` };

function save(result) {
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(result, null, 2)}\n`);
}

const tuning = args.includes('--tune');

async function runNode() {
  const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', resolve: { alias }, server: { middlewareMode: true, hmr: false, ws: false } });
  try {
    const node = await server.ssrLoadModule('/bench/node.ts');
    return tuning ? await node.runTune(mode) : await node.run(mode);
  } finally {
    await server.close();
  }
}

async function runBrowser() {
  const { callInPage } = await import('../scripts/chrome.mjs');
  const server = await createServer({
    root: `${root}bench/page`,
    configFile: false,
    logLevel: 'error',
    resolve: { alias },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, fs: { allow: [root] } },
  });
  await server.listen();
  try {
    const { result, errors } = await callInPage(server.resolvedUrls.local[0], tuning ? 'runTune' : 'runBench', mode);
    const shown = errors.slice(0, 5).join(' | ');
    if (tuning && errors.length > 0) throw new Error(`bench --tune: console errors in the page: ${shown}`);
    if (!tuning && errors.length > 0) result.notes.push(`console errors in the page: ${shown}`);
    return result;
  } finally {
    await server.close();
  }
}

const result = args.includes('--node') ? await runNode() : await runBrowser();
if (tuning) {
  const { table, entries } = result;
  const file = `src/backend/webgpu/tuning/${table.match.join('-')}.json`;
  const existed = existsSync(`${root}${file}`);
  // The tuner measures the matmul classes only: the file's other entries (the per-element
  // grid, the optimizer step's grid), measured separately, are kept as they are.
  const kept = existed ? JSON.parse(readFileSync(`${root}${file}`, 'utf8')) : {};
  writeFileSync(`${root}${file}`, `${JSON.stringify({ ...kept, ...table }, null, 2)}\n`);
  const lines = ['| class | shape | candidate | GFLOP/s | timing |', '|---|---|---|---:|---|'];
  for (const e of entries) lines.push(`| ${e.sizeClass} | ${e.shape} | ${e.candidate} | ${e.gflops.toPrecision(3)} | ${e.timing} |`);
  console.log(`\nmatmul candidates on ${table.adapter}:\n\n${lines.join('\n')}\n`);
  console.log(`${existed ? 'rewrote' : 'wrote'} ${file} (${table.source}); the backend uses it for adapters whose description has the words ${table.match.join(', ')}`);
  process.exit(0);
}
save(result);
console.log(`\n${table(result)}\n\nwritten to bench/results/latest.json`);
const requirePeers = (mode === 'smoke' && !args.includes('--node')) || args.includes('--require-peer');
const errs = schemaErrors(result, { requirePeers });
if (errs.length > 0) {
  console.error(`bench: the result fails its check (its shape, a peer figure missing or a peer whose results differ from ours):\n  ${errs.join('\n  ')}`);
  process.exit(1);
}
if (mode === 'smoke') console.log(`bench --smoke: schema ok${requirePeers ? ', every peer ran and agrees with ours' : ' (ours only)'}`);
