// The MNIST page's model as a file, in headless Chromium on WebGPU: a brief training run
// (1 epoch, 16 hidden units: the point is the file, not the accuracy), Download model, then
// the downloaded bytes loaded into a fresh page with Load weights give the same test
// accuracy, and the file reads in Node with the page's names and hidden size.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ElementHandle } from 'puppeteer';
import { readSafetensors } from 'shadergrad';
import { openPage, runExercise, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

it('mnist: train briefly, download the model, load it into a fresh page: the same test accuracy', async () => {
  const { page, problems } = await openPage(site, '/mnist/');
  expect(await page.$eval('#mnist-download', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
  await setInput(page, 'mnist-hidden', 16);
  await setInput(page, 'mnist-epochs', 1);
  const r = (await runExercise(page, 'mnist-train', 300_000)) as { hidden: number; epochsRun: number; finalTestAccuracy: number; testSize: number };
  expect(r).toMatchObject({ hidden: 16, epochsRun: 1 });
  expect(await page.$eval('#mnist-download', (b) => (b as HTMLButtonElement).disabled)).toBe(false);

  await page.click('#mnist-download');
  await page.waitForFunction(() => 'mnist-download' in window.__results, { timeout: 30_000, polling: 50 });
  const download = (await page.evaluate(() => window.__results['mnist-download'])) as { file: string; bytes: number[] };
  expect(download.file).toBe('mnist-shallow.safetensors');
  const bytes = new Uint8Array(download.bytes);
  const file = readSafetensors(bytes);
  expect(file.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
    ['0.bias', 'F32', [16]],
    ['0.weight', 'F32', [16, 784]],
    ['2.bias', 'F32', [10]],
    ['2.weight', 'F32', [10, 16]],
  ]);
  expect(file.metadata).toMatchObject({ split_seed: '0', train_size: '8000' });
  await page.close();

  // A fresh page: nothing trained; the file alone gives the network.
  const fresh = await openPage(site, '/mnist/');
  const path = join(mkdtempSync(join(tmpdir(), 'shadergrad-st-')), download.file);
  writeFileSync(path, bytes);
  const input = (await fresh.page.$('#mnist-load-weights')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
  await fresh.page.waitForFunction(() => 'mnist-load' in window.__results, { timeout: 120_000, polling: 100 });
  const loaded = (await fresh.page.evaluate(() => window.__results['mnist-load'])) as { hidden: number; accuracy: number; error?: string };
  expect(loaded.error).toBeUndefined();
  expect(loaded.hidden).toBe(16);
  expect(loaded.accuracy).toBe(r.finalTestAccuracy);
  expect(await fresh.page.$eval('#mnist-weights-status', (e) => e.textContent)).toContain(`a 784-16-10 network, test accuracy ${(r.finalTestAccuracy * 100).toFixed(2)}%`);

  // A file of something else: the page says what it expected; nothing breaks.
  const wrong = join(mkdtempSync(join(tmpdir(), 'shadergrad-st-')), 'wrong.safetensors');
  writeFileSync(wrong, bytes.subarray(0, bytes.length - 4));
  await fresh.page.evaluate(() => delete window.__results['mnist-load']);
  await input.uploadFile(wrong);
  await fresh.page.waitForFunction(() => 'mnist-load' in window.__results, { timeout: 30_000, polling: 100 });
  expect(await fresh.page.$eval('#mnist-weights-status', (e) => e.textContent)).toMatch(/^loadSafetensors: tensor '2\.weight': data_offsets .* run past the end of the data/);
  expect(problems).toEqual([]);
  expect(fresh.problems).toEqual([]);
});
