// The lesson's five XOR-style datasets, drawn exactly as its `create_xor_dataset` draws
// them: np.random.seed(42), np.repeat of the four corners (25 points each), then
// X + np.random.randn(len(X), 2) * noise. numpy fills randn(100, 2) row-major, so point i
// takes normals 2i (x1) and 2i+1 (x2); RandomState is numpy's legacy generator, so these
// are the lesson's own points, number for number (in float64, before the upload).
import { RandomState, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

export const DATASETS = ['corner', 'corner_noisy', 'clean', 'noisy', 'perfect'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** What the lesson's dropdown calls each dataset. */
export const DATASET_LABELS: Record<DatasetName, string> = {
  corner: 'Corner (easier)',
  corner_noisy: 'Corner Noisy (moderate)',
  clean: 'Clean XOR (moderate)',
  noisy: 'Noisy XOR (harder)',
  perfect: 'Perfect XOR (easiest)',
};

// One corner against the other three (linearly separable) ...
const CORNER = { corners: [[-1, -1], [-1, 1], [1, -1], [1, 1]], labels: [0, 1, 1, 1] };
// ... and true XOR: the two diagonals are the two classes.
const XOR = { corners: [[-1, -1], [1, 1], [-1, 1], [1, -1]], labels: [0, 0, 1, 1] };

export interface XorDataset {
  name: DatasetName;
  /** [n, 2] row-major, float64 as numpy has them. */
  X: Float64Array;
  /** 0 or 1 per point. */
  y: Int32Array;
  n: number;
}

/** The noise standard deviation each dataset uses, computed as the lesson computes it. */
export function noiseFor(name: DatasetName, noiseStd = 0.2): number {
  switch (name) {
    case 'corner':
    case 'clean':
      return noiseStd;
    case 'corner_noisy':
      return noiseStd * 1.5; // "More noise"
    case 'noisy':
      return noiseStd * 2.0; // "Much more noise"
    case 'perfect':
      return 0.05; // "Minimal noise": a fixed number, not a multiple of noise_std
  }
}

export function createXorDataset(name: DatasetName = 'clean', nPerCluster = 25, noiseStd = 0.2, seed = 42): XorDataset {
  if (!DATASETS.includes(name)) throw new Error(`createXorDataset: unknown dataset '${String(name)}'; expected one of ${DATASETS.join(', ')}`);
  const { corners, labels } = name === 'corner' || name === 'corner_noisy' ? CORNER : XOR;
  const n = corners.length * nPerCluster;
  const rs = new RandomState(seed);
  const noise = rs.randn(n * 2); // randn(len(X), 2), row-major
  const scale = noiseFor(name, noiseStd);
  const X = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / nPerCluster); // np.repeat(corners, n_per_cluster, axis=0)
    y[i] = labels[c]!;
    // X + (randn * noise): the product first, as numpy evaluates it.
    X[i * 2] = corners[c]![0]! + noise[i * 2]! * scale;
    X[i * 2 + 1] = corners[c]![1]! + noise[i * 2 + 1]! * scale;
  }
  return { name, X, y, n };
}

/** The dataset as engine tensors, shaped for the batched nets in net.ts. */
export interface DataTensors {
  n: number;
  /** [n, 2] inputs, shared by every net of a batch. */
  X: Tensor;
  /** [n, 1] targets as floats, and 1 - y, for the loss. */
  y: Tensor;
  oneMinusY: Tensor;
  /** [n, 1] int32 labels, for accuracy. */
  labels: Tensor;
  /**
   * Fewest correct points that count as accuracy >= 99%: the smallest k with k / n >= 0.99
   * in float64, as numpy compares. Comparing counts keeps float32 rounding of k / n out of it.
   */
  minCorrect: number;
}

export function toTensors(d: XorDataset): DataTensors {
  const yf = Float32Array.from(d.y);
  let minCorrect = 0;
  while (minCorrect / d.n < 0.99) minCorrect++;
  return {
    n: d.n,
    X: tensor(Float32Array.from(d.X), { shape: [d.n, 2] }),
    y: tensor(yf, { shape: [d.n, 1] }),
    oneMinusY: tensor(yf.map((v) => 1 - v), { shape: [d.n, 1] }),
    labels: tensor(Int32Array.from(d.y), { shape: [d.n, 1], dtype: 'int32' }),
    minCorrect,
  };
}
