#!/usr/bin/env node
// Run a command where Dawn (Node's WebGPU) can find a Vulkan driver. On a machine without
// a GPU driver, point the Vulkan loader at SwiftShader, the CPU Vulkan driver that Chrome
// ships, found next to the installed Chrome (system Chromium or Puppeteer's). The loader
// reads these variables once at start-up, hence a wrapper rather than process.env edits.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const ICD = 'vk_swiftshader_icd.json';

function hardwareIcds() {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const found = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.json') && !/swiftshader|lvp|mock/i.test(f)) found.push(join(d, f));
  }
  return found;
}

function chromeDirs() {
  const dirs = [];
  for (const v of ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH']) if (process.env[v]) dirs.push(dirname(process.env[v]));
  dirs.push('/usr/lib/chromium', '/usr/lib/chromium-browser', '/opt/google/chrome', '/opt/chromium');
  const cache = join(process.env.PUPPETEER_CACHE_DIR ?? join(homedir(), '.cache', 'puppeteer'), 'chrome');
  if (existsSync(cache)) for (const v of readdirSync(cache)) for (const sub of ['chrome-linux64', 'chrome-linux']) dirs.push(join(cache, v, sub));
  return dirs;
}

const env = { ...process.env };
const forced = process.env.SHADERGRAD_SWIFTSHADER === '1';
if (process.env.VK_ICD_FILENAMES && !forced) {
  console.error(`with-gpu-env: using VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`);
} else if (hardwareIcds().length > 0 && !forced) {
  console.error(`with-gpu-env: GPU Vulkan driver found (${hardwareIcds().join(', ')})`);
} else {
  const dir = chromeDirs().find((d) => existsSync(join(d, ICD)));
  if (dir) {
    env.VK_ICD_FILENAMES = join(dir, ICD);
    // Chrome ships its own Vulkan loader (libvulkan.so.1) beside the driver.
    env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    console.error(`with-gpu-env: no GPU driver; using SwiftShader from ${dir}`);
  } else {
    console.error(`with-gpu-env: no GPU driver and no Chrome with ${ICD} found (install chromium); WebGPU will have no adapter`);
  }
}

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-gpu-env.mjs <command> [args...]');
  process.exit(2);
}
const r = spawnSync(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
if (r.error) {
  console.error(`with-gpu-env: could not run ${cmd}: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
