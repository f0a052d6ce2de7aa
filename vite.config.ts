import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import { reflectAll, reflectedBindings } from './scripts/reflected-bindings.mjs';

const demos = fileURLToPath(new URL('./demos', import.meta.url));

/** One HTML entry per page: the index, a folder per lesson part, and the kernel workbench. */
const pageNames = ['index', 'seeds', 'xor', 'activations', 'backprop', 'overfitting', 'dropout', 'mnist', 'workbench'];
export const pages = Object.fromEntries(
  pageNames.map((n) => [n, n === 'index' ? `${demos}/index.html` : `${demos}/${n}/index.html`]).filter(([, path]) => existsSync(path!)),
);

/**
 * Every page starts the WebGPU backend at once, which the engine imports only then (a
 * dynamic import, so a CPU-only page never loads it): a modulepreload link lets the browser
 * fetch and compile that chunk beside the page's own scripts, instead of after them. On
 * SwiftShader the device came about 0.1 s sooner (npm run bench:cold).
 */
function preloadWebGpu(): Plugin {
  return {
    name: 'shadergrad:preload-webgpu',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const chunks = Object.values(ctx.bundle).filter((c) => c.type === 'chunk');
        const backend = chunks.find((c) => c.moduleIds.some((id) => id.endsWith('/src/backend/webgpu/index.ts')));
        if (!backend) throw new Error('preload-webgpu: no chunk holds src/backend/webgpu/index.ts');
        const files = [backend.fileName, ...backend.imports].filter((f) => !html.includes(`/${f}"`));
        return {
          html,
          tags: files.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` }, injectTo: 'head' as const })),
        };
      },
    },
  };
}

// The demo site: demos/ is the root, and pages import the engine as 'shadergrad' (the
// source). It builds into dist-site/, since dist/ is the library that npm ships.
export default defineConfig(async ({ command }) => ({
  root: demos,
  // The built site ships the bind layouts reflected at build time (the dev server parses the WGSL).
  plugins: command === 'build' ? [reflectedBindings(await reflectAll()), preloadWebGpu()] : [],
  resolve: { alias: { shadergrad: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  server: { open: false, fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] } },
  build: {
    outDir: fileURLToPath(new URL('./dist-site', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: pages },
  },
}));
