import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { reflectAll, reflectedBindings } from './scripts/reflected-bindings.mjs';

const demos = fileURLToPath(new URL('./demos', import.meta.url));

/** One HTML entry per page: the index, a folder per lesson part, and the kernel workbench. */
const pageNames = ['index', 'seeds', 'xor', 'activations', 'backprop', 'overfitting', 'dropout', 'mnist', 'workbench'];
export const pages = Object.fromEntries(
  pageNames.map((n) => [n, n === 'index' ? `${demos}/index.html` : `${demos}/${n}/index.html`]).filter(([, path]) => existsSync(path!)),
);

// The demo site: demos/ is the root, and pages import the engine as 'shadergrad' (the
// source). It builds into dist-site/, since dist/ is the library that npm ships.
export default defineConfig(async ({ command }) => ({
  root: demos,
  // The built site ships the bind layouts reflected at build time (the dev server parses the WGSL).
  plugins: command === 'build' ? [reflectedBindings(await reflectAll())] : [],
  resolve: { alias: { shadergrad: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  server: { open: false, fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] } },
  build: {
    outDir: fileURLToPath(new URL('./dist-site', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: pages },
  },
}));
