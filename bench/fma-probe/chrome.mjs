// The probe in headless Chromium: node scripts/with-gpu-env.mjs node bench/fma-probe/chrome.mjs [variant ...]
// (SHAPES=512x512x512,256x256x256t ROUNDS=3; a trailing t: A stored transposed).
import { createServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { callInPage } from '../../scripts/chrome.mjs';
const root = fileURLToPath(new URL('../..', import.meta.url));
const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'mpa', resolve: { alias: { shadergrad: `${root}src/index.ts` } }, server: { host: '127.0.0.1', port: 0, hmr: false } });
await server.listen();
try {
  const { result, errors } = await callInPage(`${server.resolvedUrls.local[0]}bench/fma-probe/page/index.html`, 'runFmaProbe', { variantNames: process.argv.slice(2), shapeList: process.env.SHAPES ?? '512x512x512,256x256x256', rounds: Number(process.env.ROUNDS ?? 3) });
  console.error(result, errors.slice(0, 5).join('\n'));
} finally {
  await server.close();
}
