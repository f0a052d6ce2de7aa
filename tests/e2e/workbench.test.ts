// The kernel workbench: matmul 64x64x64 on WebGPU agrees with the CPU reference; an edit that
// does not compile is refused at the line it broke and the previous kernel keeps running; an
// edit that compiles but computes something else shows up as a large error; Restore brings
// the file's kernel back. And bad shapes are an error on the page, which keeps working.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import type { PublishedRun } from '../../demos/workbench/workbench.ts';
import { SCREENSHOTS, openPage, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

const runCount = (page: Page): Promise<number> => page.evaluate(() => (window.__results.workbench as unknown[]).length);

/** Click a workbench button and wait for the run it starts; returns that run as published. */
async function clickRun(page: Page, id: string): Promise<PublishedRun> {
  const before = await runCount(page);
  await page.click(`#${id}`);
  await page.waitForFunction((n) => (window.__results.workbench as unknown[]).length > n, { timeout: 300_000, polling: 100 }, before);
  return page.evaluate(() => (window.__results.workbench as PublishedRun[]).at(-1)!);
}

async function openWorkbench(): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(site, '/workbench/');
  expect(await opened.page.evaluate(() => window.__backend!.name)).toBe('webgpu');
  await opened.page.waitForFunction(() => window.__workbench !== undefined, { timeout: 60_000 });
  return opened;
}

const editorText = (page: Page): Promise<string> => page.evaluate(() => window.__workbench!.editor.text());
const setEditorText = (page: Page, text: string): Promise<void> => page.evaluate((t) => window.__workbench!.editor.setText(t), text);

it('workbench: matmul 64x64x64 against the CPU; a broken edit refused at its line; a wrong edit caught; Restore', async () => {
  const { page, problems } = await openWorkbench();
  expect(await page.$eval('#wb-op', (e) => (e as HTMLSelectElement).value)).toBe('matmul');
  expect(await page.$eval('#wb-shapes', (e) => (e as HTMLInputElement).value)).toBe('64x64, 64x64');

  const first = await clickRun(page, 'wb-run');
  expect(first).toMatchObject({ op: 'matmul', shape: '64x64, 64x64' });
  expect(first.maxAbsErr).toBeLessThan(1e-4);
  expect(first.maxRelErr).toBeLessThan(1e-3);
  // 2·M·N·K FLOP, and the figures are that work over the time.
  expect(first.flops).toBe(2 * 64 ** 3);
  expect(first.ms).toBeGreaterThan(0);
  expect(first.gflops).toBeCloseTo(first.flops / (first.ms * 1e6), 6);
  expect(first.gbps).toBeCloseTo(first.bytes / (first.ms * 1e6), 6);
  // At least the two operands read and the product written, 4 bytes an element.
  expect(first.bytes).toBeGreaterThanOrEqual(3 * 64 * 64 * 4);
  const ceilings = (await page.evaluate(() => window.__results.ceilings)) as { gflops: number; bandwidthGBs: number };
  expect(ceilings.gflops).toBeGreaterThan(0);
  expect(ceilings.bandwidthGBs).toBeGreaterThan(0);
  expect(first.flopShare).toBeCloseTo(first.gflops / ceilings.gflops, 9);
  expect(first.bandwidthShare).toBeCloseTo(first.gbps / ceilings.bandwidthGBs, 9);
  expect(await page.$eval('#wb-result', (e) => e.textContent)).toMatch(/% of the FMA ceiling/);

  // The kernel the product ran, and the line of that entry point that stores its result.
  expect(first.dispatches).toHaveLength(1);
  const { family, kernel } = first.dispatches[0]!;
  expect(family).toBe('matmul');
  const file = await editorText(page);
  const lines = file.split('\n');
  const fnAt = lines.findIndex((l) => l.startsWith(`fn ${kernel}(`));
  expect(fnAt, `fn ${kernel} in the editor`).toBeGreaterThanOrEqual(0);
  const storeAt = lines.findIndex((l, i) => i > fnAt && /^\s*C\[i\] = .+;\s*$/.test(l));
  expect(lines.slice(fnAt + 1, storeAt).some((l) => l.startsWith('fn ')), 'the store is in the same function').toBe(false);
  const store = lines[storeAt]!;
  const value = store.replace(/^\s*C\[i\] = (.+);\s*$/, '$1');
  const withLine = (text: string): string => lines.map((l, i) => (i === storeAt ? text : l)).join('\n');

  // A syntax error on that line: refused there, listed, marked in the editor, and the run
  // goes on with the previous kernel.
  await setEditorText(page, withLine(store.replace(value, `${value} +`)));
  const refused = await clickRun(page, 'wb-compile');
  expect(refused.compile).toMatchObject({ family: 'matmul', ok: false });
  const message = refused.compile!.messages[0]!;
  expect(message.line).toBe(storeAt + 1);
  const listed = await page.$$eval('#wb-messages li', (lis) => lis.map((li) => li.textContent ?? ''));
  expect(listed[0]).toBe(`line ${storeAt + 1}, column ${message.column}: ${message.message}`);
  const markedLines = await page.evaluate(() => {
    const view = window.__workbench!.editor.view;
    return [...document.querySelectorAll('#wb-editor .cm-lintRange-error')].map((e) => view.state.doc.lineAt(view.posAtDOM(e)).number);
  });
  expect(markedLines).toEqual([storeAt + 1]);
  expect(refused.edited).toEqual([]);
  expect(refused.maxAbsErr).toBeLessThan(1e-4);
  expect(await page.$eval('#wb-status', (e) => e.textContent)).toMatch(/did not compile, so this run used the previous kernel/);
  await page.screenshot({ path: `${SCREENSHOTS}/workbench-compile-error.png`, fullPage: true });

  // A kernel that compiles and stores twice the product: every element off by its own size,
  // so the relative error is 1 and the absolute error the largest |value|.
  await setEditorText(page, withLine(store.replace(value, `2.0 * (${value})`)));
  const doubled = await clickRun(page, 'wb-compile');
  expect(doubled.compile).toMatchObject({ family: 'matmul', ok: true });
  expect(doubled.edited).toEqual(['matmul']);
  expect(doubled.maxAbsErr).toBeGreaterThan(1);
  expect(doubled.maxRelErr).toBeCloseTo(1, 3);
  expect(await page.$$eval('#wb-messages li.error', (lis) => lis.length)).toBe(0);

  // Restore: the file's text, in the editor and on the GPU.
  const restored = await clickRun(page, 'wb-restore');
  expect(restored.edited).toEqual([]);
  expect(restored.maxAbsErr).toBeLessThan(1e-4);
  expect(await editorText(page)).toBe(file);
  expect(await page.$$eval('#wb-history tr', (trs) => trs.length)).toBe(1 + 4);

  await page.screenshot({ path: `${SCREENSHOTS}/workbench.png`, fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});

it('workbench: bad shapes are an error naming the op and the shapes; the page keeps working', async () => {
  const { page, problems } = await openWorkbench();
  const errorAfter = async (shapes: string): Promise<string> => {
    await setInput(page, 'wb-shapes', shapes);
    await page.click('#wb-run');
    await page.waitForFunction(() => !document.querySelector<HTMLElement>('#wb-error')!.hidden, { timeout: 10_000 });
    return page.$eval('#wb-error', (e) => e.textContent ?? '');
  };
  expect(await errorAfter('64x64, 65x64')).toBe('matmul: [64,64] @ [65,64]: inner dimensions 64 and 65 differ');
  expect(await runCount(page)).toBe(0);
  expect(await errorAfter('64x, 3')).toBe('matmul: A [M,K] "64x" is not a shape; expected 2 shapes (A [M,K], B [K,N]), each its dimensions joined by x, like 64x64, 64x64');
  expect(await runCount(page)).toBe(0);

  // Odd shapes on the same op, then another op at its own defaults.
  await setInput(page, 'wb-shapes', '7x13, 13x5');
  const odd = await clickRun(page, 'wb-run');
  expect(await page.$eval('#wb-error', (e) => (e as HTMLElement).hidden)).toBe(true);
  expect(odd).toMatchObject({ op: 'matmul', shape: '7x13, 13x5' });
  expect(odd.maxAbsErr).toBeLessThan(1e-4);
  await page.select('#wb-op', 'softmax');
  expect(await page.$eval('#wb-shapes', (e) => (e as HTMLInputElement).value)).toBe('512x512');
  const softmax = await clickRun(page, 'wb-run');
  expect(softmax.op).toBe('softmax');
  expect(softmax.maxAbsErr).toBeLessThan(1e-5);
  expect(await page.$eval('#wb-family', (e) => (e as HTMLSelectElement).value)).toBe('softmax');
  expect(problems).toEqual([]);
  await page.close();
});
