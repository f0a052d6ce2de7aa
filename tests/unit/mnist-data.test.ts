// The MNIST page's data and training module on the CPU: the build script's IDX files hold
// the package's 10,000 digits exactly, the seeded split is numpy's permutation, and a short
// training run behaves as the lesson's loop (mini-batches, running accuracy, evaluation).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, expect, it } from 'vitest';
import { backendStats, data, setBackend } from '../../src/index.ts';
import { buildMnist } from '../../scripts/build-mnist.mjs';
import { evaluate, fromIdx, shallowNet, splitMnist, trainMnist } from '../../demos/mnist/mnist.ts';
import type { MnistData } from '../../demos/mnist/mnist.ts';
import { readFixture } from '../shared/fixtures.ts';

let ds: MnistData;
beforeAll(async () => {
  await setBackend('cpu');
  const files = buildMnist({ quiet: true });
  ds = fromIdx(data.parseIdxPair(readFileSync(files.images), readFileSync(files.labels)));
});

it('the IDX files hold the mnist package digits: 10,000, class by class, bytes = round(255 v)', () => {
  expect(ds.count).toBe(10000);
  const require = createRequire(import.meta.url);
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const values = (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data;
    const n = values.length / 784;
    expect(Array.from(ds.labels.subarray(at, at + n)).every((l) => l === d)).toBe(true);
    // The first and last digit of each class, pixel by pixel (the package keeps 3 decimals).
    for (const k of [0, n - 1]) {
      for (let p = 0; p < 784; p++) expect(Math.abs(ds.pixels[(at + k) * 784 + p]! / 255 - values[k * 784 + p]!)).toBeLessThanOrEqual(0.5 / 255);
    }
    at += n;
  }
  expect(at).toBe(10000);
});

it('the split is numpy.random.RandomState(seed).permutation(10000): 8,000 / 2,000, every digit once', () => {
  const s = splitMnist(ds, { seed: 0 });
  expect([s.train.y.length, s.test.y.length]).toEqual([8000, 2000]);
  // np.random.RandomState(0).permutation(10000)[:5] and [-3:], from tests/fixtures/numpy/mnist_data.py.
  const numpy = readFixture<{ seed: number; count: number; head: number[]; tail: number[] }>('numpy/mnist_data.json');
  expect([numpy.seed, numpy.count]).toEqual([0, ds.count]);
  expect(Array.from(s.train.index.subarray(0, numpy.head.length))).toEqual(numpy.head);
  expect(Array.from(s.test.index.subarray(2000 - numpy.tail.length))).toEqual(numpy.tail);
  expect(new Set([...s.train.index, ...s.test.index]).size).toBe(10000);
  const i = 3;
  expect(s.train.y[i]).toBe(ds.labels[s.train.index[i]!]);
  expect(s.train.x[i * 784 + 400]).toBe(ds.pixels[s.train.index[i]! * 784 + 400]! / 255);
  expect(() => splitMnist(ds, { trainSize: 10000 })).toThrow('splitMnist: trainSize must be an integer in [1, 9999], got 10000');
});

it('short epochs: 8 mini-batches (the last one short), running accuracy, evaluation; a rerun builds no more plans than the first run', async () => {
  const s = splitMnist(ds, { seed: 1, trainSize: 1000 });
  const small = { ...s, test: { x: s.test.x.subarray(0, 300 * 784), y: s.test.y.subarray(0, 300), index: s.test.index.subarray(0, 300) } };
  const progress: string[] = [];
  const plans0 = backendStats().plans;
  const r = await trainMnist(small, { epochs: 2, seed: 3, readEvery: 3, onProgress: (p) => void progress.push(`${p.kind}${p.epoch}:${p.step}`) });
  expect(r.stepsPerEpoch).toBe(8); // 7 x 128 + 104
  expect(r.stepLosses).toHaveLength(16);
  // Reads every 3 steps and at the end of each epoch, and an evaluation before and after each.
  expect(progress).toEqual(['epoch0:0', 'steps1:3', 'steps1:6', 'steps1:8', 'epoch1:8', 'steps2:11', 'steps2:14', 'steps2:16', 'epoch2:16']);
  // An untrained net's loss is about ln 10; it falls.
  expect(Math.abs(r.stepLosses[0]! - Math.log(10))).toBeLessThan(0.15);
  expect(r.stepLosses.at(-1)!).toBeLessThan(r.stepLosses[0]! - 0.8);
  expect(r.trainAccuracy[1]!).toBeGreaterThan(r.trainAccuracy[0]!);
  // The epoch's train loss: each batch's mean loss weighted by its size (7 x 128 + 104).
  const sizes = [...new Array<number>(7).fill(128), 104];
  for (const e of [0, 1]) {
    const weighted = sizes.reduce((sum, b, i) => sum + b * r.stepLosses[e * 8 + i]!, 0) / 1000;
    expect(r.trainLoss[e]!).toBeCloseTo(weighted, 12);
  }
  expect(r.trainLoss[1]!).toBeLessThan(r.trainLoss[0]!);
  expect(r.epochOrderHeads.map((h) => h.length)).toEqual([16, 16]);
  expect(r.testAccuracy[1]!).toBeGreaterThan(0.6);
  expect(r.final.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
  const diag = r.final.confusion.reduce((a, row, k) => a + row[k]!, 0);
  expect(diag / 300).toBeCloseTo(r.testAccuracy[1]!, 12);
  for (const e of r.final.wrong) expect(e.pred).not.toBe(e.label);
  expect(r.final.correct.every((e) => small.test.index[e.test] === e.file && e.label === small.test.y[e.test])).toBe(true);
  // Per epoch: a shuffle plan, full batches and the last short batch, and the evaluation; the
  // second epoch adds no new plans.
  const plans = backendStats().plans - plans0;
  const again = backendStats().plans;
  await trainMnist(small, { epochs: 1, seed: 3 });
  expect(backendStats().plans - again).toBeLessThanOrEqual(plans);
});

it('Stop: an aborted run returns what it has, marked stopped', async () => {
  const s = splitMnist(ds, { seed: 1, trainSize: 1000 });
  const ctl = new AbortController();
  const r = await trainMnist(s, { epochs: 3, readEvery: 1, signal: ctl.signal, onProgress: (p) => void (p.step >= 2 && ctl.abort()) });
  expect(r.stopped).toBe(true);
  expect(r.epochsRun).toBe(0);
  expect(r.stepLosses).toHaveLength(2);
});

it('evaluate: argmax of the logits against the labels, counted into confusion[true][pred]', async () => {
  const net = shallowNet(4);
  const x = new Float32Array(3 * 784);
  const part = { x, y: Int32Array.from([0, 1, 2]), index: Int32Array.from([5, 6, 7]) };
  const { tensor } = await import('../../src/index.ts');
  const ev = await evaluate(net, tensor(x, { shape: [3, 784] }), part);
  // All-zero images give the same logits (the output bias): the same prediction for all three.
  const pred = ev.confusion.findIndex((_, p) => ev.confusion[0]![p] === 1);
  expect(ev.confusion.map((row) => row[pred])).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  expect(ev.accuracy).toBeCloseTo(pred <= 2 ? 1 / 3 : 0, 12);
});
