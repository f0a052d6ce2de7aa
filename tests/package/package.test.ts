// The library as a stranger gets it: build dist/, pack it, install the tarball into an empty
// project (with the `webgpu` peer from the registry), then use it from plain Node, from a
// strict TypeScript project and from a Vite app. Everything is rebuilt and reinstalled on
// every run, so no earlier build can stand in for a broken one.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./consumer/', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Run {
  stdout: string;
  stderr: string;
}

/** Runs a command; on failure, the Error carries its whole output. */
async function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  try {
    return await promisify(execFile)(cmd, args, { cwd, maxBuffer: 64 << 20, env: process.env });
  } catch (err) {
    const e = err as Error & Partial<Run>;
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The final XOR loss that tests/package/consumer/xor.mjs prints. */
function xorResult(out: Run): { backend: string; loss: number } {
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as { backend: string; loss: number };
  } catch {
    throw new Error(`xor.mjs printed no result:\n${out.stdout}\n${out.stderr}`);
  }
}

let work = '';
let project = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'shadergrad-package-'));
  project = join(work, 'project');
  await run(npm, ['run', 'build:lib'], root);
  // Built just above: prepack would build again, and its output would break the JSON.
  const packed = JSON.parse((await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root)).stdout) as { filename: string; files: { path: string }[] }[];
  const { filename, files } = packed[0]!;
  const stray = files.map((f) => f.path).filter((p) => !/^(dist\/.*\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/.test(p));
  expect(stray, 'npm pack ships only dist/, the README and the licence').toEqual([]);

  mkdirSync(project);
  cpSync(fixture, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const webgpu = (JSON.parse(readFileSync(join(root, 'node_modules/webgpu/package.json'), 'utf8')) as { version: string }).version;
  await run(npm, ['install', join(work, filename), `webgpu@${webgpu}`, '--no-audit', '--no-fund'], project);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed library, installed into an empty project', () => {
  it('plain Node ESM imports it and trains XOR on the CPU', async () => {
    const r = xorResult(await run(process.execPath, ['xor.mjs', 'cpu'], project));
    expect(r.backend).toBe('cpu');
    expect(r.loss).toBeLessThan(0.01);
  });

  it('plain Node ESM trains XOR on WebGPU through Dawn', async () => {
    // with-gpu-env.mjs points Vulkan at SwiftShader where there is no GPU driver; the loader
    // reads that from the environment at start-up, hence a child process. No adapter is a
    // failure, as in the GPU suite, never a skip.
    const out = await run(process.execPath, [join(root, 'scripts/with-gpu-env.mjs'), process.execPath, 'xor.mjs', 'webgpu'], project);
    const r = xorResult(out);
    expect(r.backend).toBe('webgpu');
    expect(r.loss).toBeLessThan(0.01);
  });

  it('a strict TypeScript consumer (nodenext) type-checks against its declarations', async () => {
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(project, 'tsconfig.json')], project);
  });

  it('a Vite app bundles it with the WGSL inlined, and without wgsl_reflect', async () => {
    const outDir = join(project, 'app/dist');
    await build({ root: join(project, 'app'), configFile: false, logLevel: 'error', build: { outDir, target: 'es2022' } });
    const code = readdirSync(join(outDir, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(outDir, 'assets', f), 'utf8'))
      .join('\n');
    expect(code).toContain('@compute');
    expect(code).not.toMatch(/WgslReflect|wgsl_reflect/);
  });
});
