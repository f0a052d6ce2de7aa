// What the dropout page says about a run, computed from the run: the final accuracies per
// variant, how much each curve moves from epoch to epoch, and the sentences built on them.
// No DOM here: the page shows these, and the tests check them against hand-made runs.
import type { RunResult } from './dropout.ts';

/**
 * The window the steadiness measure looks at: the last half of a run's epochs, where the
 * curves have left their first climb behind. Epochs are counted from 1.
 */
export function lastHalf(epochs: number): { from: number; to: number } {
  return { from: Math.floor(epochs / 2) + 1, to: epochs };
}

/**
 * How jittery a curve is: the mean absolute change from one epoch to the next over the last
 * half of the run (epochs `lastHalf(n).from` to n), in the curve's own units. With fewer than
 * two epochs in that half there is no change to measure: null.
 */
export function jitter(values: readonly number[]): number | null {
  const { from, to } = lastHalf(values.length);
  if (to - from < 1) return null;
  let sum = 0;
  for (let e = from + 1; e <= to; e++) sum += Math.abs(values[e - 1]! - values[e - 2]!);
  return sum / (to - from);
}

/** Percentage points with two decimals ("0.85"), or "–" when there is nothing to show. */
export const points = (v: number | null): string => (v === null ? '–' : (100 * v).toFixed(2));
/** An accuracy as a percentage with one decimal ("98.3%"). */
export const percent = (v: number | undefined): string => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

export interface SummaryRow {
  key: string;
  name: string;
  /** Epochs run (fewer than asked when stopped). */
  epochs: number;
  finalTrain: number | undefined;
  finalVal: number | undefined;
  /** jitter() of the train and of the validation accuracy. */
  trainJitter: number | null;
  valJitter: number | null;
}

/** One row per run, in the order given; variants that never started are left out. */
export function summaryRows(runs: Record<string, RunResult>, names: Record<string, string>): SummaryRow[] {
  return Object.entries(runs).map(([key, r]) => ({
    key,
    name: names[key] ?? key,
    epochs: r.epochsRun,
    finalTrain: r.trainAcc.at(-1),
    finalVal: r.valAcc.at(-1),
    trainJitter: jitter(r.trainAcc),
    valJitter: jitter(r.valAcc),
  }));
}

/** The table's cells for a row, as the page prints them. */
export function rowCells(r: SummaryRow): string[] {
  return [r.name, String(r.epochs), percent(r.finalTrain), percent(r.finalVal), points(r.trainJitter), points(r.valJitter)];
}
export const TABLE_HEADER = ['variant', 'epochs', 'final train accuracy', 'final validation accuracy', 'train: mean change per epoch (points)', 'validation: mean change per epoch (points)'];

/** Compare two jitters as printed: which is steadier, or the same to the printed precision. */
function compare(a: number, b: number): 'less' | 'more' | 'same' {
  const pa = points(a);
  const pb = points(b);
  if (pa === pb) return 'same';
  return Number(pb) < Number(pa) ? 'less' : 'more';
}

/**
 * Exercise 2: did weight decay make the validation curve steadier in this run? Compares the
 * validation jitter of dropout alone (`plain`) with dropout + L2 (`decayed`).
 */
export function decaySteadiness(plain: RunResult, decayed: RunResult): string {
  const a = jitter(plain.valAcc);
  const b = jitter(decayed.valAcc);
  if (a === null || b === null) return 'Too few epochs to say how steady the validation curves are (the measure needs at least three).';
  const { from, to } = lastHalf(Math.min(plain.valAcc.length, decayed.valAcc.length));
  const verdict = { less: 'weight decay made the validation curve steadier', more: 'weight decay made the validation curve less steady', same: 'weight decay made no difference to how steady the validation curve is' }[compare(a, b)];
  return `Over epochs ${from}–${to}, validation accuracy changed by ${points(a)} points per epoch on average with dropout alone and by ${points(b)} with dropout + L2: in this run ${verdict}.`;
}

/**
 * Exercise 1: is the train curve (training mode, a fresh mask every step) noisier than the
 * validation curve (eval mode) in this run?
 */
export function trainValSteadiness(run: RunResult): string {
  const t = jitter(run.trainAcc);
  const v = jitter(run.valAcc);
  if (t === null || v === null) return 'Too few epochs to say how steady the curves are (the measure needs at least three).';
  const { from, to } = lastHalf(run.valAcc.length);
  const verdict = { less: 'the validation curve was the steadier one', more: 'the train curve was the steadier one', same: 'both curves were equally steady' }[compare(t, v)];
  return `Over epochs ${from}–${to}, train accuracy changed by ${points(t)} points per epoch on average and validation accuracy by ${points(v)}: in this run ${verdict}.`;
}

/** What one validation point is worth, for the current split. */
export function validationNote(nVal: number): string {
  return `With ${nVal} validation points, each one is worth ${(100 / nVal).toFixed(1)} percentage points of validation accuracy, so read differences of one or two points as noise.`;
}
