// What the MNIST page prints about a run (demos/mnist/report.ts), on hand-made numbers: the
// step counts against the lesson's, the per-epoch lines, and the summary after a run.
import { describe, expect, it } from 'vitest';
import { EPOCH_HEADER, LESSON_STEPS, duration, epochCells, epochsForLessonSteps, runSummary, scaleNote, stepsPerEpoch } from '../../demos/mnist/report.ts';

describe('the page against the lesson: steps', () => {
  it('8,000 digits in batches of 128 are 63 steps an epoch (62 full, one of 64); the lesson\'s 60,000 are 469, 2,345 in 5 epochs', () => {
    expect(stepsPerEpoch(8000, 128)).toBe(63);
    expect(stepsPerEpoch(60000, 128)).toBe(469);
    expect(LESSON_STEPS).toBe(2345);
    expect(stepsPerEpoch(128, 128)).toBe(1);
    expect(stepsPerEpoch(129, 128)).toBe(2);
  });

  it('the Longer preset: 37 epochs of 63 steps (2,331) come nearest to the lesson\'s 2,345', () => {
    expect(epochsForLessonSteps(8000, 128)).toBe(37);
    expect(Math.abs(37 * 63 - 2345)).toBeLessThan(Math.abs(38 * 63 - 2345));
    expect(epochsForLessonSteps(60000, 128)).toBe(5);
    expect(epochsForLessonSteps(1e6, 1)).toBe(1); // never 0
  });

  it('the scale sentence follows the settings', () => {
    expect(scaleNote(8000, 128, 5)).toBe('With these settings: 8,000 training digits in batches of 128 make 63 Adam steps per epoch, 315 in 5 epochs. The lesson: 60,000 digits in batches of 128, 469 steps per epoch, 2,345 in its 5 epochs.');
    expect(scaleNote(9000, 64, 1)).toMatch(/^With these settings: 9,000 training digits in batches of 64 make 141 Adam steps per epoch, 141 in 1 epoch\. /);
    expect(() => scaleNote(8000, 0, 5)).toThrow('stepsPerEpoch: batchSize must be a positive integer, got 0');
  });
});

describe('per-epoch lines and the run summary', () => {
  const log = { trainLoss: [1.06204, 0.398612], trainAccuracy: [0.762125, 0.8953], testAccuracy: [0.8725, 0.8985] };

  it('one row per epoch: the epoch from 1, then loss and both accuracies with four decimals, as the lesson\'s :.4f', () => {
    expect(EPOCH_HEADER).toEqual(['epoch', 'train loss', 'train accuracy', 'test accuracy']);
    expect(epochCells(log, 0)).toEqual(['1', '1.0620', '0.7621', '0.8725']);
    expect(epochCells(log, 1)).toEqual(['2', '0.3986', '0.8953', '0.8985']);
  });

  it('the summary names the last and the best test accuracy, the train gap, and the time at the measured speed', () => {
    expect(runSummary(log, 63, 20, 2331)).toBe('After 2 epochs (126 steps): test accuracy 89.85%, the best so far; train accuracy 89.53%, 0.32 points below it. At this run\'s 20.0 ms per step, the Longer preset\'s 2,331 steps would take about 47 s.');
    const dip = { trainLoss: [0.3, 0.2, 0.1], trainAccuracy: [0.9, 0.95, 0.99], testAccuracy: [0.9, 0.93, 0.92] };
    expect(runSummary(dip, 63, 300, 2331)).toBe('After 3 epochs (189 steps): test accuracy 92.00% (best 93.00%, after epoch 2); train accuracy 99.00%, 7.00 points above it. At this run\'s 300.0 ms per step, the Longer preset\'s 2,331 steps would take about 11 min 39 s.');
    expect(runSummary({ trainLoss: [], trainAccuracy: [], testAccuracy: [] }, 63, 0, 2331)).toMatch(/^No epoch finished/);
  });

  it('durations: tenths below 10 s, whole seconds below a minute, then minutes and seconds', () => {
    expect(duration(800)).toBe('0.8 s');
    expect(duration(41_400)).toBe('41 s');
    expect(duration(125_000)).toBe('2 min 5 s');
  });
});
