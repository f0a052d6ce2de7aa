// The dropout page (Part 3.7): DOM wiring only. The data, the nets and the training loop
// are in ./dropout.ts, the module the Node tests run on the CPU backend.
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, selectControl, warmUp } from '../ui/index.ts';
import type { Control, RunContext } from '../ui/index.ts';
import { PRESETS, compareRuns, makeData, rateVariants, regularizationVariants, trainRun } from './dropout.ts';
import type { CompareOptions, CompareResult, Dataset, EpochStats, NetOptions, PresetName, RunResult, Variant } from './dropout.ts';
import { TABLE_HEADER, decaySteadiness, rowCells, summaryRows, trainValSteadiness, validationNote } from './summary.ts';
import dropoutSource from './dropout.ts?raw';
import summarySource from './summary.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
// Exercise 1's kernels compile while the page is built and read: one epoch of the demo's
// DropNet. Its draws are harmless: every Run reseeds PyTorch's generator, and with it the
// dropout masks' stream (startNet), before it draws.
const demo = PRESETS.demo;
await warmUp(async (signal) => trainRun({ data: await makeData(demo.data), net: demo.net, pdrop: demo.pdrop, lr: demo.lr, weightDecay: 0, epochs: 1, signal }));

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
  'Because any unit may vanish, no unit can be relied on alone, and each step trains a different thinned sub-network; at evaluation time the full network behaves roughly like an average of all of them. The switch is the module mode, as in PyTorch: net.train() turns the masks on, net.eval() turns them off. Every epoch below is one full-batch Adam step in train mode, then a validation pass in eval mode inside noGrad. The train accuracy is read from the training-mode logits, dropout and all, as the lesson reads it, so with dropout it scores a thinned network and can land below the validation accuracy of the whole one (exercise 1 counts how often).',
);

// ---- setup shared by all exercises ------------------------------------------------------------

const setup = el('div', { class: 'setup', id: 'setup' });
main.append(setup);
setup.append(el('h2', {}, 'Data and network'));
prose(
  setup,
  'The data follow the lesson: 200 points with both coordinates drawn from a standard normal (torch.manual_seed(7), then torch.randn(200, 2)), labelled 1 where $x_1^2 + 0.8\\,x_2 > 0.5$, a curved boundary. The first 70% train and the last 30% validate. The network is the lesson\'s DropNet, 2-32-32-2 with ReLU and a Dropout layer after each hidden layer; with $p = 0$ it is the lesson\'s PlainNet. The Exercise preset switches to the exercise code\'s numbers: seed 11, 180 points, $x_1^2 - 0.7\\,x_2 > 0.3$, a 60/40 split, a 2-28-2 RegNet with one Dropout layer, learning rate 0.07 and shorter runs.',
);
prose(
  setup,
  "The seed drives the engine's copy of PyTorch's CPU random generator, and the page draws in the lesson's order: the points first, then the network's layers one by one. So the points and the starting weights are the ones the lesson's PyTorch code gets (the points up to float32 rounding), while the dropout masks are our own, drawn from a separate stream keyed by the same seed, so a run with dropout parts from the lesson's curve after its first step. Every network on the page starts from those weights, those of the lesson's first network (Demo 1's DropNet, or Exercise 1's RegNet), so the variants of a comparison differ only in their regularization. The lesson builds its later networks only after dropout training has used the generator for masks, by an amount that depends on PyTorch's CPU kernel, so their starting weights are not ones a page could match anyway.",
);
const setupControls = el('div', { class: 'controls' });
setup.append(setupControls);
const preset = selectControl<PresetName>(setupControls, 'Preset', ['demo', 'exercise'], 'demo', 'do-preset');
const dataSeed = numberControl(setupControls, 'seed (torch.manual_seed)', PRESETS.demo.data.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: 'do-seed' });
const nPoints = numberControl(setupControls, 'points N', PRESETS.demo.data.n, { min: 8, max: 100000, step: 1, id: 'do-n' });
const coef = numberControl(setupControls, 'x2 coefficient', PRESETS.demo.data.coef, { id: 'do-coef' });
const threshold = numberControl(setupControls, 'threshold', PRESETS.demo.data.threshold, { id: 'do-threshold' });
const trainFrac = numberControl(setupControls, 'train fraction', PRESETS.demo.data.trainFrac, { min: 0.01, max: 0.99, id: 'do-train-frac' });
const hidden = numberControl(setupControls, 'hidden width', PRESETS.demo.net.hidden, { min: 1, max: 1024, step: 1, id: 'do-hidden' });
const hiddenLayers = selectControl<'1' | '2'>(setupControls, 'hidden layers', ['2', '1'], '2', 'do-hidden-layers');
const lr = numberControl(setupControls, 'Adam lr', PRESETS.demo.lr, { min: 0, max: 10, id: 'do-lr' });
const dataSummary = el('p', { class: 'data-summary', id: 'do-data-summary' });
setup.append(dataSummary);

function readData(): Promise<Dataset> {
  return makeData({ seed: dataSeed.get(), n: nPoints.get(), coef: coef.get(), threshold: threshold.get(), trainFrac: trainFrac.get() });
}
function readNet(): NetOptions {
  return { hidden: hidden.get(), hiddenLayers: hiddenLayers.get() === '1' ? 1 : 2 };
}
/** Texts that follow the data and network settings (filled in by summarize). */
const settingTexts: ((d: Dataset, net: NetOptions) => void)[] = [];
let summaries = 0;
// Drawing the data re-seeds the global generator, which would move the dropout masks of a
// run in progress: while one runs, a summary waits for it to end.
let running = 0;
let summaryWaiting = false;
/** The data summary line and the texts that quote the split; the last call wins. */
async function summarize(): Promise<void> {
  if (running > 0) {
    summaryWaiting = true;
    return;
  }
  const mine = ++summaries;
  try {
    const d = await readData();
    const net = readNet();
    if (mine !== summaries) return;
    const ones = (from: number, to: number): number => d.y.subarray(from, to).reduce((s, v) => s + v, 0);
    dataSummary.textContent = `${d.options.n} points: ${d.nTrain} train (${ones(0, d.nTrain)} of class 1), ${d.nVal} validation (${ones(d.nTrain, d.options.n)} of class 1).`;
    for (const set of settingTexts) set(d, net);
  } catch (err) {
    if (mine === summaries) dataSummary.textContent = err instanceof Error ? err.message : String(err);
  }
}
setupControls.addEventListener('change', () => void summarize());

/** Register a section's run, counted in `running` so that summaries wait for it. */
function onRun(sec: { onRun: (fn: (ctx: RunContext) => Promise<unknown>) => void }, fn: (ctx: RunContext) => Promise<unknown>): void {
  sec.onRun(async (ctx) => {
    running++;
    try {
      return await fn(ctx);
    } finally {
      running--;
      if (running === 0 && summaryWaiting) {
        summaryWaiting = false;
        void summarize();
      }
    }
  });
}

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
  for (const set of presetSetters) set(p);
  void summarize();
});

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
    data: await readData(),
    net: readNet(),
    lr: lr.get(),
    epochs,
    variants,
    signal: ctx.signal,
    onEpoch: async (v, e) => {
      ctx.firstStepDone();
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

/**
 * Below a section's charts: a sentence computed from the run (optional) and a table of each
 * variant's final accuracies and how much its curves moved per epoch over the last half.
 */
function summaryBlock(root: HTMLElement, prefix: string, withSentence: boolean): { show: (runs: Record<string, RunResult>, names: Record<string, string>, sentence?: string) => void; clear: () => void } {
  const box = el('div', { class: 'run-summary', id: `${prefix}-summary` });
  root.append(box);
  const sentence = withSentence ? el('p', { class: 'steadiness', id: `${prefix}-steadiness` }) : null;
  const table = el('table', { class: 'results', id: `${prefix}-table` });
  if (sentence) box.append(sentence);
  box.append(table);
  const clear = (): void => {
    if (sentence) sentence.textContent = '';
    table.replaceChildren();
  };
  return {
    clear,
    show: (runs, names, text) => {
      clear();
      if (sentence) sentence.textContent = text ?? '';
      table.append(el('tr', {}, ...TABLE_HEADER.map((h) => el('th', {}, h))));
      for (const row of summaryRows(runs, names)) table.append(el('tr', { 'data-variant': row.key }, ...rowCells(row).map((c, i) => el(i === 0 ? 'th' : 'td', {}, c))));
    },
  };
}


// ---- Exercise 1: dropout, train and validation accuracy -------------------------------------

const ex1 = section(main, 'dropout-accuracy', '1. Dropout layers: train and validation accuracy');
prose(
  ex1.body,
  "By default the lesson's Demo 1: the DropNet with $p = 0.5$ after each hidden layer, trained with Adam (learning rate 0.08) for 80 epochs; the Exercise preset runs Exercise 1 instead (the RegNet with $p = 0.4$, learning rate 0.07, 60 epochs). The train accuracy comes from a differently thinned network at every step, the validation accuracy from the whole network in eval mode. Below the charts, the page measures how much each curve moves from one epoch to the next over the second half of the run, and counts the epochs in which the thinned network scored lower on its own training points than the whole network did on the validation points.",
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
const ex1Summary = summaryBlock(ex1.root, 'do1', true);

/** Exercise 1's sentence: steadiness of both curves, and how often train sat below validation. */
function ex1Sentence(r: RunResult): string {
  const below = r.trainAcc.filter((t, i) => t < r.valAcc[i]!).length;
  return `${trainValSteadiness(r)} The train accuracy was below the validation accuracy in ${below} of ${r.epochsRun} epochs.`;
}

onRun(ex1, async (ctx) => {
  const epochs = ex1Epochs.get();
  ex1Chart.reset();
  ex1Loss.reset();
  ex1Summary.clear();
  let done = 0;
  const r = await trainRun({
    data: await readData(),
    net: readNet(),
    pdrop: ex1P.get(),
    lr: lr.get(),
    weightDecay: 0,
    epochs,
    signal: ctx.signal,
    onEpoch: async (e) => {
      ctx.firstStepDone();
      ex1Chart.append(e.epoch + 1, [e.trainAcc, e.valAcc]);
      ex1Loss.append(e.epoch + 1, [e.loss]);
      done++;
      await tick(ctx, done, epochs, e, '');
    },
  });
  ex1Summary.show({ dropout: r }, { dropout: `dropout p = ${ex1P.get()}` }, r.stopped ? 'Stopped: the table holds the epochs run so far.' : ex1Sentence(r));
  return r;
});

// ---- Exercise 2: weight decay --------------------------------------------------------------------

const ex2 = section(main, 'weight-decay', '2. Weight decay in the optimizer');
prose(
  ex2.body,
  "The same network twice from the same start: once with dropout alone, once with dropout and Adam's weight_decay = 0.02. Solid lines are validation accuracy, dashed lines train accuracy. Decay pulls every weight a little towards zero at every step. Whether that shows on a problem this easy is for the run to say: below the chart, the page compares how much the two validation curves move from epoch to epoch over the second half of training, and the table gives each variant's final accuracies. Turn the decay up to 0.2 to see the other extreme: the weights are held so close to zero that the net ends up calling nearly every point one class.",
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
const ex2Summary = summaryBlock(ex2.root, 'do2', true);
onRun(ex2, async (ctx) => {
  const p = ex2P.get();
  const wd = ex2Wd.get();
  const variants: Variant[] = [
    { key: 'dropout', pdrop: p, weightDecay: 0 },
    { key: 'dropoutL2', pdrop: p, weightDecay: wd },
  ];
  ex2Summary.clear();
  const r = await runVariants(ctx, ex2Chart, variants, ex2Epochs.get(), true, ex2Names);
  const sentence = r.stopped ? 'Stopped: the table holds the variants run so far.' : decaySteadiness(r.runs.dropout!, r.runs.dropoutL2!);
  ex2Summary.show(r.runs, { dropout: `dropout p = ${p}`, dropoutL2: `dropout p = ${p} + weight decay ${wd}` }, sentence);
  return r;
});

// ---- Exercise 3: none, dropout, dropout + L2 ----------------------------------------------------

const ex3 = section(main, 'regularization', '3. With and without regularization');
prose(
  ex3.body,
  'Three networks from the same initial weights: no regularization (the PlainNet: $p = 0$, no decay), dropout, and dropout plus weight decay. Without dropout the train accuracy is measured on the very network that is evaluated, so it is the curve that shows memorization; the question is what happens on the validation points.',
);
const ex3Note = el('p', { id: 'do3-val-note' });
ex3.body.append(ex3Note);
settingTexts.push((d) => (ex3Note.textContent = validationNote(d.nVal)));
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
const ex3Summary = summaryBlock(ex3.root, 'do3', false);
onRun(ex3, async (ctx) => {
  ex3Summary.clear();
  const r = await runVariants(ctx, ex3Chart, regularizationVariants(ex3P.get(), ex3Wd.get()), ex3Epochs.get(), true, ex3Names);
  ex3Summary.show(r.runs, { none: ex3Names[0]!, dropout: ex3Names[1]!, dropoutL2: ex3Names[2]! });
  return r;
});

// ---- Exercise 4: dropout rates ---------------------------------------------------------------------

const ex4 = section(main, 'dropout-rates', '4. Dropout rates');
prose(
  ex4.body,
  "The same network with four dropout rates, validation accuracy only (the Demo's 0, 0.3, 0.5 and 0.7 for 60 epochs; the Exercise preset's 0, 0.2, 0.5 and 0.7 for 40). Too little dropout leaves the network free to overfit; too much starves each step of units, so training is slow and noisy and the net can underfit. Where the best rate lies depends on how big the net is compared with the data; compare how fast each curve rises and, in the table, how much it still moves at the end.",
);
const ex4Note = el('p', { id: 'do4-size-note' });
ex4.body.append(ex4Note);
settingTexts.push((d, net) => (ex4Note.textContent = `Here: ${net.hiddenLayers === 1 ? 'one hidden layer' : 'two hidden layers'} of ${net.hidden} units for ${d.nTrain} training points.`));
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
const ex4Summary = summaryBlock(ex4.root, 'do4', false);
onRun(ex4, async (ctx) => {
  const rates = ex4Rates.map((c) => c.get());
  const labels = rateLabels(rates);
  if (labels.join('|') !== ex4Labels.join('|')) {
    ex4.output.replaceChildren();
    ex4Chart = rateChart(labels);
    ex4Labels = labels;
  }
  ex4Summary.clear();
  const variants = rateVariants(rates);
  const r = await runVariants(ctx, ex4Chart, variants, ex4Epochs.get(), false, labels);
  ex4Summary.show(r.runs, Object.fromEntries(variants.map((v, i) => [v.key, labels[i]!])));
  return r;
});

codePanel(main, 'The code that runs (demos/dropout/dropout.ts)', dropoutSource);
codePanel(main, 'The numbers under the charts (demos/dropout/summary.ts)', summarySource);
void summarize();
