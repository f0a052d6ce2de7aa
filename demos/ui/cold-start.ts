// Performance marks for the cold-start bench (bench/cold-start.mjs): what a learner waits for
// after opening a page. A mark's startTime counts from performance.timeOrigin, the start of the
// navigation, so it reads directly as "ms since the page was opened". Each mark is made once
// per exercise per page load (a second Run of the same exercise is no longer a cold start);
// marks change nothing a page shows or computes.
//
// What "first step" means: the first unit of an exercise's work whose result the page has read
// back and shows, i.e. the first training step (or epoch: several pages train full batch,
// where an epoch is one step) reported by the exercise's progress callback. The engine is
// lazy, so a step is "done" for the learner when its numbers come back, not when it is
// recorded. Pages with several exercises are measured on one of them, chosen by the bench
// (its PAGES table: the first exercise in page order that trains, run as a learner would,
// by its Run button); every exercise that trains marks its own first step, under its own id.
// The seeds page trains nothing: its "step" is the first network built and read back.
import { backendStats } from 'shadergrad';

/** Mark names; the exercise's id (its section id) follows after a colon. */
export const FIRST_STEP = 'shadergrad:first-step';
export const FIRST_CHART_POINT = 'shadergrad:first-chart-point';
/** When the page had its backend (WebGPU adapter and device), once per load. */
export const BACKEND_READY = 'shadergrad:backend-ready';

function markOnce(name: string, detail: Record<string, unknown>): void {
  if (performance.getEntriesByName(name, 'mark').length > 0) return;
  // The engine's counters at that moment: how many pipelines the wait paid for.
  const stats = window.__backend ? backendStats() : null;
  performance.mark(name, { detail: { ...detail, pipelines: stats?.pipelines ?? null, plans: stats?.plans ?? null, submits: stats?.submits ?? null } });
}

/** The exercise `exercise` has shown the result of its first step (see above). */
export function markFirstStep(exercise: string): void {
  markOnce(`${FIRST_STEP}:${exercise}`, { exercise });
}

/**
 * A line chart drew its first data point: counted for the exercise section that holds the
 * chart ('page' for a chart outside any exercise). Heatmaps and digit canvases are not
 * charts here: the XOR boundary is drawn for an untrained network before any step.
 */
export function markChartPoint(holder: Element, chart: string): void {
  const exercise = holder.closest('section.exercise')?.id ?? 'page';
  markOnce(`${FIRST_CHART_POINT}:${exercise}`, { exercise, chart });
}

export function markBackendReady(): void {
  markOnce(BACKEND_READY, {});
}
