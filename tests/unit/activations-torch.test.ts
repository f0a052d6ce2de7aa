// The activations page's lesson modules on the CPU backend against the lesson's own PyTorch
// code (tests/fixtures/torch/activations.json, made by activations.py beside it): the same
// data, the same starting weights, and the same losses and gradients epoch by epoch.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed, setBackend } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { ACTIVATIONS, lessonStart } from '../../demos/activations/nets.ts';
import type { Activation } from '../../demos/activations/nets.ts';
import { DEMO2, DEMO3, EXERCISE2, EXERCISE3, compareActivations } from '../../demos/activations/compare.ts';
import { DEMO4, EXERCISE4, swapActivation } from '../../demos/activations/swap.ts';

await setBackend('cpu');

interface Kept {
  first: number[];
  last: number;
  epochs: number;
}
type Weights = Record<string, number[]>;
interface CompareRun {
  lr: number;
  epochs: number;
  weights: Record<Activation, Weights>;
  losses: Record<Activation, Kept>;
  grads?: Record<Activation, Kept>;
}
interface SwapRun {
  lr: number;
  epochs: number;
  swapAfter: number;
  weights: Weights;
  losses: Kept & { aroundSwap: number[]; aroundSwapFrom: number };
}
interface Script {
  seed: number;
  n: number;
  rule: 'sum' | 'tilted';
  hidden: number;
  slope: number;
  X: number[];
  y: number[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/activations.json', import.meta.url)), 'utf8')) as {
  torch: string;
  demos: Script & { demo2: CompareRun; demo3: CompareRun; demo4: SwapRun };
  exercises: Script & { exercise2: CompareRun; exercise3: CompareRun; exercise4: SwapRun };
};

/** Distance in float32 ulps (of the expected value). */
const ulps = (got: number, want: number): number => Math.abs(got - want) / 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** -126))) - 23);
const worstUlps = (got: ArrayLike<number>, want: number[]): number => {
  expect(got.length).toBe(want.length);
  return want.reduce((w, v, i) => Math.max(w, ulps(got[i]!, v)), 0);
};
const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
const worstRel = (got: number[], want: number[]): number => want.reduce((w, v, i) => Math.max(w, rel(got[i]!, v)), 0);
const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** Every preset the page offers, beside the lesson's script it belongs to. */
const PRESETS = [
  { name: 'Demo 2', script: fixture.demos, preset: DEMO2, acts: ACTIVATIONS, want: () => fixture.demos.demo2.weights },
  { name: 'Demo 3', script: fixture.demos, preset: DEMO3, acts: ACTIVATIONS, want: () => fixture.demos.demo3.weights },
  { name: 'Demo 4', script: fixture.demos, preset: DEMO4, acts: ['tanh'], want: () => ({ tanh: fixture.demos.demo4.weights }) },
  { name: 'Exercise 2', script: fixture.exercises, preset: EXERCISE2, acts: ACTIVATIONS, want: () => fixture.exercises.exercise2.weights },
  { name: 'Exercise 3', script: fixture.exercises, preset: EXERCISE3, acts: ACTIVATIONS, want: () => fixture.exercises.exercise3.weights },
  { name: 'Exercise 4', script: fixture.exercises, preset: EXERCISE4, acts: ['tanh'], want: () => ({ tanh: fixture.exercises.exercise4.weights }) },
] as const;

afterAll(() => manualSeed(0));

describe(`Part 3.4 against the lesson's PyTorch code (PyTorch ${fixture.torch})`, () => {
  it('the presets are the settings the fixture ran', () => {
    for (const p of PRESETS) expect(p.preset, p.name).toMatchObject({ seed: p.script.seed, n: p.script.n, rule: p.script.rule, hidden: p.script.hidden, slope: p.script.slope });
    expect(DEMO2).toMatchObject({ lr: fixture.demos.demo2.lr, epochs: fixture.demos.demo2.epochs });
    expect(DEMO3).toMatchObject({ lr: fixture.demos.demo3.lr, epochs: fixture.demos.demo3.epochs });
    expect(DEMO4).toMatchObject({ lr: fixture.demos.demo4.lr, epochs: fixture.demos.demo4.epochs, swapAfter: fixture.demos.demo4.swapAfter });
    expect(EXERCISE2).toMatchObject({ lr: fixture.exercises.exercise2.lr, epochs: fixture.exercises.exercise2.epochs });
    expect(EXERCISE3).toMatchObject({ lr: fixture.exercises.exercise3.lr, epochs: fixture.exercises.exercise3.epochs });
    expect(EXERCISE4).toMatchObject({ lr: fixture.exercises.exercise4.lr, epochs: fixture.exercises.exercise4.epochs, swapAfter: fixture.exercises.exercise4.swapAfter });
  });

  for (const p of PRESETS) {
    it(`${p.name}: the data and every starting weight are PyTorch's`, async () => {
      const start = lessonStart(p.preset, p.acts);
      // randn(n, 2) takes PyTorch's 16-wide float32 normal path: a few ulps apart.
      expect(worstUlps(await values(start.X), p.script.X), 'X').toBeLessThanOrEqual(4);
      expect(await values(start.y)).toEqual(p.script.y);
      const want = p.want() as Record<string, Weights>;
      for (const [k, act] of p.acts.entries()) {
        const got = Object.fromEntries(await Promise.all(start.nets[k]!.namedParameters().map(async ([name, t]) => [name, await values(t)] as const)));
        // nn.Linear's uniform draws are bit-exact.
        expect(got, `${act}`).toEqual(want[act]);
      }
    });
  }

  // The CPU backend's float32 arithmetic is PyTorch's up to the order of its sums: over the
  // first epochs the losses agree to about 3e-7 relative (a few float32 ulps) and the
  // gradient means to about 7e-7; Adam carries such differences on, so after 40 to 80 steps
  // losses agree to about 1e-6 and gradient means to about 2e-5. The bounds leave a few
  // times that; a change in data, init, hyperparameters or the swap moves these numbers by
  // 1e-3 and more.
  const FIRST_LOSS = 1e-6;
  const FIRST_GRAD = 4e-6;
  const LAST_LOSS = 1e-5;
  const LAST_GRAD = 1e-4;

  for (const [name, preset, run] of [
    ['Demo 2', DEMO2, fixture.demos.demo2],
    ['Demo 3', DEMO3, fixture.demos.demo3],
    ['Exercise 2', EXERCISE2, fixture.exercises.exercise2],
    ['Exercise 3', EXERCISE3, fixture.exercises.exercise3],
  ] as const) {
    it(`${name}: every activation's losses${run.grads ? ' and mean |grad| of fc1.weight' : ''} are PyTorch's`, async () => {
      const r = await compareActivations({ ...preset, recordGrad: run.grads !== undefined });
      expect(r.epochsRun).toBe(run.epochs);
      for (const act of ACTIVATIONS) {
        const kept = run.losses[act];
        const losses = r.losses[act]!;
        expect(losses).toHaveLength(kept.epochs);
        expect(worstRel(losses.slice(0, kept.first.length), kept.first), `${act} losses, first epochs`).toBeLessThan(FIRST_LOSS);
        expect(rel(losses.at(-1)!, kept.last), `${act} final loss`).toBeLessThan(LAST_LOSS);
        if (run.grads) {
          const g = r.grads![act]!;
          expect(worstRel(g.slice(0, run.grads[act].first.length), run.grads[act].first), `${act} grads, first epochs`).toBeLessThan(FIRST_GRAD);
          expect(rel(g.at(-1)!, run.grads[act].last), `${act} final grad`).toBeLessThan(LAST_GRAD);
        }
      }
    });
  }

  for (const [name, preset, run] of [
    ['Demo 4', DEMO4, fixture.demos.demo4],
    ['Exercise 4', EXERCISE4, fixture.exercises.exercise4],
  ] as const) {
    it(`${name}: the swapped net's losses are PyTorch's, before, across and after the swap`, async () => {
      const r = await swapActivation({ ...preset });
      expect(r.losses).toHaveLength(run.epochs);
      expect(worstRel(r.losses.slice(0, run.losses.first.length), run.losses.first), 'first epochs').toBeLessThan(FIRST_LOSS);
      const from = run.losses.aroundSwapFrom;
      expect(worstRel(r.losses.slice(from, from + run.losses.aroundSwap.length), run.losses.aroundSwap), 'around the swap').toBeLessThan(FIRST_GRAD);
      expect(rel(r.losses.at(-1)!, run.losses.last), 'final loss').toBeLessThan(LAST_LOSS);
    });
  }
});
