// "Tune this GPU": the engine measures its matmul kernel candidates on this adapter (tune(),
// within the budget chosen), shows each size class's winner against the table it ran before,
// and keeps the table in this browser for this GPU: every page installs it on start
// (demos/ui/tuning.ts). Stop keeps the classes measured so far.
//
// For tests: window.__results.tune is the last run's { stopped, stored, key, elapsedMs,
// classes: TuneClassResult[] }.
import { tune } from 'shadergrad';
import type { TuneClassResult, TuneResult } from 'shadergrad';
import { el, prose } from '../ui/index.ts';
import { forgetTuning, showTuning, storeTuning, tuningKey } from '../ui/tuning.ts';

const main = document.querySelector<HTMLElement>('#main')!;
const adapter = window.__backend!.description;
const badge = document.querySelector<HTMLElement>('#backend')!;

const part = el('section', { id: 'tune', class: 'wb-tune' });
main.append(part);
part.append(el('h2', {}, 'Tune this GPU'));
prose(
  part,
  'The engine picks a matrix-multiply kernel by the size and shape of each product, from a table of choices per size class. Tables measured on our own machines ship with the engine; on any other GPU it runs a default chosen by hand. Here it measures the candidates on your GPU: for each size class up to medium, one product timed with each kernel configuration, the fastest kept. The table is stored in this browser for this GPU, and every page of the site runs with it from then on.',
);

const BUDGETS: [string, number][] = [
  ['5 s (a first look)', 5_000],
  ['30 s', 30_000],
  ['2 min', 120_000],
  ['10 min (every candidate, most GPUs)', 600_000],
];
const budget = el('select', { id: 'tune-budget' });
for (const [label, ms] of BUDGETS) budget.append(new Option(label, String(ms), ms === 30_000, ms === 30_000));
const start = el('button', { id: 'tune-start' }, 'Start');
const stop = el('button', { id: 'tune-stop', disabled: '' }, 'Stop');
const forget = el('button', { id: 'tune-forget' }, 'Forget the stored table');
const bar = el('progress', { id: 'tune-progress', max: '1', value: '0' });
const status = el('span', { class: 'status', id: 'tune-status' });
part.append(el('div', { class: 'controls' }, el('label', { class: 'control' }, 'time budget ', budget)), el('div', { class: 'actions' }, start, stop, bar, status, forget));
const table = el('table', { class: 'results wb-tune-result', id: 'tune-result' });
const note = el('p', { class: 'wb-note', id: 'tune-note' });
part.append(table, note);

const num = (x: number | null): string => (x === null ? '—' : x.toPrecision(3));

function row(cells: string[], header = false): HTMLTableRowElement {
  const tr = el('tr');
  for (const c of cells) tr.append(el(header ? 'th' : 'td', {}, c));
  return tr;
}

function showResult(r: TuneResult): void {
  table.replaceChildren(row(['size class', 'product (m×k×n)', 'winner', 'GFLOP/s', "untuned table's GFLOP/s", 'speed-up'], true));
  for (const c of r.classes as TuneClassResult[]) {
    const tr = row([c.sizeClass, c.shape, c.measured ? c.winner : `not measured: ${c.winner}`, num(c.gflops), num(c.defaultGflops), c.speedup === null ? '—' : `${c.speedup.toFixed(2)}×`]);
    tr.dataset.class = c.sizeClass;
    if (!c.measured) tr.classList.add('wb-unmeasured');
    table.append(tr);
  }
  const untimed = r.stopped === 'budget' ? ' The budget ran out before every class was measured: a longer one measures more.' : r.stopped === 'aborted' ? ' Stopped: the classes measured so far are kept.' : '';
  note.textContent = `Measured in ${(r.elapsedMs / 1000).toFixed(1)} s. The untuned table is the one this GPU ran before (built in for it, or the default). A class not measured keeps that table's choice; the large classes take the medium classes' winners.${untimed}`;
}

let controller: AbortController | null = null;

start.addEventListener('click', () => void run());
stop.addEventListener('click', () => controller?.abort());
forget.addEventListener('click', () => {
  forgetTuning(adapter);
  status.textContent = 'Forgotten: pages run the built-in or default table from their next load.';
});

async function run(): Promise<void> {
  if (controller) return;
  controller = new AbortController();
  start.disabled = true;
  stop.disabled = false;
  bar.value = 0;
  status.textContent = 'Measuring…';
  try {
    const r = await tune({
      budgetMs: Number(budget.value),
      signal: controller.signal,
      onProgress: (p) => {
        bar.value = p.fraction;
        status.textContent = `${p.sizeClass}: ${p.candidate}${p.gflops === null ? '…' : `: ${p.gflops.toPrecision(3)} GFLOP/s`}`;
      },
    });
    showResult(r);
    const measured = r.classes.some((c) => c.measured);
    // A run stopped before any class finished has nothing worth keeping.
    if (measured) storeTuning(r.table);
    showTuning(badge);
    bar.value = measured ? 1 : bar.value;
    status.textContent = measured ? `Done: stored for ${adapter}; every page runs with it from now on.` : 'Stopped before any class was measured: nothing stored.';
    window.__results.tune = { stopped: r.stopped, stored: measured, key: tuningKey(adapter), elapsedMs: r.elapsedMs, classes: r.classes };
  } catch (err) {
    status.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
    console.error(err);
  } finally {
    controller = null;
    start.disabled = false;
    stop.disabled = true;
  }
}
