// Exercise 1 of the backpropagation page as an exercise, in headless Chromium on WebGPU: it
// opens on the lesson's exercise (x = [2, 1], y = 0), whose answers nothing on the page gives
// away (not a Check message, not Exercise 2's table, not the graph) until the learner solves it
// or asks for the solution; the graph fills in what was checked right. The right answers are
// computed here, through the engine's API on the CPU, never written in.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { setBackend } from 'shadergrad';
import { SCREENSHOTS, openPage, runExercise, setInput, startSite } from './harness.ts';
import type { Site } from './harness.ts';
import { EXERCISE_INPUTS, QUANTITIES, autogradValues } from '../../demos/backprop/worked.ts';
import type { Quantity, QuantityValues, SideBySide, WorkedInputs } from '../../demos/backprop/worked.ts';
import { formatGraphNumber } from '../../demos/backprop/graph.ts';

let site: Site;
let answers: QuantityValues;
beforeAll(async () => {
  site = await startSite();
  // float64 on the CPU: the same numbers as the page's float64 hand calculation to ~1e-15,
  // so the graph's 4-digit labels are these, formatted.
  await setBackend('cpu', { precision: 'float64' });
  answers = await autogradValues(EXERCISE_INPUTS);
});
afterAll(async () => {
  await setBackend('cpu');
  await site?.close();
});

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4 || 0;

/**
 * Every way the page would print `v` (the worked solution's and Exercise 2's 8 digits, the
 * graph's 4, a 3-digit "off by"), as absolute values so a minus sign of any kind still
 * matches. Short numbers (0.9, 0.54) also occur as ordinary text, so only their long forms
 * count; integers (1, 0) are everywhere and are left out.
 */
function printedForms(v: number): string[] {
  const a = Math.abs(v);
  if (Number.isInteger(a)) return [];
  const forms = [a.toPrecision(8)];
  const short = String(Number(a.toPrecision(4)));
  if (short.replace(/^0\.0*/, '').length >= 3) forms.push(short, a.toPrecision(3), a.toFixed(4));
  return forms;
}

/**
 * The page's visible text must hold none of these quantities' values, nor the distances of the
 * typed ones. `earned`: quantities the learner got right, shown rightly; a form they share with
 * a hidden one is no leak (dL/dz2 = p - y is p to 4 digits when y = 0, not to 8).
 */
async function expectNothingGivenAway(page: Page, quantities: readonly Quantity[], typed: Partial<Record<Quantity, number[]>>, when: string, earned: readonly Quantity[] = []): Promise<void> {
  const text = await page.evaluate(() => document.body.innerText);
  const allowed = new Set(earned.flatMap((q) => answers[q].flatMap(printedForms)));
  for (const q of quantities) {
    answers[q].forEach((v, i) => {
      const forms = printedForms(v);
      const t = typed[q]?.[i];
      if (t !== undefined) forms.push(...printedForms(t - v));
      for (const f of forms.filter((x) => !allowed.has(x))) expect(text.includes(f), `${when}: the page shows ${f} (${q}[${i}] = ${v}${t !== undefined ? `, typed ${t}` : ''})`).toBe(false);
    });
  }
}

async function typeAll(page: Page, values: Partial<Record<Quantity, number[]>>): Promise<void> {
  for (const q of QUANTITIES) {
    const vs = values[q];
    for (let i = 0; i < answers[q].length; i++) await setInput(page, `ans-${q}-${i}`, vs ? vs[i]! : '');
  }
}

async function checkCells(page: Page): Promise<Record<string, { text: string; cls: string }>> {
  return page.$$eval('#bp-answers td[data-check]', (tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-check')!, { text: td.textContent ?? '', cls: td.className }])));
}

async function graphLabels(page: Page): Promise<Record<string, { text: string; known: boolean }>> {
  return page.$$eval('#bp-graph [data-q]', (es) => Object.fromEntries(es.map((e) => [e.getAttribute('data-q')!, { text: e.textContent ?? '', known: e.classList.contains('known') }])));
}

/** The graph's label for a quantity with every entry shown: "name = value" as graph.ts formats it. */
function shownValue(q: Quantity): string {
  const f = answers[q].map(formatGraphNumber);
  return f.length === 1 ? f[0]! : f.length === 2 ? `[${f.join(', ')}]` : `[[${f[0]}, ${f[1]}], [${f[2]}, ${f[3]}]]`;
}

it('backprop Exercise 1: opens on x = [2, 1], y = 0, gives nothing away, fills the graph as answers come right', async () => {
  const { page, problems } = await openPage(site, '/backprop/');
  expect(await page.evaluate(() => window.__backend!.name)).toBe('webgpu');

  // ---- it opens on the exercise's own inputs --------------------------------------------------
  expect(await page.$eval('#bp-preset', (e) => (e as HTMLSelectElement).value)).toBe('Exercise');
  const ids = ['bp-x0', 'bp-x1', 'bp-w1-00', 'bp-w1-01', 'bp-w1-10', 'bp-w1-11', 'bp-w2-0', 'bp-w2-1', 'bp-y', 'bp-eps'];
  const shown = await Promise.all(ids.map((id) => page.$eval(`#${id}`, (e) => Number((e as HTMLInputElement).value))));
  const inp: WorkedInputs = EXERCISE_INPUTS;
  expect(shown).toEqual([inp.x[0], inp.x[1], inp.W1[0][0], inp.W1[0][1], inp.W1[1][0], inp.W1[1][1], inp.W2[0], inp.W2[1], inp.y, inp.eps]);
  expect(shown.slice(0, 2)).toEqual([2, 1]);
  expect(shown[8]).toBe(0);
  await expectNothingGivenAway(page, QUANTITIES, {}, 'on opening');
  // The graph is there, every quantity a "?".
  const g0 = await graphLabels(page);
  expect(Object.keys(g0).sort()).toEqual([...QUANTITIES].sort());
  for (const q of QUANTITIES) expect(g0[q]!.known, q).toBe(false);

  // ---- wrong entries: right or wrong, never the value or the distance --------------------------
  // Every entry off by a learner-sized slip (some by a sign, some by a factor, some by a bit).
  const wrong: Partial<Record<Quantity, number[]>> = {};
  QUANTITIES.forEach((q, k) => (wrong[q] = answers[q].map((v, i) => r4(k % 3 === 0 ? -v - 0.3 : k % 3 === 1 ? v * 1.5 + 0.05 : v + 0.01 * (i + 2)))));
  await typeAll(page, wrong);
  const c1 = (await runExercise(page, 'manual')) as { report: { right: number; answered: number } };
  expect(c1.report.right).toBe(0);
  expect(c1.report.answered).toBe(13);
  const cells = await checkCells(page);
  for (const q of QUANTITIES) {
    expect(cells[q]!.cls, q).toMatch(/^check (wrong|carried)$/);
    expect(cells[q]!.text, q).not.toMatch(/off by/);
  }
  await expectNothingGivenAway(page, QUANTITIES, wrong, 'after a Check of wrong entries');
  // Exercise 2 runs but shows no value for these inputs.
  expect(await runExercise(page, 'autograd')).toEqual({ hidden: true, inputs: EXERCISE_INPUTS });
  expect(await page.$$eval('#bp-autograd-table tr', (rows) => rows.length)).toBe(0);
  expect(await page.$eval('#bp-verdict', (e) => e.textContent)).toMatch(/once Exercise 1 is solved .* or its worked solution is shown/);
  await expectNothingGivenAway(page, QUANTITIES, wrong, 'after running Exercise 2');
  for (const l of Object.values(await graphLabels(page))) expect(l.known).toBe(false);

  // ---- the forward pass right, the backward pass still wrong: the graph shows just those -------
  const forward: Quantity[] = ['z1', 'h', 'z2', 'p', 'loss'];
  const backward = QUANTITIES.filter((q) => !forward.includes(q));
  const half = { ...wrong };
  for (const q of forward) half[q] = answers[q].map(r4);
  await typeAll(page, half);
  const c2 = (await runExercise(page, 'manual')) as { report: { right: number } };
  expect(c2.report.right).toBe(5);
  const cells2 = await checkCells(page);
  for (const q of forward) expect(cells2[q], q).toEqual({ text: 'right', cls: 'check right' });
  const g2 = await graphLabels(page);
  for (const q of forward) {
    expect(g2[q]!.known, q).toBe(true);
    expect(g2[q]!.text, q).toContain(`= ${shownValue(q)}`);
  }
  for (const q of backward) expect(g2[q]!.known, q).toBe(false);
  await expectNothingGivenAway(page, backward, wrong, 'with the forward pass right', forward);
  expect(await page.$$eval('#bp-autograd-table tr', (rows) => rows.length)).toBe(0);
  await page.$eval('#manual', (e) => e.scrollIntoView());
  await (await page.$('#manual'))!.screenshot({ path: `${SCREENSHOTS}/backprop-exercise-graph-partial.png` });

  // ---- "Show the worked solution": everything shows ----------------------------------------------
  await page.click('#bp-show-solution');
  const g3 = await graphLabels(page);
  for (const q of QUANTITIES) {
    expect(g3[q]!.known, q).toBe(true);
    expect(g3[q]!.text, q).toContain(`= ${shownValue(q)}`);
  }
  // The last check's messages now say how far off (the distance of a wrong entry, as answers.ts words it).
  const cells3 = await checkCells(page);
  expect(cells3.dL_dp!.text).toMatch(/^off by [+\u2212]\d/);
  // Exercise 2's last run appears without a new Run: both columns, for these inputs.
  const rows = await page.$$eval('#bp-autograd-table tr[data-row]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(rows).toHaveLength(13);
  expect(rows.find((r) => r[0] === 'p')!.slice(1, 3)).toEqual([answers.p[0]!.toPrecision(8), expect.stringMatching(/^0\.6318/)]);
  const side = (await runExercise(page, 'autograd')) as SideBySide;
  expect(side.maxDiff).toBeLessThan(1e-6);
  const text = await page.evaluate(() => document.body.innerText);
  expect(text).toContain(Math.abs(answers.dW1[0]!).toPrecision(8)); // the worked solution's dL/dW1
  await page.$eval('#manual', (e) => e.scrollIntoView());
  await (await page.$('#manual'))!.screenshot({ path: `${SCREENSHOTS}/backprop-exercise-graph-revealed.png` });

  // ---- a fresh problem, solved: every entry right opens Exercise 2 -------------------------------
  await page.select('#bp-preset', 'Demo (lesson)');
  await page.select('#bp-preset', 'Exercise');
  expect(await page.$eval('#bp-solution', (e) => (e as HTMLElement).hidden)).toBe(true);
  for (const l of Object.values(await graphLabels(page))) expect(l.known).toBe(false);
  expect(await page.$$eval('#bp-autograd-table tr', (rows) => rows.length)).toBe(0);
  await expectNothingGivenAway(page, QUANTITIES, {}, 'on a fresh problem');
  const right = Object.fromEntries(QUANTITIES.map((q) => [q, answers[q].map(r4)])) as QuantityValues;
  await typeAll(page, right);
  const c4 = (await runExercise(page, 'manual')) as { report: { right: number }; solved: boolean; revealed: boolean };
  expect(c4).toMatchObject({ report: { right: 13 }, solved: true, revealed: false });
  expect(await page.$eval('#bp-check-summary', (e) => e.textContent)).toBe("13 of 13 quantities right: all of them. Exercise 2's table is open now.");
  const g4 = await graphLabels(page);
  for (const q of QUANTITIES) expect(g4[q]!.text, q).toContain(`= ${shownValue(q)}`);
  const solvedSide = (await runExercise(page, 'autograd')) as SideBySide;
  expect(solvedSide.inputs).toEqual(EXERCISE_INPUTS);
  expect(await page.$$eval('#bp-autograd-table tr[data-row]', (rows) => rows.length)).toBe(13);
  // The worked solution itself still waits for its button.
  expect(await page.$eval('#bp-solution', (e) => (e as HTMLElement).hidden)).toBe(true);
  await page.$eval('#manual', (e) => e.scrollIntoView());
  await (await page.$('#manual'))!.screenshot({ path: `${SCREENSHOTS}/backprop-exercise-solved.png` });

  expect(problems).toEqual([]);
  await page.close();
});
