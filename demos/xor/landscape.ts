// The loss landscape of two of the nine weights: the loss over a grid of values of those two
// with the other seven held where they are, and a training run in which only those two move,
// for basic gradient descent and for momentum. No DOM here: the page and the tests run it.
//
// The grid is one batched forward: every grid point is a net of its own (the nine weights
// with the two replaced), so an n x n grid is n^2 nets in lossesOf's single pass. The runs
// are the lab's own epochs (net.ts: the lesson's gradient, line search and momentum) with the
// seven other weights frozen by zeroing their gradients; both runs train side by side as one
// batch of two nets.
import { cat } from 'shadergrad';
import { ALGORITHMS, WEIGHT_NAMES, XorNets, lossesOf, rawToFlat } from './net.ts';
import type { Algorithm } from './net.ts';
import type { DataTensors } from './data.ts';

/** An axis of the landscape: which weight, and the interval of its values shown. */
export interface Axis {
  index: number;
  range: [number, number];
}

function checkPair(a: number, b: number, what: string): void {
  for (const i of [a, b]) if (!(Number.isInteger(i) && i >= 0 && i < 9)) throw new Error(`${what}: weight index ${i} is not one of 0..8 (${WEIGHT_NAMES.join(', ')})`);
  if (a === b) throw new Error(`${what}: the two weights must differ, got ${WEIGHT_NAMES[a]} twice`);
}

/**
 * The loss at every point of an n x n grid over (weight a, weight b), the other seven as in
 * `weights` (lesson order). Row-major from the bottom row, as Heatmap.grid: entry r * n + c
 * has weight a at column c of a's range and weight b at row r of b's range.
 */
export async function lossGrid(d: DataTensors, weights: ArrayLike<number>, a: Axis, b: Axis, n: number): Promise<Float32Array> {
  checkPair(a.index, b.index, 'lossGrid');
  if (weights.length !== 9) throw new Error(`lossGrid: expected 9 weights, got ${weights.length}`);
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`lossGrid: the grid needs at least 2 points a side, got ${n}`);
  const flat = new Float32Array(n * n * 9);
  const at = ([lo, hi]: [number, number], k: number): number => lo + ((hi - lo) * k) / (n - 1);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const o = (r * n + c) * 9;
      for (let k = 0; k < 9; k++) flat[o + k] = weights[k]!;
      flat[o + a.index] = at(a.range, c);
      flat[o + b.index] = at(b.range, r);
    }
  }
  return (await lossesOf(d, flat).data()) as Float32Array;
}

export interface FrozenRunOptions {
  lr: number;
  epochs: number;
  /** Checked before every epoch: once aborted, the runs end there (the paths so far are kept). */
  signal?: AbortSignal;
  onEpoch?: (epoch: number) => void | Promise<void>;
}

/** One algorithm's run: the two weights after every epoch (index 0: the start) and the loss. */
export interface FrozenPath {
  algorithm: Algorithm;
  /** [weight a, weight b] at epoch 0, 1, ..., epochs. */
  points: [number, number][];
  /** The loss at each of those points (index 0: the start). */
  losses: number[];
  /** All nine weights at the end (the seven frozen ones unchanged). */
  final: number[];
}

export interface FrozenRuns {
  a: number;
  b: number;
  lr: number;
  epochsRun: number;
  stopped: boolean;
  paths: Record<Algorithm, FrozenPath>;
}

/**
 * Train only weights a and b from `weights`, `epochs` epochs of the lesson's basic descent and
 * of its momentum, side by side (one batch of two nets, one readback per epoch).
 */
export async function frozenRuns(d: DataTensors, weights: ArrayLike<number>, a: number, b: number, opts: FrozenRunOptions): Promise<FrozenRuns> {
  checkPair(a, b, 'frozenRuns');
  if (weights.length !== 9) throw new Error(`frozenRuns: expected 9 weights, got ${weights.length}`);
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) throw new Error(`frozenRuns: epochs must be a whole number >= 1, got ${opts.epochs}`);
  const B = ALGORITHMS.length;
  const start = new Float32Array(B * 9);
  for (let i = 0; i < B; i++) start.set(Array.from(weights), i * 9);
  const nets = new XorNets(d, start, ALGORITHMS.map((algorithm) => ({ algorithm, lr: opts.lr })));
  const trains = new Float32Array(B * 9);
  for (let i = 0; i < B; i++) trains[i * 9 + a] = trains[i * 9 + b] = 1;
  nets.setTrainable(trains);

  const paths = {} as Record<Algorithm, FrozenPath>;
  const w0 = Array.from(start.subarray(0, 9)); // as float32, the values the nets hold
  const loss0 = await nets.evaluate().loss.data();
  ALGORITHMS.forEach((algorithm, i) => (paths[algorithm] = { algorithm, points: [[w0[a]!, w0[b]!]], losses: [loss0[i]!], final: w0 }));
  let epoch = 0;
  let stopped = false;
  for (; epoch < opts.epochs; epoch++) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    const { loss } = nets.step();
    // One readback per epoch: both nets' losses and weights.
    const r = await cat([loss, nets.rawWeights().reshape([B * 9])]).data();
    const w = rawToFlat(r.subarray(B));
    ALGORITHMS.forEach((algorithm, i) => {
      const p = paths[algorithm];
      p.points.push([w[i * 9 + a]!, w[i * 9 + b]!]);
      p.losses.push(r[i]!);
      p.final = Array.from(w.subarray(i * 9, i * 9 + 9));
    });
    await opts.onEpoch?.(epoch + 1);
  }
  return { a, b, lr: opts.lr, epochsRun: epoch, stopped, paths };
}

/**
 * The grid's ranges: `span` either side of the start, widened to take in both paths, so the
 * heatmaps show where the runs went even when they travelled far.
 */
export function rangesFor(start: [number, number], paths: [number, number][][], span: number): [[number, number], [number, number]] {
  if (!(span > 0 && Number.isFinite(span))) throw new Error(`rangesFor: span must be a positive number, got ${span}`);
  return [0, 1].map((k) => {
    let lo = start[k]! - span;
    let hi = start[k]! + span;
    for (const path of paths) for (const p of path) (lo = Math.min(lo, p[k]!)), (hi = Math.max(hi, p[k]!));
    const pad = 0.05 * (hi - lo); // the path's ends off the very edge
    return [lo - (lo < start[k]! - span ? pad : 0), hi + (hi > start[k]! + span ? pad : 0)];
  }) as [[number, number], [number, number]];
}
