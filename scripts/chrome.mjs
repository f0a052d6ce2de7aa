// Launching headless Chrome with WebGPU, shared by the benchmark and the e2e tests.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer';

/** The Chrome to drive: an explicit path, else the system Chromium, else Puppeteer's own. */
export function chromePath() {
  for (const p of [process.env.PUPPETEER_EXECUTABLE_PATH, process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  return puppeteer.executablePath();
}

/**
 * Headless, WebGPU on (SwiftShader where there is no GPU). The background-networking
 * flags keep Chrome from reaching for Google's servers, which a closed network refuses.
 * `extraArgs` go after these (the cold-start bench turns the GPU caches off with them).
 */
export function launchChrome(protocolTimeout = 0, extraArgs = []) {
  return puppeteer.launch({
    executablePath: chromePath(),
    headless: true,
    protocolTimeout,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/**
 * A benchmark page's work: open `url` in headless Chrome, wait for `window[fn]`, call it
 * with `arg` and return what it returns, with the page's console errors. Lines the page logs
 * starting "bench: " are its progress and go to stderr.
 */
export async function callInPage(url, fn, arg) {
  const browser = await launchChrome();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => {
      const t = m.text();
      if (t.startsWith('bench: ')) console.error(t);
      else if (m.type() === 'error') errors.push(t);
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction((f) => typeof window[f] === 'function', { timeout: 120_000 }, fn);
    const result = await page.evaluate((f, a) => window[f](a), fn, arg);
    return { result, errors };
  } finally {
    await browser.close();
  }
}
