import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// 'shadergrad' resolves to the source, so README snippets run exactly as a user writes them.
const alias = { shadergrad: fileURLToPath(new URL('./src/index.ts', import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // Builds, packs and installs the library, then runs it as a user would
          // (tests/package/package.test.ts): minutes, not seconds, on a slow machine.
          name: 'package',
          include: ['tests/package/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          // Dawn in a child process (worker threads are known to crash in requestAdapter),
          // one file at a time.
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // Builds and serves the site once for every file.
          globalSetup: ['tests/e2e/global-setup.ts'],
          environment: 'node',
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
