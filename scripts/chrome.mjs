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
 */
export function launchChrome(protocolTimeout = 0) {
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
    ],
  });
}
