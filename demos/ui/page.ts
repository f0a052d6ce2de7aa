// Page scaffolding shared by every lesson page: the backend badge, exercise sections with
// Run / Stop, progress, step time, and the registry tests read (window.__results).
import { isDeviceLost, setBackend } from 'shadergrad';
import type { BackendInfo } from 'shadergrad';
import { enginePanel, watchRun } from './engine-panel.ts';
import { el } from './dom.ts';
import { markBackendReady, markFirstStep } from './cold-start.ts';
import { loadStoredTuning, showTuning } from './tuning.ts';
import './style.css';

declare global {
  interface Window {
    /** What each exercise showed, published when its run ends (e2e tests read it). */
    __results: Record<string, unknown>;
    /** How many times each chart received data (e2e tests check live updates). */
    __chartUpdates: Record<string, number>;
    /** Set once the page has chosen its backend. */
    __backend?: BackendInfo;
  }
}
window.__results ??= {};
window.__chartUpdates ??= {};

/** The `?seed=` URL parameter, when given: makes random choices on the page repeatable. */
export function seedParam(): number | null {
  const v = new URLSearchParams(location.search).get('seed');
  if (v === null || v === '') return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Start WebGPU (falling back to the CPU with a visible reason), install the kernel table stored for this GPU, and show the badge. */
export async function initPage(): Promise<BackendInfo> {
  const badge = document.querySelector<HTMLElement>('#backend') ?? document.body.appendChild(el('div', { id: 'backend' }));
  badge.className = 'badge';
  badge.textContent = 'Starting…';
  const info = await startGpu(badge);
  enginePanel(badge, info);
  markBackendReady();
  return info;
}

/** setBackend('webgpu') (or the CPU, with the reason), the stored kernel table, the badge. */
async function startGpu(badge: HTMLElement): Promise<BackendInfo> {
  const info = await setBackend('webgpu', { fallback: true });
  badge.textContent = info.fallbackReason ? `CPU fallback: ${info.fallbackReason}` : `WebGPU: ${info.description}`;
  badge.classList.remove('fallback', 'gpu');
  badge.classList.add(info.fallbackReason ? 'fallback' : 'gpu');
  // A table tuned in this browser for this GPU, before the page's first run compiles anything.
  if (info.name === 'webgpu') {
    loadStoredTuning(info.description);
    showTuning(badge);
  }
  window.__backend = info;
  return info;
}

/**
 * The browser took the GPU device away (isDeviceLost): a new one, as at load. The page's
 * tensors of the old device are gone with it; a Run makes its own again.
 */
async function restartGpu(): Promise<void> {
  const badge = document.querySelector<HTMLElement>('#backend');
  if (badge) await startGpu(badge);
  else await setBackend('webgpu', { fallback: true });
}

/** The page's warm-up in flight (warmUp), if any. */
let warming: { controller: AbortController; done: Promise<void> } | null = null;

/**
 * Compile what the page's first Run will need while the learner reads the page: `fn` runs
 * that Run's first step (an epoch, a network) on results nobody sees, so its kernels are made,
 * in parallel and off the page's thread, before Run is pressed. Every Run waits for it to end
 * first (it draws from the engine's global generator, which a Run seeds for itself); a Run
 * pressed, or a change to any control, cancels what is left of it (`signal`). A failure only costs the
 * head start: the Run that follows reports its own errors. Await it before building the page:
 * it resolves once the warm-up's first kernels have gone to the GPU to compile.
 */
export function warmUp(fn: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const controller = new AbortController();
  const done: Promise<void> = fn(controller.signal)
    .then(
      () => {},
      (err) => console.warn('warm-up:', err),
    )
    .finally(() => {
      if (warming?.done === done) warming = null;
    });
  warming = { controller, done };
  // WebGPU hands a task's calls to the GPU process when the task ends: a page that built
  // itself in the same task (formulas, charts: 0.2 s on the activations page) held back the
  // warm-up's pipeline requests until it was built. Awaiting this lets them go first.
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves when the page's warm-up has ended (at once when there is none): for a Run that
 * waits for it itself (onRun's `waitsForWarmUp`), after work that neither draws nor computes.
 */
export function warmUpEnded(): Promise<void> {
  return warming?.done ?? Promise.resolve();
}

// The learner changed a setting: the warm-up's step is no longer the one Run will take.
document.addEventListener('change', () => warming?.controller.abort(), { capture: true });

/**
 * What a run gets. The Stop protocol: Stop aborts `signal`; the run checks it between units
 * of work (an epoch, a step, a network) and resolves with what it has so far, marked
 * `stopped: true` (`stopped: false` when it ran to the end), so the charts keep what was
 * drawn and window.__results[id] holds the partial result; a run never rejects on Stop. As a
 * safety net for platform work that rejects on abort (a fetch given the signal), a rejection
 * that comes while `signal` is aborted is published as `{ stopped: true }`, status "Stopped",
 * instead of an error.
 */
export interface RunContext {
  signal: AbortSignal;
  /** Fraction done (0..1) and an optional line of text. */
  progress(fraction: number, text?: string): void;
  /** Milliseconds per training step as the module measured it, shown beside the progress. */
  stepTime(ms: number): void;
  /** The page's step timer: `steps` steps done since Run, shown as their mean ms/step. */
  stepsDone(steps: number): void;
  /**
   * The exercise shows the result of its first step (a training step or epoch, read back):
   * a performance mark for the cold-start bench, made once per page load (ui/cold-start.ts).
   */
  firstStepDone(): void;
}

export interface Section {
  root: HTMLElement;
  /** Explanation, math and controls go here, above the Run button. */
  body: HTMLElement;
  controls: HTMLElement;
  /** Charts go here. */
  output: HTMLElement;
  runButton: HTMLButtonElement;
  /**
   * Register what Run does; the returned value is published as window.__results[id]. A Run
   * waits for the page's warm-up before `fn` starts, unless `waitsForWarmUp` says `fn` sees
   * to it: it awaits warmUpEnded() before it draws or computes, or does neither (so a
   * download can overlap the warm-up).
   */
  onRun(fn: (ctx: RunContext) => Promise<unknown>, opts?: { waitsForWarmUp?: boolean }): void;
  /** Start a run as if the button were pressed (resolves when it ends). */
  run(): Promise<void>;
}

/** One exercise: a section with its own Run and Stop buttons. */
export function section(parent: HTMLElement, id: string, title: string): Section {
  const root = el('section', { id, class: 'exercise' });
  const body = el('div', { class: 'body' });
  const controls = el('div', { class: 'controls' });
  const runButton = el('button', { class: 'run', 'data-run': id }, 'Run');
  const stopButton = el('button', { class: 'stop', 'data-stop': id, disabled: '' }, 'Stop');
  const bar = el('progress', { max: '1', value: '0', hidden: '' });
  const status = el('span', { class: 'status', 'data-status': id });
  const output = el('div', { class: 'output' });
  root.append(el('h2', {}, title), body, controls, el('div', { class: 'actions' }, runButton, stopButton, bar, status), output);
  parent.append(root);

  let handler: ((ctx: RunContext) => Promise<unknown>) | null = null;
  let handlerWaits = false;
  let controller: AbortController | null = null;
  // Read in closures: an object keeps TypeScript from narrowing it to its initial null.
  const timing: { stepMs: number | null; steps: number | null } = { stepMs: null, steps: null };

  const run = async (): Promise<void> => {
    if (!handler || controller) return;
    controller = new AbortController();
    const { signal } = controller;
    const started = performance.now();
    runButton.disabled = true;
    stopButton.disabled = false;
    status.textContent = 'Running…';
    timing.stepMs = null;
    timing.steps = null;
    // The engine panel follows the run (and reads the step timer) while it is open.
    const watch = watchRun(() => ({ ...timing }));
    // A progress bar only for runs that last: shown after the first second.
    const showBar = setTimeout(() => bar.removeAttribute('hidden'), 1000);
    const ctx: RunContext = {
      signal,
      progress: (fraction, text) => {
        bar.value = Math.max(0, Math.min(1, fraction));
        status.textContent = `${text ?? `${Math.round(fraction * 100)}%`}${msText(timing.stepMs)}`;
      },
      stepTime: (ms) => {
        timing.stepMs = ms;
      },
      stepsDone: (steps) => {
        timing.steps = steps;
        timing.stepMs = (performance.now() - started) / Math.max(1, steps);
      },
      firstStepDone: () => markFirstStep(id),
    };
    // Run pressed: the warm-up finishes the unit of work in flight (its kernels are being
    // made) and starts no other; the Run does the rest itself, not after it.
    warming?.controller.abort();
    try {
      let result: unknown;
      if (warming && !handlerWaits) {
        status.textContent = 'Preparing kernels…';
        await warming.done;
        status.textContent = 'Running…';
      }
      let reset = '';
      for (let attempt = 0; ; attempt++) {
        try {
          result = await handler(ctx);
          break;
        } catch (err) {
          // The GPU was reset under the run (a driver update, a GPU process crash): a new
          // device, and the Run again from its start, once, saying so; never a curve half
          // from each device.
          if (isDeviceLost(err) && attempt === 0 && !signal.aborted) {
            reset = ` · the GPU was reset (${err.reason}) and the Run started again`;
            status.textContent = `The GPU was reset (${err.reason}); starting it again and running from the start…`;
            console.warn(err);
            await restartGpu();
            continue;
          }
          // The safety net: work that rejects on abort (a fetch) ends as a stop, not an error.
          if (!signal.aborted) throw err;
          result = { stopped: true };
          break;
        }
      }
      window.__results[id] = result;
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      status.textContent = `${signal.aborted ? 'Stopped' : 'Done'} in ${secs} s${msText(timing.stepMs)}${reset}`;
    } catch (err) {
      status.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
      console.error(err);
    } finally {
      clearTimeout(showBar);
      bar.setAttribute('hidden', '');
      runButton.disabled = false;
      stopButton.disabled = true;
      controller = null;
      watch.ended();
    }
  };
  runButton.addEventListener('click', () => void run());
  stopButton.addEventListener('click', () => controller?.abort());
  return {
    root,
    body,
    controls,
    output,
    runButton,
    onRun: (fn, opts) => {
      handler = fn;
      handlerWaits = opts?.waitsForWarmUp ?? false;
    },
    run,
  };
}

function msText(ms: number | null): string {
  return ms === null ? '' : ` · ${ms.toFixed(1)} ms/step`;
}

/** Yield to the browser so charts paint and Stop can be clicked during a long run. */
export function nextFrame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => r()));
}
