// The dropout page (Part 3.7): DOM wiring only. The data, the nets and the training loop
// are in ./dropout.ts, the module the Node tests run on the CPU backend.
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, selectControl } from '../ui/index.ts';
import type { Control, RunContext } from '../ui/index.ts';
import { PRESETS, compareRuns, makeData, rateVariants, regularizationVariants, trainRun } from './dropout.ts';
import type { CompareOptions, CompareResult, Dataset, EpochStats, NetOptions, PresetName, Variant } from './dropout.ts';
import dropoutSource from './dropout.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();

// ---- introduction --------------------------------------------------------------------------

prose(
  main,
  'A network with plenty of weights can fit its training points almost perfectly and still draw a poor boundary between them, because it has learned the accidents of those particular points. Regularization pushes back. This page tries the two tools PyTorch users reach for first, weight decay in the optimizer and Dropout layers in the model, on one small two-class problem, and watches accuracy on held-out points as the networks train.',
);
prose(
  main,
  'Weight decay is L2 regularization. With decay $\\lambda$, the optimizer adds $\\lambda w$ to the gradient of every parameter before it steps, which is the gradient of a penalty on the squared size of the weights:',
);
math(main, String.raw`g \leftarrow \nabla_w L + \lambda\, w \quad\Longleftrightarrow\quad L_{\text{total}} = L + \frac{\lambda}{2}\sum_i w_i^2`);
prose(
  main,
  "(The lesson writes the penalty as $\\lambda \\sum w_i^2$; PyTorch's weight_decay = $\\lambda$ corresponds to $\\lambda/2$ in front of the sum, since that is what makes the added gradient exactly $\\lambda w$. Adam applies it as plain L2 on the gradient, not AdamW's decoupled decay.) Large weights now cost something, so the net prefers smoother functions that lean on many small weights.",
);
prose(
  main,
  'Dropout works on activations instead. While training, each unit of a hidden layer is switched off with probability $p$, a fresh random choice at every forward pass, and the survivors are scaled up so that the expected activation stays the same:',
);
math(main, String.raw`\tilde h = \frac{d \odot h}{1 - p}, \qquad d_j \sim \text{Bernoulli}(1 - p) \qquad\text{(training)},\qquad \tilde h = h \qquad\text{(evaluation)}`);
prose(
  main,
  'Because any unit may vanish, no unit can be relied on alone, and each step trains a different thinned sub-network; at evaluation time the full network behaves roughly like an average of all of them. The switch is the module mode, as in PyTorch: net.train() turns the masks on, net.eval() turns them off. Every epoch below is one full-batch Adam step in train mode, then a validation pass in eval mode inside noGrad. Note that the train accuracy is read from the training-mode logits, dropout and all, exactly as the lesson does, so with dropout it measures a thinned network and sits below the validation curve surprisingly often.',
);

// ---- setup shared by all exercises ------------------------------------------------------------

const setup = el('div', { class: 'setup', id: 'setup' });
main.append(setup);
setup.append(el('h2', {}, 'Data and network'));
prose(
  setup,
  'The data follow the lesson: 200 points with both coordinates drawn from a standard normal (torch.manual_seed(7), torch.randn(200, 2)), labelled 1 where $x_1^2 + 0.8\\,x_2 > 0.5$, a curved boundary. The first 70% train and the last 30% validate. We reproduce torch\'s draws exactly: its CPU generator is the same Mersenne Twister as numpy\'s RandomState, and its randn is a Box-Muller transform of 16 uniforms at a time, so the points here are the lesson\'s points (to float32 rounding). The network is the lesson\'s DropNet, 2-32-32-2 with ReLU and a Dropout layer after each hidden layer; with $p = 0$ it is the lesson\'s PlainNet. The Exercise preset switches to the exercise code\'s numbers: seed 11, 180 points, $x_1^2 - 0.7\\,x_2 > 0.3$, a 60/40 split, a 2-28-2 RegNet with one Dropout layer, learning rate 0.07 and shorter runs.',
);
prose(
  setup,
  'Initial weights and dropout masks come from manualSeed(init seed), set again before every network, so in a comparison all variants start from the very same weights (Dropout has no parameters) and differ only by their regularization. (The lesson builds its networks one after another from one running generator, so its variants also start from different weights; and our generator is not torch\'s, so the curves will differ in detail from the lesson\'s plots, not in kind.)',
);
const setupControls = el('div', { class: 'controls' });
setup.append(setupControls);
const preset = selectControl<PresetName>(setupControls, 'Preset', ['demo', 'exercise'], 'demo', 'do-preset');
const dataSeed = numberControl(setupControls, 'data seed', PRESETS.demo.data.seed, { min: 0, max: 0xffffffff, step: 1, id: 'do-data-seed' });
const nPoints = numberControl(setupControls, 'points N', PRESETS.demo.data.n, { min: 8, max: 100000, step: 1, id: 'do-n' });
const coef = numberControl(setupControls, 'x2 coefficient', PRESETS.demo.data.coef, { id: 'do-coef' });
const threshold = numberControl(setupControls, 'threshold', PRESETS.demo.data.threshold, { id: 'do-threshold' });
const trainFrac = numberControl(setupControls, 'train fraction', PRESETS.demo.data.trainFrac, { min: 0.01, max: 0.99, id: 'do-train-frac' });
const hidden = numberControl(setupControls, 'hidden width', PRESETS.demo.net.hidden, { min: 1, max: 1024, step: 1, id: 'do-hidden' });
const hiddenLayers = selectControl<'1' | '2'>(setupControls, 'hidden layers', ['2', '1'], '2', 'do-hidden-layers');
const lr = numberControl(setupControls, 'Adam lr', PRESETS.demo.lr, { min: 0, max: 10, id: 'do-lr' });
const initSeed = numberControl(setupControls, 'init seed', PRESETS.demo.seed, { min: 0, max: 0xffffffff, step: 1, id: 'do-init-seed' });
const dataSummary = el('p', { class: 'data-summary', id: 'do-data-summary' });
setup.append(dataSummary);

function readData(): Dataset {
  return makeData({ seed: dataSeed.get(), n: nPoints.get(), coef: coef.get(), threshold: threshold.get(), trainFrac: trainFrac.get() });
}
function readNet(): NetOptions {
  return { hidden: hidden.get(), hiddenLayers: hiddenLayers.get() === '1' ? 1 : 2 };
}
function summarize(): void {
  try {
    const d = readData();
    const ones = (from: number, to: number): number => d.y.subarray(from, to).reduce((s, v) => s + v, 0);
    dataSummary.textContent = `${d.options.n} points: ${d.nTrain} train (${ones(0, d.nTrain)} of class 1), ${d.nVal} validation (${ones(d.nTrain, d.options.n)} of class 1).`;
  } catch (err) {
    dataSummary.textContent = err instanceof Error ? err.message : String(err);
  }
}
setupControls.addEventListener('change', summarize);

// ---- per-exercise controls, set by the preset ----------------------------------------------

type Preset = (typeof PRESETS)[PresetName];
/** Each exercise's controls and the preset value each one takes. */
const presetSetters: ((p: Preset) => void)[] = [];
function follows(control: Control<number>, value: (p: Preset) => number): void {
  presetSetters.push((p) => control.set(value(p)));
}

preset.onChange(() => {
  const p = PRESETS[preset.get()];
  dataSeed.set(p.data.seed);
  nPoints.set(p.data.n);
  coef.set(p.data.coef);
  threshold.set(p.data.threshold);
  trainFrac.set(p.data.trainFrac);
  hidden.set(p.net.hidden);
  hiddenLayers.set(p.net.hiddenLayers === 1 ? '1' : '2');
  lr.set(p.lr);
  initSeed.set(p.seed);
  for (const set of presetSetters) set(p);
  summarize();
});
summarize();

// ---- shared run helpers ----------------------------------------------------------------------

const accuracyChart = (parent: HTMLElement, id: string, title: string, series: { label: string; color?: string; dash?: number[] }[], yLabel = 'accuracy'): Chart =>
  // Two classes: chance is 0.5, and a fresh net that calls nearly everything one class
  // scores 0.3-0.7 here; 0.2-1 keeps those first epochs in view without flattening the rest.
  new Chart(parent, { id, title, xLabel: 'epoch', yLabel, series, yRange: [0.2, 1], width: 620, height: 320 });

/** Report an epoch: progress, ms/step, and a frame every few epochs so charts paint and Stop is seen. */
async function tick(ctx: RunContext, done: number, total: number, e: EpochStats, what: string): Promise<void> {
  ctx.stepTime(e.ms);
  ctx.progress(done / total, `${what}epoch ${e.epoch + 1}: train ${e.trainAcc.toFixed(3)}, val ${e.valAcc.toFixed(3)}`);
  if (done % 4 === 0 || done === total) await nextFrame();
}

/**
 * Several variants on one chart: val solid and (optionally) train dashed per variant. The
 * chart is redrawn from the arrays after every epoch (uPlot wants one shared x axis).
 */
async function runVariants(
  ctx: RunContext,
  chart: Chart,
  variants: Variant[],
  epochs: number,
  withTrain: boolean,
  names: string[],
): Promise<CompareResult> {
  const xs = Array.from({ length: epochs }, (_, i) => i + 1);
  const val: (number | null)[][] = variants.map(() => xs.map(() => null));
  const train: (number | null)[][] = variants.map(() => xs.map(() => null));
  chart.reset();
  let done = 0;
  const opts: CompareOptions = {
    data: readData(),
    net: readNet(),
    lr: lr.get(),
    seed: initSeed.get(),
    epochs,
    variants,
    signal: ctx.signal,
    onEpoch: async (v, e) => {
      val[v]![e.epoch] = e.valAcc;
      train[v]![e.epoch] = e.trainAcc;
      chart.setData(xs, withTrain ? [...val, ...train] : val);
      done++;
      await tick(ctx, done, epochs * variants.length, e, `${names[v]}: `);
    },
  };
  return compareRuns(opts);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

// ---- Exercise 1: dropout, train and validation accuracy -------------------------------------

const ex1 = section(main, 'dropout-accuracy', '1. Dropout layers: train and validation accuracy');
prose(
  ex1.body,
  'The DropNet with $p = 0.5$ after each hidden layer, trained with Adam (learning rate 0.08) for 80 epochs. Watch the two curves: the train accuracy is noisy, because each step sees a different random half of the hidden units; the validation accuracy, measured on the whole network in eval mode, is steadier.',
);
const ex1P = numberControl(ex1.controls, 'dropout p', PRESETS.demo.pdrop, { min: 0, max: 0.99, id: 'do1-p' });
const ex1Epochs = numberControl(ex1.controls, 'epochs', PRESETS.demo.epochs, { min: 1, max: 10000, step: 1, id: 'do1-epochs' });
follows(ex1P, (p) => p.pdrop);
follows(ex1Epochs, (p) => p.epochs);
const ex1Chart = accuracyChart(ex1.output, 'dropout-accuracy-chart', 'Dropout: train vs. validation accuracy', [
  { label: 'train accuracy', color: COLORS[0] },
  { label: 'validation accuracy', color: COLORS[1] },
]);
const ex1Loss = new Chart(ex1.output, { id: 'dropout-loss-chart', title: 'Training loss (train mode)', xLabel: 'epoch', yLabel: 'cross-entropy', series: [{ label: 'loss', color: COLORS[2] }], width: 620, height: 240 });

ex1.onRun(async (ctx) => {
  const epochs = ex1Epochs.get();
  ex1Chart.reset();
  ex1Loss.reset();
  let done = 0;
  return trainRun({
    data: readData(),
    net: readNet(),
    pdrop: ex1P.get(),
    lr: lr.get(),
    weightDecay: 0,
    epochs,
    seed: initSeed.get(),
    signal: ctx.signal,
    onEpoch: async (e) => {
      ex1Chart.append(e.epoch + 1, [e.trainAcc, e.valAcc]);
      ex1Loss.append(e.epoch + 1, [e.loss]);
      done++;
      await tick(ctx, done, epochs, e, '');
    },
  });
});

// ---- Exercise 2: weight decay --------------------------------------------------------------------

const ex2 = section(main, 'weight-decay', '2. Weight decay in the optimizer');
prose(
  ex2.body,
  "The same network twice from the same start: once with dropout alone, once with dropout and Adam's weight_decay = 0.02. Solid lines are validation accuracy, dashed lines train accuracy. Decay keeps the weights small; on a problem this easy it mostly shows up as a less jittery validation curve, or, if you turn it up (try 0.2), as a net too constrained to bend its boundary.",
);
const ex2P = numberControl(ex2.controls, 'dropout p', PRESETS.demo.pdrop, { min: 0, max: 0.99, id: 'do2-p' });
const ex2Wd = numberControl(ex2.controls, 'weight decay', PRESETS.demo.weightDecay, { min: 0, max: 10, id: 'do2-wd' });
const ex2Epochs = numberControl(ex2.controls, 'epochs', PRESETS.demo.epochs, { min: 1, max: 10000, step: 1, id: 'do2-epochs' });
follows(ex2P, (p) => p.pdrop);
follows(ex2Wd, (p) => p.weightDecay);
follows(ex2Epochs, (p) => p.epochs);
const ex2Names = ['dropout', 'dropout + L2'];
const ex2Chart = accuracyChart(ex2.output, 'weight-decay-chart', 'Effect of dropout and L2 (weight decay)', [
  ...ex2Names.map((n, i) => ({ label: `val (${n})`, color: COLORS[i] })),
  ...ex2Names.map((n, i) => ({ label: `train (${n})`, color: COLORS[i], dash: [6, 4] })),
]);
ex2.onRun(async (ctx) => {
  const p = ex2P.get();
  const variants: Variant[] = [
    { key: 'dropout', pdrop: p, weightDecay: 0 },
    { key: 'dropoutL2', pdrop: p, weightDecay: ex2Wd.get() },
  ];
  return runVariants(ctx, ex2Chart, variants, ex2Epochs.get(), true, ex2Names);
});

// ---- Exercise 3: none, dropout, dropout + L2 ----------------------------------------------------

const ex3 = section(main, 'regularization', '3. With and without regularization');
prose(
  ex3.body,
  'Three networks from the same initial weights: no regularization (the PlainNet: $p = 0$, no decay), dropout, and dropout plus weight decay. The unregularized net usually drives its train accuracy to 100% first; the question is what happens on the validation points. With only 60 validation points each one is worth 1.7 percentage points, so read differences of one or two points as noise.',
);
const ex3P = numberControl(ex3.controls, 'dropout p', PRESETS.demo.pdrop, { min: 0, max: 0.99, id: 'do3-p' });
const ex3Wd = numberControl(ex3.controls, 'weight decay', PRESETS.demo.weightDecay, { min: 0, max: 10, id: 'do3-wd' });
const ex3Epochs = numberControl(ex3.controls, 'epochs', PRESETS.demo.epochs, { min: 1, max: 10000, step: 1, id: 'do3-epochs' });
follows(ex3P, (p) => p.pdrop);
follows(ex3Wd, (p) => p.weightDecay);
follows(ex3Epochs, (p) => p.epochs);
const ex3Names = ['no regularization', 'dropout', 'dropout + L2'];
const ex3Chart = accuracyChart(ex3.output, 'regularization-chart', 'Regularization vs. no regularization', [
  ...ex3Names.map((n, i) => ({ label: `val (${n})`, color: COLORS[i] })),
  ...ex3Names.map((n, i) => ({ label: `train (${n})`, color: COLORS[i], dash: [6, 4] })),
]);
ex3.onRun(async (ctx) => runVariants(ctx, ex3Chart, regularizationVariants(ex3P.get(), ex3Wd.get()), ex3Epochs.get(), true, ex3Names));

// ---- Exercise 4: dropout rates ---------------------------------------------------------------------

const ex4 = section(main, 'dropout-rates', '4. Dropout rates');
prose(
  ex4.body,
  'The same network with four dropout rates (the lesson: 0, 0.3, 0.5 and 0.7, for 60 epochs), validation accuracy only. Too little dropout leaves the network free to overfit; too much starves each step of units, so training is slow and noisy and the net can underfit. Where the best rate lies depends on how big the net is compared with the data: with 32 units per layer and 140 points, compare how fast each curve rises and how steady it is at the end.',
);
const ex4Rates = PRESETS.demo.rates.map((r, i) => numberControl(ex4.controls, `rate ${i + 1}`, r, { min: 0, max: 0.99, id: `do4-rate-${i}` }));
const ex4Epochs = numberControl(ex4.controls, 'epochs', PRESETS.demo.rateEpochs, { min: 1, max: 10000, step: 1, id: 'do4-epochs' });
ex4Rates.forEach((c, i) => follows(c, (p) => p.rates[i]!));
follows(ex4Epochs, (p) => p.rateEpochs);
// The legend names the rates, so the chart is rebuilt when a run uses other rates.
const rateChart = (labels: string[]): Chart =>
  accuracyChart(ex4.output, 'dropout-rates-chart', 'Validation accuracy vs. dropout rate', labels.map((label, i) => ({ label, color: COLORS[i] })), 'validation accuracy');
const rateLabels = (rates: readonly number[]): string[] => rates.map((p) => `dropout = ${p}`);
let ex4Labels = rateLabels(PRESETS.demo.rates);
let ex4Chart = rateChart(ex4Labels);
ex4.onRun(async (ctx) => {
  const rates = ex4Rates.map((c) => c.get());
  const labels = rateLabels(rates);
  if (labels.join('|') !== ex4Labels.join('|')) {
    ex4.output.replaceChildren();
    ex4Chart = rateChart(labels);
    ex4Labels = labels;
  }
  return runVariants(ctx, ex4Chart, rateVariants(rates), ex4Epochs.get(), false, labels);
});

codePanel(main, 'The code that runs (demos/dropout/dropout.ts)', dropoutSource);
