// The activations page (Part 3.4): DOM wiring only. The work is in curves.ts, compare.ts
// and swap.ts (shown in the code panels), the same modules the Node tests run on the CPU.
import { Chart, button, codePanel, el, initPage, linspaceValues, math, nextFrame, numberControl, prose, section, seedParam, selectControl, warmUp } from '../ui/index.ts';
import type { RunContext } from '../ui/index.ts';
import { ACTIVATIONS, ACTIVATION_LABELS, LABEL_RULES, RULE_TEXT } from './nets.ts';
import type { Activation, LabelRule } from './nets.ts';
import { activationCurves } from './curves.ts';
import { DEMO2, DEMO3, EXERCISE2, EXERCISE3, compareActivations } from './compare.ts';
import type { CompareEpoch, CompareResult } from './compare.ts';
import { DEMO4, EXERCISE4, swapActivation } from './swap.ts';
import netsSource from './nets.ts?raw';
import curvesSource from './curves.ts?raw';
import compareSource from './compare.ts?raw';
import swapSource from './swap.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
// The training sections' kernels compile while the page is built and read: one epoch of Demo 2's nets.
await warmUp((signal) => compareActivations({ ...DEMO2, epochs: 1, signal }));
// ?seed=N replaces the lesson's seed 3 as the default of every training section.
const urlSeed = seedParam();

const COLORS: Record<Activation, string> = { sigmoid: '#1f77b4', tanh: '#d62728', relu: '#2ca02c', leakyrelu: '#9467bd' };
const SERIES = ACTIVATIONS.map((a) => ({ label: ACTIVATION_LABELS[a], color: COLORS[a] }));

// ---- helpers -------------------------------------------------------------------------------

interface TrainingPreset {
  seed: number;
  n: number;
  rule: LabelRule;
  hidden: number;
  lr: number;
  epochs: number;
  slope: number;
  swapAfter?: number;
}

/**
 * The editable hyperparameters of a training section, with a Demo / Exercise preset;
 * `onChange` runs after any of them changes, by hand or by choosing a preset.
 */
function trainingControls(parent: HTMLElement, prefix: string, presets: Record<string, TrainingPreset>, onChange?: () => void) {
  const names = Object.keys(presets);
  const first = { ...presets[names[0]!]!, seed: urlSeed ?? presets[names[0]!]!.seed };
  const preset = selectControl(parent, 'Preset', names, names[0]!, `${prefix}-preset`);
  const ctl = {
    seed: numberControl(parent, 'seed', first.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: `${prefix}-seed` }),
    n: numberControl(parent, 'points', first.n, { min: 2, max: 100000, step: 1, id: `${prefix}-n` }),
    rule: selectControl(parent, `label (sum: ${RULE_TEXT.sum}; tilted: ${RULE_TEXT.tilted})`, Object.keys(LABEL_RULES) as LabelRule[], first.rule, `${prefix}-rule`),
    hidden: numberControl(parent, 'hidden units', first.hidden, { min: 1, max: 1024, step: 1, id: `${prefix}-hidden` }),
    lr: numberControl(parent, 'Adam lr', first.lr, { min: 1e-6, max: 10, id: `${prefix}-lr` }),
    epochs: numberControl(parent, 'epochs', first.epochs, { min: 1, max: 100000, step: 1, id: `${prefix}-epochs` }),
    slope: numberControl(parent, 'LeakyReLU slope', first.slope, { min: -10, max: 10, id: `${prefix}-slope` }),
    swapAfter: first.swapAfter === undefined ? null : numberControl(parent, 'swap after epoch', first.swapAfter, { min: 0, max: 100000, step: 1, id: `${prefix}-swap` }),
  };
  preset.onChange(() => {
    const p = presets[preset.get()]!;
    ctl.seed.set(urlSeed ?? p.seed);
    ctl.n.set(p.n);
    ctl.rule.set(p.rule);
    ctl.hidden.set(p.hidden);
    ctl.lr.set(p.lr);
    ctl.epochs.set(p.epochs);
    ctl.slope.set(p.slope);
    if (p.swapAfter !== undefined) ctl.swapAfter?.set(p.swapAfter);
    onChange?.();
  });
  if (onChange) for (const c of Object.values(ctl)) c?.onChange(onChange);
  const read = () => ({
    seed: ctl.seed.get(),
    n: ctl.n.get(),
    rule: ctl.rule.get(),
    hidden: ctl.hidden.get(),
    lr: ctl.lr.get(),
    epochs: ctl.epochs.get(),
    slope: ctl.slope.get(),
    swapAfter: ctl.swapAfter?.get() ?? 0,
  });
  return Object.assign(read, { controls: ctl });
}

/** What this run's curves start at, beside ln 2 (a 50/50 guess). */
function startSentence(r: CompareResult): string {
  const starts = ACTIVATIONS.flatMap((a) => (r.losses[a]?.length ? [[a, r.losses[a]![0]!] as const] : [])).sort((p, q) => p[1] - q[1]);
  if (starts.length === 0) return '';
  const [lo, hi] = [starts[0]!, starts.at(-1)!];
  // Named in the page's order, not by value.
  const side = (above: boolean) => ACTIVATIONS.filter((a) => starts.some(([b, v]) => b === a && v > Math.LN2 === above)).map((a) => ACTIVATION_LABELS[a]);
  const list = (names: string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
  const [above, below] = [side(true), side(false)];
  const ln2 = `ln 2 ≈ ${fmt(Math.LN2)}`;
  const where = below.length === 0 ? `all above ${ln2}` : above.length === 0 ? `all below ${ln2}` : `${list(above)} above ${ln2}, ${list(below)} below it`;
  return `This run's curves start between ${fmt(lo[1])} (${ACTIVATION_LABELS[lo[0]]}) and ${fmt(hi[1])} (${ACTIVATION_LABELS[hi[0]]}): ${where}.`;
}

function fmt(v: number | undefined): string {
  return v === undefined ? '–' : v.toPrecision(4);
}

/** A small table of the last value per activation. */
function finalTable(parent: HTMLElement, id: string, rows: [string, Partial<Record<Activation, number[]>> | null][]): void {
  const table = el('table', { class: 'results', id });
  table.append(el('tr', {}, el('th', {}, ''), ...ACTIVATIONS.map((a) => el('th', {}, ACTIVATION_LABELS[a]))));
  for (const [label, data] of rows) {
    table.append(el('tr', {}, el('th', {}, label), ...ACTIVATIONS.map((a) => el('td', {}, fmt(data?.[a]?.at(-1))))));
  }
  parent.replaceChildren(table);
}

// ---- introduction -------------------------------------------------------------------------

prose(
  main,
  'Stack linear layers without anything between them and you still have one linear map: a matrix times a matrix is a matrix. What gives a network its power to bend decision boundaries and fit curves is the small nonlinear function applied to every hidden unit, the activation. Which one you pick decides more than the shape of the output: it decides how large the gradients are when they travel back through the layer, and so how fast, or whether, the network learns.',
);
prose(
  main,
  'Below, $z$ is a unit\'s pre-activation, the weighted sum $w^\\top x + b$ coming out of a linear layer, and $f(z)$ is what the unit passes on. Each section has its own Run button and runs on your GPU through WebGPU (the badge above says which backend this page got).',
);

// ---- 1. curves ----------------------------------------------------------------------------

const curves = section(main, 'curves', '1. Four activation functions and their slopes');
math(curves.body, String.raw`\sigma(z) = \frac{1}{1+e^{-z}},\qquad \sigma'(z) = \sigma(z)\,\bigl(1-\sigma(z)\bigr)`);
math(curves.body, String.raw`\tanh(z) = \frac{e^{z}-e^{-z}}{e^{z}+e^{-z}},\qquad \tanh'(z) = 1-\tanh^2(z)`);
math(curves.body, String.raw`\mathrm{ReLU}(z) = \max(0, z),\qquad \mathrm{ReLU}'(z) = \begin{cases}1 & z > 0\\ 0 & z < 0\end{cases}`);
math(curves.body, String.raw`\mathrm{LeakyReLU}_\alpha(z) = \begin{cases}z & z \ge 0\\ \alpha z & z < 0\end{cases},\qquad \mathrm{LeakyReLU}_\alpha'(z) = \begin{cases}1 & z > 0\\ \alpha & z < 0\end{cases}`);
prose(
  curves.body,
  'Sigmoid squeezes everything into (0, 1) and tanh into (-1, 1); tanh is a stretched, centred sigmoid, $\\tanh(z) = 2\\sigma(2z) - 1$. Both flatten out on either side: once $|z|$ is a few units, their slope is almost zero. Sigmoid is never steeper than 1/4 (at $z = 0$), tanh never steeper than 1. ReLU lets positive values through unchanged with slope 1 and cuts negative ones to zero with slope 0; a unit whose input stays negative for every example passes no gradient back at all and stops learning. LeakyReLU keeps a small slope $\\alpha$ on the negative side so that such a unit can still recover. (PyTorch\'s default $\\alpha$ is 0.01; the lesson plots 0.1 so the leak is visible.)',
);
prose(
  curves.body,
  'The slopes (press Show derivatives) are not typed in from the formulas above: the engine computes them. It puts 200 evenly spaced points $z_i$ in a tensor that requires gradients, applies the activation, sums the outputs and calls backward(). Since each $f(z_i)$ depends only on its own $z_i$, the gradient of the sum with respect to $z_i$ is exactly $f\'(z_i)$. At $z = 0$, where ReLU has a corner, autograd has to pick a value (PyTorch and this engine use 0); none of the 200 points lands exactly on 0.',
);
const alphaCtl = numberControl(curves.controls, 'LeakyReLU α', 0.1, { min: -10, max: 10, id: 'curves-alpha' });
const derivCtl = selectControl(curves.controls, 'derivatives', ['hide', 'show'] as const, 'hide', 'curves-derivatives');
button(curves.controls, 'Show derivatives', () => {
  derivCtl.set('show');
  void curves.run();
}, 'curves-show-derivatives');
// The module's 200 points on [-5, 5] (its defaults), the x axis of both charts.
const Z = linspaceValues(-5, 5, 200);
const valueChart = new Chart(curves.output, { id: 'curves-values', title: 'Activation functions', xLabel: 'z', yLabel: 'f(z)', series: SERIES });
const derivHolder = el('div', { id: 'curves-derivative-panel', hidden: '' });
curves.output.append(derivHolder);
const derivChart = new Chart(derivHolder, { id: 'curves-derivatives', title: 'Derivatives by autograd', xLabel: 'z', yLabel: "f'(z)", series: SERIES });

curves.onRun(async (ctx) => {
  const derivatives = derivCtl.get() === 'show';
  derivHolder.hidden = !derivatives;
  valueChart.reset();
  if (derivatives) derivChart.reset();
  const result = await activationCurves({
    alpha: alphaCtl.get(),
    derivatives,
    signal: ctx.signal,
    onCurve: async (p) => {
      ctx.firstStepDone();
      // Curves not computed yet are all gaps.
      const gaps = Z.map(() => null);
      valueChart.setData(Z, ACTIVATIONS.map((a) => p.values[a] ?? gaps));
      if (p.derivatives) derivChart.setData(Z, ACTIVATIONS.map((a) => p.derivatives![a] ?? gaps));
      ctx.progress(p.done / p.total, `${ACTIVATION_LABELS[p.activation]} done`);
      await nextFrame();
    },
  });
  return result;
});

// ---- 2. compare ---------------------------------------------------------------------------

const compare = section(main, 'compare', '2. Same task, four activations');
prose(
  compare.body,
  'The task: 100 points drawn from a standard normal distribution in the plane, labelled 1 when $x_0 + x_1 > 0$ and 0 otherwise, a straight boundary through the origin. The network: 2 inputs, a hidden layer of 8 units, 2 output scores (logits), one network per activation. Apart from their random starting weights (drawn one net after another, after the data), the hidden activation is the only difference between the four nets. They train full batch with Adam (learning rate 0.08) for 80 epochs on the cross-entropy of the softmax of their logits:',
);
math(compare.body, String.raw`h = f(W_1 x + b_1),\quad s = W_2 h + b_2,\qquad L = -\frac{1}{N}\sum_{i=1}^{N}\log\frac{e^{s_{i,y_i}}}{e^{s_{i,0}} + e^{s_{i,1}}}`);
prose(
  compare.body,
  'A net that has learned nothing and scores both classes alike has loss $\\ln 2 \\approx 0.69$. Random starting weights are not that neutral: each net already leans towards one class for most points, so its first loss lands above $\\ln 2$ when the lean is mostly wrong and below it when it is mostly right (after a run, the line under the chart gives its starting losses). The task is easy (one straight line separates the classes), so all four get there; the interesting part is how fast. ReLU-family units pass the gradient through unchanged on their active side, while sigmoid units shrink it by at least a factor of four, so sigmoid usually needs the most epochs. The Exercise preset is the lesson\'s variant: 6 hidden units, 120 points split by $1.1\\,x_0 - x_1 > 0$, learning rate 0.1, 60 epochs, LeakyReLU slope 0.08. The seed drives a copy of PyTorch\'s own random generator, and the page draws in the lesson\'s order (the points, then one net per activation), so with seed 3 the points, the starting weights and the curves are those the lesson\'s PyTorch code produces, up to float32 rounding. The lesson\'s Exercise code sets no seed; this page seeds it with 3 too, so that its runs repeat.',
);
const compareOpts = trainingControls(compare.controls, 'compare', { 'Demo 2': DEMO2, 'Exercise 2': EXERCISE2 });
const compareChart = new Chart(compare.output, { id: 'compare-loss', title: 'Training loss by activation', xLabel: 'epoch', yLabel: 'cross-entropy', series: SERIES });
const compareStart = el('p', { id: 'compare-start' });
const compareTable = el('div');
compare.output.append(compareStart, compareTable);

async function trainSection(ctx: RunContext, recordGrad: boolean, o: ReturnType<typeof compareOpts>, onEpoch: (e: CompareEpoch) => void): Promise<CompareResult> {
  return compareActivations({
    ...o,
    recordGrad,
    signal: ctx.signal,
    onEpoch: async (e) => {
      ctx.firstStepDone();
      onEpoch(e);
      ctx.stepsDone(e.epoch * ACTIVATIONS.length);
      ctx.progress(e.epoch / e.epochs, `epoch ${e.epoch} of ${e.epochs}`);
      await nextFrame();
    },
  });
}

compare.onRun(async (ctx) => {
  compareChart.reset();
  compareStart.textContent = '';
  const r = await trainSection(ctx, false, compareOpts(), (e) => compareChart.append(e.epoch, ACTIVATIONS.map((a) => e.loss[a] ?? null)));
  const first = Object.fromEntries(ACTIVATIONS.map((a) => [a, r.losses[a]?.slice(0, 1) ?? []])) as Partial<Record<Activation, number[]>>;
  finalTable(compareTable, 'compare-final', [
    ['loss at epoch 1', first],
    [`loss after ${r.epochsRun} epochs`, r.losses],
  ]);
  compareStart.textContent = startSentence(r);
  return r;
});

// ---- 3. gradients -------------------------------------------------------------------------

const grads = section(main, 'gradients', '3. How much gradient reaches the first layer');
prose(
  grads.body,
  'Backpropagation reaches the first layer\'s weights only after passing through the activation, and it is multiplied by the activation\'s slope on the way. For the first layer of our net, with $z = W_1 x + b_1$ and $\\delta = \\partial L/\\partial h$ arriving from the layer above:',
);
// fc1.weight is [hidden, 2]: g_t averages over that many entries, so the formula follows the settings.
const gradFormula = el('div', { id: 'gradients-formula' });
grads.body.append(gradFormula);
function showGradFormula(hidden: number): void {
  gradFormula.replaceChildren();
  math(gradFormula, String.raw`\frac{\partial L}{\partial W_1} = \frac{1}{N}\sum_{i=1}^{N}\bigl(\delta_i \odot f'(z_i)\bigr)\,x_i^{\top},\qquad g_t = \frac{1}{${hidden}\cdot 2}\sum_{j,k}\left|\frac{\partial L}{\partial (W_1)_{jk}}\right|\ \text{at epoch } t`);
}
showGradFormula(DEMO3.hidden);
prose(
  grads.body,
  'Every factor $f\'(z)$ below 1 makes the signal weaker, and in a deep stack of layers those factors multiply: with sigmoid, ten layers can shrink a gradient by $4^{10} \\approx 10^6$. That is the vanishing gradient problem; slopes above 1, or large weights, make gradients grow instead (exploding). Our net has a single hidden layer, so the effect is mild, but it is visible: the chart shows $g_t$, the mean absolute gradient of fc1.weight, each epoch, read after backward() and before Adam\'s step. The gradients also shrink for every activation as the loss falls, since a well-fitted net has little left to correct; compare the levels early on. fc1.weight has one row per hidden unit and one column per input, so the average runs over hidden units × 2 entries; the formula above counts them for the current settings. The numbers are the lesson\'s Demo 3: the data from above, Adam with learning rate 0.07 for 60 epochs, and four new nets, which the lesson\'s script draws right after section 2\'s four (so they start from other weights than those above). The Exercise preset is its variant (Exercise 2\'s data, four new 6-unit nets drawn after Exercise 2\'s, learning rate 0.1, 40 epochs). As the lesson\'s later corrections advise, a weight that no gradient reached (grad is None in PyTorch, null here) counts as 0 instead of crashing the loop.',
);
const gradOpts = trainingControls(grads.controls, 'gradients', { 'Demo 3': DEMO3, 'Exercise 3': EXERCISE3 }, () => {
  let h: number;
  try {
    h = gradOpts.controls.hidden.get();
  } catch {
    return; // not a valid size yet: the formula keeps the last one, and Run says what is wrong
  }
  if (Number.isInteger(h)) showGradFormula(h);
});
const gradChart = new Chart(grads.output, { id: 'gradients-mean', title: 'Mean |gradient| of fc1.weight', xLabel: 'epoch', yLabel: 'mean |dL/dW1|', series: SERIES, logY: true });
const gradLoss = new Chart(grads.output, { id: 'gradients-loss', title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: SERIES });
const gradTable = el('div');
grads.output.append(gradTable);

grads.onRun(async (ctx) => {
  gradChart.reset();
  gradLoss.reset();
  const o = gradOpts();
  if (Number.isInteger(o.hidden) && o.hidden >= 1) showGradFormula(o.hidden);
  const r = await trainSection(ctx, true, o, (e) => {
    gradChart.append(e.epoch, ACTIVATIONS.map((a) => e.grad?.[a] ?? null));
    gradLoss.append(e.epoch, ACTIVATIONS.map((a) => e.loss[a] ?? null));
  });
  const first = Object.fromEntries(ACTIVATIONS.map((a) => [a, r.grads?.[a]?.slice(0, 1) ?? []])) as Partial<Record<Activation, number[]>>;
  finalTable(gradTable, 'gradients-final', [
    ['mean |grad|, epoch 1', first],
    [`mean |grad|, epoch ${r.epochsRun}`, r.grads],
  ]);
  return r;
});

// ---- 4. swap ------------------------------------------------------------------------------

const swap = section(main, 'swap', '4. Swapping tanh for ReLU in the middle of training');
prose(
  swap.body,
  'An activation has no parameters of its own, so nothing stops us from changing it while a network trains: the weights stay, Adam keeps its running averages, and from the next epoch on the hidden layer computes $\\max(0, z)$ instead of $\\tanh(z)$. The weights, however, were tuned for tanh. Every unit with a negative pre-activation suddenly outputs 0 instead of a value near $\\tanh(z)$, and positive ones lose tanh\'s squashing, so the output layer receives different features than it learned to read. Expect the loss to jump at the swap, then fall again as the optimizer adapts the weights to the new nonlinearity.',
);
math(swap.body, String.raw`h = \begin{cases}\tanh(W_1 x + b_1) & \text{epochs } 0,\dots,k\\ \max(0,\ W_1 x + b_1) & \text{epochs } k+1,\dots\end{cases}`);
prose(
  swap.body,
  'The lesson\'s Demo swaps after epoch $k = 35$ of 60 (Adam, learning rate 0.08, a 2-8-2 net on the data from section 2); its Exercise swaps after epoch 30 with learning rate 0.11 on the Exercise data (6 hidden units). Epochs are counted from 0 here, as in the lesson\'s plot, and the dashed vertical line marks the swap. The net is the one the lesson builds next, after the eight nets of sections 2 and 3, so it starts from the lesson\'s weights. The dashed curve is this page\'s addition, not the lesson\'s: a copy of the same network, from the same starting weights, trained with tanh throughout for comparison (copying draws no random numbers, so the swapped run stays the lesson\'s).',
);
const swapOpts = trainingControls(swap.controls, 'swap', { 'Demo 4': DEMO4, 'Exercise 4': EXERCISE4 });
const baselineCtl = selectControl(swap.controls, 'compare with tanh throughout', ['yes', 'no'] as const, 'yes', 'swap-baseline');
const swapMark: { x: number | null } = { x: null };
const swapChart = new Chart(swap.output, {
  id: 'swap-loss',
  title: 'Loss, tanh then ReLU',
  xLabel: 'epoch',
  yLabel: 'cross-entropy',
  series: [
    { label: 'tanh → ReLU', color: '#d62728' },
    { label: 'tanh throughout', color: '#777777', dash: [6, 4] },
  ],
  width: 620,
});
// The swap marker (the lesson's axvline): a dashed vertical line drawn after each redraw.
swapChart.plot.hooks.draw = [
  ...(swapChart.plot.hooks.draw ?? []),
  (u) => {
    if (swapMark.x === null) return;
    const x = u.valToPos(swapMark.x, 'x', true);
    const { top, height, left, width } = u.bbox;
    if (x < left || x > left + width) return;
    const c = u.ctx;
    c.save();
    c.strokeStyle = '#444';
    c.setLineDash([5, 5]);
    c.lineWidth = 1.5 * devicePixelRatio;
    c.beginPath();
    c.moveTo(x, top);
    c.lineTo(x, top + height);
    c.stroke();
    c.fillStyle = '#444';
    c.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    c.fillText(` swap to ReLU after epoch ${swapMark.x}`, x, top + 14 * devicePixelRatio);
    c.restore();
  },
];
const swapInfo = el('p', { id: 'swap-info' });
swap.output.append(swapInfo);

swap.onRun(async (ctx) => {
  const o = swapOpts();
  swapMark.x = o.swapAfter;
  swapChart.reset();
  swapInfo.textContent = '';
  const baseline = baselineCtl.get() === 'yes';
  const r = await swapActivation({
    ...o,
    baseline,
    signal: ctx.signal,
    onEpoch: async (e) => {
      ctx.firstStepDone();
      swapChart.append(e.epoch, [e.loss, e.baseline]);
      ctx.stepsDone((e.epoch + 1) * (baseline ? 2 : 1));
      ctx.progress((e.epoch + 1) / e.epochs, `epoch ${e.epoch} (${e.activation}): loss ${e.loss.toFixed(4)}`);
      await nextFrame();
    },
  });
  const k = r.settings.swapAfter;
  if (r.losses.length > k + 1) {
    swapInfo.textContent = `Loss at epoch ${k} (last tanh epoch): ${fmt(r.losses[k])}; at epoch ${k + 1} (first ReLU epoch): ${fmt(r.losses[k + 1])}; at the end: ${fmt(r.losses.at(-1))}` + (r.baseline ? ` (tanh throughout: ${fmt(r.baseline.at(-1))}).` : '.');
  }
  return r;
});

// ---- the code -----------------------------------------------------------------------------

prose(main, 'The code that runs on this page, the same modules the tests run on the CPU in Node:');
codePanel(main, 'The nets and the data (demos/activations/nets.ts)', netsSource);
codePanel(main, 'Section 1 (demos/activations/curves.ts)', curvesSource);
codePanel(main, 'Sections 2 and 3 (demos/activations/compare.ts)', compareSource);
codePanel(main, 'Section 4 (demos/activations/swap.ts)', swapSource);
prose(
  main,
  'Where this leaves us: saturating activations (sigmoid, tanh) shrink gradients and slow learning, more so the deeper the network; ReLU keeps gradients intact where units are active but can switch units off for good; LeakyReLU trades a little of ReLU\'s simplicity for units that never die completely. For hidden layers, ReLU or one of its leaky cousins is the usual first choice; sigmoid remains the natural choice at an output that must be a probability. The next part looks at backpropagation itself, and follows the gradient layer by layer through a deep net.',
);
