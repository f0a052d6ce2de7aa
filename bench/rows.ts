// The benchmark's rows and sizes, shared by the browser page and the Node runner. Every
// engine gets the same inputs (engine.ts) and returns what it computed; a peer whose results
// differ from ours is flagged on the row (`differs`), and its figure is not shown as a ratio.
import { epochInputs, matmulInputs, trainInputs } from './engine.ts';
import type { Engine } from './engine.ts';
import type { Floors } from './floors.ts';

export type Mode = 'smoke' | 'quick' | 'full';
export const PEERS = ['tfjs', 'jax'] as const;
export type PeerName = (typeof PEERS)[number];

/** A peer's results held against ours. */
export interface Agreement {
  ok: boolean;
  /** What was compared, the largest difference found and the tolerance, in words. */
  detail: string;
}

export interface Row {
  name: string;
  unit: string;
  higherIsBetter: boolean;
  ours: number;
  /** Each peer's figure on the same work; null where it has none (peerNotes says why). */
  peers: Record<PeerName, number | null>;
  peerNotes?: Partial<Record<PeerName, string>>;
  /** Each peer that ran, its results against ours. */
  agreement: Partial<Record<PeerName, Agreement>>;
  /** The peers whose results differ from ours: their figures are not comparable. */
  differs: PeerName[];
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  /** matmul rows: GFLOP/s from GPU timestamp queries (kernels only), where available. */
  oursKernel?: number;
  peerKernels?: Partial<Record<PeerName, number>>;
  /** matmul rows: ours, milliseconds per timed repetition (its `batch` products and one readback). */
  oursMsPerRep?: number;
}

export interface Result {
  adapter: string;
  date: string;
  mode: Mode;
  rows: Row[];
  /** The adapter's fixed costs (floors.ts), where they could be measured. */
  floors?: Floors;
  notes: string[];
}

export interface Plan {
  matmul: [m: number, k: number, n: number, batch: number][];
  reps: number;
  smallSteps: number;
  mnistStepSteps: number;
  /** The MLP wider than MNIST's: sizes, batch, timed steps (Adam lr 1e-3). */
  wide: { sizes: number[]; batch: number; steps: number };
  epochRows: number;
  epochReps: number;
  cpu: boolean;
}

// The weight-gradient shape of a training step at small batch (large output, small K):
// 3072x64x256 is the first layer's of 3072-256-256-10 at batch 64.
const WEIGHT_GRAD: [number, number, number, number] = [3072, 64, 256, 1];
const WIDE = [3072, 256, 256, 10];

export const PLANS: Record<Mode, Plan> = {
  // Every row, at sizes small enough for a schema and agreement check inside npm test.
  smoke: {
    matmul: [[32, 32, 32, 1], [96, 8, 32, 1]],
    reps: 1,
    smallSteps: 3,
    mnistStepSteps: 1,
    wide: { sizes: [96, 16, 16, 10], batch: 8, steps: 1 },
    epochRows: 256,
    epochReps: 1,
    cpu: true,
  },
  quick: {
    matmul: [[128, 128, 128, 4], [256, 256, 256, 2], [512, 512, 512, 1], [128, 784, 128, 2], WEIGHT_GRAD],
    reps: 3,
    smallSteps: 40,
    mnistStepSteps: 4,
    wide: { sizes: WIDE, batch: 64, steps: 4 },
    epochRows: 8000,
    epochReps: 1,
    cpu: true,
  },
  full: {
    matmul: [[128, 128, 128, 8], [256, 256, 256, 4], [512, 512, 512, 2], [1024, 1024, 1024, 1], [128, 784, 128, 4], WEIGHT_GRAD],
    reps: 5,
    smallSteps: 200,
    mnistStepSteps: 20,
    wide: { sizes: WIDE, batch: 64, steps: 20 },
    epochRows: 8000,
    epochReps: 3,
    cpu: true,
  },
};

// Tolerances, float32 throughout. A matmul output differs between engines only by the
// order of its K-long sums: about sqrt(K) roundings of 6e-8 relative each, so under 1e-5 of
// the output's largest |value| for K up to 1024 (measured: 1.4e-6). 1e-4 leaves room for
// any summation order and still catches a wrong element, transpose or missing product.
export const MATMUL_RTOL = 1e-4;
// A loss is a mean over the batch after a few Adam steps from the same weights and with
// the same hyperparameters: the engines' roundings (summation order, exp/log) move the
// first six losses by under 3e-5 relative (measured, 3072-256-256-10 included); the
// epoch's last loss, after 60-odd steps on the same batches, by about 1e-4. 1e-3 relative
// holds those and still catches a different step: TF.js's default Adam epsilon (1e-7, not
// 1e-8) alone moved them by 8e-4 and 1e-3, a wrong learning rate or bias correction more.
export const LOSS_RTOL = 1e-3;
/** How many of the first losses are compared (at least the warm-up steps'). */
export const LOSSES_COMPARED = 6;

export function compareMatmul(ours: Float32Array, peer: Float32Array): Agreement {
  if (ours.length !== peer.length) return { ok: false, detail: `matmul output has ${peer.length} values, ours ${ours.length}` };
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ours[i]!));
    const d = Math.abs(ours[i]! - peer[i]!);
    // NaN compares false: count it as a difference.
    maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Infinity : d);
  }
  const rel = maxAbs > 0 ? maxDiff / maxAbs : maxDiff;
  return { ok: rel <= MATMUL_RTOL, detail: `matmul output: max |diff| ${fmtE(rel)} of max |value| (tolerance ${fmtE(MATMUL_RTOL)})` };
}

export function compareLosses(ours: number[], peer: number[], what: string): Agreement {
  const n = Math.min(ours.length, peer.length, LOSSES_COMPARED);
  if (n === 0) return { ok: false, detail: `${what}: no losses to compare (ours ${ours.length}, peer ${peer.length})` };
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(ours[i]! - peer[i]!) / Math.max(Math.abs(ours[i]!), 1e-6);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  return {
    ok: worst <= LOSS_RTOL,
    detail: `${what}: max relative diff ${fmtE(worst)} over ${n} (tolerance ${fmtE(LOSS_RTOL)}; ours ${ours.slice(0, n).map((v) => v.toPrecision(6)).join(', ')}; peer ${peer.slice(0, n).map((v) => v.toPrecision(6)).join(', ')})`,
  };
}

function fmtE(v: number): string {
  return Number.isFinite(v) ? v.toExponential(1) : String(v);
}

/** One engine's run of a row: the figure, what it computed (compared across engines), extras. */
interface Run<T> {
  value: number;
  result: T;
  /** matmul: GFLOP/s of the kernels alone (GPU timestamps), where the engine has them. */
  kernel?: number;
  extra?: Partial<Row>;
}

/**
 * Every row for one backend: ours and each peer (null: that peer has no engine here, and
 * `missing` says why) on the same work. A peer that throws on a row gets null and a note;
 * ours throwing fails the run.
 */
export async function collectRows(
  prefix: string,
  ours: Engine,
  peers: Record<PeerName, Engine | null>,
  missing: Partial<Record<PeerName, string>>,
  plan: Plan,
  log: (msg: string) => void,
): Promise<Row[]> {
  const out: Row[] = [];
  const row = async <T>(
    name: string,
    unit: string,
    higherIsBetter: boolean,
    f: (e: Engine) => Promise<Run<T>>,
    compare: (ours: T, peer: T) => Agreement,
  ): Promise<void> => {
    const full = `${prefix}${name}`;
    log(`${full} ...`);
    const o = await f(ours);
    const r: Row = { name: full, unit, higherIsBetter, ours: o.value, peers: { tfjs: null, jax: null }, agreement: {}, differs: [], ...o.extra };
    if (o.kernel !== undefined) r.oursKernel = o.kernel;
    for (const p of PEERS) {
      const engine = peers[p];
      if (!engine) {
        if (missing[p]) (r.peerNotes ??= {})[p] = missing[p];
        continue;
      }
      let run: Run<T>;
      try {
        run = await f(engine);
      } catch (err) {
        (r.peerNotes ??= {})[p] = `${engine.name} failed: ${err instanceof Error ? err.message : String(err)}`;
        log(`${full}: ${r.peerNotes[p]}`);
        continue;
      }
      r.peers[p] = run.value;
      if (run.kernel !== undefined) (r.peerKernels ??= {})[p] = run.kernel;
      const a = compare(o.result, run.result);
      r.agreement[p] = a;
      if (!a.ok) {
        r.differs.push(p);
        log(`${full}: ${engine.name}'s results DIFFER from ours: ${a.detail}`);
      }
    }
    const fig = (v: number | null): string => (v === null ? '-' : v.toPrecision(4));
    log(`${full}: ours ${fig(r.ours)}, ${PEERS.map((p) => `${p} ${fig(r.peers[p])}`).join(', ')} ${unit}`);
    out.push(r);
  };

  for (const [m, k, n, batch] of plan.matmul) {
    const { a, b } = matmulInputs(m, k, n);
    const flop = batch * 2 * m * n * k;
    await row(
      `matmul_${m}x${k}x${n}`,
      'GFLOP/s',
      true,
      async (e) => {
        const f = await e.matmul(m, k, n, batch, plan.reps, a, b);
        const extra: Partial<Row> = e === ours ? { oursMsPerRep: (flop / (f.gflops * 1e9)) * 1000 } : {};
        return { value: f.gflops, result: f.out, kernel: f.kernelGflops, extra };
      },
      compareMatmul,
    );
  }
  const steps = (name: string, sizes: number[], batch: number, lr: number, count: number, readEvery: number) => {
    const data = trainInputs(sizes, batch);
    return row(
      name,
      'steps/s',
      true,
      async (e) => {
        const f = await e.trainSteps(sizes, batch, lr, count, readEvery, data);
        const extra = f.dispatchesPerStep !== undefined && e === ours ? { dispatchesPerStep: f.dispatchesPerStep, submitsPerStep: f.submitsPerStep! } : undefined;
        return { value: f.stepsPerSecond, result: f.losses, extra };
      },
      (o, p) => compareLosses(o, p, 'first losses'),
    );
  };
  await steps('train_step_2-8-2_item', [2, 8, 2], 100, 0.08, plan.smallSteps, 1);
  await steps('train_step_2-8-2_loop', [2, 8, 2], 100, 0.08, plan.smallSteps, Math.max(2, Math.floor(plan.smallSteps / 4)));
  await steps('train_step_784-128-10_b128', [784, 128, 10], 128, 1e-3, plan.mnistStepSteps, 1);
  const { sizes, batch, steps: wideSteps } = plan.wide;
  await steps(`train_step_${sizes.join('-')}_b${batch}`, sizes, batch, 1e-3, wideSteps, 1);
  const epoch = epochInputs(plan.epochRows);
  await row(
    `mnist_epoch_${plan.epochRows}_b128`,
    's',
    false,
    async (e) => {
      const f = await e.mnistEpoch(plan.epochRows, 128, plan.epochReps, epoch);
      return { value: f.seconds, result: [f.loss] };
    },
    (o, p) => compareLosses(o, p, "the first epoch's last loss"),
  );
  return out;
}

/** The closing note on the floor: how close the smallest matmul row comes to it. */
export function floorNote(r: Pick<Result, 'rows' | 'floors'>): string | null {
  if (!r.floors) return null;
  const { submitMs, readbackMs, reps } = r.floors;
  const head = `floors on this adapter (median of ${reps}, a device of the bench's own): an empty submit until onSubmittedWorkDone ${submitMs.toPrecision(3)} ms; a 4-byte readback (copy, submit, mapAsync) ${readbackMs.toPrecision(3)} ms`;
  const matmuls = r.rows.filter((row) => row.name.startsWith('matmul_') && row.oursMsPerRep !== undefined);
  if (matmuls.length === 0) return head;
  const smallest = matmuls.reduce((a, b) => (a.oursMsPerRep! <= b.oursMsPerRep! ? a : b));
  const ms = smallest.oursMsPerRep!;
  return `${head}. The fastest matmul row, ${smallest.name}, takes ${ms.toPrecision(3)} ms a repetition (its products, one submit and one readback): ${(ms / readbackMs).toFixed(1)}x the readback floor, ${(ms - readbackMs).toPrecision(3)} ms above it`;
}
