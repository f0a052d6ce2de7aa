// `npm run bench`: shadergrad beside TensorFlow.js in headless Chromium, on WebGPU (the same
// adapter) and on each one's CPU backend. Writes bench/results/latest.json and prints a
// markdown table.
//   --quick   fewer sizes and repetitions (minutes on SwiftShader)
//   --smoke   every row at toy sizes; checks the result's schema, not the speed (npm test)
//   --node    no browser: our rows only, in Node on Dawn (a GPU server without Chrome)
//   --tune    instead of the rows: measure the matmul kernel candidates per size class and
//             write the winners to src/backend/webgpu/tuning/<vendor>-<architecture>.json
//             (with --quick, the largest classes take the next class's winner)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const mode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const alias = { shadergrad: `${root}src/index.ts` };

/** The result must have this shape; --smoke fails on any deviation. */
function schemaErrors(r) {
  const errs = [];
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (typeof r?.adapter !== 'string' || r.adapter.length === 0) errs.push('adapter: a non-empty string');
  if (typeof r?.date !== 'string' || Number.isNaN(Date.parse(r.date))) errs.push('date: an ISO date');
  if (!Array.isArray(r?.rows) || r.rows.length === 0) return [...errs, 'rows: a non-empty array'];
  for (const row of r.rows) {
    const at = `row ${JSON.stringify(row?.name)}`;
    if (typeof row.name !== 'string' || !/^(cpu\/)?(matmul|train_step|mnist_epoch)_/.test(row.name)) errs.push(`${at}: name must start with matmul_, train_step_ or mnist_epoch_ (cpu/ for CPU rows)`);
    if (!isNum(row.ours)) errs.push(`${at}: ours must be a positive number, got ${row.ours}`);
    if (row.peer !== null && !isNum(row.peer)) errs.push(`${at}: peer must be a positive number or null, got ${row.peer}`);
    if (!['GFLOP/s', 'steps/s', 's'].includes(row.unit)) errs.push(`${at}: unit ${row.unit}`);
    if (typeof row.higherIsBetter !== 'boolean') errs.push(`${at}: higherIsBetter must be a boolean`);
    for (const k of ['dispatchesPerStep', 'submitsPerStep', 'oursKernel', 'peerKernel']) if (k in row && !isNum(row[k])) errs.push(`${at}: ${k} must be a positive number`);
  }
  for (const prefix of ['matmul_', 'train_step_', 'mnist_epoch_', 'cpu/matmul_', 'cpu/train_step_', 'cpu/mnist_epoch_']) {
    if (!r.rows.some((row) => row.name.startsWith(prefix))) errs.push(`no ${prefix} row`);
  }
  if (mode !== 'smoke' && args.includes('--require-peer') && r.rows.some((row) => row.peer === null)) errs.push('a peer figure is missing');
  return errs;
}

function table(r) {
  const f = (v) => (v === null || v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const lines = [
    `shadergrad vs TensorFlow.js on ${r.adapter} (${r.mode}, ${r.date})`,
    '',
    '| row | shadergrad | TF.js | unit | ours vs TF.js | kernels only: ours / TF.js | dispatches/step | submits/step |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const row of r.rows) {
    const ratio = row.peer ? (row.higherIsBetter ? row.ours / row.peer : row.peer / row.ours) : null;
    const kernels = row.oursKernel !== undefined || row.peerKernel !== undefined ? `${f(row.oursKernel)} / ${f(row.peerKernel)}` : '-';
    lines.push(`| ${row.name} | ${f(row.ours)} | ${f(row.peer)} | ${row.unit} | ${ratio === null ? '-' : `${ratio.toFixed(2)}x`} | ${kernels} | ${f(row.dispatchesPerStep)} | ${f(row.submitsPerStep)} |`);
  }
  for (const n of r.notes ?? []) lines.push('', `note: ${n}`);
  return lines.join('\n');
}

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
  writeFileSync(`${root}${file}`, `${JSON.stringify(table, null, 2)}\n`);
  const lines = ['| class | shape | candidate | GFLOP/s | timing |', '|---|---|---|---:|---|'];
  for (const e of entries) lines.push(`| ${e.sizeClass} | ${e.shape} | ${e.candidate} | ${e.gflops.toPrecision(3)} | ${e.timing} |`);
  console.log(`\nmatmul candidates on ${table.adapter}:\n\n${lines.join('\n')}\n`);
  console.log(`${existed ? 'rewrote' : 'wrote'} ${file} (${table.source}); the backend uses it for adapters whose description has the words ${table.match.join(', ')}`);
  process.exit(0);
}
save(result);
console.log(`\n${table(result)}\n\nwritten to bench/results/latest.json`);
const errs = schemaErrors(result);
if (errs.length > 0) {
  console.error(`bench: the result does not have the expected shape:\n  ${errs.join('\n  ')}`);
  process.exit(1);
}
if (mode === 'smoke') console.log('bench --smoke: schema ok');
