// The identical-random-weights page: DOM wiring only. The experiment is ./seeds.ts.
import { Chart, codePanel, el, initPage, math, nextFrame, numberControl, prose, section, seedParam } from '../ui/index.ts';
import type { Marker } from '../ui/index.ts';
import { NET_NAMES, PAIRS, lessonPrintout, pickStartSeed, runSeedsExperiment } from './seeds.ts';
import type { NetName, SeedsProgress } from './seeds.ts';
import seedsSource from './seeds.ts?raw';

const main = document.querySelector<HTMLElement>('#main')!;
await initPage();
// ?seed=N fixes the seed the generator starts from on every Run, so even the unseeded net repeats.
const startSeedParam = seedParam();

prose(
  main,
  'A freshly made network starts from random weights, and those numbers come out of a random number generator. The generator is not magic: it is a deterministic recipe that turns a starting value, the seed, into a long stream of numbers that look random. Hand it the same seed and you get the same stream back, number for number.',
);
prose(
  main,
  'Here we build one small template network (2 inputs, 8 hidden ReLU units, 1 output), copy it four times, and give each copy fresh Xavier-normal weights. Before three of the copies we reset the seed; before the first we do not. Then we lay the weights side by side: copies drawn after the same seed should coincide exactly, and the rest should not.',
);

const ex = section(main, 'seeds', 'Four copies, three seeds');
prose(
  ex.body,
  'Xavier (Glorot) normal initialization draws each weight of a layer from a normal distribution centred at zero whose spread depends on how many values flow into and out of the layer:',
);
math(ex.body, 'W_{ij} \\sim \\mathcal{N}\\!\\left(0,\\ \\sigma^2\\right), \\qquad \\sigma = \\text{gain}\\cdot\\sqrt{\\frac{2}{\\text{fan\\_in} + \\text{fan\\_out}}}');
prose(
  ex.body,
  'The idea is to keep the size of the signal about the same from layer to layer, both forward and when gradients flow back. A Linear weight is stored as [out, in], so fan_in is its second dimension and fan_out its first; the gain is 1 here. For our two weight matrices:',
);
math(
  ex.body,
  '\\texttt{0.weight}\\ [8,2]:\\ \\sigma = \\sqrt{\\tfrac{2}{2+8}} \\approx 0.447 \\qquad \\texttt{2.weight}\\ [1,8]:\\ \\sigma = \\sqrt{\\tfrac{2}{8+1}} \\approx 0.471',
);
prose(
  ex.body,
  'Only parameters whose name ends in "weight" are redrawn; the biases keep the template\'s values, the same in all four copies, so we compare weights only: 16 + 8 = 24 numbers per network, flattened into one vector. The four copies are made in this order:',
);
const order = el('ol');
for (const line of [
  'net_noseed: no seed is set. It takes whatever the global generator produces next.',
  'net_rs1a: seed A is set first (the lesson uses 1).',
  'net_rs2: seed B is set first (the lesson uses 2).',
  'net_rs1b: seed C is set first (the lesson uses 1 again, to repeat net_rs1a).',
]) order.append(el('li', {}, line));
ex.body.append(order);
prose(
  ex.body,
  'The names rs1a, rs2 and rs1b come from the lesson\'s seeds. Change the seeds below and run again: whenever two of them are equal, those two networks are identical, whatever they are called.',
);
prose(
  ex.body,
  'The random numbers are PyTorch\'s own: this page reproduces the generator behind torch.manual_seed on the CPU, and makes its draws in the lesson\'s order (the template first, whose layers draw their default weights and biases as they are built, then each copy\'s Xavier draws), so net_rs1a, net_rs2 and net_rs1b hold the very numbers the lesson\'s code gives for the same seeds, and the differences below are the ones its print calls show.',
);
prose(
  ex.body,
  'The lesson sets no seed before the template and net_noseed, and a new PyTorch process seeds itself with a number of its own choosing, so on every Run this page likewise picks a seed at random and names it under the charts; put torch.manual_seed with that number at the top of the lesson\'s script and it builds the same net_noseed.',
);

const seedA = numberControl(ex.controls, 'seed A (net_rs1a)', 1, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: 'seed-a' });
const seedB = numberControl(ex.controls, 'seed B (net_rs2)', 2, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: 'seed-b' });
const seedC = numberControl(ex.controls, 'seed C (net_rs1b)', 1, { min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, id: 'seed-c' });

// The lesson's plot styles: red circles, black squares, magenta triangles, green plus.
const STYLES: Record<NetName, { label: string; marker: Marker; stroke: string; fill: string; width: number; size: number }> = {
  noseed: { label: 'no seed: red circles', marker: 'circle', stroke: '#d62728', fill: 'rgba(214, 39, 40, 0.6)', width: 1, size: 10 },
  rs1a: { label: 'rs1a (seed A): black squares', marker: 'square', stroke: '#111111', fill: 'rgba(17, 17, 17, 0.6)', width: 1, size: 12 },
  rs2: { label: 'rs2 (seed B): magenta triangles', marker: 'triangle', stroke: '#bf00bf', fill: 'rgba(191, 0, 191, 0.6)', width: 1, size: 12 },
  rs1b: { label: 'rs1b (seed C): green plus', marker: 'plus', stroke: '#008000', fill: '#008000', width: 2, size: 14 },
};

const N_WEIGHTS = 24;
const index = Array.from({ length: N_WEIGHTS }, (_, i) => i);
const scatter = new Chart(ex.output, {
  id: 'seeds-weights',
  title: 'Flattened weights of the four networks',
  xLabel: 'weight index (0-15: 0.weight, 16-23: 2.weight)',
  yLabel: 'weight value',
  series: NET_NAMES.map((n) => ({
    label: STYLES[n].label,
    color: STYLES[n].stroke,
    fill: STYLES[n].fill,
    points: STYLES[n].size,
    marker: STYLES[n].marker,
    markerWidth: STYLES[n].width,
  })),
  width: 560,
  height: 320,
});

const DIFFS = [
  ['rs1a', 'rs1b', '#008000'],
  ['rs1a', 'rs2', '#bf00bf'],
  ['rs1a', 'noseed', '#d62728'],
] as const;
const diffChart = new Chart(ex.output, {
  id: 'seeds-differences',
  title: 'Differences, weight by weight',
  xLabel: 'weight index',
  yLabel: 'difference',
  series: DIFFS.map(([a, b, color]) => ({ label: `${a} − ${b}`, color })),
  width: 560,
  height: 240,
});

const startLine = el('p', { id: 'seeds-start' });
const printout = el('pre', { id: 'seeds-printout' });
const report = el('div', { class: 'seeds-report' });
ex.output.append(startLine, report, printout);

function seedOf(n: NetName, seeds: Record<Exclude<NetName, 'noseed'>, number>): string {
  return n === 'noseed' ? 'no seed' : `seed ${seeds[n]}`;
}

/** Shapes and the max-abs-difference table for the nets built so far. */
function showReport(weights: Partial<Record<NetName, number[]>>, seeds: Record<Exclude<NetName, 'noseed'>, number>): void {
  const built = NET_NAMES.filter((n) => weights[n]);
  const shapes = el('p', {}, `Flattened weight shapes: ${built.map((n) => `${n} [${weights[n]!.length}]`).join(', ') || '(none yet)'}`);
  const table = el('table', { class: 'results', id: 'seeds-diff-table' });
  table.append(el('tr', {}, el('th', {}, 'pair'), el('th', {}, 'seeds'), el('th', {}, 'max |difference|'), el('th', {}, 'expected')));
  for (const [a, b] of PAIRS) {
    const wa = weights[a];
    const wb = weights[b];
    let value = '…';
    if (wa && wb) {
      let m = 0;
      for (let i = 0; i < wa.length; i++) m = Math.max(m, Math.abs(wa[i]! - wb[i]!));
      value = m === 0 ? '0' : m.toPrecision(4);
    }
    const same = b !== 'noseed' && seeds[a] === seeds[b];
    const expected = same ? '0 (same seed)' : b === 'noseed' ? '> 0 (no seed)' : '> 0 (different seeds)';
    table.append(el('tr', { 'data-pair': `${a}-${b}` }, el('td', {}, `${a} − ${b}`), el('td', {}, `${seedOf(a, seeds)} vs ${seedOf(b, seeds)}`), el('td', {}, value), el('td', {}, expected)));
  }
  report.replaceChildren(shapes, table);
}

function draw(weights: Partial<Record<NetName, number[]>>): void {
  scatter.setData(
    index,
    NET_NAMES.map((n) => weights[n] ?? index.map(() => null)),
  );
  diffChart.setData(
    index,
    DIFFS.map(([a, b]) => {
      const wa = weights[a];
      const wb = weights[b];
      return wa && wb ? wa.map((v, i) => v - wb[i]!) : index.map(() => null);
    }),
  );
}

ex.onRun(async (ctx) => {
  const seeds = { rs1a: seedA.get(), rs2: seedB.get(), rs1b: seedC.get() };
  const startSeed = startSeedParam ?? pickStartSeed();
  scatter.reset();
  diffChart.reset();
  showReport({}, seeds);
  printout.textContent = '';
  startLine.textContent = `This run's start seed (the stand-in for PyTorch's own choice, before the template and net_noseed): ${startSeed}${startSeedParam === null ? ', picked at random' : ', from ?seed= in the address'}.`;
  const onProgress = async (p: SeedsProgress): Promise<void> => {
    ctx.firstStepDone();
    draw(p.weights);
    showReport(p.weights, seeds);
    ctx.progress(p.built / p.total, `built net_${p.net} (${p.built} of ${p.total})`);
    // Let each network's points paint before the next one is drawn.
    await nextFrame();
  };
  const result = await runSeedsExperiment({ startSeed, seedA: seeds.rs1a, seedB: seeds.rs2, seedC: seeds.rs1b, signal: ctx.signal, onProgress });
  // The lesson's own printout, as its print calls would write it for these nets.
  if (!result.stopped) printout.textContent = ['# what the lesson\'s print calls write for these nets', ...lessonPrintout(result)].join('\n');
  return result;
});

prose(
  main,
  'When should you fix a seed? When you need to reproduce something exactly: a result in a paper, a bug that shows up only with one particular start, or two variants of a model you want to compare from the same starting weights. When you are exploring or tuning, one fixed seed hides how much a result depends on luck; train with several seeds instead (say 1 to 10) and look at the spread. And once a model is trained and only used for predictions, its weights no longer depend on the seed at all; only randomness still used at prediction time, such as random data augmentation, would.',
);
prose(
  main,
  'Two more details. A seed fixes the whole sequence of draws, not one draw: everything that draws afterwards (building a layer, dropout, shuffling) moves the generator along, so the same seed gives the same weights only if the same draws happen in the same order. The seeded copies here equal PyTorch\'s because the page makes the lesson\'s draws in the lesson\'s order; one extra draw in between would shift every number after it. The draws are made on the CPU and handed to the GPU, so a seed gives the same weights on either backend. Add ?seed=N to the address to make every Run start from seed N; then even the unseeded network repeats.',
);

codePanel(main, 'The code that runs (demos/seeds/seeds.ts)', seedsSource);
