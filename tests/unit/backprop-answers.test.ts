// Exercise 1 of the backpropagation page, checked: the learner's typed values against
// autograd (demos/backprop/answers.ts), on the CPU backend. Right answers are the lesson's
// printed numbers and our float64 hand calculation; wrong ones are the slips a learner makes.
import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from 'shadergrad';
import { DEMO_INPUTS, EXERCISE_INPUTS, QUANTITIES, autogradValues, manualBackprop, manualValues } from '../../demos/backprop/worked.ts';
import type { QuantityValues, WorkedInputs } from '../../demos/backprop/worked.ts';
import { ANSWER_TOLERANCE, QUANTITY_SPECS, checkAnswers, fromYours, parseEntry, withinTolerance } from '../../demos/backprop/answers.ts';
import type { Answers } from '../../demos/backprop/answers.ts';
import { readFixture } from '../shared/fixtures.ts';

afterEach(async () => {
  await setBackend('cpu');
});

const RANDOMISH: WorkedInputs = { x: [-0.7, 1.3], W1: [[0.9, 0.25], [-0.35, 0.8]], W2: [-1.1, 0.45], y: 0.3, eps: 1e-7 };
const all = (v: QuantityValues): Answers => Object.fromEntries(QUANTITIES.map((k) => [k, [...v[k]]])) as Answers;
/** As a learner types them: four decimals. */
const rounded = (v: QuantityValues): Answers => Object.fromEntries(QUANTITIES.map((k) => [k, v[k].map((x) => Math.round(x * 1e4) / 1e4)])) as Answers;

describe('backprop page, exercise 1: autograd value of every quantity', () => {
  for (const [name, inp] of [
    ['demo', DEMO_INPUTS],
    ['exercise', EXERCISE_INPUTS],
    ['other numbers', RANDOMISH],
  ] as const) {
    it(`${name}: equal to the float64 hand calculation (1e-6 in float32, 1e-12 in float64)`, async () => {
      const hand = manualValues(manualBackprop(inp));
      for (const [precision, tol] of [
        ['float32', 1e-6],
        ['float64', 1e-12],
      ] as const) {
        await setBackend('cpu', { precision });
        const auto = await autogradValues(inp);
        for (const k of QUANTITIES) {
          expect(auto[k], `${k} (${precision})`).toHaveLength(hand[k].length);
          auto[k].forEach((v, i) => expect(Math.abs(v - hand[k][i]!), `${k}[${i}] (${precision}): ${v} vs ${hand[k][i]}`).toBeLessThan(tol));
        }
      }
    });
  }

  it('the spec lists every quantity once, in chain order, with one entry name per value', () => {
    expect(QUANTITY_SPECS.map((s) => s.key)).toEqual([...QUANTITIES]);
    const hand = manualValues(manualBackprop(DEMO_INPUTS));
    for (const s of QUANTITY_SPECS) expect(s.entries, s.key).toHaveLength(hand[s.key].length);
  });
});

describe('backprop page, exercise 1: checking typed answers', () => {
  it("accepts the lesson's printed numbers for its demo (4 decimals)", async () => {
    const ref = await autogradValues(DEMO_INPUTS);
    // "Manual dL/dy_pred: -1.8269591317215457", "Manual dy_pred/dz2: 0.24775725594076548",
    // "PyTorch dL/dW2: [[-0.3168, -0.2716]]", "dL/dW1: [[-0.3168, 0.2263], [-0.6337, 0.4526]]"
    // (01-activations-backprop-regularization-mnist.md, Part 3.5, Demos 1 and 2), typed as a
    // learner would, to 4 decimals: the lesson's code's values (tests/fixtures/torch/lesson_backprop.py), rounded.
    const typed: Answers = { dL_dp: [-1.827], dp_dz2: [0.2478], dW2: [-0.3168, -0.2716], dW1: [-0.3168, 0.2263, -0.6337, 0.4526] };
    const t = readFixture<{ values: { dL_dypred: number; dypred_dz2: number; W2grad: number[]; W1grad: number[] } }>('torch/lesson_backprop.json').values;
    const round4 = (v: number[]): number[] => v.map((x) => Math.round(x * 1e4) / 1e4);
    expect(typed).toEqual({ dL_dp: round4([t.dL_dypred]), dp_dz2: round4([t.dypred_dz2]), dW2: round4(t.W2grad), dW1: round4(t.W1grad) });
    const r = checkAnswers(typed, ref, DEMO_INPUTS);
    for (const k of ['dL_dp', 'dp_dz2', 'dW2', 'dW1'] as const) expect(r.checks.find((c) => c.key === k)!.status, k).toBe('right');
    expect(r.right).toBe(4);
    expect(r.answered).toBe(4);
    expect(r.firstWrong).toBeNull();
    expect(r.checks.find((c) => c.key === 'z2')!.status).toBe('blank');
    expect(r.summary).toBe('4 of 13 quantities right; nothing typed is wrong.');
  });

  for (const [name, inp] of [
    ['demo', DEMO_INPUTS],
    ['exercise', EXERCISE_INPUTS],
    ['other numbers', RANDOMISH],
  ] as const) {
    it(`${name}: every hand value, exact or rounded to 4 decimals, is right`, async () => {
      const ref = await autogradValues(inp);
      const hand = manualValues(manualBackprop(inp));
      for (const answers of [all(hand), rounded(hand)]) {
        const r = checkAnswers(answers, ref, inp);
        expect(r.checks.filter((c) => c.status !== 'right').map((c) => `${c.label}: ${c.message}`)).toEqual([]);
        expect(r.summary).toBe('13 of 13 quantities right: all of them.');
      }
    });
  }

  it('once the solution is shown: names a wrong factor and by how much; later factors built on it are marked as carrying it', async () => {
    const inp = EXERCISE_INPUTS;
    const ref = await autogradValues(inp);
    const a = rounded(manualValues(manualBackprop(inp)));
    // A classic slip: sigmoid's slope taken as p instead of p (1 - p), and carried on.
    const p = a.p![0]!;
    a.dp_dz2 = [p];
    a.dL_dz2 = [a.dL_dp![0]! * p];
    const h = a.h as number[];
    a.dW2 = [a.dL_dz2[0]! * h[0]!, a.dL_dz2[0]! * h[1]!];
    const r = checkAnswers(a, ref, inp, { reveal: true });
    const by = (k: string) => r.checks.find((c) => c.key === k)!;
    expect(by('dp_dz2').status).toBe('wrong');
    const err = p - ref.dp_dz2[0]!; // p - p (1 - p) = p^2
    expect(by('dp_dz2').worst!.error).toBeCloseTo(err, 4);
    expect(by('dp_dz2').message).toBe(`off by +${err.toPrecision(3)}`);
    expect(by('dL_dz2').status).toBe('carried');
    expect(by('dL_dz2').message).toMatch(/: this step is right, the error comes from an earlier answer$/);
    expect(by('dW2').status).toBe('carried');
    expect(by('dW2').message).toMatch(/^dL\/dW2\[0\] off by /); // h[1] = 0 in the exercise: entry [1] is still 0, and right
    expect(by('dW2').entries[1]!.ok).toBe(true);
    // dL/dh, dL/dz1 and dL/dW1 were typed with their true values: right, whatever came before.
    expect(r.firstWrong).toBe('dp_dz2');
    expect(r.summary).toBe(`10 of 13 quantities right; the first wrong one is dp/dz2: off by +${err.toPrecision(3)}.`);
  });

  it('once the solution is shown: in a vector, names the entry furthest off and counts the others outside the tolerance', async () => {
    const inp = DEMO_INPUTS;
    const ref = await autogradValues(inp);
    const w = ref.dW1.map((v) => Math.round(v * 1e4) / 1e4);
    // dL/dW1 with rows swapped (x^T dL/dz1 taken as dL/dz1^T x): entries [0][1] and [1][0] move.
    const swapped = [w[0]!, w[2]!, w[1]!, w[3]!];
    const r = checkAnswers({ dW1: swapped }, ref, inp, { reveal: true });
    const c = r.checks.find((q) => q.key === 'dW1')!;
    expect(c.status).toBe('wrong'); // dL/dz1 is blank: nothing to redo the step from
    expect(c.entries.map((e) => e.ok)).toEqual([true, false, false, true]);
    const worst = Math.abs(ref.dW1[2]! - w[1]!) > Math.abs(ref.dW1[1]! - w[2]!) ? 'dL/dW1[1][0]' : 'dL/dW1[0][1]';
    expect(c.worst!.name).toBe(worst);
    expect(c.message).toMatch(new RegExp(`^${worst.replace(/[[\]/]/g, '\\$&')} off by [+\u2212]\\d\\.\\d\\d+ \\(2 of 4 entries outside the tolerance\\)$`));
  });

  it('before the solution is shown: right or wrong only, never the value or the distance to it', async () => {
    const inp = EXERCISE_INPUTS;
    const ref = await autogradValues(inp);
    const hand = manualValues(manualBackprop(inp));
    const a = rounded(hand);
    // The same slip as above (sigmoid's slope taken as p, carried into dL/dz2 and dL/dW2), a
    // wrong vector entry (dL/dh[1] with its sign flipped) and a wrong scalar far off (the loss).
    const p = a.p![0]!;
    a.dp_dz2 = [p];
    a.dL_dz2 = [a.dL_dp![0]! * p];
    a.dW2 = [a.dL_dz2[0]! * a.h![0]!, a.dL_dz2[0]! * a.h![1]!];
    a.dL_dh = [a.dL_dh![0]!, -a.dL_dh![1]!];
    a.loss = [a.loss![0]! + 0.25];
    const hidden = checkAnswers(a, ref, inp);
    const shown = checkAnswers(a, ref, inp, { reveal: true });
    // The verdicts are the same either way; only the words differ.
    expect(hidden.checks.map((c) => c.status)).toEqual(shown.checks.map((c) => c.status));
    expect(hidden.firstWrong).toBe('loss');
    const by = (k: string) => hidden.checks.find((c) => c.key === k)!;
    expect(by('loss').message).toBe('wrong');
    expect(by('dp_dz2').message).toBe('wrong');
    expect(by('dL_dh').message).toBe('wrong: dL/dh[1]');
    expect(by('dL_dz2').status).toBe('carried');
    expect(by('dL_dz2').message).toBe('wrong, but this step is right: the error comes from an earlier answer');
    expect(by('dW2').message).toBe('wrong: dL/dW2[0], but this step is right: the error comes from an earlier answer');
    expect(hidden.summary).toBe('8 of 13 quantities right; the first wrong one is L.');
    // Apart from entry names and the count, no message holds a digit: no expected value, no
    // distance, to any precision.
    const names = QUANTITY_SPECS.flatMap((q) => [...q.entries, q.label]).sort((x, y) => y.length - x.length);
    const strip = (t: string): string => names.reduce((u, n) => u.split(n).join(''), t.replace(/^\d+ of 13 quantities right/, ''));
    for (const text of [hidden.summary, ...hidden.checks.map((c) => c.message)]) expect(strip(text), text).not.toMatch(/\d/);
    // ...while the revealed ones do say how far off.
    expect(shown.checks.find((c) => c.key === 'loss')!.message).toBe(`off by +${(a.loss[0]! - ref.loss[0]!).toPrecision(3)}`);
  });

  it('a partly filled vector with right entries is incomplete, not wrong; a sign slip is wrong', async () => {
    const ref = await autogradValues(DEMO_INPUTS);
    const r = checkAnswers({ dL_dh: [ref.dL_dh[0]!, null], dL_dp: [-ref.dL_dp[0]!] }, ref, DEMO_INPUTS);
    expect(r.checks.find((c) => c.key === 'dL_dh')!.status).toBe('incomplete');
    expect(r.checks.find((c) => c.key === 'dL_dh')!.message).toBe('right so far; 1 of 2 entries blank');
    const dp = r.checks.find((c) => c.key === 'dL_dp')!;
    expect(dp.status).toBe('wrong');
    expect(dp.worst!.error).toBeCloseTo(-2 * ref.dL_dp[0]!, 6);
    expect(r.firstWrong).toBe('dL_dp');
  });

  it('the tolerance: max(5e-4, 0.5%) of the value, on both sides of the line', () => {
    expect(ANSWER_TOLERANCE).toEqual({ abs: 5e-4, rel: 5e-3 });
    expect(withinTolerance(0.0004, 0)).toBe(true);
    expect(withinTolerance(0.0006, 0)).toBe(false);
    expect(withinTolerance(-1.8269 + 0.009, -1.8269)).toBe(true); // 0.49% of 1.83
    expect(withinTolerance(-1.8269 + 0.0095, -1.8269)).toBe(false); // 0.52%
  });

  it('fromYours redoes one step from the learner\'s own answers, and needs them all', () => {
    const inp = DEMO_INPUTS;
    expect(fromYours('h', { z1: [0.7, -0.1] }, inp)).toEqual([0.7, 0]);
    expect(fromYours('dh_dz1', { z1: [0.7, -0.1] }, inp)).toEqual([1, 0]);
    expect(fromYours('dL_dz2', { dL_dp: [-2], dp_dz2: [0.25] }, inp)).toEqual([-0.5]);
    expect(fromYours('dW1', { dL_dz1: [0.5, -1] }, inp)).toEqual([0.5, -1, 1, -2]); // x = [1, 2]
    expect(fromYours('dL_dz2', { dL_dp: [-2] }, inp)).toBeNull();
    expect(fromYours('dW1', { dL_dz1: [0.5, null] }, inp)).toBeNull();
    expect(fromYours('z1', {}, inp)).toBeNull();
  });

  it('nothing typed: says so', async () => {
    const r = checkAnswers({}, await autogradValues(DEMO_INPUTS), DEMO_INPUTS);
    expect(r.answered).toBe(0);
    expect(r.summary).toMatch(/^Nothing typed yet/);
  });

  it('parseEntry: blank is no answer; junk is refused with the entry\'s name and what to type', () => {
    expect(parseEntry('', 'dL/dp')).toBeNull();
    expect(parseEntry('   ', 'dL/dp')).toBeNull();
    expect(parseEntry(' -0.3168 ', 'dL/dp')).toBe(-0.3168);
    expect(parseEntry('\u22120.25', 'dL/dp')).toBe(-0.25);
    expect(parseEntry('2.5e-3', 'dL/dp')).toBe(0.0025);
    expect(parseEntry('.5', 'dL/dp')).toBe(0.5);
    expect(() => parseEntry('abc', 'dL/dW1[0][1]')).toThrow('dL/dW1[0][1]: "abc" is not a number (type a decimal such as -0.3168 or 2.5e-3)');
    expect(() => parseEntry('0x10', 'p')).toThrow(/^p: "0x10" is not a number/);
    expect(() => parseEntry('1/2', 'p')).toThrow(/^p: "1\/2" is not a number/);
  });

  it('refuses more values than a quantity has, and a non-finite value, by name', async () => {
    const ref = await autogradValues(DEMO_INPUTS);
    expect(() => checkAnswers({ p: [0.5, 0.5] }, ref, DEMO_INPUTS)).toThrow('checkAnswers: p has 1 entries, got 2 values');
    expect(() => checkAnswers({ z2: [NaN] }, ref, DEMO_INPUTS)).toThrow('checkAnswers: z2 must be a finite number, got NaN');
  });
});
