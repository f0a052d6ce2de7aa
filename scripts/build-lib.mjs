#!/usr/bin/env node
// `npm run build:lib`: the installable library in dist/. One ESM bundle (dist/index.js) with
// the WGSL and the tuning tables inlined, and .d.ts declarations beside it. The bind layouts
// are reflected here, from the very shader text the bundle ships, and replace
// src/backend/webgpu/reflect.ts in the bundle, so wgsl_reflect stays a build dependency.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { reflectAll, reflectedBindings } from './reflected-bindings.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** Declarations, with the source's `.ts` specifiers as the `.js` files a consumer resolves. */
function declarations() {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.lib.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`build:lib: tsc failed to emit the declarations (exit ${tsc.status})`);
  for (const entry of readdirSync(dist, { recursive: true })) {
    if (!entry.endsWith('.d.ts')) continue;
    const file = join(dist, entry);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1.js$2'));
  }
}

rmSync(dist, { recursive: true, force: true });
const table = await reflectAll();
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  plugins: [reflectedBindings(table)],
  build: {
    outDir: dist,
    target: 'es2022',
    minify: false,
    lib: { entry: join(root, 'src/index.ts'), formats: ['es'], fileName: 'index' },
  },
});
declarations();
const bundle = readFileSync(join(dist, 'index.js'), 'utf8');
if (/wgsl_reflect|WgslReflect/.test(bundle)) throw new Error('build:lib: dist/index.js still contains wgsl_reflect');
console.log(`build:lib: dist/ ready (${Object.keys(table).length} shader families reflected)`);
