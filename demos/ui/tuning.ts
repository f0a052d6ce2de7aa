// The kernel-choice table a page runs: a table measured in this browser ("Tune this GPU" in
// the workbench) is kept in localStorage under a key with the adapter's description, and
// every page installs it on start (useTuning checks it is for this adapter and version); the
// backend badge says which table runs and links to the workbench to tune.
import { activeTuning, parseTuning, serializeTuning, useTuning } from 'shadergrad';
import type { ActiveTuning, TuningTable } from 'shadergrad';
import { el } from './dom.ts';

declare global {
  interface Window {
    /** Which table runs, as activeTuning reports it (e2e tests read it); null on the CPU. */
    __activeTuning?: () => ActiveTuning | null;
  }
}
window.__activeTuning = activeTuning;

/** The localStorage key of the table measured on `adapter` (the backend's description). */
export const tuningKey = (adapter: string): string => `shadergrad.tuning:${adapter}`;

/** Why the stored table was not read (not JSON, not a table), for the badge; null when none was or it was. */
let unreadable: string | null = null;

/** Install the table stored for this adapter, if any; the engine keeps its own where the table is for another adapter or version. */
export function loadStoredTuning(adapter: string): ActiveTuning | null {
  let text: string | null = null;
  try {
    text = localStorage.getItem(tuningKey(adapter));
  } catch {
    return activeTuning(); // storage disabled: nothing stored
  }
  if (text === null) return activeTuning();
  try {
    return useTuning(parseTuning(text), { origin: 'stored' });
  } catch (err) {
    unreadable = `the stored table was not read: ${err instanceof Error ? err.message : String(err)}`;
    return activeTuning();
  }
}

/** Keep `table` for its adapter and run it from now on. */
export function storeTuning(table: TuningTable): ActiveTuning {
  localStorage.setItem(tuningKey(table.adapter), serializeTuning(table));
  unreadable = null;
  return useTuning(table, { origin: 'stored' });
}

/** Forget this adapter's stored table (pages run the built-in or default table after a reload). */
export function forgetTuning(adapter: string): void {
  localStorage.removeItem(tuningKey(adapter));
}

const ORIGIN_TEXT: Record<ActiveTuning['origin'], string> = {
  'built-in': 'built-in kernel table',
  default: 'default kernel table',
  stored: 'kernel table tuned for this GPU',
  given: 'kernel table given by the page',
};

/** The badge's part about the table: which one runs, any note, and a link to tune. */
export function showTuning(badge: HTMLElement): void {
  badge.querySelector('.badge-tuning')?.remove();
  const active = activeTuning();
  if (!active) return;
  const note = active.note ?? unreadable;
  const onWorkbench = location.pathname.includes('/workbench/');
  const link = el('a', { href: onWorkbench ? '#tune' : '../workbench/index.html#tune' }, 'tune this GPU');
  const part = el('span', { class: 'badge-tuning', id: 'badge-tuning', 'data-tuning': active.origin }, ` · ${ORIGIN_TEXT[active.origin]} (`, link, ')');
  part.title = `${active.table.source}${note ? `\n${note}` : ''}`;
  // The whole note is the hover text: in the badge it would push the engine panel's toggle off the line.
  if (note) part.append(el('span', { class: 'badge-note', id: 'badge-tuning-note', title: note }, ' · the stored table was not used'));
  badge.append(part);
}
