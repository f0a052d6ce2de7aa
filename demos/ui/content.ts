// Teaching content beside the charts: rendered math, and the TypeScript that runs.
import katex from 'katex';
import 'katex/dist/katex.min.css';

/**
 * Formulas are rendered when they near the screen, and the rest in idle time after the
 * page's first seconds: KaTeX building a lesson page's few hundred formulas (thousands of
 * elements) at load took the main thread for 0.2-0.7 s, while the first Run's kernels were
 * compiling for the same two cores (npm run bench:cold). Until then a formula's holder keeps
 * its TeX, hidden (style.css). Once every formula of the initial build is drawn, math() renders at once again.
 * window.__mathPending counts those still waiting (the e2e tests wait for 0).
 */
const pending = new Set<HTMLElement>();
let deferring = typeof IntersectionObserver !== 'undefined' && typeof requestIdleCallback !== 'undefined';
let observer: IntersectionObserver | null = null;
/** Idle rendering starts this long after the page starts: its first step comes first. */
const IDLE_AFTER_MS = 1500;

declare global {
  interface Window {
    __mathPending?: number;
  }
}

function render(holder: HTMLElement): void {
  const tex = holder.dataset.tex!;
  holder.textContent = '';
  delete holder.dataset.tex;
  katex.render(tex, holder, { displayMode: holder.tagName === 'DIV', throwOnError: true });
}

function renderPending(holder: HTMLElement): void {
  if (!pending.delete(holder)) return;
  observer?.unobserve(holder);
  window.__mathPending = pending.size;
  render(holder);
}

/** Draw the waiting formulas in idle slices from IDLE_AFTER_MS on, then settle (once, at load). */
function drainWhenIdle(): void {
  const step = (deadline: IdleDeadline): void => {
    for (const h of pending) {
      if (deadline.timeRemaining() < 4 && !deadline.didTimeout) break;
      renderPending(h);
    }
    if (pending.size > 0) requestIdleCallback(step, { timeout: 1000 });
    else settle();
  };
  setTimeout(() => requestIdleCallback(step, { timeout: 1000 }), IDLE_AFTER_MS);
}

/**
 * Every formula of the page's initial build is drawn: math() renders at once from now on,
 * and the sections lose content-visibility (style.css, html.settled): laid out for real,
 * so scrolling down no longer finds a section taller or shorter than its placeholder (a
 * click aimed while the page moved under it would miss). e2e pages wait for it.
 */
function settle(): void {
  deferring = false;
  observer?.disconnect();
  document.documentElement.classList.add('settled');
}

if (deferring) drainWhenIdle();
else settle();

/** Display math (KaTeX); throws on a TeX error so a typo cannot ship silently (a deferred one throws when drawn). */
export function math(parent: HTMLElement, tex: string, display = true): HTMLElement {
  const holder = document.createElement(display ? 'div' : 'span');
  holder.className = 'math';
  parent.append(holder);
  holder.dataset.tex = tex;
  if (!deferring) {
    render(holder);
    return holder;
  }
  holder.textContent = tex;
  pending.add(holder);
  window.__mathPending = pending.size;
  observer ??= new IntersectionObserver((entries) => entries.forEach((e) => e.isIntersecting && renderPending(e.target as HTMLElement)), { rootMargin: '50% 0px' });
  observer.observe(holder);
  return holder;
}

/** A paragraph of prose; $...$ spans are rendered as inline math. */
export function prose(parent: HTMLElement, text: string): HTMLElement {
  const p = document.createElement('p');
  text.split(/(\$[^$]+\$)/).forEach((part) => {
    if (part.startsWith('$') && part.endsWith('$') && part.length > 2) math(p, part.slice(1, -1), false);
    else p.append(part);
  });
  parent.append(p);
  return p;
}

/**
 * The source that runs, shown in a collapsible panel: pass the module's own text,
 * imported with `?raw` from the very file the page imports and runs.
 */
export function codePanel(parent: HTMLElement, title: string, source: string): HTMLElement {
  const details = document.createElement('details');
  details.className = 'code';
  const summary = document.createElement('summary');
  summary.textContent = title;
  const pre = document.createElement('pre');
  pre.textContent = source;
  details.append(summary, pre);
  parent.append(details);
  return details;
}
