// Prototype probe (issue 21, FMA share): matmul kernel variants written here as WGSL
// templates, timed with GPU timestamps (timeDispatches) against the engine's own matmul in
// one process, alternating. Run: node scripts/with-gpu-env.mjs node bench/fma-probe/probe.mjs [variant ...]
import { createServer } from 'vite';
import { fileURLToPath } from 'node:url';
const root = fileURLToPath(new URL('../..', import.meta.url));
const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', resolve: { alias: { shadergrad: `${root}src/index.ts` } }, server: { middlewareMode: true, hmr: false } });
const sg = await server.ssrLoadModule('/src/index.ts');
const mm = await server.ssrLoadModule('/src/ops/matmul.ts');
const { currentBackend } = await server.ssrLoadModule('/src/engine/backend.ts');
const { timeDispatches, replayOf } = await server.ssrLoadModule('/src/backend/webgpu/replay.ts');
await sg.setBackend('webgpu');
const device = currentBackend().device;
const { runProbe } = await import('./core.mjs');
const kernels = await server.ssrLoadModule('/src/tools/kernels.ts');
const choice = await server.ssrLoadModule('/src/ops/matmul-choice.ts');
await runProbe({ sg, mm, device, timeDispatches, replayOf, backend: currentBackend(), kernels, choice, variantNames: process.argv.slice(2), shapeList: process.env.SHAPES ?? '512x512x512,256x256x256', rounds: Number(process.env.ROUNDS ?? 3), log: console.log });
await server.close();
process.exit(0);
