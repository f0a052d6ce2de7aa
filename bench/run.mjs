// `npm run bench`: loads the benchmark through Vite (the engine imports shaders as ?raw,
// which plain Node cannot) and runs it. Flags: --quick (fewer repetitions).
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
  resolve: { alias: { shadergrad: `${root}src/index.ts` } },
});
try {
  const bench = await server.ssrLoadModule('/bench/suite.ts');
  await bench.main(process.argv.slice(2));
} finally {
  await server.close();
}
