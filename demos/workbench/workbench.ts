// The workbench itself, built once the page has WebGPU (main.ts loads it): the op and shapes,
// the result tables and the kernel editor. A run is ./measure.ts, the op table ./ops.ts, the
// ceilings ./ceilings.ts.
import { familySource, setFamilySource } from 'shadergrad';
import type { FamilyCompile } from 'shadergrad';
import { EditorView } from '@codemirror/view';
import { el } from '../ui/index.ts';
import { wgslView } from '../ui/wgsl-view.ts';
import type { WgslView } from '../ui/wgsl-view.ts';
import { LEFT_OUT, OFFERED, WORKBENCH_OPS, isOffered, parseShapes, showShapes } from './ops.ts';
import type { WorkbenchOp } from './ops.ts';
import { TIMING_TEXT, familiesOf, measureOp, prepare } from './measure.ts';
import type { OpName, WorkbenchResult } from './measure.ts';
import { CEILING_TEXT, adapterCeilings } from './ceilings.ts';
import type { Ceilings } from './ceilings.ts';
import './workbench.css';

/** A run as published: the measurement, its shares of the ceilings, and which kernel text ran. */
export interface PublishedRun extends WorkbenchResult {
  flopShare: number;
  bandwidthShare: number;
  edited: string[];
  compile?: { family: string; ok: boolean; messages: FamilyCompile['messages'] };
  note?: string;
}

declare global {
  interface Window {
    __workbench?: { editor: WgslView; run: () => Promise<PublishedRun | null> };
  }
}

const main = document.querySelector<HTMLElement>('#main')!;
const info = window.__backend!;
const runs: PublishedRun[] = [];
window.__results.workbench = runs;

// ---- op and shapes -----------------------------------------------------------------------

const controls = el('div', { class: 'controls' });
const opSelect = el('select', { id: 'wb-op' });
for (const name of OFFERED) opSelect.append(new Option(name, name, name === 'matmul', name === 'matmul'));
const shapesInput = el('input', { id: 'wb-shapes', type: 'text', size: '28', spellcheck: 'false' });
controls.append(el('label', { class: 'control' }, 'op ', opSelect), el('label', { class: 'control' }, 'shapes ', shapesInput));
const about = el('p', { class: 'wb-about', id: 'wb-about' });
const runButton = el('button', { id: 'wb-run' }, 'Run');
const status = el('span', { class: 'status', id: 'wb-status' });
const errorBox = el('p', { class: 'wb-error', id: 'wb-error', role: 'alert', hidden: '' });
main.append(el('h2', {}, 'Op and shapes'), controls, about, el('div', { class: 'actions' }, runButton, status), errorBox);

const leftOut = el('details', { class: 'wb-left-out' }, el('summary', {}, `Ops of the registry not offered here (${LEFT_OUT.length})`));
const leftList = el('ul', { id: 'wb-left-out' });
for (const { op, why } of LEFT_OUT) leftList.append(el('li', {}, el('code', {}, op), `: ${why}`));
leftOut.append(leftList);
main.append(leftOut);

const spec = (name: OpName): WorkbenchOp => {
  const s = WORKBENCH_OPS[name];
  if (!isOffered(s)) throw new Error(`${name}: ${s.leftOut}`);
  return s;
};
const currentOp = (): OpName => opSelect.value as OpName;

function showOp(): void {
  const s = spec(currentOp());
  about.textContent = `Shapes: ${s.shapes.join(', ')}. ${s.about}.`;
}
opSelect.addEventListener('change', () => {
  shapesInput.value = showShapes(spec(currentOp()).defaults);
  showOp();
  followOp();
});
shapesInput.addEventListener('change', () => followOp());
shapesInput.value = showShapes(spec(currentOp()).defaults);
showOp();

// ---- results -----------------------------------------------------------------------------

main.append(el('h2', {}, 'Result'));
const ceilingsLine = el('p', { class: 'wb-ceilings', id: 'wb-ceilings' }, 'The ceilings are measured before the first run.');
const resultTable = el('table', { class: 'results wb-result', id: 'wb-result' });
const timingLine = el('p', { class: 'wb-note', id: 'wb-timing' });
main.append(resultTable, timingLine, ceilingsLine);
main.append(el('h3', {}, 'Dispatches of the last run'));
const dispatchTable = el('table', { class: 'results wb-dispatches', id: 'wb-dispatches' });
main.append(dispatchTable);
main.append(el('h3', {}, 'Runs on this page'));
const historyTable = el('table', { class: 'results wb-history', id: 'wb-history' });
main.append(historyTable);

const num = (x: number): string => (Number.isFinite(x) ? (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(3) : x.toExponential(2)) : String(x));
const pct = (x: number): string => `${(100 * x).toPrecision(2)}%`;

function row(cells: (string | Node)[], header = false): HTMLTableRowElement {
  const tr = el('tr');
  for (const c of cells) tr.append(el(header ? 'th' : 'td', {}, c));
  return tr;
}

function showResult(r: PublishedRun, ceilings: Ceilings): void {
  resultTable.replaceChildren(
    row(['', r.op, `shapes ${r.shape}`], true),
    row(['max |GPU − CPU|', num(r.maxAbsErr), 'over every element of every output']),
    row(['max relative error', num(r.maxRelErr), 'each difference over max(|CPU value|, 10⁻³ · largest |CPU value| of its output)']),
    row(['time per run', `${num(r.ms)} ms`, `median of ${r.runs} runs`]),
    row(['GFLOP/s', num(r.gflops), `${pct(r.flopShare)} of the FMA ceiling (${num(ceilings.gflops)} GFLOP/s); ${num(r.flops)} FLOP per run`]),
    row(['GB/s', num(r.gbps), `${pct(r.bandwidthShare)} of the copy ceiling (${num(ceilings.bandwidthGBs)} GB/s); ${num(r.bytes)} bytes per run`]),
  );
  timingLine.textContent = `Time: ${TIMING_TEXT[r.timing]}. FLOP and bytes are the engine's count for these dispatches (describeLastRun): bytes are every binding read or written once, a floor on real traffic.`;
  dispatchTable.replaceChildren(row(['#', 'op', 'kernel', 'workgroups', 'in shapes', 'out', 'FLOP', 'bytes read', 'bytes written', 'GPU ms'], true));
  for (const d of r.dispatches) {
    dispatchTable.append(
      row([
        String(d.index),
        d.op,
        `${d.family}.${d.kernel}`,
        d.workgroups.join('×'),
        d.inShapes.map((s) => `[${s.join(',')}]`).join(' '),
        `[${d.outShape.join(',')}]`,
        num(d.flops),
        num(d.bytesRead),
        num(d.bytesWritten),
        d.gpuMs === null ? '—' : num(d.gpuMs),
      ]),
    );
  }
  if (historyTable.rows.length === 0) historyTable.append(row(['#', 'op', 'shapes', 'kernel', 'max abs err', 'max rel err', 'ms', 'GFLOP/s', 'GB/s'], true));
  historyTable.append(row([String(runs.length), r.op, r.shape, r.edited.length > 0 ? `edited ${r.edited.join(', ')}` : 'files', num(r.maxAbsErr), num(r.maxRelErr), num(r.ms), num(r.gflops), num(r.gbps)]));
}

function showCeilings(c: Ceilings): void {
  const swiftshader = /swiftshader/i.test(info.description) ? ' This adapter is SwiftShader, a CPU emulating a GPU: these are CPU figures.' : '';
  ceilingsLine.textContent = `Ceilings of this adapter, measured on this page with the per-kernel benchmark's micro-kernels: copy ${num(c.bandwidthGBs)} GB/s, FMA ${num(c.gflops)} GFLOP/s (${CEILING_TEXT}).${swiftshader}`;
}

// ---- the kernel editor -------------------------------------------------------------------

main.append(el('h2', {}, 'Kernel'));
const familySelect = el('select', { id: 'wb-family' });
const kernelStatus = el('p', { class: 'wb-note', id: 'wb-kernel-status' });
main.append(el('div', { class: 'controls' }, el('label', { class: 'control' }, 'kernel family ', familySelect)), kernelStatus);
const editorHolder = el('div', { class: 'wb-editor', id: 'wb-editor' });
main.append(editorHolder);
const compileButton = el('button', { id: 'wb-compile' }, 'Compile and run');
const restoreButton = el('button', { id: 'wb-restore' }, 'Restore');
const messagesList = el('ul', { class: 'wb-messages', id: 'wb-messages' });
main.append(el('div', { class: 'actions' }, compileButton, restoreButton), messagesList);

/** Families whose text was replaced on this page (and not restored since). */
const edited = new Set<string>();
const editor = wgslView(editorHolder, '', { editable: true });
let family = '';

function loadFamily(f: string): void {
  family = f;
  familySelect.value = f;
  editor.setText(familySource(f) ?? '');
  editor.mark([]);
  messagesList.replaceChildren();
  kernelStatus.textContent = edited.has(f)
    ? `shaders/${f}.wgsl as edited on this page: every run uses this text until Restore.`
    : `shaders/${f}.wgsl, the file's text (its generated constants and shaders/common.wgsl come first when it is compiled).`;
}

function setFamilies(families: string[]): void {
  if (families.length === 0) return;
  const same = families.length === familySelect.options.length && families.every((f, i) => familySelect.options[i]!.value === f);
  if (!same) familySelect.replaceChildren(...families.map((f) => new Option(f, f)));
  if (!families.includes(family)) loadFamily(families[0]!);
  else familySelect.value = family;
}
familySelect.addEventListener('change', () => loadFamily(familySelect.value));

/** Show the families the chosen op will use (shapes that do not parse leave the editor alone). */
function followOp(): void {
  try {
    setFamilies(familiesOf(currentOp(), parseShapes(currentOp(), shapesInput.value)));
  } catch {
    // The error is shown when Run is pressed.
  }
}
followOp();

function showMessages(c: FamilyCompile, severity: 'error' | 'warning'): void {
  editor.mark(c.messages.map((m) => ({ ...m, severity })));
  messagesList.replaceChildren(...c.messages.map((m) => el('li', { class: severity }, `line ${m.line}, column ${m.column}: ${m.message}`)));
  const first = c.messages[0];
  if (first && first.line >= 1) {
    const line = editor.view.state.doc.line(Math.min(first.line, editor.view.state.doc.lines));
    editor.view.dispatch({ effects: EditorView.scrollIntoView(line.from, { y: 'center' }) });
  }
}

// ---- running -----------------------------------------------------------------------------

let busy = false;
const buttons = [runButton, compileButton, restoreButton];

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

/**
 * One run of the chosen op as the inputs say. Bad shapes are an error on the page (naming
 * the op, the shapes and what was expected) and nothing runs; the page keeps working.
 */
async function run(extra: Pick<PublishedRun, 'compile' | 'note'> = {}): Promise<PublishedRun | null> {
  errorBox.hidden = true;
  const name = currentOp();
  let shapes: number[][];
  try {
    shapes = parseShapes(name, shapesInput.value);
    prepare(name, shapes);
  } catch (err) {
    showError(err instanceof Error ? err.message : String(err));
    status.textContent = 'Nothing ran.';
    return null;
  }
  const started = performance.now();
  try {
    if (!window.__results.ceilings) status.textContent = "Measuring this adapter's ceilings…";
    const ceilings = await adapterCeilings();
    window.__results.ceilings = ceilings;
    showCeilings(ceilings);
    status.textContent = `Running ${name} on ${showShapes(shapes)}…`;
    const r = await measureOp(name, shapes);
    const published: PublishedRun = {
      ...r,
      flopShare: r.gflops / ceilings.gflops,
      bandwidthShare: r.gbps / ceilings.bandwidthGBs,
      edited: r.families.filter((f) => edited.has(f)),
      ...extra,
    };
    runs.push(published);
    showResult(published, ceilings);
    setFamilies(r.families);
    status.textContent = `${extra.note ? `${extra.note} ` : ''}Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
    return published;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    showError(message);
    status.textContent = 'The run failed.';
    // Not bad input: the engine or the device failed. Say so where tests and tools look.
    if (!/ran no kernel/.test(message)) console.error(err);
    return null;
  }
}

/** Buttons off while anything runs, so runs never overlap. */
async function exclusive<T>(fn: () => Promise<T>): Promise<T | null> {
  if (busy) return null;
  busy = true;
  for (const b of buttons) b.disabled = true;
  try {
    return await fn();
  } finally {
    busy = false;
    for (const b of buttons) b.disabled = false;
  }
}

runButton.addEventListener('click', () => void exclusive(() => run()));

compileButton.addEventListener('click', () =>
  void exclusive(async () => {
    const f = family;
    const c = await setFamilySource(f, editor.text());
    if (c.ok) {
      edited.add(f);
      showMessages(c, 'warning');
      kernelStatus.textContent = `shaders/${f}.wgsl as edited on this page: it compiled, and every run uses it until Restore.`;
      return run({ compile: { family: f, ok: true, messages: c.messages }, note: 'The edited kernel compiled and ran.' });
    }
    showMessages(c, 'error');
    kernelStatus.textContent = `The edit did not compile (${c.messages.length === 1 ? '1 message below, marked at its line' : `${c.messages.length} messages below, marked at their lines`}): shaders/${f}.wgsl keeps the kernel it had${edited.has(f) ? ' (an earlier edit)' : ' (the file\u2019s text)'}.`;
    return run({ compile: { family: f, ok: false, messages: c.messages }, note: 'The edit did not compile, so this run used the previous kernel.' });
  }),
);

restoreButton.addEventListener('click', () =>
  void exclusive(async () => {
    const f = family;
    const c = await setFamilySource(f, null);
    if (!c.ok) {
      showMessages(c, 'error');
      showError(`Restoring shaders/${f}.wgsl failed: ${c.messages.map((m) => m.message).join('; ')}`);
      return null;
    }
    edited.delete(f);
    loadFamily(f);
    return run({ compile: { family: f, ok: true, messages: [] }, note: `Restored shaders/${f}.wgsl from the file.` });
  }),
);

window.__workbench = { editor, run: async () => (await exclusive(() => run())) ?? null };
