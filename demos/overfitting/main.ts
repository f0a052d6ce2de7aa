// Part 3.6, overfitting, underfitting and L2: DOM wiring only. The experiments are in
// ./overfit.ts (shown at the bottom), the same module the Node tests run on the CPU backend.
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam, selectControl } from '../ui/index.ts';
import type { RunContext } from '../ui/index.ts';
import { DEFAULTS, EXERCISE_PRESET, makeData, mergedXs, runComplexity, runNoisy, runSmallVsLarge, runWeightDecay, trueFunction } from './overfit.ts';
import type { CurveResult } from './overfit.ts';
import overfitSource from './overfit.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
const startSeed = seedParam() ?? DEFAULTS.seed;

/** Redraw every this many epochs (and yield a frame, so Stop can be clicked). */
const DRAW_EVERY = 5;

/**
 * Train and test losses onto a chart, in batches of DRAW_EVERY epochs (a redraw per epoch
 * costs more than an epoch here), with the status line and a frame for the browser.
 */
function lossDrawer(chart: Chart, ctx: RunContext, epochs: number): (r: { epoch: number; train: number; test: number }) => Promise<void> {
  const pending: [number, number, number][] = [];
  return async (r) => {
    pending.push([r.epoch, r.train, r.test]);
    if (r.epoch % DRAW_EVERY !== 0 && r.epoch !== epochs) return;
    for (const [e, a, b] of pending.splice(0)) chart.append(e, [a, b]);
    ctx.stepsDone(r.epoch);
    ctx.progress(r.epoch / epochs, `epoch ${r.epoch}: train ${r.train.toFixed(4)}, test ${r.test.toFixed(4)}`);
    await nextFrame();
  };
}

/** Rename series i (0-based) of a chart, in its legend too. */
function relabel(chart: Chart, i: number, label: string): void {
  chart.plot.series[i + 1]!.label = label;
  const cell = chart.plot.root.querySelectorAll('.u-legend .u-series')[i + 1]?.querySelector('.u-label');
  if (cell) cell.textContent = label;
}

// ---- introduction ------------------------------------------------------------------------

prose(
  main,
  'A network that does well on the examples it was trained on has only passed half the test. What we actually want is a network that does well on examples it has never seen. Two things go wrong. A model that is too rigid, or trained too little, misses the pattern itself: it underfits, and its error is high on both the training set and new data. A model that is flexible enough to chase every wiggle of a small, noisy training set learns the noise too: it overfits, and its training error keeps falling while its error on new data stalls or climbs.',
);
prose(
  main,
  'So we always measure two numbers. The training loss is the average error over the $N_\\text{train}$ points the optimizer sees; the test loss is the same average over $N_\\text{test}$ points it never sees. Here both are mean squared errors:',
);
math(main, String.raw`L_\text{train} = \frac{1}{N_\text{train}}\sum_{i=1}^{N_\text{train}} (y_i - \hat y_i)^2 \qquad L_\text{test} = \frac{1}{N_\text{test}}\sum_{j=1}^{N_\text{test}} (y_j - \hat y_j)^2`);
prose(
  main,
  'The data comes from a curve with a bend in it plus Gaussian noise, $y = \\sin(x) + 0.5x + \\sigma\\,\\varepsilon$ with $\\varepsilon \\sim \\mathcal N(0, 1)$, at evenly spaced $x$ from −3 to 3. The training set has 20 such points, the test set 100 (with its own noise draws, $\\sigma = 0.2$). The model is a tiny network, one input, a hidden layer of 12 ReLU units and one output, trained on all training points at once with Adam (learning rate 0.05) for 100 epochs. After every update we also compute the test loss, without gradients, so the two curves can be compared epoch by epoch.',
);
prose(
  main,
  'Every run below starts with manualSeed(seed), draws the training set, then the test set, then the initial weights (PyTorch\'s default: uniform in ±1/√fan_in for weights and biases). The same seed therefore gives the same data and the same starting networks on the GPU and the CPU. The training set of the noisy sections reuses the same draws with a larger $\\sigma$.',
);

// ---- 1. small training set, large test set ------------------------------------------------

const s1 = section(main, 'small-vs-large', '1. Twenty points to learn from, a hundred to test on');
prose(
  s1.body,
  'Train on the 20 points and watch both losses. Early on both fall together: the network is picking up the real shape of the curve. With so few points the training loss can keep dropping after the test loss has flattened out, because the last gains come from bending the curve towards individual noisy points. The gap between the two curves is what the model has memorized rather than learned.',
);
const c1 = {
  seed: numberControl(s1.controls, 'seed', startSeed, { min: 0, step: 1, id: 'svl-seed' }),
  nTrain: numberControl(s1.controls, 'training points', DEFAULTS.nTrain, { min: 2, max: 10000, step: 1, id: 'svl-ntrain' }),
  nTest: numberControl(s1.controls, 'test points', DEFAULTS.nTest, { min: 2, max: 10000, step: 1, id: 'svl-ntest' }),
  noise: numberControl(s1.controls, 'noise σ', DEFAULTS.noise, { min: 0, id: 'svl-noise' }),
  hidden: numberControl(s1.controls, 'hidden units', DEFAULTS.hidden, { min: 1, max: 4096, step: 1, id: 'svl-hidden' }),
  epochs: numberControl(s1.controls, 'epochs', DEFAULTS.epochs, { min: 1, max: 100000, step: 1, id: 'svl-epochs' }),
  lr: numberControl(s1.controls, 'learning rate', DEFAULTS.lr, { min: 0, id: 'svl-lr' }),
};
const chart1 = new Chart(s1.output, {
  id: 'svl-loss',
  title: 'Train vs test loss (20 training points)',
  xLabel: 'epoch',
  yLabel: 'MSE (log scale)',
  series: [{ label: 'train (small set)' }, { label: 'test (large set)' }],
  logY: true,
});
s1.onRun(async (ctx) => {
  chart1.reset();
  const epochs = c1.epochs.get();
  return runSmallVsLarge({
    seed: c1.seed.get(),
    nTrain: c1.nTrain.get(),
    nTest: c1.nTest.get(),
    noise: c1.noise.get(),
    hidden: c1.hidden.get(),
    epochs,
    lr: c1.lr.get(),
    signal: ctx.signal,
    onEpoch: lossDrawer(chart1, ctx, epochs),
  });
});

// ---- 2. more noise ------------------------------------------------------------------------

const s2 = section(main, 'noise', '2. Noise 1.0: learning the noise');
prose(
  s2.body,
  'Now the same 20 training points carry five times the noise ($\\sigma = 1$) while the test set stays as it was. The noise is now as large as the signal over much of the range, and 12 hidden units are plenty to follow it. The lower chart shows what that means: the noisy training points, the noiseless curve $\\sin(x) + 0.5x$ the data came from (dashed), the test points (grey), and the network\'s curve, redrawn every 10 epochs while it trains. Where the red curve leaves the dashed one to reach for a training point, it has fitted noise.',
);
prose(
  s2.body,
  'Read the losses with the noise levels in mind. The training targets now scatter about the true curve with variance $\\sigma^2 = 1$, so a model that had learned exactly $\\sin(x) + 0.5x$ would still score a training MSE near 1; driving it lower means bending towards individual points. The test targets are only as noisy as before ($\\sigma = 0.2$), which is why the test curve can sit below the training curve here. The number to compare is the test loss of this run against the test loss of section 1, with the same points and the same seed: it is higher, and that difference is the price of the noise the model absorbed.',
);
const c2 = {
  seed: numberControl(s2.controls, 'seed', startSeed, { min: 0, step: 1, id: 'noise-seed' }),
  noise: numberControl(s2.controls, 'training noise σ', DEFAULTS.highNoise, { min: 0, id: 'noise-noise' }),
  testNoise: numberControl(s2.controls, 'test noise σ', DEFAULTS.testNoise, { min: 0, id: 'noise-testnoise' }),
  hidden: numberControl(s2.controls, 'hidden units', DEFAULTS.hidden, { min: 1, max: 4096, step: 1, id: 'noise-hidden' }),
  epochs: numberControl(s2.controls, 'epochs', DEFAULTS.epochs, { min: 1, max: 100000, step: 1, id: 'noise-epochs' }),
  lr: numberControl(s2.controls, 'learning rate', DEFAULTS.lr, { min: 0, id: 'noise-lr' }),
};
const chart2 = new Chart(s2.output, {
  id: 'noise-loss',
  title: 'Losses with noisy training data',
  xLabel: 'epoch',
  yLabel: 'MSE (log scale)',
  series: [{ label: 'train (σ = 1)' }, { label: 'test' }],
  logY: true,
});
const fitChart = new Chart(s2.output, {
  id: 'noise-fit',
  title: 'Model fit on noisy data',
  xLabel: 'x',
  yLabel: 'y',
  series: [
    { label: 'train (noisy)', color: '#1f4fd6', points: 8 },
    { label: 'test points', color: '#9a9a9a', points: 4 },
    { label: 'true function', color: '#111111', dash: [4, 4] },
    { label: 'model', color: '#d62728' },
  ],
  width: 560,
  height: 340,
});
s2.onRun(async (ctx) => {
  chart2.reset();
  fitChart.reset();
  const epochs = c2.epochs.get();
  const draw = lossDrawer(chart2, ctx, epochs);
  // The scatter series need the training and test xs; they come with the first fit.
  let layout: { xs: number[]; train: (number | null)[]; test: (number | null)[]; truth: number[] } | null = null;
  const opts = { seed: c2.seed.get(), noise: c2.noise.get(), testNoise: c2.testNoise.get(), hidden: c2.hidden.get(), epochs, lr: c2.lr.get(), signal: ctx.signal };
  {
    // Draw the data before training starts (the same draws runNoisy makes after reseeding).
    const { train, test } = await makeData(opts);
    const xs = mergedXs(train.x, test.x);
    const at = (d: { x: number[]; y: number[] }): (number | null)[] => xs.map((x) => (d.x.includes(x) ? d.y[d.x.indexOf(x)]! : null));
    layout = { xs, train: at(train), test: at(test), truth: xs.map(trueFunction) };
    fitChart.setData(xs, [layout.train, layout.test, layout.truth, xs.map(() => null)]);
  }
  return runNoisy({
    ...opts,
    fitEvery: 10,
    onEpoch: async (r) => {
      if (r.fit && layout) fitChart.setData(layout.xs, [layout.train, layout.test, layout.truth, r.fit]);
      await draw(r);
    },
  });
});

// ---- 3. weight decay ----------------------------------------------------------------------

const s3 = section(main, 'weight-decay', '3. Weight decay (L2)');
prose(
  s3.body,
  'One cure for overfitting is to make large weights cost something. L2 regularization adds a penalty that grows with the squares of the parameters, so the optimizer only keeps a weight large when the data really pays for it; smaller weights make a smoother, less wiggly curve. In PyTorch\'s optimizers, and here, this is the weight_decay option: before Adam uses a parameter\'s gradient, it adds $\\lambda$ times the parameter itself (every parameter, biases included):',
);
math(s3.body, String.raw`g_k \leftarrow \frac{\partial L}{\partial w_k} + \lambda\, w_k \qquad\Longleftrightarrow\qquad L_\text{total} = L + \frac{\lambda}{2}\sum_k w_k^2`);
prose(
  s3.body,
  'The two forms are the same thing, because the derivative of $\\tfrac{\\lambda}{2} w_k^2$ is $\\lambda w_k$. (Written with the penalty $\\lambda \\sum_k w_k^2$, without the one half, the gradient term would be $2\\lambda w_k$: the strength is a matter of convention.) Because Adam rescales gradients, this is "L2 inside Adam", not the decoupled decay of AdamW. Below, a fresh network is trained on the noisy 20 points for each $\\lambda$ (0, 0.01 and 0.1 by default), one after another, and their test losses are drawn together. The table gives the final losses and the sum of squares of all parameters, which the penalty pushes down.',
);
const c3 = {
  seed: numberControl(s3.controls, 'seed', startSeed, { min: 0, step: 1, id: 'wd-seed' }),
  l2: DEFAULTS.decays.map((d, i) => numberControl(s3.controls, `λ${i + 1}`, d, { min: 0, id: `wd-l2-${i}` })),
  noise: numberControl(s3.controls, 'training noise σ', DEFAULTS.highNoise, { min: 0, id: 'wd-noise' }),
  hidden: numberControl(s3.controls, 'hidden units', DEFAULTS.hidden, { min: 1, max: 4096, step: 1, id: 'wd-hidden' }),
  epochs: numberControl(s3.controls, 'epochs', DEFAULTS.epochs, { min: 1, max: 100000, step: 1, id: 'wd-epochs' }),
  lr: numberControl(s3.controls, 'learning rate', DEFAULTS.lr, { min: 0, id: 'wd-lr' }),
};
const chart3 = new Chart(s3.output, {
  id: 'wd-test',
  title: 'Test loss by weight decay',
  xLabel: 'epoch',
  yLabel: 'test MSE (log scale)',
  series: DEFAULTS.decays.map((d) => ({ label: `λ = ${d}` })),
  logY: true,
});
const table3 = el('div', { class: 'wd-table' });
s3.output.append(table3);
/** The runs' final numbers; a run cut short by Stop says at which epoch. */
function showDecayTable(decays: number[], rows: (CurveResult & { sumSquares: number })[]): void {
  const t = el('table', { class: 'results', id: 'wd-results' });
  const fixed = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
  t.append(el('tr', {}, ...['λ', 'final train', 'final test', 'best test (epoch)', 'Σ w²'].map((h) => el('th', {}, h))));
  rows.forEach((r, i) =>
    t.append(
      el(
        'tr',
        {},
        el('td', {}, `${decays[i]}${r.stopped ? ` (stopped at epoch ${r.epochs})` : ''}`),
        el('td', {}, fixed(r.finalTrain, 4)),
        el('td', {}, fixed(r.finalTest, 4)),
        el('td', {}, `${fixed(r.bestTest, 4)} (${r.bestTestEpoch ?? '–'})`),
        el('td', {}, r.sumSquares.toFixed(3)),
      ),
    ),
  );
  table3.replaceChildren(t);
}
s3.onRun(async (ctx) => {
  const decays = c3.l2.map((c) => c.get());
  const epochs = c3.epochs.get();
  const xs = Array.from({ length: epochs }, (_, i) => i + 1);
  const curves: (number | null)[][] = decays.map(() => xs.map(() => null));
  chart3.reset();
  decays.forEach((d, i) => relabel(chart3, i, `λ = ${d}`));
  table3.replaceChildren();
  const result = await runWeightDecay({
    seed: c3.seed.get(),
    decays,
    noise: c3.noise.get(),
    hidden: c3.hidden.get(),
    epochs,
    lr: c3.lr.get(),
    signal: ctx.signal,
    onEpoch: async (r) => {
      curves[r.run]![r.epoch - 1] = r.test;
      const done = r.run * epochs + r.epoch;
      if (r.epoch % DRAW_EVERY === 0 || r.epoch === epochs) {
        chart3.setData(xs, curves);
        ctx.stepsDone(done);
        ctx.progress(done / (epochs * decays.length), `λ = ${r.l2}, epoch ${r.epoch}: test ${r.test.toFixed(4)}`);
        await nextFrame();
      }
    },
  });
  showDecayTable(result.decays, result.runs.map((r, i) => ({ ...r, sumSquares: result.sumSquares[i]! })));
  return result;
});

// ---- 4. model size ------------------------------------------------------------------------

const s4 = section(main, 'complexity', '4. How big should the network be?');
prose(
  s4.body,
  'Finally, vary the capacity: train one network per hidden-layer width on the 20 training points (noise 0.2) and score each on the test set with the coefficient of determination, the share of the test targets\' variance that the model explains:',
);
math(s4.body, String.raw`R^2 = 1 - \frac{\sum_j (y_j - \hat y_j)^2}{\sum_j (y_j - \bar y)^2}`);
prose(
  s4.body,
  '$R^2 = 1$ is a perfect fit and $R^2 = 0$ is no better than predicting the mean. With two hidden units the network can only draw a couple of straight pieces, so it underfits; somewhere in the middle the test score peaks, and a much larger network has room to overfit a small training set, though with only 100 epochs it may not get there. The default widths are the Demo\'s (2, 8, 24, 64, 100 epochs); the Exercise preset uses 2, 8, 32 and 64 with 90 epochs.',
);
const preset = selectControl(s4.controls, 'Preset', ['Demo', 'Exercise'] as const, 'Demo', 'cx-preset');
const c4 = {
  seed: numberControl(s4.controls, 'seed', startSeed, { min: 0, step: 1, id: 'cx-seed' }),
  sizes: DEFAULTS.sizes.map((h, i) => numberControl(s4.controls, `width ${i + 1}`, h, { min: 1, max: 4096, step: 1, id: `cx-size-${i}` })),
  epochs: numberControl(s4.controls, 'epochs', DEFAULTS.epochs, { min: 1, max: 100000, step: 1, id: 'cx-epochs' }),
  lr: numberControl(s4.controls, 'learning rate', DEFAULTS.lr, { min: 0, id: 'cx-lr' }),
};
preset.onChange(() => {
  const p = preset.get() === 'Exercise' ? { sizes: EXERCISE_PRESET.sizes, epochs: EXERCISE_PRESET.complexityEpochs } : { sizes: DEFAULTS.sizes, epochs: DEFAULTS.epochs };
  p.sizes.forEach((h, i) => c4.sizes[i]!.set(h));
  c4.epochs.set(p.epochs);
});
const chart4curves = new Chart(s4.output, {
  id: 'cx-test',
  title: 'Test loss per width',
  xLabel: 'epoch',
  yLabel: 'test MSE (log scale)',
  series: DEFAULTS.sizes.map((h) => ({ label: `hidden ${h}` })),
  logY: true,
});
const chart4 = new Chart(s4.output, {
  id: 'cx-r2',
  title: 'Effect of model complexity',
  xLabel: 'hidden layer size',
  yLabel: 'test R²',
  series: [{ label: 'test R²', color: '#d62728' }],
});
s4.onRun(async (ctx) => {
  const sizes = c4.sizes.map((c) => c.get());
  const epochs = c4.epochs.get();
  const xs = Array.from({ length: epochs }, (_, i) => i + 1);
  const curves: (number | null)[][] = sizes.map(() => xs.map(() => null));
  chart4curves.reset();
  chart4.reset();
  sizes.forEach((h, i) => relabel(chart4curves, i, `hidden ${h}`));
  const r2: [number, number][] = [];
  return runComplexity({
    seed: c4.seed.get(),
    sizes,
    epochs,
    lr: c4.lr.get(),
    signal: ctx.signal,
    onEpoch: async (r) => {
      curves[r.run]![r.epoch - 1] = r.test;
      const done = r.run * epochs + r.epoch;
      if (r.epoch % DRAW_EVERY === 0 || r.epoch === epochs) {
        chart4curves.setData(xs, curves);
        ctx.stepsDone(done);
        ctx.progress(done / (epochs * sizes.length), `hidden ${r.hidden}, epoch ${r.epoch}: test ${r.test.toFixed(4)}`);
        await nextFrame();
      }
    },
    onSize: (r) => {
      r2.push([r.hidden, r.r2]);
      const sorted = [...r2].sort((a, b) => a[0] - b[0]);
      chart4.setData(sorted.map((p) => p[0]), [sorted.map((p) => p[1])]);
    },
  });
});

prose(
  main,
  'What to take away: judge a model by its test loss, never by its training loss alone. Small or noisy training sets invite memorization; a penalty on large weights, a smaller model, or more data all pull the test loss back down, and the right amount of each is found by trying and measuring, exactly as above.',
);

codePanel(main, 'The code that runs (demos/overfitting/overfit.ts)', overfitSource);
