import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo site: demos/ is the root, and pages import the engine as 'shadergrad'.
export default defineConfig({
  root: fileURLToPath(new URL('./demos', import.meta.url)),
  resolve: { alias: { shadergrad: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  server: { open: false },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
});
