// Build the demo site once for the whole e2e suite and serve it (dist-site/, vite.config.ts) while it runs; each test
// file reads the address with inject('siteUrl') (harness.ts). Building per file cost every
// file a full Vite build, and eight builds of the same sources prove nothing more than one.
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { buildMnist } from '../../scripts/build-mnist.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    siteUrl: string;
  }
}

const root = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildMnist({ quiet: true }); // the MNIST page's IDX files (demos/public/data/mnist), as `npm run build` does first
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'error' });
  const server = await preview({ configFile: `${root}vite.config.ts`, logLevel: 'error', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  project.provide('siteUrl', server.resolvedUrls!.local[0]!.replace(/\/$/, ''));
  return () => new Promise<void>((r) => server.httpServer.close(() => r()));
}
