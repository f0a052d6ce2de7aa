// Section 3's second half: click a cell of the confusion matrix (true digit i, predicted j) and
// see the test digits in it, each with the probability the trained model gave its prediction.
// The predictions are the trained net's own, recomputed once per run on the test digits.
import type { nn } from 'shadergrad';
import { el } from '../ui/index.ts';
import { CLASSES } from './mnist.ts';
import type { MnistSplit } from './mnist.ts';
import { DigitGrid } from './draw.ts';
import type { ConfusionHeatmap } from './draw.ts';
import { predict } from './predict.ts';
import type { Predictions } from './predict.ts';

/** How many of a cell's digits are drawn (a diagonal cell holds a couple of hundred). */
const SHOWN = 60;

export interface CellView {
  /** A run ended: its net answers the clicks. `shown` is the matrix on the page. */
  trained(net: nn.Module, split: MnistSplit, shown: number[][]): Promise<void>;
  /** A new run started: the last run's net no longer matches the matrix. */
  reset(): void;
}

export function cellView(parent: HTMLElement, heatmap: ConfusionHeatmap, digitPixels: (file: number) => Uint8Array, redraw: (confusion: number[][], note: string) => void): CellView {
  const status = el('p', { id: 'mnist-cell-status', class: 'caption' }, 'Click a cell of the matrix to see the test digits in it, once the network is trained.');
  const fig = el('div', { class: 'figure', id: 'mnist-cell-figure' });
  parent.append(status, fig);
  const grid = new DigitGrid(fig, 'mnist-cell-digits', 10, 2);
  // Drawn empty now, at the height reset() gives it: a section that changes height while it is
  // off screen (content-visibility: auto) moves the page under a pointer that is about to click.
  grid.draw([]);
  let model: Promise<{ split: MnistSplit; answers: Predictions }> | null = null;

  heatmap.onCellClick((label, pred) => {
    if (!model) {
      status.textContent = `True ${label}, predicted ${pred}: the trained model is needed to list these digits. Train the network (section 2), or let a training run finish.`;
      window.__results['mnist-cell'] = { label, pred, error: 'no trained model' };
      return;
    }
    heatmap.select([label, pred]);
    void model.then(({ split, answers }) => {
      const y = split.test.y;
      const digits: { test: number; file: number; prob: number }[] = [];
      for (let i = 0; i < y.length; i++) if (y[i] === label && answers.preds[i] === pred) digits.push({ test: i, file: split.test.index[i]!, prob: answers.probs[i * CLASSES + pred]! });
      grid.draw(digits.slice(0, SHOWN).map((d) => ({ pixels: digitPixels(d.file), caption: `${(d.prob * 100).toFixed(0)}%`, tone: label === pred ? 'right' : 'wrong' })));
      const what = label === pred ? `${label}s read correctly` : `${label}s read as ${pred}`;
      const more = digits.length > SHOWN ? ` (the first ${SHOWN} shown)` : '';
      status.textContent = digits.length
        ? `True ${label}, predicted ${pred}: ${digits.length} test digit${digits.length === 1 ? '' : 's'}, ${what}${more}. Under each, the probability the model gave ${pred}.`
        : `True ${label}, predicted ${pred}: no test digit landed here.`;
      window.__results['mnist-cell'] = { label, pred, count: digits.length, digits };
    });
  });

  return {
    async trained(net, split, shown) {
      const answers = predict(net, split.test.x).then((a) => ({ split, answers: a }));
      model = answers;
      const { answers: a } = await answers;
      // A run stopped mid-epoch leaves the net a few steps past the matrix on the page (drawn
      // after the last finished epoch): the cells then show the net's matrix, so that a click
      // lists exactly the digits its cell counts.
      const confusion = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
      split.test.y.forEach((t, i) => confusion[t]![a.preds[i]!]!++);
      if (confusion.some((row, t) => row.some((c, p) => c !== shown[t]![p]))) redraw(confusion, 'The matrix of the network as the stopped run left it (a few steps past its last finished epoch).');
    },
    reset() {
      model = null;
      heatmap.select(null);
      grid.draw([]);
      status.textContent = 'Click a cell of the matrix to see the test digits in it, once the network is trained.';
    },
  };
}
