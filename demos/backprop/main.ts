// The backpropagation page: DOM wiring only. The work is in worked.ts, answers.ts, flow.ts and
// vanishing.ts (shown below the exercises), the same modules the Node tests run on the CPU.
import { manualSeed } from 'shadergrad';
import { Chart, button, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam, selectControl, warmUp } from '../ui/index.ts';
import { DEMO_INPUTS, EXERCISE_INPUTS, QUANTITIES, autogradValues, manualBackprop, manualValues, sideBySide } from './worked.ts';
import type { ManualResult, Quantity, QuantityValues, SideBySide, WorkedInputs } from './worked.ts';
import { QUANTITY_SPECS, checkAnswers, parseEntry } from './answers.ts';
import type { AnswerReport, Answers } from './answers.ts';
import { allKnown, graphModel, learn } from './graph.ts';
import { drawGraph } from './graph-view.ts';
import { FLOW_DEMO, FLOW_EXERCISE, LABEL_RULES, describeFlow, runGradientFlow } from './flow.ts';
import type { LabelRule } from './flow.ts';
import { DEEP_ACTIVATIONS, VANISHING_DEMO, VANISHING_EXERCISE, describeRun, runVanishing } from './vanishing.ts';
import type { DeepActivation } from './vanishing.ts';
import workedSource from './worked.ts?raw';
import answersSource from './answers.ts?raw';
import flowSource from './flow.ts?raw';
import vanishingSource from './vanishing.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
const startSeed = seedParam();
if (startSeed !== null) manualSeed(startSeed);
// Exercise 3's kernels compile while the page is built and read: one epoch of its demo net.
// Its draws are harmless: every Run here that draws (exercises 3 and 4) seeds PyTorch's
// generator first, and exercises 1 and 2 draw nothing.
await warmUp((signal) => runGradientFlow({ ...FLOW_DEMO, epochs: 1, signal }));

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(8));
const sci = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

// ---- introduction ------------------------------------------------------------------------

prose(
  main,
  'Training needs one number per weight: how much the loss would change if that weight moved a little. Backpropagation gets all of them in a single sweep from the loss back to the inputs. Each operation in the forward pass knows its own local derivative; the chain rule says the derivative of the whole is the product of those local pieces along the path, so the sweep multiplies them together, reusing every partial product on the way down instead of recomputing it for each weight.',
);
prose(main, 'Our example is the smallest network that still has a hidden layer: two inputs, two ReLU units, one sigmoid output, no biases, a single training example $x$ with label $y$:');
math(main, String.raw`z_1 = x\,W_1,\qquad h = \operatorname{relu}(z_1),\qquad z_2 = h\,W_2^{\top},\qquad p = \sigma(z_2)`);
prose(main, 'Here $x$ is a row $[1 \\times 2]$, $W_1$ is $2 \\times 2$ (entry $W_1[i][j]$ links input $i$ to hidden unit $j$) and $W_2$ is a row $[1 \\times 2]$. The loss is binary cross-entropy, written as the lesson writes it, with a tiny $\\varepsilon = 10^{-7}$ inside both logarithms:');
math(main, String.raw`L = -\big[\,y \log(p + \varepsilon) + (1 - y)\log(1 - p + \varepsilon)\,\big]`);
prose(main, 'The chain rule then splits each weight gradient into factors, one per step between the weight and the loss:');
math(
  main,
  String.raw`\frac{\partial L}{\partial W_2} = \frac{\partial L}{\partial p}\cdot\frac{\partial p}{\partial z_2}\cdot\frac{\partial z_2}{\partial W_2},\qquad \frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial p}\cdot\frac{\partial p}{\partial z_2}\cdot\frac{\partial z_2}{\partial h}\cdot\frac{\partial h}{\partial z_1}\cdot\frac{\partial z_1}{\partial W_1}`,
);
prose(main, 'The first two factors are shared by both gradients: backpropagation computes them once and passes their product, $\\partial L/\\partial z_2$, down to the layer below.');

// ---- exercise 1: by hand, checked ---------------------------------------------------------

const manualSec = section(main, 'manual', 'Exercise 1: the gradients by hand');
prose(
  manualSec.body,
  'The page opens on the lesson\'s exercise, not its demo: $x = [2, 1]$ with target $y = 0$ and the weights below, numbers whose gradients nobody has printed for you. With pencil and paper, do the forward pass, then go back along the chain a factor at a time, in the order the backward pass reaches them, and type each result into its box. Check tells you, box by box, whether your number is right or wrong, judged against the engine\'s autograd on the same network; it does not tell you the right value or how far you are from it. Rounded answers pass: within $\\max(5\\cdot 10^{-4},\\ 0.5\\%)$ of autograd\'s value counts as right, so four decimals do. Empty boxes are skipped.',
);
prose(
  manualSec.body,
  'A wrong factor is also recomputed from your own earlier entries: when it follows from them, that step is sound and the slip happened higher up, so look first at the earliest factor marked wrong rather than carried. The graph under the worksheet fills in each value and gradient as you get it right. Show the worked solution when you want the answers: from then on every number is shown, wrong entries say how far off they were, and Exercise 2 opens. Changing an input or the preset starts a fresh problem. The Demo preset loads the lesson\'s worked demo, whose gradients the lesson itself prints.',
);
const presetWorked = selectControl(manualSec.controls, 'Preset:', ['Exercise', 'Demo (lesson)'] as const, 'Exercise', 'bp-preset');
const inputIds = ['bp-x0', 'bp-x1', 'bp-w1-00', 'bp-w1-01', 'bp-w1-10', 'bp-w1-11', 'bp-w2-0', 'bp-w2-1', 'bp-y', 'bp-eps'] as const;
const flatInputs = (inp: WorkedInputs): number[] => [inp.x[0], inp.x[1], inp.W1[0][0], inp.W1[0][1], inp.W1[1][0], inp.W1[1][1], inp.W2[0], inp.W2[1], inp.y, inp.eps];
const labels = ['x[0]', 'x[1]', 'W1[0][0]', 'W1[0][1]', 'W1[1][0]', 'W1[1][1]', 'W2[0]', 'W2[1]', 'y', 'eps'];
const inputControls = inputIds.map((id, i) => numberControl(manualSec.controls, labels[i]!, flatInputs(EXERCISE_INPUTS)[i]!, { id, ...(id === 'bp-y' ? { min: 0, max: 1 } : id === 'bp-eps' ? { min: 0 } : {}) }));
function readInputs(): WorkedInputs {
  const v = inputControls.map((c) => c.get());
  return { x: [v[0]!, v[1]!], W1: [[v[2]!, v[3]!], [v[4]!, v[5]!]], W2: [v[6]!, v[7]!], y: v[8]!, eps: v[9]! };
}

// The worksheet: one row per quantity, one box per entry; Check (the Run button) fills the last column.
const worksheet = el('table', { class: 'results worksheet', id: 'bp-answers' });
worksheet.append(el('tr', {}, el('th', {}, 'quantity'), el('th', {}, 'your value'), el('th', {}, 'check')));
const answerBoxes = new Map<Quantity, HTMLInputElement[]>();
const checkCells = new Map<Quantity, HTMLTableCellElement>();
for (const spec of QUANTITY_SPECS) {
  const name = el('td', { class: 'name' });
  math(name, spec.tex, false);
  const boxes = spec.entries.map((entry, i) => el('input', { type: 'text', inputmode: 'decimal', id: `ans-${spec.key}-${i}`, 'aria-label': entry, placeholder: spec.entries.length > 1 ? entry.slice(entry.indexOf('[')) : '' }));
  answerBoxes.set(spec.key, boxes);
  const cell = el('td', { class: 'check', 'data-check': spec.key });
  checkCells.set(spec.key, cell);
  worksheet.append(el('tr', { 'data-row': spec.key }, name, el('td', { class: 'answer' }, ...boxes), cell));
}
manualSec.controls.append(el('div', { class: 'worksheet-wrap' }, worksheet));
manualSec.runButton.textContent = 'Check';
function readAnswers(): Answers {
  const out: Answers = {};
  for (const spec of QUANTITY_SPECS) out[spec.key] = answerBoxes.get(spec.key)!.map((b, i) => parseEntry(b.value, spec.entries[i]!));
  return out;
}
const checkSummary = el('p', { class: 'verdict', id: 'bp-check-summary' });
function clearChecks(): void {
  for (const cell of checkCells.values()) {
    cell.textContent = '';
    cell.className = 'check';
  }
  checkSummary.textContent = '';
  checkSummary.className = 'verdict';
}
function showReport(report: AnswerReport): void {
  for (const c of report.checks) {
    const cell = checkCells.get(c.key)!;
    cell.className = `check ${c.status}`;
    cell.textContent = c.status === 'carried' ? `carried: ${c.message}` : c.message;
  }
  checkSummary.className = `verdict ${report.firstWrong ? 'bad' : report.answered ? 'ok' : ''}`;
  checkSummary.textContent = report.summary;
}

// The worked solution, behind a button.
const solution = el('div', { id: 'bp-solution', hidden: '' });
const manualTable = el('table', { class: 'results', id: 'bp-manual-table' });
solution.append(
  el('p', {}, 'Each row is plain JavaScript arithmetic in double precision, no tensors involved: the forward pass, then every chain-rule factor in the order the backward pass meets it, and the two weight gradients.'),
  manualTable,
);
// What the learner has earned on the current problem. `revealed`: the solution was shown once
// (hiding it again does not take back what was seen); `solved`: one Check had every entry right;
// `known`: the entries checked right so far, which the graph shows. A new problem resets all three.
// `problem` names the inputs all this is about, so a change that fired no input event (a script,
// an autofill) still counts as a new problem at the next Check or Run.
const problemKey = (inp: WorkedInputs): string => JSON.stringify(flatInputs(inp));
const progress = { problem: problemKey(EXERCISE_INPUTS), revealed: false, solved: false, known: new Set<string>() as ReadonlySet<string> };
/** The last Check on this problem, so showing the solution can add the distances to its messages. */
let lastCheck: { answers: Answers; reference: QuantityValues; inputs: WorkedInputs } | null = null;
const unlocked = (): boolean => progress.revealed || progress.solved;

let solutionShown = false;
const solutionButton = button(manualSec.output, 'Show the worked solution', () => setSolutionShown(!solutionShown), 'bp-show-solution');
function setSolutionShown(shown: boolean): void {
  solutionShown = shown;
  solution.hidden = !shown;
  solutionButton.textContent = shown ? 'Hide the worked solution' : 'Show the worked solution';
  if (shown && !progress.revealed) {
    progress.revealed = true;
    if (lastCheck) showReport(checkAnswers(lastCheck.answers, lastCheck.reference, lastCheck.inputs, { reveal: true }));
    refreshViews();
  }
}

// The network as a computation graph, filled in from what the learner got right.
const graphHolder = el('div', { class: 'bp-graph', id: 'bp-graph', role: 'figure', 'aria-label': 'computation graph of the network' });
const graphNote = el('p', { class: 'graph-note', id: 'bp-graph-note' });

function currentValues(): { inputs: WorkedInputs; values: QuantityValues } | null {
  try {
    const inputs = readInputs();
    return { inputs, values: manualValues(manualBackprop(inputs)) };
  } catch {
    return null; // an unfinished number in an input box
  }
}
function drawCurrentGraph(): void {
  const cur = currentValues();
  if (!cur) return;
  const known = progress.revealed ? allKnown(cur.values) : progress.known;
  drawGraph(graphHolder, graphModel(cur.inputs, cur.values, known));
  const shown = QUANTITIES.reduce((n, q) => n + cur.values[q].filter((_, i) => known.has(`${q}:${i}`)).length, 0);
  const total = QUANTITIES.reduce((n, q) => n + cur.values[q].length, 0);
  graphNote.textContent = progress.revealed
    ? 'Solution shown: every value and gradient is filled in.'
    : `Forward values above each arrow, gradients flowing back below it; "?" marks what you have not got right yet (${shown} of ${total} entries so far).`;
}
manualSec.output.append(
  el('div', { class: 'worksheet-wrap' }, checkSummary),
  el('div', { class: 'worksheet-wrap' }, el('h3', {}, 'The network as a graph'), graphNote, graphHolder),
  el('div', { class: 'worksheet-wrap' }, solutionButton, solution),
);

function row(table: HTMLTableElement, key: string, cells: (string | { tex: string })[]): void {
  const tr = el('tr', { 'data-row': key });
  cells.forEach((c, i) => {
    const td = el('td', { class: i === 0 ? 'name' : i === 1 ? 'formula' : '' });
    if (typeof c === 'string') td.textContent = c;
    else math(td, c.tex, false);
    tr.append(td);
  });
  table.append(tr);
}
const vec = (v: number[]): string => `[${v.map(num).join(', ')}]`;

function showManual(m: ManualResult): void {
  const f = m.factors;
  manualTable.replaceChildren(el('tr', {}, el('th', {}, 'quantity'), el('th', {}, 'formula'), el('th', {}, 'value')));
  const rows: [string, string, string, string][] = [
    ['z1', 'z_1', String.raw`x\,W_1 = [x_0 W_{00} + x_1 W_{10},\ x_0 W_{01} + x_1 W_{11}]`, vec(m.z1)],
    ['h', 'h', String.raw`\max(z_1, 0)`, vec(m.h)],
    ['z2', 'z_2', String.raw`h_0 W_2[0] + h_1 W_2[1]`, num(m.z2)],
    ['p', 'p', String.raw`\sigma(z_2) = 1/(1 + e^{-z_2})`, num(m.p)],
    ['loss', 'L', String.raw`-[y\log(p+\varepsilon) + (1-y)\log(1-p+\varepsilon)]`, num(m.loss)],
    ['dL_dp', String.raw`\partial L/\partial p`, String.raw`-\frac{y}{p+\varepsilon} + \frac{1-y}{1-p+\varepsilon}`, num(f.dL_dp)],
    ['dp_dz2', String.raw`\partial p/\partial z_2`, String.raw`p\,(1-p)`, num(f.dp_dz2)],
    ['dL_dz2', String.raw`\partial L/\partial z_2`, String.raw`\frac{\partial L}{\partial p}\cdot\frac{\partial p}{\partial z_2}\ \ (\approx p - y)`, num(f.dL_dz2)],
    ['dz2_dW2', String.raw`\partial z_2/\partial W_2`, 'h', vec(f.dz2_dW2)],
    ['dW2', String.raw`\partial L/\partial W_2`, String.raw`\frac{\partial L}{\partial z_2}\, h`, vec(m.dW2)],
    ['dz2_dh', String.raw`\partial z_2/\partial h`, 'W_2', vec(f.dz2_dh)],
    ['dL_dh', String.raw`\partial L/\partial h`, String.raw`\frac{\partial L}{\partial z_2}\, W_2`, vec(f.dL_dh)],
    ['dh_dz1', String.raw`\partial h/\partial z_1`, String.raw`\operatorname{relu}'(z_1) = [z_1 > 0]`, vec(f.dh_dz1)],
    ['dL_dz1', String.raw`\partial L/\partial z_1`, String.raw`\frac{\partial L}{\partial h}\odot\operatorname{relu}'(z_1)`, vec(f.dL_dz1)],
    ['dz1_dW1', String.raw`\partial z_1[j]/\partial W_1[i][j]`, 'x_i', vec(f.dz1_dW1)],
    ['dW1', String.raw`\partial L/\partial W_1`, String.raw`x^{\top}\,\frac{\partial L}{\partial z_1}\ \ (\text{row } i = x_i \cdot \partial L/\partial z_1)`, `[${vec(m.dW1[0])}, ${vec(m.dW1[1])}]`],
  ];
  for (const [key, name, formula, value] of rows) row(manualTable, key, [{ tex: name }, { tex: formula }, value]);
}

manualSec.onRun(async () => {
  const inputs = readInputs();
  if (problemKey(inputs) !== progress.problem) newProblem();
  const answers = readAnswers();
  const reference = await autogradValues(inputs);
  const report = checkAnswers(answers, reference, inputs, { reveal: progress.revealed });
  lastCheck = { answers, reference, inputs };
  progress.known = learn(progress.known, report.checks);
  const wasSolved = progress.solved;
  if (report.right === QUANTITIES.length) progress.solved = true;
  showReport(report);
  if (progress.solved && !wasSolved && !progress.revealed) checkSummary.textContent += ' Exercise 2\'s table is open now.';
  showManual(manualBackprop(inputs));
  refreshViews();
  return { inputs, answers, reference, report, solutionShown, solved: progress.solved, revealed: progress.revealed };
});
/** A new problem: nothing of it is known yet, its solution waits to be asked for, old checks go. */
function newProblem(): void {
  const cur = currentValues();
  if (cur) progress.problem = problemKey(cur.inputs);
  progress.revealed = false;
  progress.solved = false;
  progress.known = new Set();
  lastCheck = null;
  lastSide = null;
  clearChecks();
  setSolutionShown(false);
  if (cur) showManual(manualBackprop(cur.inputs)); // else an unfinished number: keep the last solution
  refreshViews();
}
for (const c of inputControls) c.element.addEventListener('input', newProblem);
presetWorked.onChange(() => {
  const inp = presetWorked.get() === 'Exercise' ? EXERCISE_INPUTS : DEMO_INPUTS;
  flatInputs(inp).forEach((v, i) => inputControls[i]!.set(v));
  newProblem();
});
showManual(manualBackprop(EXERCISE_INPUTS));

// ---- exercise 2: autograd ----------------------------------------------------------------

const autoSec = section(main, 'autograd', 'Exercise 2: the same gradients from loss.backward()');
prose(
  autoSec.body,
  'Now the same network is built from engine tensors: $W_1$ and $W_2$ are created with requiresGrad, the forward pass records a graph, and loss.backward() walks it in reverse, applying each operation\'s own gradient rule. It takes whatever inputs and weights Exercise 1 holds. Its table puts autograd\'s numbers beside the hand calculation, which would answer Exercise 1 outright, so it stays blank until you have either got every entry of Exercise 1 right in one Check or asked for the worked solution there.',
);
prose(
  autoSec.body,
  'The two will not agree to the last digit, and should not: the hand calculation runs in 64-bit floating point, while the engine works in 32-bit floats (on your GPU, or on the CPU without WebGPU), which keep about 7 significant digits. Differences around $10^{-8}$ are rounding; anything near $10^{-3}$ would be a wrong formula. We call it a match below $10^{-6}$.',
);
const autoTable = el('table', { class: 'results', id: 'bp-autograd-table' });
const verdict = el('p', { class: 'verdict', id: 'bp-verdict' });
autoSec.output.append(el('div', {}, autoTable, verdict));
/** The last run, kept so that solving or revealing Exercise 1 can show it without a new Run. */
let lastSide: SideBySide | null = null;
function drawAutograd(): void {
  if (!lastSide) {
    autoTable.replaceChildren();
    verdict.className = 'verdict';
    verdict.textContent = '';
    return;
  }
  if (!unlocked()) {
    autoTable.replaceChildren();
    verdict.className = 'verdict';
    verdict.textContent = 'Autograd has run on these inputs. Its numbers, and the hand column beside them, appear here once Exercise 1 is solved (every entry right) or its worked solution is shown.';
    return;
  }
  const r = lastSide;
  autoTable.replaceChildren(el('tr', {}, el('th', {}, 'quantity'), el('th', {}, 'by hand (float64)'), el('th', {}, 'autograd (float32)'), el('th', {}, 'autograd − hand')));
  for (const rr of r.rows) row(autoTable, rr.name, [rr.name, num(rr.manual), num(rr.autograd), sci(rr.diff)]);
  const ok = r.maxDiff < 1e-6;
  verdict.className = `verdict ${ok ? 'ok' : 'bad'}`;
  verdict.textContent = `Largest difference: ${sci(r.maxDiff)} (gradients: ${sci(r.maxGradDiff)}), ${ok ? 'a match, within float32 rounding' : 'larger than 1e-6: the two disagree'}.`;
}
function refreshViews(): void {
  drawCurrentGraph();
  drawAutograd();
}
autoSec.onRun(async () => {
  const inputs = readInputs();
  if (problemKey(inputs) !== progress.problem) newProblem();
  lastSide = await sideBySide(inputs);
  drawAutograd();
  // While locked the published result carries no numbers either, only that it ran.
  return unlocked() ? lastSide : { hidden: true, inputs: lastSide.inputs };
});
refreshViews();

// ---- exercise 3: gradient flow -----------------------------------------------------------

const flowSec = section(main, 'flow', 'Exercise 3: gradient flow in a small network');
prose(
  flowSec.body,
  'Backpropagation hands every weight matrix its own gradient, and watching their sizes over training tells you whether each layer is still being pushed. Here a 2-10-2 ReLU network separates random 2-D points by which side of a line they fall on (Adam, full batch, cross-entropy). After each backward pass we take the mean absolute gradient of each weight matrix:',
);
math(flowSec.body, String.raw`\overline{|g|}_{\ell} = \frac{1}{|W_\ell|}\sum_{ij}\left|\frac{\partial L}{\partial W_{\ell,ij}}\right|`);
prose(
  flowSec.body,
  'Before any backward pass a parameter has no gradient at all (its grad is null, None in PyTorch); following the lesson\'s correction we count such a parameter as 0 rather than fail, and the line under the charts says in how many epochs that happened. Expect both curves to fall with the loss, not smoothly: once most points sit confidently on the right side of the line, there is little left to correct.',
);
prose(
  flowSec.body,
  'The random numbers are PyTorch\'s: the page seeds a copy of PyTorch\'s CPU generator and draws in the lesson\'s order (the points with randn, then fc1\'s and fc2\'s initial weights), so with seed 11 the data, the starting network and the curves are the ones the lesson\'s code produces, up to float32 rounding. Defaults are the lesson\'s demo (seed 11, 200 points, x0 + x1 > 0, lr 0.1, 60 epochs); the Exercise preset uses 150 points, the rule x0 − x1 > 0 and 50 epochs (the lesson\'s exercise sets no seed, so the seed box stays as it is).',
);
const flowPreset = selectControl(flowSec.controls, 'Preset:', ['Demo (lesson)', 'Exercise'] as const, 'Demo (lesson)', 'flow-preset');
const flowSeed = numberControl(flowSec.controls, 'seed', FLOW_DEMO.seed, { min: 0, step: 1, id: 'flow-seed' });
const flowN = numberControl(flowSec.controls, 'points', FLOW_DEMO.n, { min: 1, step: 1, id: 'flow-n' });
const flowRule = selectControl<LabelRule>(flowSec.controls, 'class 1 when', LABEL_RULES, FLOW_DEMO.rule, 'flow-rule');
const flowHidden = numberControl(flowSec.controls, 'hidden units', FLOW_DEMO.hidden, { min: 1, step: 1, id: 'flow-hidden' });
const flowLr = numberControl(flowSec.controls, 'Adam lr', FLOW_DEMO.lr, { min: 0, id: 'flow-lr' });
const flowEpochs = numberControl(flowSec.controls, 'epochs', FLOW_DEMO.epochs, { min: 1, step: 1, id: 'flow-epochs' });
flowPreset.onChange(() => {
  const p = flowPreset.get() === 'Exercise' ? FLOW_EXERCISE : FLOW_DEMO;
  flowN.set(p.n);
  flowRule.set(p.rule);
  flowHidden.set(p.hidden);
  flowLr.set(p.lr);
  flowEpochs.set(p.epochs);
});
const flowGradChart = new Chart(flowSec.output, {
  id: 'flow-grads',
  title: 'Mean |gradient| of each weight matrix',
  xLabel: 'epoch',
  yLabel: 'mean |dL/dW|',
  series: [{ label: 'fc1.weight (input layer)' }, { label: 'fc2.weight (output layer)' }],
});
const flowLossChart = new Chart(flowSec.output, {
  id: 'flow-loss',
  title: 'Loss and accuracy',
  xLabel: 'epoch',
  yLabel: 'value',
  series: [{ label: 'cross-entropy loss' }, { label: 'training accuracy', dash: [6, 4] }],
});
const flowSummary = el('p', { id: 'flow-summary' });
flowSec.output.append(flowSummary);
flowSec.onRun(async (ctx) => {
  flowGradChart.reset();
  flowLossChart.reset();
  flowSummary.textContent = '';
  const r = await runGradientFlow({
    seed: flowSeed.get(),
    n: flowN.get(),
    rule: flowRule.get(),
    hidden: flowHidden.get(),
    lr: flowLr.get(),
    epochs: flowEpochs.get(),
    signal: ctx.signal,
    onProgress: async (p) => {
      ctx.firstStepDone();
      flowGradChart.append(p.epoch, [p.fc1, p.fc2]);
      flowLossChart.append(p.epoch, [p.loss, p.accuracy]);
      ctx.stepTime(p.msPerEpoch);
      ctx.progress(p.epoch / p.epochs, `epoch ${p.epoch} of ${p.epochs}, loss ${p.loss.toFixed(4)}`);
      await nextFrame();
    },
  });
  if (r.epochsRun) flowSummary.textContent = describeFlow(r);
  return r;
});

// ---- exercise 4: vanishing gradients -----------------------------------------------------

const vanSec = section(main, 'vanishing', 'Exercise 4: vanishing gradients, and the fix');
prose(
  vanSec.body,
  'Stack six hidden layers with a sigmoid after each and the same chain rule turns against you. Going down one layer, the gradient is multiplied by that layer\'s weights and by the slope of its activation, and a sigmoid\'s slope is never more than a quarter:',
);
math(vanSec.body, String.raw`\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big) \le \tfrac14,\qquad \tanh'(z) = 1 - \tanh^2(z) \le 1,\qquad \frac{\partial L}{\partial a_{\ell-1}} = \Big(\frac{\partial L}{\partial a_\ell}\odot f'(z_\ell)\Big)\,W_\ell`);
prose(
  vanSec.body,
  'With weights of the usual initial size, the sigmoid\'s slopes shrink the gradient by a factor of several at every layer, so by the first layer it can be orders of magnitude smaller than at the last: the layers nearest the input get the weakest push. Tanh\'s slope reaches 1 at zero and ReLU\'s is exactly 1 wherever a unit is active, so neither forces that shrinking. Neither keeps the gradient the same size from layer to layer either: the weights and the pattern of active units decide, and the product can just as well grow toward the input. The run below measures it instead of assuming it, and states under the charts what it found.',
);
prose(
  vanSec.body,
  'Three networks of the same shape train side by side on the same points (Adam, full batch): one with sigmoid, one with ReLU (the lesson\'s fix), and one with tanh (the other squashing activation the lesson\'s exercise asks about). For each we plot every hidden layer\'s mean |gradient| on a log scale, layer 1 next to the input. The lesson plots a single curve, the mean over the hidden layers; we draw it too, but it can mislead: it is dominated by whichever layers have the largest gradients, so a layer starving near the input barely moves it.',
);
prose(
  vanSec.body,
  'Initial weights: the lesson calls torch.manual_seed(21) once and builds the sigmoid net, then the ReLU net from the random numbers that follow, so its two nets start from different weights. With "as the lesson" the page does exactly that with PyTorch\'s generator, and the sigmoid and ReLU runs are the lesson\'s own, up to float32 rounding; the tanh net, which the lesson\'s code does not build, is drawn after those two. "The same for every net" is our departure from the lesson: the seed is set again before each net, so all three start from the same weights and the activation is the only difference. Defaults are the lesson\'s demo (32 units, lr 0.07, 30 epochs, net seed 21, on Exercise 3\'s demo data); the Exercise preset uses 24 units, lr 0.09, 25 epochs and the exercise\'s data (150 points, x0 − x1 > 0).',
);
const START_OPTIONS = ['as the lesson (one seed, nets drawn in turn)', 'the same for every net (reseeded)'] as const;
const vanPreset = selectControl(vanSec.controls, 'Preset:', ['Demo (lesson)', 'Exercise'] as const, 'Demo (lesson)', 'van-preset');
const vanDataSeed = numberControl(vanSec.controls, 'data seed', VANISHING_DEMO.dataSeed, { min: 0, step: 1, id: 'van-data-seed' });
const vanN = numberControl(vanSec.controls, 'points', VANISHING_DEMO.n, { min: 1, step: 1, id: 'van-n' });
const vanRule = selectControl<LabelRule>(vanSec.controls, 'class 1 when', LABEL_RULES, VANISHING_DEMO.rule, 'van-rule');
const vanSeed = numberControl(vanSec.controls, 'net seed', VANISHING_DEMO.seed, { min: 0, step: 1, id: 'van-seed' });
const vanStart = selectControl(vanSec.controls, 'initial weights', START_OPTIONS, START_OPTIONS[0], 'van-start');
const vanHidden = numberControl(vanSec.controls, 'hidden units', VANISHING_DEMO.hidden, { min: 1, step: 1, id: 'van-hidden' });
const vanDepth = numberControl(vanSec.controls, 'hidden layers', VANISHING_DEMO.depth, { min: 2, max: 12, step: 1, id: 'van-depth' });
const vanLr = numberControl(vanSec.controls, 'Adam lr', VANISHING_DEMO.lr, { min: 0, id: 'van-lr' });
const vanEpochs = numberControl(vanSec.controls, 'epochs', VANISHING_DEMO.epochs, { min: 1, step: 1, id: 'van-epochs' });
vanPreset.onChange(() => {
  const ex = vanPreset.get() === 'Exercise';
  const p = ex ? { ...VANISHING_DEMO, ...VANISHING_EXERCISE } : VANISHING_DEMO;
  vanN.set(p.n);
  vanRule.set(p.rule);
  vanHidden.set(p.hidden);
  vanDepth.set(p.depth);
  vanLr.set(p.lr);
  vanEpochs.set(p.epochs);
});

// The per-layer charts depend on the depth, so they are rebuilt at the start of each run.
const LAYER_COLORS = ['#08306b', '#2171b5', '#4292c6', '#6baed6', '#d94801', '#a50f15', '#54278f', '#006d2c', '#7f2704', '#525252', '#e7298a', '#66a61e'];
const NET_SERIES: Record<DeepActivation, { label: string; color: string }> = {
  sigmoid: { label: 'sigmoid', color: '#d62728' },
  relu: { label: 'ReLU', color: '#1f77b4' },
  tanh: { label: 'tanh', color: '#2ca02c' },
};
const netSeries = DEEP_ACTIVATIONS.map((a) => NET_SERIES[a]);
const vanCharts = el('div', { class: 'output' });
vanSec.output.append(vanCharts);
let live: Chart[] = [];
function buildVanCharts(depth: number): { layer: Record<DeepActivation, Chart>; mean: Chart; profile: Chart; loss: Chart } {
  for (const c of live) c.plot.destroy();
  vanCharts.replaceChildren();
  const layerSeries = Array.from({ length: depth }, (_, i) => ({ label: `layer ${i + 1}`, color: LAYER_COLORS[i % LAYER_COLORS.length]! }));
  const layerChart = (a: DeepActivation): Chart =>
    new Chart(vanCharts, { id: `van-${a}-layers`, title: `${NET_SERIES[a].label[0]!.toUpperCase()}${NET_SERIES[a].label.slice(1)} net: mean |grad| per hidden layer`, xLabel: 'epoch', yLabel: 'mean |dL/dW| (log)', series: layerSeries, logY: true });
  const layer = { sigmoid: layerChart('sigmoid'), relu: layerChart('relu'), tanh: layerChart('tanh') };
  const profile = new Chart(vanCharts, {
    id: 'van-profile',
    title: 'Latest epoch: mean |grad| by depth',
    xLabel: 'hidden layer (1 = next to the input)',
    yLabel: 'mean |dL/dW| (log)',
    series: netSeries.map((n) => ({ ...n, points: 8 })),
    logY: true,
  });
  const mean = new Chart(vanCharts, {
    id: 'van-mean',
    title: 'Mean over the hidden layers (the lesson\'s plot)',
    xLabel: 'epoch',
    yLabel: 'mean |dL/dW| (log)',
    series: netSeries,
    logY: true,
  });
  const loss = new Chart(vanCharts, { id: 'van-loss', title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: netSeries });
  live = [layer.sigmoid, layer.relu, layer.tanh, profile, mean, loss];
  return { layer, mean, profile, loss };
}
buildVanCharts(VANISHING_DEMO.depth);
const vanSummary = el('ul', { id: 'van-summary' });
vanSec.output.append(vanSummary);

vanSec.onRun(async (ctx) => {
  const depth = vanDepth.get();
  const charts = buildVanCharts(depth);
  vanSummary.replaceChildren();
  const layersX = Array.from({ length: depth }, (_, i) => i + 1);
  const r = await runVanishing({
    dataSeed: vanDataSeed.get(),
    n: vanN.get(),
    rule: vanRule.get(),
    seed: vanSeed.get(),
    sameStart: vanStart.get() === START_OPTIONS[1],
    hidden: vanHidden.get(),
    depth,
    lr: vanLr.get(),
    epochs: vanEpochs.get(),
    activations: DEEP_ACTIVATIONS,
    signal: ctx.signal,
    onProgress: async (p) => {
      const recs = DEEP_ACTIVATIONS.map((a) => p.records[a]!);
      ctx.firstStepDone();
      DEEP_ACTIVATIONS.forEach((a, i) => charts.layer[a].append(p.epoch, recs[i]!.layers));
      charts.profile.setData(layersX, recs.map((rec) => rec.layers));
      charts.mean.append(p.epoch, recs.map((rec) => rec.mean));
      charts.loss.append(p.epoch, recs.map((rec) => rec.loss));
      ctx.stepTime(p.msPerEpoch);
      ctx.progress(p.epoch / p.epochs, `epoch ${p.epoch} of ${p.epochs}`);
      await nextFrame();
    },
  });
  // What this run showed, from its own numbers.
  for (const a of DEEP_ACTIVATIONS) {
    const s = r.summary[a];
    if (s) vanSummary.append(el('li', { 'data-net': a }, describeRun(a, s, depth, r.epochsRun)));
  }
  return r;
});

codePanel(main, 'The code that runs: exercises 1 and 2 (demos/backprop/worked.ts)', workedSource);
codePanel(main, 'The code that runs: checking your answers to exercise 1 (demos/backprop/answers.ts)', answersSource);
codePanel(main, 'The code that runs: exercise 3 (demos/backprop/flow.ts)', flowSource);
codePanel(main, 'The code that runs: exercise 4 (demos/backprop/vanishing.ts)', vanishingSource);
