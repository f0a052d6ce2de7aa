// The e2e harness: drive headless Chromium (WebGPU on, SwiftShader where there is no GPU)
// with Puppeteer over the demo site that global-setup.ts built and serves.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer';
import { inject } from 'vitest';
import { launchChrome } from '../../scripts/chrome.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = `${root}tests/e2e/screenshots`;

/**
 * Console messages Chromium itself prints on SwiftShader, by exact text; anything else in
 * the console at error or warning level fails a test.
 */
export const KNOWN_CHROMIUM_MESSAGES: string[] = [];

/** The lesson pages, in the index's order (each is /<name>/ on the site). */
export const LESSON_PAGES = ['seeds', 'activations', 'backprop', 'overfitting', 'dropout', 'mnist', 'xor'];

export interface Site {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** A browser of this file's own, on the site the global setup serves. */
export async function startSite(): Promise<Site> {
  const browser = await launchChrome(600_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { url: inject('siteUrl'), browser, close: () => browser.close() };
}

export interface OpenedPage {
  page: Page;
  /** Console errors and warnings other than Chromium's known ones, and page errors. */
  problems: string[];
}

/**
 * Open a page and wait until it has chosen its backend; the badge must say WebGPU.
 * `beforeLoad` runs on the new tab before the page loads (e.g. evaluateOnNewDocument).
 */
export async function openPage(site: Site, path: string, beforeLoad?: (page: Page) => Promise<void>): Promise<OpenedPage> {
  const page = await site.browser.newPage();
  await beforeLoad?.(page);
  await page.setViewport({ width: 1200, height: 900 });
  const problems: string[] = [];
  page.on('console', (m) => {
    const t = m.text();
    if ((m.type() === 'error' || m.type() === 'warn') && !KNOWN_CHROMIUM_MESSAGES.includes(t)) problems.push(`${m.type()}: ${t}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
  await page.goto(`${site.url}${path}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__backend !== undefined, { timeout: 60_000 });
  // Until the page has settled (demos/ui/content.ts), off-screen sections have placeholder
  // heights, and a click aimed after a scroll could land where the page has since moved.
  await page.waitForFunction(() => document.documentElement.classList.contains('settled'), { timeout: 60_000, polling: 100 });
  return { page, problems };
}

/** Click an exercise's Run and wait for its result; returns it. */
export async function runExercise(page: Page, id: string, timeoutMs = 300_000): Promise<unknown> {
  await page.evaluate((i) => delete window.__results[i], id);
  await page.click(`[data-run="${id}"]`);
  await page.waitForFunction((i) => i in window.__results, { timeout: timeoutMs, polling: 100 }, id);
  return page.evaluate((i) => window.__results[i], id);
}

export async function chartUpdates(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => ({ ...window.__chartUpdates }));
}

/** Set a number or text input (by element id) as a learner would type it. */
export async function setInput(page: Page, id: string, value: string | number): Promise<void> {
  await page.$eval(`#${id}`, (e, v) => ((e as HTMLInputElement).value = String(v)), value);
}
