// Page code (DOM): the loss-landscape section. The work is in landscape.ts; this picks the
// two weights, runs it from the lab's current network and draws the two panels.
import { el, nextFrame, prose, section, selectControl, numberControl } from '../ui/index.ts';
import { ALGORITHMS, ALGORITHM_LABELS, LEARNING_RATES, LR_LABELS, WEIGHT_NAMES } from './net.ts';
import type { XorLab } from './lab.ts';
import { frozenRuns, lossGrid, rangesFor } from './landscape.ts';
import { LandscapePlot } from './landscape-plot.ts';

/** Grid points a side: 41 x 41 = 1681 nets in one batched forward. */
export const LANDSCAPE_GRID = 41;

/** What the section publishes as window.__results.landscape. */
export interface LandscapeResult {
  x: string;
  y: string;
  /** The nine weights the runs started from (the lab's network when Run was pressed). */
  weights: number[];
  lr: number;
  epochs: number;
  epochsRun: number;
  stopped: boolean;
  n: number;
  xRange: [number, number];
  yRange: [number, number];
  /** The colour scale's ends: the lowest and highest loss on the grid and along the paths. */
  lossMin: number;
  lossMax: number;
  paths: Record<string, { points: [number, number][]; losses: number[]; final: number[] }>;
}

export function landscapeSection(main: HTMLElement, getLab: () => XorLab | undefined): void {
  const sec = section(main, 'landscape', 'The loss landscape, two weights at a time');
  prose(
    sec.body,
    'The lesson pictures the loss as a landscape: high ground is bad weights, valleys are good ones, and gradient descent rolls downhill. With nine weights the landscape has nine dimensions, too many to draw, but any two of them can be looked at while the other seven stay put. Pick two weights: the heatmaps show the loss over a grid of their values around the lab\'s current network (dark is low loss, on a log scale), every grid point evaluated at once as one batch of networks. Then training runs with only those two weights free, the other seven frozen where they are, once with basic gradient descent and once with momentum, both with the lab\'s line search; each path is drawn on its own copy of the landscape.',
  );
  prose(
    sec.body,
    'Set weights in the lab first (the hand-built solution, or a network you trained) and the landscape is drawn around them. The grid covers the chosen span either side of the start and widens to take in the whole of both paths. Momentum starts slowly (its velocity begins at zero) and then keeps going in the direction it has been moving, so its path can overshoot a valley and curve back, where basic descent turns at once.',
  );
  const names = [...WEIGHT_NAMES];
  const xCtl = selectControl(sec.controls, 'Weight across', names, 'w_out1', 'landscape-x');
  const yCtl = selectControl(sec.controls, 'Weight up', names, 'w_out2', 'landscape-y');
  const spanCtl = numberControl(sec.controls, 'Span \u00b1', 2, { min: 0.1, max: 100, step: 0.5, id: 'landscape-span' });
  const epochsCtl = numberControl(sec.controls, 'Epochs', 50, { min: 1, max: 2000, step: 1, id: 'landscape-epochs' });
  const lrLabels = LEARNING_RATES.map((lr) => LR_LABELS[lr]!);
  const lrCtl = selectControl(sec.controls, 'Learning rate', lrLabels, LR_LABELS[0.3]!, 'landscape-lr');
  sec.runButton.textContent = 'Draw landscape and train';
  const plots = ALGORITHMS.map((a) => new LandscapePlot(sec.output, `landscape-${a}`));
  const summary = el('div', { class: 'landscape-summary', 'data-landscape-summary': '' });
  sec.output.after(summary);

  sec.onRun(async (ctx) => {
    const lab = getLab();
    if (!lab) throw new Error('The lab has no network yet: wait for it to start, then Run again');
    const a = names.indexOf(xCtl.get());
    const b = names.indexOf(yCtl.get());
    if (a === b) throw new Error(`Pick two different weights (both are ${names[a]})`);
    const span = spanCtl.get();
    const epochs = epochsCtl.get();
    const lr = LEARNING_RATES[lrLabels.indexOf(lrCtl.get())]!;
    const { weights } = await lab.snapshot();
    const d = lab.tensors;
    const runs = await frozenRuns(d, weights, a, b, {
      lr,
      epochs,
      signal: ctx.signal,
      onEpoch: async (e) => {
        ctx.firstStepDone();
        ctx.stepsDone(e);
        ctx.progress(e / epochs, `epoch ${e} of ${epochs}`);
        if (e % 10 === 0) await nextFrame();
      },
    });
    const paths = ALGORITHMS.map((alg) => runs.paths[alg].points);
    const [xRange, yRange] = rangesFor([weights[a]!, weights[b]!], paths, span);
    ctx.progress(1, 'the landscape');
    const losses = await lossGrid(d, weights, { index: a, range: xRange }, { index: b, range: yRange }, LANDSCAPE_GRID);
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of losses) (lo = Math.min(lo, l)), (hi = Math.max(hi, l));
    for (const alg of ALGORITHMS) for (const l of runs.paths[alg].losses) (lo = Math.min(lo, l)), (hi = Math.max(hi, l));
    ALGORITHMS.forEach((alg, i) =>
      plots[i]!.draw({ losses, n: LANDSCAPE_GRID, xRange, yRange, xLabel: names[a]!, yLabel: names[b]!, logRange: [Math.log(lo), Math.log(hi)], path: runs.paths[alg].points, title: ALGORITHM_LABELS[alg] }),
    );
    summary.replaceChildren(
      ...ALGORITHMS.map((alg) => {
        const p = runs.paths[alg];
        return el('div', { 'data-landscape-end': alg }, `${ALGORITHM_LABELS[alg]}: after ${runs.epochsRun} epochs, loss ${p.losses[0]!.toFixed(4)} \u2192 ${p.losses.at(-1)!.toFixed(4)}`);
      }),
    );
    const result: LandscapeResult = {
      x: names[a]!,
      y: names[b]!,
      weights,
      lr,
      epochs,
      epochsRun: runs.epochsRun,
      stopped: runs.stopped,
      n: LANDSCAPE_GRID,
      xRange,
      yRange,
      lossMin: lo,
      lossMax: hi,
      paths: Object.fromEntries(ALGORITHMS.map((alg) => [alg, { points: runs.paths[alg].points, losses: runs.paths[alg].losses, final: runs.paths[alg].final }])),
    };
    return result;
  });
}
