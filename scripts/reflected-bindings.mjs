// Bind layouts reflected at build time: every shader family's entry points and their
// bindings, read by src/backend/webgpu/reflect.ts itself (wgsl_reflect) from the shader text
// the build ships, and served in place of that module. The library (build-lib.mjs) and the
// demo site (vite.config.ts) both use it: wgsl_reflect stays out of the bundles, and a page
// no longer parses every family's WGSL on its main thread before its first step (about a
// second of a cold start on SwiftShader's machines).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const reflectModule = join(root, 'src/backend/webgpu/reflect.ts');

/** { family: { entry: EntryBinding[] } } for every shader family. */
export async function reflectAll() {
  // No dependency scan: it would crawl the demos and benchmarks, which only the site needs.
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    appType: 'custom',
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { middlewareMode: true, hmr: false, ws: false },
  });
  try {
    const { shaderFamilies } = await server.ssrLoadModule('/src/backend/webgpu/shaders.ts');
    const { reflectFamily } = await server.ssrLoadModule('/src/backend/webgpu/reflect.ts');
    return Object.fromEntries(shaderFamilies().map((f) => [f, Object.fromEntries(reflectFamily(f))]));
  } finally {
    await server.close();
  }
}

/** A Vite plugin serving the reflected table as reflect.ts, with the same reflectFamily. */
export function reflectedBindings(table) {
  return {
    name: 'shadergrad:reflected-bindings',
    enforce: 'pre',
    load(id) {
      if (id.split('?')[0] !== reflectModule) return null;
      return [
        '// Reflected from shaders/*.wgsl at build time by scripts/reflected-bindings.mjs.',
        `const table = ${JSON.stringify(table)};`,
        'export function reflectFamily(family) {',
        "  if (!(family in table)) throw new Error(`webgpu: no shader file shaders/${family}.wgsl`);",
        '  return new Map(Object.entries(table[family]));',
        '}',
      ].join('\n');
    },
  };
}
