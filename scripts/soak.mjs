#!/usr/bin/env node
// `npm run soak [-- --steps N --warmup W --feed narrow|loader|both]`: the MNIST-shaped model
// trained N steps (default 10,000) on WebGPU over moving mini-batches; fails where counts or
// resident memory grow after warm-up (bench/soak.ts says what is checked). Prints the figures.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`soak: --${name} needs a value`);
  return v;
}
const steps = Number(arg('steps', '10000'));
const rows = Number(arg('rows', '8000'));
const warmup = Number(arg('warmup', String(2 * Math.ceil(rows / 128))));
const feeds = arg('feed', 'both') === 'both' ? ['narrow', 'loader'] : [arg('feed')];
if (!Number.isInteger(steps) || steps <= warmup) throw new Error(`soak: --steps must be an integer above the warm-up (${warmup}), got ${arg('steps')}`);
for (const f of feeds) if (f !== 'narrow' && f !== 'loader') throw new Error(`soak: --feed is narrow, loader or both, got ${f}`);

const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', resolve: { alias: { shadergrad: `${root}src/index.ts` } }, server: { middlewareMode: true, hmr: false, ws: false } });
let failed = false;
try {
  const { soak, describeSoak } = await server.ssrLoadModule('/bench/soak.ts');
  const { setBackend } = await server.ssrLoadModule('/src/index.ts');
  const info = await setBackend('webgpu');
  console.log(`soak on ${info.description ?? info.name}: ${steps} steps per feed, warm-up ${warmup}, ${rows} rows, batch 128`);
  for (const feed of feeds) {
    const r = await soak({ feed, steps, warmup, rows, samples: 10, log: (l) => console.log(l) });
    console.log(describeSoak(r));
    if (r.failures.length > 0) failed = true;
  }
} finally {
  await server.close();
}
process.exit(failed ? 1 : 0);
