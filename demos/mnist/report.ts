// What the MNIST page prints about a run: the lesson's per-epoch lines as table rows, how
// many Adam steps the page's data makes against the lesson's, and a summary computed from
// the run. No DOM here: the page shows these, the tests check them.

/** torchvision's MNIST training set, which the lesson trains on, and its loop. */
export const LESSON_TRAIN_DIGITS = 60000;
export const LESSON_BATCH = 128;
export const LESSON_EPOCHS = 5;

/** Mini-batches per epoch: the last one may be short (DataLoader's drop_last=False). */
export function stepsPerEpoch(trainDigits: number, batchSize: number): number {
  if (!Number.isInteger(trainDigits) || trainDigits < 1) throw new Error(`stepsPerEpoch: trainDigits must be a positive integer, got ${trainDigits}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`stepsPerEpoch: batchSize must be a positive integer, got ${batchSize}`);
  return Math.ceil(trainDigits / batchSize);
}

/** The Adam steps of the lesson's 5 epochs over 60,000 digits in batches of 128: 5 x 469. */
export const LESSON_STEPS = LESSON_EPOCHS * stepsPerEpoch(LESSON_TRAIN_DIGITS, LESSON_BATCH);

/** The epochs over `trainDigits` that come nearest to the lesson's number of steps. */
export function epochsForLessonSteps(trainDigits: number, batchSize: number): number {
  return Math.max(1, Math.round(LESSON_STEPS / stepsPerEpoch(trainDigits, batchSize)));
}

const count = (v: number): string => v.toLocaleString('en-US');

/** The page's scale against the lesson's, for the current settings. */
export function scaleNote(trainDigits: number, batchSize: number, epochs: number): string {
  const steps = stepsPerEpoch(trainDigits, batchSize);
  const lessonSteps = stepsPerEpoch(LESSON_TRAIN_DIGITS, LESSON_BATCH);
  return (
    `With these settings: ${count(trainDigits)} training digits in batches of ${batchSize} make ${count(steps)} Adam steps per epoch, ` +
    `${count(steps * epochs)} in ${epochs} epoch${epochs === 1 ? '' : 's'}. The lesson: ${count(LESSON_TRAIN_DIGITS)} digits in batches of ${LESSON_BATCH}, ` +
    `${count(lessonSteps)} steps per epoch, ${count(LESSON_STEPS)} in its ${LESSON_EPOCHS} epochs.`
  );
}

export interface EpochLog {
  trainLoss: number[];
  trainAccuracy: number[];
  testAccuracy: number[];
}

export const EPOCH_HEADER = ['epoch', 'train loss', 'train accuracy', 'test accuracy'];

/** Epoch e (0-based) as the lesson prints it: four decimals, as its f"{acc:.4f}". */
export function epochCells(log: EpochLog, e: number): string[] {
  return [String(e + 1), log.trainLoss[e]!.toFixed(4), log.trainAccuracy[e]!.toFixed(4), log.testAccuracy[e]!.toFixed(4)];
}

/** "2 min 5 s", "41 s", "0.8 s". */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/**
 * After a run: where test accuracy ended and peaked, how far train accuracy got, and what the
 * Longer preset's `longerSteps` steps would take at the speed this one measured (steps only:
 * the evaluation after each epoch comes on top).
 */
export function runSummary(log: EpochLog, stepsPerEpochRun: number, msPerStep: number, longerSteps: number): string {
  const epochs = log.testAccuracy.length;
  if (epochs === 0) return 'No epoch finished, so there is nothing to summarize yet.';
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
  let best = 0;
  for (let e = 1; e < epochs; e++) if (log.testAccuracy[e]! > log.testAccuracy[best]!) best = e;
  const last = epochs - 1;
  const gap = 100 * (log.trainAccuracy[last]! - log.testAccuracy[last]!);
  return (
    `After ${epochs} epoch${epochs === 1 ? '' : 's'} (${count(epochs * stepsPerEpochRun)} steps): test accuracy ${pct(log.testAccuracy[last]!)}` +
    `${best === last ? ', the best so far' : ` (best ${pct(log.testAccuracy[best]!)}, after epoch ${best + 1})`}; ` +
    `train accuracy ${pct(log.trainAccuracy[last]!)}, ${Math.abs(gap).toFixed(2)} points ${gap >= 0 ? 'above' : 'below'} it. ` +
    `At this run's ${msPerStep.toFixed(1)} ms per step, the Longer preset's ${count(longerSteps)} steps would take about ${duration(longerSteps * msPerStep)}.`
  );
}
