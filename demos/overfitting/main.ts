// Part 3.6, overfitting, underfitting and L2: DOM wiring only. The experiments are in
// ./overfit.ts (shown at the bottom), the same module the Node tests run on the CPU backend.
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam, selectControl, warmUp } from '../ui/index.ts';
import type { Control, RunContext } from '../ui/index.ts';
import {
  COMPLEXITY_PRESETS,
  DEFAULTS,
  TRAINING_SET_LABELS,
  describeComplexity,
  formatWidths,
  lessonStart,
  mergedXs,
  parseWidths,
  runComplexity,
  runNoisy,
  runSmallVsLarge,
  runWeightDecay,
  trueFunction,
} from './overfit.ts';
import type { ComplexityPresetName, CurveResult, NoisyResult, TrainingSet } from './overfit.ts';
import overfitSource from './overfit.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
const startSeed = seedParam() ?? DEFAULTS.seed;
// Section 1's kernels compile while the page is built and read: one epoch of its net. Its
// draws are harmless: every section's Run reseeds PyTorch's generator (lessonStart).
await warmUp((signal) => runSmallVsLarge({ seed: startSeed, epochs: 1, signal }));

/** Redraw every this many epochs (and yield a frame, so Stop can be clicked). */
const DRAW_EVERY = 5;

/**
 * Train and test losses onto a chart, in batches of DRAW_EVERY epochs (a redraw per epoch
 * costs more than an epoch here), with the status line and a frame for the browser.
 */
function lossDrawer(chart: Chart, ctx: RunContext, epochs: number): (r: { epoch: number; train: number; test: number }) => Promise<void> {
  const pending: [number, number, number][] = [];
  return async (r) => {
    ctx.firstStepDone();
    pending.push([r.epoch, r.train, r.test]);
    if (r.epoch % DRAW_EVERY !== 0 && r.epoch !== epochs) return;
    for (const [e, a, b] of pending.splice(0)) chart.append(e, [a, b]);
    ctx.stepsDone(r.epoch);
    ctx.progress(r.epoch / epochs, `epoch ${r.epoch}: train ${r.train.toFixed(4)}, test ${r.test.toFixed(4)}`);
    await nextFrame();
  };
}

/**
 * A labelled text input, shaped as the page kit's controls (demos/ui/controls.ts has number
 * and select controls only). get() returns the text as typed; checking it is the caller's.
 */
function textControl(parent: HTMLElement, label: string, value: string, id: string): Control<string> {
  const input = el('input', { type: 'text', id, value, size: '24', spellcheck: 'false' });
  const wrap = el('label', { class: 'control' }, `${label} `, input);
  parent.append(wrap);
  return {
    get: () => input.value,
    set: (v) => {
      input.value = v;
    },
    onChange: (fn) => input.addEventListener('change', fn),
    element: input,
  };
}

/** A table of numbers: a header row, then one row per entry (cells already formatted). */
function resultsTable(id: string, headers: string[], rows: string[][]): HTMLTableElement {
  const t = el('table', { class: 'results', id });
  t.append(el('tr', {}, ...headers.map((h) => el('th', {}, h))));
  for (const r of rows) t.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
  return t;
}

const fixed = (v: number | null, digits = 4): string => (v === null ? '–' : v.toFixed(digits));

/** A loss run's final numbers: train and test after the last epoch run, and the lowest test. */
function curveRow(r: CurveResult): string[] {
  return [`${r.epochs}${r.stopped ? ' (stopped)' : ''}`, fixed(r.finalTrain), fixed(r.finalTest), `${fixed(r.bestTest)} (${r.bestTestEpoch ?? '–'})`];
}
const CURVE_HEADERS = ['epochs', 'final train MSE', 'final test MSE', 'lowest test MSE (epoch)'];

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
  'The lesson\'s code never seeds PyTorch, so its numbers change from run to run. Here every run seeds PyTorch\'s own generator (this engine reproduces it) with the section\'s seed, 0 unless you change it, and then makes the lesson\'s draws in the lesson\'s order, as if its whole script ran from the top: the training set x_train, the test set x_test, Demo 1\'s network, the noisy training set x_train2 (new draws, not x_train\'s scaled up), Demo 2\'s network, the three of Demo 3, and then Demo 4\'s, each with PyTorch\'s default initialisation (uniform within ±1/√fan_in, weights before biases). A section needs only the draws up to its own networks; the earlier networks are drawn and thrown away, and the training between them is skipped, since training draws nothing.',
);
prose(
  main,
  'So putting torch.manual_seed(0), or whichever seed a section shows, as the first line of the lesson\'s code gives the same data and the same starting weights as this page; and as nothing random happens after that (full-batch Adam, no dropout, no shuffling), the same curves too. Over the lesson\'s 100 epochs the losses agree with PyTorch\'s to about four significant digits. Long runs on noisy data let the last-bit differences of float32 arithmetic grow: after section 4\'s 500-epoch preset the widest networks\' scores can differ from PyTorch\'s in the second decimal (at the default seed they still tell the same story).',
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
const table1 = el('div', { class: 'svl-table' });
s1.output.append(table1);
s1.onRun(async (ctx) => {
  chart1.reset();
  table1.replaceChildren();
  const epochs = c1.epochs.get();
  const result = await runSmallVsLarge({
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
  table1.replaceChildren(resultsTable('svl-results', CURVE_HEADERS, [curveRow(result)]));
  return result;
});

// ---- 2. more noise ------------------------------------------------------------------------

const s2 = section(main, 'noise', '2. Noise 1.0: learning the noise');
prose(
  s2.body,
  'Now train on the second training set, x_train2: 20 points at the same positions, with fresh noise five times as strong ($\\sigma = 1$), while the test set stays as it was. The noise is now as large as the signal over much of the range, and 12 hidden units are plenty to follow it. The lower chart shows what that means: the noisy training points, the noiseless curve $\\sin(x) + 0.5x$ the data came from (dashed), the test points (grey), and the network\'s curve, redrawn every 10 epochs while it trains. Where the red curve leaves the dashed one to reach for a training point, it has fitted noise.',
);
prose(
  s2.body,
  'Read the losses with the noise levels in mind. The training targets now scatter about the true curve with variance $\\sigma^2 = 1$, so a model that had learned exactly $\\sin(x) + 0.5x$ would still score a training MSE near 1; driving it lower means bending towards individual points. The test targets are only as noisy as before ($\\sigma = 0.2$), which is why the test curve can sit below the training curve here. The number to compare is this run\'s final test loss against section 1\'s (the tables under both charts give them): noise the model has absorbed shows up there as a higher test loss.',
);
const c2 = {
  seed: numberControl(s2.controls, 'seed', startSeed, { min: 0, step: 1, id: 'noise-seed' }),
  highNoise: numberControl(s2.controls, 'training noise σ', DEFAULTS.highNoise, { min: 0, id: 'noise-noise' }),
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
const table2 = el('div', { class: 'noise-table' });
s2.output.append(table2);
s2.onRun(async (ctx) => {
  chart2.reset();
  fitChart.reset();
  table2.replaceChildren();
  const epochs = c2.epochs.get();
  const draw = lossDrawer(chart2, ctx, epochs);
  // The scatter series need the training and test xs; they come with the first fit.
  let layout: { xs: number[]; train: (number | null)[]; test: (number | null)[]; truth: number[] } | null = null;
  const opts = { seed: c2.seed.get(), highNoise: c2.highNoise.get(), testNoise: c2.testNoise.get(), hidden: c2.hidden.get(), epochs, lr: c2.lr.get(), signal: ctx.signal };
  {
    // Draw the data before training starts (the same draws runNoisy makes after reseeding).
    const start = await lessonStart(2, opts, []);
    const [train, test] = [start.train2!, start.test];
    const xs = mergedXs(train.x, test.x);
    const at = (d: { x: number[]; y: number[] }): (number | null)[] => xs.map((x) => (d.x.includes(x) ? d.y[d.x.indexOf(x)]! : null));
    layout = { xs, train: at(train), test: at(test), truth: xs.map(trueFunction) };
    fitChart.setData(xs, [layout.train, layout.test, layout.truth, xs.map(() => null)]);
  }
  const result: NoisyResult = await runNoisy({
    ...opts,
    fitEvery: 10,
    onEpoch: async (r) => {
      if (r.fit && layout) fitChart.setData(layout.xs, [layout.train, layout.test, layout.truth, r.fit]);
      await draw(r);
    },
  });
  table2.replaceChildren(resultsTable('noise-results', [...CURVE_HEADERS, 'fit vs true function (MSE)'], [[...curveRow(result), fixed(result.fitVsTruth)]]));
  return result;
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
  'The two forms are the same thing, because the derivative of $\\tfrac{\\lambda}{2} w_k^2$ is $\\lambda w_k$. (Written with the penalty $\\lambda \\sum_k w_k^2$, without the one half, the gradient term would be $2\\lambda w_k$: the strength is a matter of convention.) Because Adam rescales gradients, this is "L2 inside Adam", not the decoupled decay of AdamW. Below, a fresh network is trained on the noisy 20 points for each $\\lambda$ (0, 0.01 and 0.1 by default), one after another, and their test losses are drawn together. The table gives the final losses and the sum of squares of all parameters, which the penalty pushes down; whether the smaller weights also mean a lower test loss depends on how much the unpenalised network overfits, so read it off the table rather than assuming it.',
);
const c3 = {
  seed: numberControl(s3.controls, 'seed', startSeed, { min: 0, step: 1, id: 'wd-seed' }),
  l2: DEFAULTS.decays.map((d, i) => numberControl(s3.controls, `λ${i + 1}`, d, { min: 0, id: `wd-l2-${i}` })),
  highNoise: numberControl(s3.controls, 'training noise σ', DEFAULTS.highNoise, { min: 0, id: 'wd-noise' }),
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
    highNoise: c3.highNoise.get(),
    hidden: c3.hidden.get(),
    epochs,
    lr: c3.lr.get(),
    signal: ctx.signal,
    onEpoch: async (r) => {
      ctx.firstStepDone();
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
  'Finally, vary the capacity: train one network per hidden-layer width on a 20-point training set and score each on the test set with the coefficient of determination, the share of the test targets\' variance that the model explains:',
);
math(s4.body, String.raw`R^2 = 1 - \frac{\sum_j (y_j - \hat y_j)^2}{\sum_j (y_j - \bar y)^2}`);
prose(
  s4.body,
  '$R^2 = 1$ is a perfect fit and $R^2 = 0$ is no better than predicting the mean. Textbooks draw the test score against model size as a hill: too few units underfit, too many overfit, and the best size sits in between. Whether a run shows both sides depends on the data and the training. With two hidden units the network can only draw a couple of straight pieces, so it underfits; that side shows up readily. The other side needs noise in the training targets for the extra units to chase, and enough epochs to chase it: on the lesson\'s $\\sigma = 0.2$ set and 100 epochs a wide network has little of either.',
);
prose(
  s4.body,
  'Type any widths you like (whole numbers from 1 to 4096, separated by commas). The presets are the Demo\'s loop (2, 8, 24, 64; 100 epochs), the Exercise starter code\'s (2, 8, 32, 64; 90 epochs), and one of ours that gives the wide networks both noise and time: the five widths the exercise suggests, trained for 500 epochs on x_train2, the $\\sigma = 1$ set of section 2. The sentence under the charts reads what the run showed from its own numbers, and the table gives each width\'s final losses and score.',
);
const PRESET_NAMES = Object.keys(COMPLEXITY_PRESETS) as ComplexityPresetName[];
const TRAINING_SETS = Object.keys(TRAINING_SET_LABELS) as TrainingSet[];
const preset = selectControl(s4.controls, 'Preset', PRESET_NAMES, 'Demo', 'cx-preset');
const c4 = {
  seed: numberControl(s4.controls, 'seed', startSeed, { min: 0, step: 1, id: 'cx-seed' }),
  widths: textControl(s4.controls, 'hidden widths', formatWidths(DEFAULTS.sizes), 'cx-widths'),
  trainingSet: selectControl(s4.controls, 'training set', TRAINING_SETS.map((t) => TRAINING_SET_LABELS[t]), TRAINING_SET_LABELS.clean, 'cx-trainset'),
  epochs: numberControl(s4.controls, 'epochs', DEFAULTS.epochs, { min: 1, max: 100000, step: 1, id: 'cx-epochs' }),
  lr: numberControl(s4.controls, 'learning rate', DEFAULTS.lr, { min: 0, id: 'cx-lr' }),
};
const widthsError = el('p', { class: 'error', id: 'cx-widths-error', role: 'alert' });
s4.controls.append(widthsError);
/** Check the widths as they are typed, so a bad entry is named before Run. */
function checkWidths(): number[] | null {
  try {
    const w = parseWidths(c4.widths.get());
    widthsError.textContent = '';
    return w;
  } catch (err) {
    widthsError.textContent = err instanceof Error ? err.message : String(err);
    return null;
  }
}
c4.widths.onChange(() => void checkWidths());
preset.onChange(() => {
  const p = COMPLEXITY_PRESETS[preset.get()];
  c4.widths.set(formatWidths(p.sizes));
  c4.trainingSet.set(TRAINING_SET_LABELS[p.trainingSet]);
  c4.epochs.set(p.epochs);
  checkWidths();
});
const trainingSetOf = (label: string): TrainingSet => TRAINING_SETS.find((t) => TRAINING_SET_LABELS[t] === label) ?? 'clean';

// The test-loss chart has one series per width, so it is made anew when the widths change.
const curvesHolder = el('div');
s4.output.append(curvesHolder);
let chart4curves: Chart | null = null;
let chart4widths = '';
function curvesChart(sizes: number[]): Chart {
  const key = formatWidths(sizes);
  if (chart4curves && chart4widths === key) return chart4curves;
  chart4curves?.plot.destroy();
  curvesHolder.replaceChildren();
  chart4curves = new Chart(curvesHolder, {
    id: 'cx-test',
    title: 'Test loss per width',
    xLabel: 'epoch',
    yLabel: 'test MSE (log scale)',
    series: sizes.map((h) => ({ label: `hidden ${h}` })),
    logY: true,
  });
  chart4widths = key;
  return chart4curves;
}
curvesChart(DEFAULTS.sizes);
const chart4 = new Chart(s4.output, {
  id: 'cx-r2',
  title: 'Effect of model complexity',
  xLabel: 'hidden layer size',
  yLabel: 'test R²',
  series: [{ label: 'test R²', color: '#d62728' }],
});
const summary4 = el('p', { id: 'cx-summary' });
const table4 = el('div', { class: 'cx-table' });
s4.output.append(summary4, table4);

s4.onRun(async (ctx) => {
  const sizes = checkWidths();
  if (!sizes) throw new Error(widthsError.textContent ?? 'widths: not valid');
  const epochs = c4.epochs.get();
  const trainingSet = trainingSetOf(c4.trainingSet.get());
  const xs = Array.from({ length: epochs }, (_, i) => i + 1);
  const curves: (number | null)[][] = sizes.map(() => xs.map(() => null));
  const chart = curvesChart(sizes);
  chart.reset();
  chart4.reset();
  summary4.textContent = '';
  table4.replaceChildren();
  const scored: { hidden: number; r2: number; finalTrain: number; finalTest: number }[] = [];
  const showTable = (): void => {
    const rows = scored.map((r) => [String(r.hidden), fixed(r.finalTrain), fixed(r.finalTest), fixed(r.r2)]);
    table4.replaceChildren(resultsTable('cx-results', ['hidden', 'final train MSE', 'final test MSE', 'test R²'], rows));
  };
  const result = await runComplexity({
    seed: c4.seed.get(),
    sizes,
    trainingSet,
    epochs,
    lr: c4.lr.get(),
    signal: ctx.signal,
    onEpoch: async (r) => {
      ctx.firstStepDone();
      curves[r.run]![r.epoch - 1] = r.test;
      const done = r.run * epochs + r.epoch;
      if (r.epoch % DRAW_EVERY === 0 || r.epoch === epochs) {
        chart.setData(xs, curves);
        ctx.stepsDone(done);
        ctx.progress(done / (epochs * sizes.length), `hidden ${r.hidden}, epoch ${r.epoch}: test ${r.test.toFixed(4)}`);
        await nextFrame();
      }
    },
    onSize: (r) => {
      scored.push(r);
      const sorted = [...scored].sort((a, b) => a.hidden - b.hidden);
      chart4.setData(
        sorted.map((p) => p.hidden),
        [sorted.map((p) => p.r2)],
      );
      showTable();
    },
  });
  if (result.r2.length > 0) {
    const { sentence } = describeComplexity(result.sizes, result.r2);
    summary4.textContent = result.stopped ? `${sentence} (Stopped: only the widths trained to the end are counted.)` : sentence;
  }
  return result;
});

prose(
  main,
  'What to take away: judge a model by its test loss, never by its training loss alone. Small or noisy training sets invite memorization; a penalty on large weights, a smaller model, or more data are the usual remedies, but none is guaranteed to help on a given problem (compare the test losses in section 3\'s table), so the right amount of each is found by trying and measuring, exactly as above.',
);

codePanel(main, 'The code that runs (demos/overfitting/overfit.ts)', overfitSource);
