// Lesson 00, identical random weights: four copies of one 2-8-1 net, each re-initialized
// with Xavier-normal weights, three of them right after manualSeed and one without.
// Same seed -> the very same weights; another seed, or none, -> different ones.
// The draws come from PyTorch's CPU generator, reproduced (manualSeed(s, { generator:
// 'torch' })), in the lesson's order of calls, so the seeded nets are the lesson's own.
// No DOM here: the page and the Node tests run this same function.
import { init, manualSeed, nn } from 'shadergrad';

/** The lesson's four networks: net_noseed, net_rs1a, net_rs2 and net_rs1b. */
export type NetName = 'noseed' | 'rs1a' | 'rs2' | 'rs1b';
export const NET_NAMES: readonly NetName[] = ['noseed', 'rs1a', 'rs2', 'rs1b'];

/** The pairs whose largest absolute difference we report, the lesson's three first. */
export const PAIRS = [
  ['rs1a', 'rs1b'],
  ['rs1a', 'rs2'],
  ['rs1a', 'noseed'],
  ['rs2', 'rs1b'],
  ['rs2', 'noseed'],
  ['rs1b', 'noseed'],
] as const;
export type PairName = `${(typeof PAIRS)[number][0]}-${(typeof PAIRS)[number][1]}`;

export interface SeedsOptions {
  /**
   * Where the generator stands before the template is built: the lesson sets no seed there,
   * and PyTorch starts every process from a seed of its own choosing, so we pick one too
   * (at random when not given) and report it. torch.manual_seed(startSeed) as the first line
   * of the lesson's script draws the same template and net_noseed.
   */
  startSeed?: number;
  /** Seed set just before net_rs1a is initialized (the lesson: 1). */
  seedA?: number;
  /** Seed set just before net_rs2 (the lesson: 2). */
  seedB?: number;
  /** Seed set just before net_rs1b (the lesson: 1 again). */
  seedC?: number;
  /** Called after each network is built, with the flattened weights so far. */
  onProgress?: (p: SeedsProgress) => void | Promise<void>;
  /** Checked before each network: once aborted, the run ends with the networks built so far. */
  signal?: AbortSignal;
}

export interface SeedsProgress {
  net: NetName;
  built: number;
  total: number;
  weights: Partial<Record<NetName, number[]>>;
}

export interface WeightLayer {
  name: string;
  shape: number[];
  fanIn: number;
  fanOut: number;
  /** Xavier-normal's standard deviation for this layer (gain 1). */
  std: number;
}

/** A run to the end: all four networks and every pair. */
export interface SeedsResult {
  stopped: false;
  /** Networks built: all four. */
  built: number;
  /** The seed the generator started from, standing for PyTorch's own choice at start-up. */
  startSeed: number;
  /** The seed each seeded net used (net_noseed has none). */
  seeds: { rs1a: number; rs2: number; rs1b: number };
  /** The template's biases (its default init), which all four copies keep. */
  biases: Record<string, number[]>;
  /** The weight parameters, in namedParameters() order. */
  layers: WeightLayer[];
  /** Shape of each net's flattened weight vector (the lesson prints these). */
  shapes: Record<NetName, number[]>;
  weights: Record<NetName, number[]>;
  maxAbsDiff: Record<PairName, number>;
}

/** A run ended by Stop: the networks built so far, and the pairs among them. */
export interface SeedsStopped extends Omit<SeedsResult, 'stopped' | 'shapes' | 'weights' | 'maxAbsDiff'> {
  stopped: true;
  shapes: Partial<Record<NetName, number[]>>;
  weights: Partial<Record<NetName, number[]>>;
  maxAbsDiff: Partial<Record<PairName, number>>;
}

export const makeBaseNet = (): nn.Sequential => new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));

/** copy.deepcopy(base_net), then xavier_normal_ on every parameter named *weight*. */
export function xavierCopy(base: nn.Module): nn.Module {
  const net = base.clone();
  for (const [name, param] of net.namedParameters()) {
    if (name.endsWith('weight')) init.xavierNormal_(param);
  }
  return net;
}

/** The lesson's get_flattened_weights: the weights only (no biases), one after another. */
export async function flattenedWeights(net: nn.Module): Promise<number[]> {
  const all: number[] = [];
  for (const [name, param] of net.namedParameters()) {
    if (name.endsWith('weight')) all.push(...(await param.data()));
  }
  return all;
}

export function maxAbsDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`maxAbsDifference: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function checkSeed(name: string, s: number): number {
  if (!Number.isSafeInteger(s) || s < 0) throw new Error(`runSeedsExperiment: ${name} must be a non-negative integer below 2**53, got ${s}`);
  return s;
}

/** A seed as PyTorch's generator would use it (its mt19937 keeps the low 32 bits): 0 .. 2**32 - 1. */
export function pickStartSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** PyTorch's draws from here on: the same numbers as after torch.manual_seed(seed). */
const torchSeed = (seed: number): void => manualSeed(seed, { generator: 'torch' });

/** Without a signal nothing can stop the run, so it always builds all four networks. */
export async function runSeedsExperiment(opts?: SeedsOptions & { signal?: undefined }): Promise<SeedsResult>;
export async function runSeedsExperiment(opts: SeedsOptions): Promise<SeedsResult | SeedsStopped>;
export async function runSeedsExperiment(opts: SeedsOptions = {}): Promise<SeedsResult | SeedsStopped> {
  const seeds = { rs1a: checkSeed('seedA', opts.seedA ?? 1), rs2: checkSeed('seedB', opts.seedB ?? 2), rs1b: checkSeed('seedC', opts.seedC ?? 1) };
  const startSeed = checkSeed('startSeed', opts.startSeed ?? pickStartSeed());

  // The template, built before any seed is set: its default init (each Linear's weight,
  // then its bias, uniform in +-1/sqrt(fan_in)) is drawn from wherever the generator stands.
  torchSeed(startSeed);
  const baseNet = makeBaseNet();
  const biases = Object.fromEntries(
    await Promise.all(
      baseNet
        .namedParameters()
        .filter(([name]) => name.endsWith('bias'))
        .map(async ([name, p]) => [name, Array.from(await p.data())] as const),
    ),
  );

  // The lesson's order. net_noseed comes first and sets no seed: its Xavier draws follow the
  // template's, so they depend on the start seed and change from run to run.
  const plan: [NetName, number | null][] = [
    ['noseed', null],
    ['rs1a', seeds.rs1a],
    ['rs2', seeds.rs2],
    ['rs1b', seeds.rs1b],
  ];
  const weights: Partial<Record<NetName, number[]>> = {};
  let built = 0;
  for (const [name, seed] of plan) {
    if (opts.signal?.aborted) break;
    if (seed !== null) torchSeed(seed);
    const net = xavierCopy(baseNet);
    weights[name] = await flattenedWeights(net);
    built++;
    await opts.onProgress?.({ net: name, built, total: plan.length, weights: { ...weights } });
  }

  const layers = baseNet
    .namedParameters()
    .filter(([name]) => name.endsWith('weight'))
    .map(([name, p]) => {
      // A Linear weight is [out, in]: fan_in = in, fan_out = out.
      const [fanOut, fanIn] = p.shape as [number, number];
      return { name, shape: [...p.shape], fanIn, fanOut, std: Math.sqrt(2 / (fanIn + fanOut)) };
    });
  const have = NET_NAMES.filter((n) => weights[n]);
  const shapes = Object.fromEntries(have.map((n) => [n, [weights[n]!.length]]));
  const maxAbsDiff = Object.fromEntries(PAIRS.filter(([a, b]) => weights[a] && weights[b]).map(([a, b]) => [`${a}-${b}`, maxAbsDifference(weights[a]!, weights[b]!)]));
  if (built < plan.length) return { stopped: true, built, startSeed, seeds, biases, layers, shapes, weights, maxAbsDiff };
  return {
    stopped: false,
    built,
    startSeed,
    seeds,
    biases,
    layers,
    shapes: shapes as Record<NetName, number[]>,
    weights: weights as Record<NetName, number[]>,
    maxAbsDiff: maxAbsDiff as Record<PairName, number>,
  };
}

/**
 * A float as Python's repr writes it (what the lesson's print calls show): the shortest
 * digits that read back as the same double, as JavaScript's, but `0.0` for zero and
 * exponent notation below 1e-4 and from 1e16 up, where JavaScript switches at 1e-6 and 1e21.
 */
export function pythonFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** The lines the lesson's code prints for these nets: the shapes, then its three differences. */
export function lessonPrintout(r: Pick<SeedsResult, 'shapes' | 'maxAbsDiff'>): string[] {
  const shape = (n: NetName): string => `(${r.shapes[n].join(', ')},)`;
  return [
    `Shapes => no-seed: ${shape('noseed')}, rs1a: ${shape('rs1a')}, rs2: ${shape('rs2')}, rs1b: ${shape('rs1b')}`,
    `Max absolute difference (rs1a - rs1b): ${pythonFloat(r.maxAbsDiff['rs1a-rs1b'])}`,
    `Max abs difference (rs1a - rs2): ${pythonFloat(r.maxAbsDiff['rs1a-rs2'])}`,
    `Max abs difference (rs1a - no-seed): ${pythonFloat(r.maxAbsDiff['rs1a-noseed'])}`,
  ];
}
