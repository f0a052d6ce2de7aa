// The engine panel every lesson page gets beside its backend badge: what the GPU ran for
// the latest step, dispatch by dispatch (op, kernel, shapes, workgroups, bytes, FLOPs, GPU
// time), each kernel's WGSL on request, and a check of the next step against the CPU
// reference. Collapsed by default; only while it is open are runs timed kernel by kernel
// (inspectRuns), so a page nobody inspects trains at full speed.
import { backendStats, checkNextRun, describeLastRun, familySource, inspectRuns } from 'shadergrad';
import type { BackendInfo, BackendStats, DispatchDescription, RunCheck, RunDescription } from 'shadergrad';
import type { WgslView } from './wgsl-view.ts';
import { el } from './dom.ts';

/** One dispatch as the panel lists it: what describeLastRun says of it. */
export type EngineRow = DispatchDescription;

export interface EngineTotals {
  dispatches: number;
  bytesRead: number;
  bytesWritten: number;
  flops: number;
  /** Sum of the kernels' GPU times; null when the run was not timed. */
  gpuMs: number | null;
  /** Wall-clock ms per step, from the page's step timer; null when the page has none. */
  stepMs: number | null;
  /** Since the latest Run began (backend counters). */
  sinceRun: { submits: number; dispatches: number; readbacks: number; steps: number | null; ms: number } | null;
}

export interface EngineCheckState {
  state: 'idle' | 'armed' | 'done' | 'failed';
  result: RunCheck | null;
  error: string | null;
}

/** What the panel shows, published as window.__engine (e2e tests read it). */
export interface EngineState {
  open: boolean;
  backend: string;
  /** Whether this adapter can time each kernel (timestamp-query); null until first opened. */
  canTime: boolean | null;
  /** Whether the run shown has per-kernel GPU times. */
  timed: boolean;
  plan: number | null;
  rows: EngineRow[];
  totals: EngineTotals | null;
  check: EngineCheckState;
  /** Sections' runs in progress, and how many ended with the panel refreshed after them. */
  running: number;
  runsEnded: number;
  refreshes: number;
  /** The WGSL each expanded row shows, by `family.kernel`. */
  sources: Record<string, string>;
  /** The engine's own inspection calls, for tests to compare the panel with. */
  engine: { describeLastRun: typeof describeLastRun; familySource: typeof familySource; backendStats: typeof backendStats };
}

declare global {
  interface Window {
    __engine?: EngineState;
  }
}

/** What page.ts hands over about a run in progress: its step timer. */
export interface RunTimer {
  stepMs: number | null;
  steps: number | null;
}

const REFRESH_MS = 1000;

let panel: Panel | null = null;
let running = 0;
let runsEnded = 0;

/** Put the engine panel's toggle right after the backend badge (once per page). */
export function enginePanel(badge: HTMLElement, info: BackendInfo): void {
  panel ??= new Panel(badge, info);
}

/**
 * A section's run began: the panel follows it (refreshing while open) and shows its step
 * timer. Call `ended()` when it finishes.
 */
export function watchRun(timer: () => RunTimer): { ended(): void } {
  running++;
  panel?.runStarted(timer);
  let done = false;
  return {
    ended: () => {
      if (done) return;
      done = true;
      running--;
      if (panel) panel.runEnded();
      else runsEnded++;
    },
  };
}

class Panel {
  private readonly gpu: boolean;
  private readonly toggle: HTMLButtonElement;
  private readonly root: HTMLElement;
  private readonly timing: HTMLElement;
  private readonly totals: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly note: HTMLElement;
  private readonly checkButton: HTMLButtonElement;
  private readonly checkStatus: HTMLElement;
  private readonly checkTable: HTMLTableElement;
  private readonly checkDetails: HTMLDetailsElement;
  private readonly state: EngineState;
  private timer: ReturnType<typeof setInterval> | null = null;
  private refreshing: Promise<void> | null = null;
  private again = false;
  /** The latest Run: the counters at its start (and end, once it ended) and its step timer. */
  private run: { started: number; stats: BackendStats; timer: () => RunTimer; ended: { at: number; stats: BackendStats } | null } | null = null;
  /** Which rows are expanded, by `op family.kernel` (kept while the table is rebuilt). */
  private readonly expanded = new Set<string>();
  /** The WGSL views of the expanded rows (destroyed with their rows). */
  private readonly views = new Map<HTMLTableRowElement, WgslView>();
  private shownKey = '';

  constructor(badge: HTMLElement, info: BackendInfo) {
    this.gpu = info.name === 'webgpu';
    this.toggle = el('button', { id: 'engine-panel-toggle', class: 'engine-panel-toggle', 'aria-expanded': 'false', 'aria-controls': 'engine-panel', title: 'What the engine ran for the latest step' }, 'Engine ▸');
    badge.after(this.toggle);

    this.root = el('section', { id: 'engine-panel', class: 'engine-panel', hidden: '', 'aria-label': 'Engine panel' });
    const close = el('button', { class: 'engine-close', title: 'Close the engine panel' }, 'Close');
    this.checkButton = el('button', { id: 'engine-panel-check' }, 'Check the next step against the CPU');
    this.checkStatus = el('span', { id: 'engine-panel-check-status', class: 'status' });
    this.checkTable = el('table', { id: 'engine-panel-check-table', class: 'results engine-panel-check-table' });
    // The values compared, folded away when all are within tolerance: the rows below matter more then.
    this.checkDetails = el('details', { id: 'engine-panel-check-values', hidden: '' }, el('summary', {}, 'Every value compared'), this.checkTable);
    this.timing = el('p', { id: 'engine-panel-timing', class: 'engine-panel-note' });
    this.totals = el('p', { id: 'engine-panel-totals', class: 'engine-panel-totals' });
    this.note = el('p', { id: 'engine-panel-note', class: 'engine-panel-note' });
    this.table = el('table', { id: 'engine-panel-dispatches', class: 'engine-panel-dispatches', hidden: '' });
    this.tbody = el('tbody');
    const head = el('tr');
    for (const c of ['', '#', 'op', 'kernel (family · entry point)', 'shapes: inputs → output', 'workgroups', 'read', 'written', 'FLOPs', 'GPU time']) head.append(el('th', {}, c));
    this.table.append(el('thead', {}, head), this.tbody);
    this.root.append(
      el('div', { class: 'engine-head' }, el('strong', {}, 'Engine: the latest step on the GPU'), close),
      this.totals,
      this.timing,
      this.gpu ? el('div', { class: 'engine-checkbar' }, this.checkButton, this.checkStatus) : '',
      this.gpu ? this.checkDetails : '',
      this.note,
      this.table,
    );
    document.body.append(this.root);

    this.state = {
      open: false,
      backend: info.name,
      canTime: null,
      timed: false,
      plan: null,
      rows: [],
      totals: null,
      check: { state: 'idle', result: null, error: null },
      running,
      runsEnded,
      refreshes: 0,
      sources: {},
      engine: { describeLastRun, familySource, backendStats },
    };
    window.__engine = this.state;

    if (!this.gpu) {
      // Nothing to inspect: the CPU backend runs plain loops, not kernels. Say what a GPU would show.
      this.note.append(
        el('span', {}, `This page is running on the CPU backend${info.fallbackReason ? ` (${info.fallbackReason})` : ''}, which computes with plain TypeScript loops and dispatches no GPU kernels, so there is nothing to list here. `),
        el(
          'span',
          {},
          'With WebGPU this panel lists every kernel the latest step dispatched: the op it implements, its WGSL entry point and source, the tensor shapes, workgroups, bytes read and written, FLOPs and GPU time, with totals per step, and it can re-run a step on the CPU reference to compare the numbers.',
        ),
      );
    }

    this.toggle.addEventListener('click', () => this.setOpen(!this.state.open));
    close.addEventListener('click', () => this.setOpen(false));
    this.checkButton.addEventListener('click', () => this.armCheck());
    this.tbody.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr.engine-row');
      if (tr) this.toggleRow(tr);
    });
    this.tbody.addEventListener('keydown', (e) => {
      const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr.engine-row');
      if (!tr || (e.key !== 'Enter' && e.key !== ' ')) return;
      e.preventDefault();
      this.toggleRow(tr);
    });
  }

  setOpen(open: boolean): void {
    this.state.open = open;
    this.root.hidden = !open;
    document.body.classList.toggle('engine-open', open);
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? 'Engine ▾' : 'Engine ▸';
    if (!this.gpu) return;
    // Per-kernel timestamps cost one compute pass per dispatch: only while someone looks.
    const canTime = inspectRuns(open);
    if (open) {
      this.state.canTime = canTime;
      this.schedule();
      void this.refresh();
    } else this.schedule();
  }

  runStarted(timer: () => RunTimer): void {
    this.state.running = running;
    if (this.gpu) this.run = { started: performance.now(), stats: backendStats(), timer, ended: null };
    if (this.state.check.state === 'armed') this.checkStatus.textContent = 'Armed: the next step of this Run is being checked…';
    this.schedule();
  }

  runEnded(): void {
    this.state.running = running;
    if (this.run && running === 0) this.run.ended = { at: performance.now(), stats: backendStats() };
    this.schedule();
    if (!this.state.open || !this.gpu) {
      this.state.runsEnded = ++runsEnded;
      return;
    }
    void this.refresh().then(() => {
      this.state.runsEnded = ++runsEnded;
    });
  }

  /** Refresh every second while open and a run is in progress; otherwise not at all. */
  private schedule(): void {
    const want = this.gpu && this.state.open && running > 0;
    if (want && !this.timer) this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    if (!want && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Read the latest run and show it; a call during a refresh runs once more after it. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          this.show(await describeLastRun());
        } catch (err) {
          this.note.textContent = `Could not read the last run: ${err instanceof Error ? err.message : String(err)}`;
          console.error(err);
        }
        this.state.refreshes++;
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private show(run: RunDescription | null): void {
    const s = this.state;
    s.plan = run?.plan ?? null;
    s.timed = run?.timed ?? false;
    if (!run || run.dispatches.length === 0) {
      s.rows = [];
      s.totals = null;
      this.shownKey = '';
      this.tbody.replaceChildren();
      this.table.hidden = true;
      this.totals.textContent = '';
      this.timing.textContent = '';
      this.note.textContent = run
        ? 'The latest run dispatched no kernels (it only moved data).'
        : 'No step has run on the GPU yet: press a Run on this page, and the kernels of its latest step appear here.';
      return;
    }
    this.note.textContent = '';
    s.rows = run.dispatches;
    const key = `${run.plan}:${run.dispatches.map((d) => `${d.family}.${d.kernel}`).join(',')}`;
    if (key === this.shownKey) {
      // The same plan again (the next step of a loop): only the times change.
      this.tbody.querySelectorAll<HTMLTableRowElement>('tr.engine-row').forEach((tr, i) => {
        tr.cells[9]!.textContent = timeText(s.rows[i]!.gpuMs);
      });
    } else {
      this.shownKey = key;
      this.buildRows(s.rows);
    }
    this.table.hidden = false;
    this.showTotals(run);
  }

  private buildRows(rows: EngineRow[]): void {
    const trs: HTMLTableRowElement[] = [];
    this.state.sources = {};
    for (const r of rows) {
      const tr = el(
        'tr',
        { class: 'engine-row', 'data-index': String(r.index), 'data-kernel': `${r.family}.${r.kernel}`, 'aria-expanded': 'false', tabindex: '0', title: 'Show this kernel\'s WGSL' },
        el('td', { class: 'engine-twisty' }, '▸'),
        el('td', {}, String(r.index)),
        el('td', {}, r.op),
        el('td', { class: 'engine-kernel' }, `${r.family} · `, el('code', {}, r.kernel)),
        el('td', { class: 'engine-shapes' }, `${r.inShapes.map(shapeText).join(' ')} → ${r.inPlace ? 'in place' : shapeText(r.outShape)}`),
        el('td', {}, r.workgroups.join(' × ')),
        el('td', {}, bytesText(r.bytesRead)),
        el('td', {}, bytesText(r.bytesWritten)),
        el('td', {}, flopsText(r.flops)),
        el('td', {}, timeText(r.gpuMs)),
      );
      trs.push(tr);
    }
    for (const v of this.views.values()) v.view.destroy();
    this.views.clear();
    this.tbody.replaceChildren(...trs);
    // Rows that were open before stay open (the first of each kernel, if it repeats).
    const reopened = new Set<string>();
    for (const tr of trs) {
      const k = rowKey(this.state.rows[Number(tr.dataset.index)]!);
      if (this.expanded.has(k) && !reopened.has(k)) {
        reopened.add(k);
        void this.expand(tr);
      }
    }
    for (const k of this.expanded) if (!reopened.has(k)) this.expanded.delete(k);
  }

  private toggleRow(tr: HTMLTableRowElement): void {
    const r = this.state.rows[Number(tr.dataset.index)];
    if (!r) return;
    if (tr.getAttribute('aria-expanded') === 'true') {
      tr.setAttribute('aria-expanded', 'false');
      tr.cells[0]!.textContent = '▸';
      const next = tr.nextElementSibling;
      if (next?.classList.contains('engine-source')) next.remove();
      this.views.get(tr)?.view.destroy();
      this.views.delete(tr);
      const stillOpen = [...this.tbody.querySelectorAll<HTMLElement>('tr.engine-row[aria-expanded="true"]')].map((o) => this.state.rows[Number(o.dataset.index)]!);
      if (!stillOpen.some((o) => rowKey(o) === rowKey(r))) this.expanded.delete(rowKey(r));
      if (!stillOpen.some((o) => o.family === r.family && o.kernel === r.kernel)) delete this.state.sources[`${r.family}.${r.kernel}`];
      return;
    }
    this.expanded.add(rowKey(r));
    void this.expand(tr);
  }

  /** Show the row's kernel source under it, scrolled to its entry point. */
  private async expand(tr: HTMLTableRowElement): Promise<void> {
    const r = this.state.rows[Number(tr.dataset.index)]!;
    tr.setAttribute('aria-expanded', 'true');
    tr.cells[0]!.textContent = '▾';
    const cell = el('td', { colspan: '10' });
    const row = el('tr', { class: 'engine-source', 'data-kernel': `${r.family}.${r.kernel}` }, cell);
    tr.after(row);
    const constants = Object.entries(r.constants);
    cell.append(
      el(
        'p',
        { class: 'engine-panel-note' },
        `shaders/${r.family}.wgsl, kernel (entry point) `,
        el('code', {}, r.kernel),
        constants.length ? `, override constants ${constants.map(([k, v]) => `${k} = ${v}`).join(', ')}` : '',
      ),
    );
    let source: string | null;
    try {
      source = familySource(r.family);
    } catch (err) {
      cell.append(el('p', { class: 'engine-error' }, `No source for ${r.family}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (source === null) return;
    // CodeMirror loads on the first expansion only: pages nobody inspects never fetch it.
    const [{ wgslView }, { Decoration, EditorView }, { StateEffect }] = await Promise.all([import('./wgsl-view.ts'), import('@codemirror/view'), import('@codemirror/state')]);
    if (!row.isConnected) return; // collapsed, or the table rebuilt, while it loaded
    const box = el('div', { class: 'engine-wgsl' });
    cell.append(box);
    const v = wgslView(box, source);
    this.views.set(tr, v);
    // Mark the entry point's line and scroll to it: the family file holds several kernels.
    const at = source.search(new RegExp(`\\bfn\\s+${r.kernel}\\s*\\(`));
    if (at >= 0) {
      const line = v.view.state.doc.lineAt(at);
      v.view.dispatch({
        effects: [
          StateEffect.appendConfig.of(EditorView.decorations.of(Decoration.set([Decoration.line({ class: 'cm-entry-line' }).range(line.from)]))),
          EditorView.scrollIntoView(line.from, { y: 'start', yMargin: 8 }),
        ],
      });
    }
    this.state.sources[`${r.family}.${r.kernel}`] = v.text();
  }

  private showTotals(run: RunDescription): void {
    const rows = this.state.rows;
    const sum = (f: (r: EngineRow) => number): number => rows.reduce((a, r) => a + f(r), 0);
    const gpuMs = run.timed ? sum((r) => r.gpuMs ?? 0) : null;
    const timer = this.run?.timer() ?? null;
    let sinceRun: EngineTotals['sinceRun'] = null;
    if (this.run) {
      const { stats: now, at } = this.run.ended ?? { stats: backendStats(), at: performance.now() };
      sinceRun = {
        submits: now.submits - this.run.stats.submits,
        dispatches: now.dispatches - this.run.stats.dispatches,
        readbacks: now.readbacks - this.run.stats.readbacks,
        steps: timer?.steps ?? null,
        ms: at - this.run.started,
      };
    }
    const totals: EngineTotals = { dispatches: rows.length, bytesRead: sum((r) => r.bytesRead), bytesWritten: sum((r) => r.bytesWritten), flops: sum((r) => r.flops), gpuMs, stepMs: timer?.stepMs ?? null, sinceRun };
    this.state.totals = totals;

    const step = `This step: ${totals.dispatches} dispatch${totals.dispatches === 1 ? '' : 'es'} in one submit, ${bytesText(totals.bytesRead)} read, ${bytesText(totals.bytesWritten)} written, ${flopsText(totals.flops)}`;
    const time = gpuMs !== null ? `, ${timeText(gpuMs)} of GPU time (the kernels' timestamps summed)` : '';
    const wall = totals.stepMs !== null ? `; ${totals.stepMs.toFixed(2)} ms per step on the wall clock (the page's step timer)` : '';
    let since = '';
    if (sinceRun) {
      const perStep = sinceRun.steps ? ` (${(sinceRun.submits / sinceRun.steps).toFixed(2)} per step over ${sinceRun.steps} step${sinceRun.steps === 1 ? '' : 's'})` : '';
      const perSubmit = totals.stepMs === null && sinceRun.submits > 0 ? `, ${(sinceRun.ms / sinceRun.submits).toFixed(2)} ms of wall clock per submit` : '';
      since = `${this.run!.ended ? 'In the latest Run' : 'Since the latest Run began'}: ${sinceRun.submits} submits${perStep}, ${sinceRun.dispatches} dispatches, ${sinceRun.readbacks} readbacks${perSubmit}.`;
    }
    this.totals.replaceChildren(`${step}${time}${wall}.`, since ? el('br') : '', since);

    if (run.timed) this.timing.textContent = 'GPU times come from timestamp queries written before and after each kernel.';
    else if (this.state.canTime === false) this.timing.textContent = 'Per-kernel GPU time needs timestamp-query, which this adapter does not offer: only the whole step\'s wall-clock time is shown.';
    else this.timing.textContent = 'This step ran before the panel opened, so its kernels were not timed; the next step will be.';
  }

  private armCheck(): void {
    if (this.state.check.state === 'armed') return;
    this.state.check = { state: 'armed', result: null, error: null };
    this.checkButton.disabled = true;
    this.checkDetails.hidden = true;
    this.checkStatus.textContent =
      running > 0
        ? 'Armed: the next step of this Run will be run again on the CPU reference and compared.'
        : 'Armed: no Run is in progress, so the next step of a Run on this page will be checked. Press any Run.';
    checkNextRun().then(
      (c) => this.showCheck(c),
      (err: unknown) => {
        const msg = err instanceof Error ? err.message : String(err);
        this.state.check = { state: 'failed', result: null, error: msg };
        this.checkStatus.textContent = `The check could not run: ${msg}`;
        this.checkButton.disabled = false;
      },
    );
  }

  private showCheck(c: RunCheck): void {
    this.state.check = { state: 'done', result: c, error: null };
    this.checkButton.disabled = false;
    const bad = c.values.filter((v) => !v.ok).length;
    this.checkStatus.textContent = c.ok
      ? `Checked against the CPU reference: all ${c.values.length} values of that step are within tolerance.`
      : `Checked against the CPU reference: ${bad} of ${c.values.length} values differ by more than their tolerance.`;
    const head = el('tr', {}, ...['value', 'shape', 'largest |GPU − CPU|', 'tolerance', ''].map((t) => el('th', {}, t)));
    const rows = c.values.map((v) =>
      el('tr', { class: v.ok ? 'ok' : 'bad' }, el('td', { class: 'name' }, v.name), el('td', {}, shapeText(v.shape)), el('td', {}, v.maxAbsDiff.toExponential(2)), el('td', {}, v.tolerance.toExponential(2)), el('td', {}, v.ok ? 'ok' : 'not ok')),
    );
    this.checkTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    this.checkDetails.open = !c.ok;
    this.checkDetails.hidden = false;
  }
}

const rowKey = (r: EngineRow): string => `${r.op} ${r.family}.${r.kernel}`;

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

function bytesText(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(2)} MB`;
}

function flopsText(n: number): string {
  if (n < 1e3) return `${n} FLOP`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kFLOP`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MFLOP`;
  return `${(n / 1e9).toFixed(2)} GFLOP`;
}

function timeText(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  return `${ms.toFixed(2)} ms`;
}
