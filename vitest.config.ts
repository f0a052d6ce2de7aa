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
    ],
  },
});
