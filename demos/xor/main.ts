// The XOR lab page: DOM wiring only. The work is in lab.ts and restarts.ts (shown below
// the exercises), the same modules the Node tests run on the CPU backend.
import { cat, tensor } from 'shadergrad';
import { Chart, Heatmap, button, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam, selectControl, warmUp } from '../ui/index.ts';
import type { RunContext } from '../ui/index.ts';
import { DATASETS, DATASET_LABELS, createXorDataset, toTensors } from './data.ts';
import type { DatasetName } from './data.ts';
import { ALGORITHMS, ALGORITHM_LABELS, BETA, LEARNING_RATES, LR_LABELS, XorNets, parameterCount } from './net.ts';
import type { Algorithm } from './net.ts';
import { ACCURACY_GOAL, HAND_BUILT, LOSS_GOAL, MAX_EPOCHS, RESET_TRIALS, XorLab } from './lab.ts';
import type { ConvergenceResult, EpochReport } from './lab.ts';
import { BoundaryPlot } from './boundary-plot.ts';
import { runRestarts, summarize } from './restarts.ts';
import { WeightsTable } from './weights-table.ts';
import { landscapeSection } from './landscape-section.ts';
import type { RestartProgress } from './restarts.ts';
import dataSource from './data.ts?raw';
import netSource from './net.ts?raw';
import labSource from './lab.ts?raw';
import restartsSource from './restarts.ts?raw';
import landscapeSource from './landscape.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
const seed = seedParam();

// ---- introduction ------------------------------------------------------------------------

prose(
  main,
  `Finding nine weights for the XOR network by dragging sliders is slow guesswork, and it only gets worse as networks grow: ten hidden units already mean ${parameterCount(10)} numbers, a hundred mean ${parameterCount(100)}, and real networks have millions. Here the computer does the search. The loss measures how wrong the network is; its gradient says which way each weight should move to make the loss smaller. Gradient descent takes a small step that way, then looks again, over and over, like a ball rolling downhill on the loss surface.`,
);
// The lesson's own counts (31 and 301) leave out the output unit's weights; a learner
// reading both side by side deserves to know which one to trust, and why.
prose(
  main,
  `If you have the lesson open beside this page, it gives 31 and 301 for those two sizes. Those totals look like three numbers per hidden unit (two weights and a bias) plus the output's bias, which leaves out the output unit's weights, one for each hidden unit; the lesson's own count of ${parameterCount(2)} for the two-unit network does include them. With them, ten units make $2 \\cdot 10 + 10 + 10 + 1 = ${parameterCount(10)}$ and a hundred make $2 \\cdot 100 + 100 + 100 + 1 = ${parameterCount(100)}$.`,
);
prose(main, 'The network has two tanh hidden units and one sigmoid output, nine weights in all:');
math(main, String.raw`h_1 = \tanh(w_{11}x_1 + w_{12}x_2 + b_1),\quad h_2 = \tanh(w_{21}x_1 + w_{22}x_2 + b_2),\quad \hat y = \sigma(w^{\text{out}}_1 h_1 + w^{\text{out}}_2 h_2 + b^{\text{out}})`);
prose(main, 'Its error on the $n$ training points is the binary cross-entropy, with a tiny $\\varepsilon = 10^{-10}$ inside the logarithms so that a confident mistake costs a large but finite amount:');
math(main, String.raw`L(w) = -\frac{1}{n}\sum_{i=1}^{n}\Big[y_i \log(\hat y_i + \varepsilon) + (1 - y_i)\log(1 - \hat y_i + \varepsilon)\Big]`);
prose(
  main,
  'Backpropagation gives the gradient $g = \\nabla L(w)$ (the chain rule, applied from the output back to every weight, averaged over the points). Two ways to step are on offer. Basic gradient descent moves against the gradient itself. With momentum, the step follows a running average of past gradients, which smooths out zig-zags and can carry the weights across flat stretches:',
);
math(main, String.raw`\text{basic: } d = -g \qquad\qquad \text{momentum: } v \leftarrow \beta v + (1 - \beta)\,g,\quad d = -v,\quad \beta = ${BETA},\ v_0 = 0`);
prose(
  main,
  'Either way, the step size is not fixed. Each epoch tries three step sizes along $d$, the chosen learning rate $\\eta$, half of it and twice it, and keeps whichever gives the lowest loss (the first one tried wins a tie):',
);
math(main, String.raw`w \leftarrow w + \eta^\ast d,\qquad \eta^\ast = \arg\min_{\eta' \in \{\eta,\ \eta/2,\ 2\eta\}} L(w + \eta' d)`);

// ---- the lab -----------------------------------------------------------------------------

const labSec = section(main, 'lab', 'Watch gradient descent learn');
prose(
  labSec.body,
  'Pick a dataset, an algorithm and a learning rate, then train one epoch at a time, ten at a time, or until the network gets there: Train to Convergence stops once 99% of the points are classified correctly or the loss drops below 0.01, and after 500 epochs in all. Train 1 Step and Train 10 Steps also stop early at 99% accuracy. The left picture is the network\'s output over the plane (red near 1, blue near 0) with its decision boundary, the 0.5 contour, in black; the right one is the loss after every epoch, on a log scale.',
);
prose(
  labSec.body,
  'Reset Network draws 10 random networks (every weight from a normal distribution with standard deviation 0.5) and keeps the one whose loss is lowest before any training. Even so, a 2-2-1 network is a fragile learner: from roughly a third of starting points it settles into a poor valley and never reaches 99%. If the loss flattens out well above zero, reset and try again, and see whether momentum or another learning rate helps. The table under the status line lists the initial loss of every one of the 10 starts of the last reset, so you can see how much a random start matters before any training.',
);
prose(
  labSec.body,
  'The nine weights are in a table below the status line, one row per unit as the lesson laid them out: edit any of them and press Set weights to start from there (epoch 0, zero velocity), or press Hand-built solution for the lesson\'s H1 = (\u221210, \u221210, \u221210), H2 = (\u221210, \u221210, 5), Out = (\u221210, 10, \u22125); the line under the table gives the loss and accuracy those weights reach on the chosen dataset. Beside the output are the two hidden units\' own pictures, $h_1$ and $h_2$ from blue (\u22121) to red (1) with the line where each is 0: the output is a sigmoid of a weighted sum of these two. With the hand-built weights, $h_1$ is near 1 only around the corner (\u22121, \u22121) and $h_2$ is near \u22121 only around (1, 1), so $-10 h_1 + 10 h_2 - 5$ is large exactly on the other two corners.',
);
if (seed !== null) {
  prose(labSec.body, `This page was opened with ?seed=${seed}: reset number k (the first network is number 0) draws its starts after manualSeed(${seed} + k), so the same sequence of resets gives the same networks every time.`);
}
// Why momentum as the lesson writes it is often the slower choice here: the velocity starts
// at zero and takes in only (1 - beta) of each gradient, so early steps are short.
const stepsToNinety = Math.ceil(Math.log(0.1) / Math.log(BETA));
prose(
  labSec.body,
  `Why momentum is often the slower of the two here. The velocity starts at $v_0 = 0$ and each epoch takes in only $1 - \\beta = ${+(1 - BETA).toFixed(2)}$ of the new gradient, so the first momentum step is exactly a basic step at a tenth of the learning rate. If the gradient stayed the same $g$ every epoch, the velocity after $t$ epochs would be`,
);
math(labSec.body, String.raw`v_t = (1 - \beta)\sum_{k=1}^{t} \beta^{\,t-k}\, g = (1 - \beta^{t})\, g`);
prose(
  labSec.body,
  `that is $${+(1 - BETA).toFixed(2)}\\,g$ after one epoch, $${(1 - BETA ** 10).toFixed(2)}\\,g$ after ten, and $0.9\\,g$ only after ${stepsToNinety}. The line search cannot make up for it: the longest step it tries is twice the learning rate. A good start on these small datasets often converges within a few dozen epochs, so momentum spends much of its run catching up, and it tends to need more epochs than basic descent (the hundred resets below measure this for every learning rate). The averaging earns its keep in long flat stretches and narrow zig-zagging valleys, not in a short race. PyTorch's SGD, for comparison, writes the update as $v \\leftarrow \\beta v + g$, without the factor $1 - \\beta$, and Adam divides its average by $1 - \\beta^t$ to undo the start at zero: either way the first steps are full length.`,
);

const datasetLabels = DATASETS.map((d) => DATASET_LABELS[d]);
const algorithmLabels = ALGORITHMS.map((a) => ALGORITHM_LABELS[a]);
const lrLabels = LEARNING_RATES.map((lr) => LR_LABELS[lr]!);
const datasetCtl = selectControl(labSec.controls, 'Dataset', datasetLabels, DATASET_LABELS.clean, 'xor-dataset');
const algorithmCtl = selectControl(labSec.controls, 'Algorithm', algorithmLabels, ALGORITHM_LABELS.basic, 'xor-algorithm');
const lrCtl = selectControl(labSec.controls, 'Learning rate', lrLabels, LR_LABELS[0.3]!, 'xor-lr');
const datasetOf = (label: string): DatasetName => DATASETS[datasetLabels.indexOf(label)]!;
const algorithmOf = (label: string): Algorithm => ALGORITHMS[algorithmLabels.indexOf(label)]!;
const lrOf = (label: string): number => LEARNING_RATES[lrLabels.indexOf(label)]!;

type Action = 'init' | 'converge' | 'step1' | 'step10' | 'reset' | 'dataset' | 'weights' | 'handbuilt';
let nextAction: Action = 'converge';
labSec.runButton.textContent = 'Train to Convergence';
const actionButtons = [
  button(labSec.controls, 'Train 1 Step', () => trigger('step1'), 'xor-step1'),
  button(labSec.controls, 'Train 10 Steps', () => trigger('step10'), 'xor-step10'),
  button(labSec.controls, 'Reset Network', () => trigger('reset'), 'xor-reset'),
];
const selects = [datasetCtl, algorithmCtl, lrCtl];
let busy = false;
function setBusy(on: boolean): void {
  busy = on;
  for (const b of actionButtons) b.disabled = on;
  for (const s of selects) s.element.disabled = on;
  for (const b of weightButtons) b.disabled = on;
  weightsTable.disabled = on;
}
/** Every button runs through the section, so each one gets Stop, progress and a published result. */
function trigger(a: Action): void {
  if (busy) return;
  nextAction = a;
  void labSec.run();
}

const statusLine = el('div', { class: 'lab-status', 'data-lab-status': '' }, 'Starting…');
const note = el('div', { class: 'lab-note', 'data-lab-note': '' });
// Every start of the last reset with its initial loss: the lesson asks the learner to notice
// how much they vary.
const trialsTable = el('table', { class: 'results lab-trials', id: 'xor-trials' });
// The nine weights, editable: the lesson's previous module set them by hand, and its
// hand-built solution is a preset. Set weights starts the lab from them (epoch 0).
const weightsBlock = el('div', { class: 'xor-weights-block' });
weightsBlock.append(el('div', { class: 'lab-note' }, 'The network\'s nine weights, one row per unit. Edit them and press Set weights to start training from there, or load the lesson\'s hand-built solution. After every step the table shows the network being trained.'));
const weightsTable = new WeightsTable(weightsBlock);
const weightButtonsRow = el('div', { class: 'controls' });
weightsBlock.append(weightButtonsRow);
const weightButtons = [
  button(weightButtonsRow, 'Set weights', () => trigger('weights'), 'xor-set-weights'),
  button(weightButtonsRow, 'Hand-built solution', () => trigger('handbuilt'), 'xor-handbuilt'),
];
const weightsReadout = el('div', { class: 'lab-status', 'data-weights-readout': '' });
weightsBlock.append(weightsReadout);
labSec.output.before(statusLine, note, trialsTable, weightsBlock);
const GRID = 81; // -2 .. 2 in steps of 0.05, the lesson's mesh
const RANGE: [number, number] = [-2, 2];
// The output's field, and beside it the two hidden units' (h1, h2: what the output combines).
const fields = el('div', { class: 'xor-fields' });
fields.style.cssText = 'display: flex; gap: 0.5rem; align-items: flex-start;';
labSec.output.append(fields);
const boundary = new BoundaryPlot(fields, { id: 'xor-boundary', range: RANGE, ticks: [-2, -1, 0, 1, 2], size: 360 });
const hiddenCol = el('div', { class: 'xor-hidden' });
fields.append(hiddenCol);
const hiddenPlots = ['h\u2081', 'h\u2082'].map((unit, j) => new BoundaryPlot(hiddenCol, { id: `xor-h${j + 1}`, range: RANGE, ticks: [-2, 0, 2], size: 150, field: { kind: 'hidden', unit } }));
const lossChart = new Chart(labSec.output, { id: 'xor-loss', title: 'Training loss', xLabel: 'epoch', yLabel: 'loss (log scale)', series: [{ label: 'loss' }], logY: true, width: 480, height: 360 });
const gridPoints = tensor(Heatmap.grid(GRID, RANGE), { shape: [GRID * GRID, 2] });
const HIDDEN_GRID = (GRID + 1) / 2;
/** Rows and columns 0, 2, 4, ... of an n x n grid (n odd): the grid of (n + 1) / 2 a side over the same range. */
function everyOther(values: Float32Array, n: number): Float32Array {
  const m = (n + 1) / 2;
  const out = new Float32Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) out[r * m + c] = values[2 * r * n + 2 * c]!;
  return out;
}

let lab: XorLab;

function showStatus(epoch: number, loss: number, accuracy: number): void {
  // As the lesson prints it: f"Epoch {epoch} | Loss: {loss:.6f} | Accuracy: {acc:.2%}"
  statusLine.textContent = `Epoch ${epoch} | Loss: ${loss.toFixed(6)} | Accuracy: ${(accuracy * 100).toFixed(2)}%`;
}

async function drawBoundary(): Promise<void> {
  const { out, h1, h2 } = await lab.fields(gridPoints);
  const d = lab.dataset;
  const points = Array.from({ length: d.n }, (_, i) => ({ x: d.X[i * 2]!, y: d.X[i * 2 + 1]!, label: d.y[i]! }));
  boundary.draw(out, GRID, points, lab.epoch);
  // The small fields from every other grid point (41 x 41, the same coordinates): a quarter
  // of the canvas work, which Stop would otherwise wait for at the end of a run.
  hiddenPlots[0]!.draw(everyOther(h1, GRID), HIDDEN_GRID, points, lab.epoch);
  hiddenPlots[1]!.draw(everyOther(h2, GRID), HIDDEN_GRID, points, lab.epoch);
}

function showTrials(): void {
  const losses = lab.trialLosses;
  trialsTable.hidden = losses.length === 0;
  if (losses.length === 0) return void trialsTable.replaceChildren();
  trialsTable.replaceChildren(
    el('caption', {}, `The last reset's ${losses.length} random starts and their loss before training; the lowest (bold) is the network being trained`),
    el('tr', {}, el('th', {}, 'start'), ...losses.map((_, i) => el('th', {}, String(i + 1)))),
    el(
      'tr',
      {},
      el('th', {}, 'initial loss'),
      ...losses.map((l, i) => el('td', i === lab.bestTrial ? { 'data-trial': String(i), class: 'best', style: 'font-weight: 700' } : { 'data-trial': String(i) }, l.toFixed(4))),
    ),
  );
}

/** What ended a Train to Convergence run, in words: reaching the 500-epoch limit is not converging. */
function convergenceNote(r: ConvergenceResult): string {
  const acc = `${(lab.accuracy * 100).toFixed(2)}%`;
  const loss = lab.loss.toFixed(6);
  if (r.end === 'converged') return `Converged at epoch ${lab.epoch}: accuracy ${acc}, loss ${loss}.`;
  if (r.end === 'stopped') return `Stopped at epoch ${lab.epoch}, before converging.`;
  if (r.epochsRun === 0) return `Already at the ${MAX_EPOCHS}-epoch limit, so Train to Convergence has nothing left to do. Reset Network to start again (Train 1 Step and Train 10 Steps still go on).`;
  return `Stopped at the ${MAX_EPOCHS}-epoch limit without converging: accuracy ${acc} and loss ${loss}, short of the goal (accuracy at least ${ACCURACY_GOAL * 100}% or loss below ${LOSS_GOAL}). Reset Network for a new start, or try another learning rate or algorithm.`;
}

function redrawLoss(): void {
  lossChart.setData(lab.lossHistory.map((_, i) => i + 1), [lab.lossHistory]);
}

async function train(ctx: RunContext, action: 'converge' | 'step1' | 'step10'): Promise<{ stopped: boolean; end: ConvergenceResult | null }> {
  const startEpoch = lab.epoch;
  const onEpoch = async (r: EpochReport): Promise<void> => {
    ctx.firstStepDone();
    lossChart.append(r.epoch, [r.loss]);
    showStatus(r.epoch, r.loss, r.accuracy);
    const done = r.epoch - startEpoch;
    ctx.stepsDone(done);
    ctx.progress(action === 'converge' ? r.epoch / MAX_EPOCHS : done / (action === 'step1' ? 1 : 10), `epoch ${r.epoch}`);
    if (done % 10 === 0) await drawBoundary();
    if (done % 5 === 0) await nextFrame();
  };
  const opts = { signal: ctx.signal, onEpoch };
  if (action === 'converge') {
    const end = await lab.trainToConvergence(opts);
    return { stopped: end.stopped, end };
  }
  return { ...(await lab.trainSteps(action === 'step1' ? 1 : 10, opts)), end: null };
}

labSec.onRun(async (ctx) => {
  const action = nextAction;
  nextAction = 'converge';
  setBusy(true);
  let end: ConvergenceResult | null = null;
  try {
    note.textContent = '';
    // Only training looks at Stop; a reset or a dataset change always finishes.
    let stopped = false;
    note.dataset.end = '';
    if (action === 'init') {
      lab = await XorLab.create({ dataset: datasetOf(datasetCtl.get()), algorithm: algorithmOf(algorithmCtl.get()), lr: lrOf(lrCtl.get()), seed });
    } else if (action === 'reset' || action === 'dataset') {
      note.textContent = 'Finding a good starting point (10 random trials)…';
      if (action === 'dataset') await lab.setDataset(datasetOf(datasetCtl.get()));
      else await lab.reset();
    } else if (action === 'weights' || action === 'handbuilt') {
      if (action === 'handbuilt') weightsTable.set(HAND_BUILT);
      await lab.setWeights(weightsTable.get());
      const text = `Loss ${lab.loss.toFixed(6)} | Accuracy ${(lab.accuracy * 100).toFixed(2)}%`;
      weightsReadout.textContent = `${action === 'handbuilt' ? 'Hand-built solution' : 'These weights'}: ${text}`;
      note.textContent = `Weights set (epoch 0): loss ${lab.loss.toFixed(6)}, accuracy ${(lab.accuracy * 100).toFixed(2)}%. Training goes on from them.`;
      trialsTable.hidden = true;
    } else {
      ({ stopped, end } = await train(ctx, action));
    }
    if (action === 'init' || action === 'reset' || action === 'dataset') {
      note.textContent = `Reset! Best of ${RESET_TRIALS} starts: loss ${lab.initLoss.toFixed(4)}, accuracy ${(lab.accuracy * 100).toFixed(2)}%`;
      showTrials();
    }
    if (end) {
      note.textContent = convergenceNote(end);
      note.dataset.end = end.end;
    }
    const snap = await lab.snapshot();
    if (action !== 'weights' && action !== 'handbuilt') weightsReadout.textContent = '';
    weightsTable.set(snap.weights);
    showStatus(snap.epoch, snap.loss, snap.accuracy);
    redrawLoss();
    await drawBoundary();
    return end ? { action, stopped, end: end.end, ...snap } : { action, stopped, ...snap };
  } finally {
    setBusy(false);
  }
});

datasetCtl.onChange(() => trigger('dataset'));
algorithmCtl.onChange(() => lab?.setAlgorithm(algorithmOf(algorithmCtl.get())));
lrCtl.onChange(() => lab?.setLearningRate(lrOf(lrCtl.get())));

prose(
  main,
  'Things to try: train the clean XOR until it converges, then reset a few times and watch how much the starting loss varies. Switch to the noisy data, where the classes overlap and 99% may be out of reach. Compare the slow and very fast learning rates, with and without momentum, from the same kind of start.',
);

// ---- the loss landscape ------------------------------------------------------------------

landscapeSection(main, () => lab);

// ---- many restarts at once ---------------------------------------------------------------

const rSec = section(main, 'restarts', 'A hundred resets at once');
prose(
  rSec.body,
  'How often does Reset Network followed by Train to Convergence actually work, and how long does it take? Rather than clicking a hundred times, this trains a hundred multi-start networks (each the winner of 10 random draws, exactly as Reset picks one) for each algorithm and each learning rate, all at the same time on the GPU. The same hundred starts are used for every setting, so the comparison is fair. All the networks form one batch: every weight is a tensor with a leading dimension of one entry per network, and each epoch is one batched forward and backward pass (the three line-search candidates of every network included) however many networks there are.',
);
prose(rSec.body, 'A network counts as converged at the first epoch where it meets the lab\'s stopping rule (accuracy at least 99% or loss below 0.01), within the epoch limit.');
const rDatasetCtl = selectControl(rSec.controls, 'Dataset', datasetLabels, DATASET_LABELS.clean, 'restarts-dataset');
const startsCtl = numberControl(rSec.controls, 'Starts', 100, { min: 1, max: 1000, step: 1, id: 'restarts-starts' });
const epochsCtl = numberControl(rSec.controls, 'Epochs', MAX_EPOCHS, { min: 1, max: 5000, step: 1, id: 'restarts-epochs' });
const seedCtl = numberControl(rSec.controls, 'Seed', seed ?? 1, { min: 0, step: 1, id: 'restarts-seed' });
prose(rSec.body, 'On a machine without a GPU driver the browser emulates WebGPU on the CPU, which is far slower: lower the number of starts or epochs there.');

const configs = ALGORITHMS.flatMap((algorithm) => LEARNING_RATES.map((lr) => ({ algorithm, lr })));
const BLUES = ['#9ecae1', '#6baed6', '#3182bd', '#08519c'];
const REDS = ['#fcae91', '#fb6a4a', '#de2d26', '#a50f15'];
const progressChart = new Chart(rSec.output, {
  id: 'restarts-progress',
  title: 'Share of starts converged by each epoch',
  xLabel: 'epoch',
  yLabel: 'share converged',
  yRange: [0, 1],
  series: configs.map((c, i) => ({ label: `${c.algorithm} ${c.lr}`, color: (c.algorithm === 'basic' ? BLUES : REDS)[i % 4] })),
  width: 560,
  height: 320,
});
const shareChart = new Chart(rSec.output, {
  id: 'restarts-share',
  title: 'Converged within the epoch limit',
  xLabel: 'learning rate',
  yLabel: 'share of starts',
  yRange: [0, 1],
  series: ALGORITHMS.map((a, i) => ({ label: a, color: i === 0 ? '#3182bd' : '#de2d26' })),
  width: 360,
  height: 280,
});
const medianChart = new Chart(rSec.output, {
  id: 'restarts-median',
  title: 'Median epochs to converge',
  xLabel: 'learning rate',
  yLabel: 'epochs',
  series: ALGORITHMS.map((a, i) => ({ label: a, color: i === 0 ? '#3182bd' : '#de2d26' })),
  width: 360,
  height: 280,
});
const table = el('table', { class: 'results', id: 'restarts-table' });
rSec.output.append(table);

function showRestarts(p: Pick<RestartProgress, 'epoch' | 'firstEpochs'>): void {
  const xs = Array.from({ length: p.epoch + 1 }, (_, e) => e);
  progressChart.setData(
    xs,
    p.firstEpochs.map((row) => {
      // Cumulative share: how many starts had converged by epoch e.
      const counts = new Array<number>(p.epoch + 1).fill(0);
      for (const e of row) if (e > 0 && e <= p.epoch) counts[e]!++;
      let total = 0;
      return counts.map((c) => (total += c) / row.length);
    }),
  );
  const summary = summarize(configs, p.firstEpochs);
  const lrs = [...LEARNING_RATES];
  const pick = (a: Algorithm, f: (s: (typeof summary)[number]) => number | null): (number | null)[] => lrs.map((lr) => f(summary.find((s) => s.algorithm === a && s.lr === lr)!));
  shareChart.setData(lrs, ALGORITHMS.map((a) => pick(a, (s) => s.converged)));
  medianChart.setData(lrs, ALGORITHMS.map((a) => pick(a, (s) => s.medianEpochs)));
  table.replaceChildren(
    el('tr', {}, el('th', {}, 'algorithm'), el('th', {}, 'learning rate'), el('th', {}, 'converged'), el('th', {}, 'median epochs')),
    ...summary.map((s) =>
      el('tr', {}, el('td', {}, ALGORITHM_LABELS[s.algorithm]), el('td', {}, String(s.lr)), el('td', {}, `${(s.converged * 100).toFixed(0)}%`), el('td', {}, s.medianEpochs === null ? '–' : String(s.medianEpochs))),
    ),
  );
}

rSec.onRun(async (ctx) => {
  const result = await runRestarts({
    dataset: datasetOf(rDatasetCtl.get()),
    starts: startsCtl.get(),
    epochs: epochsCtl.get(),
    seed: seedCtl.get(),
    signal: ctx.signal,
    onProgress: async (p) => {
      ctx.firstStepDone();
      showRestarts(p);
      ctx.stepTime(p.msPerEpoch);
      ctx.progress(p.epoch / p.epochs, `epoch ${p.epoch} of ${p.epochs} · ${p.configs.length * p.firstEpochs[0]!.length} networks`);
      await nextFrame();
    },
  });
  showRestarts({ epoch: result.epochsRun, firstEpochs: result.firstEpochs });
  return result;
});

// ---- the code that runs ------------------------------------------------------------------

const code = el('section', { class: 'code-panels' }, el('h2', {}, 'The code that runs'));
main.append(code);
codePanel(code, 'lab.ts: the lab, its buttons and stopping rules', labSource);
codePanel(code, 'net.ts: the batched 2-2-1 networks, gradients, line search and momentum', netSource);
codePanel(code, 'landscape.ts: the loss over two weights, and runs with the other seven frozen', landscapeSource);
codePanel(code, 'restarts.ts: many restarts as one batch', restartsSource);
codePanel(code, 'data.ts: the five datasets', dataSource);

// The first network, as the lesson starts: a multi-start reset.
trigger('init');
// The training epoch's kernels compile while that first network is built: one epoch of a
// 2-2-1 net on the default dataset, algorithm and learning rate, thrown away. Called after
// trigger('init') so that the init (a Run, which waits for a warm-up) runs beside it rather
// than after it. It draws nothing: without ?seed= a reset draws from wherever the global
// generator stands, so fixed weights (zeros) stand in for a random start.
await warmUp(async (signal) => {
  const nets = new XorNets(toTensors(createXorDataset('clean')), new Float32Array(9), [{ algorithm: 'basic', lr: 0.3 }]);
  if (signal.aborted) return;
  const { loss, correct } = nets.step();
  await cat([loss, correct]).data();
});
