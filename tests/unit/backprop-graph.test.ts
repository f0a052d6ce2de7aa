// The computation graph beside exercise 1 of the backpropagation page (demos/backprop/graph.ts):
// it shows a value only for entries the learner checked right, all of them once the solution
// is shown, and each quantity on the edge where the forward or backward pass carries it.
import { describe, expect, it } from 'vitest';
import { DEMO_INPUTS, EXERCISE_INPUTS, QUANTITIES, autogradValues, manualBackprop, manualValues } from '../../demos/backprop/worked.ts';
import { checkAnswers } from '../../demos/backprop/answers.ts';
import type { Answers } from '../../demos/backprop/answers.ts';
import { allKnown, entryKey, formatGraphNumber, graphModel, learn } from '../../demos/backprop/graph.ts';
import type { GraphLabel, GraphModel } from '../../demos/backprop/graph.ts';

const labels = (m: GraphModel): GraphLabel[] => [m.loss, ...m.edges.flatMap((e) => [e.forward, e.backward, e.local].filter((l): l is GraphLabel => l !== null))];

describe('backprop page: the computation graph', () => {
  it('formatGraphNumber: four significant digits, no trailing zeros, a true minus, no -0', () => {
    expect(formatGraphNumber(0.6318124177361016)).toBe('0.6318');
    expect(formatGraphNumber(-0.4422685722948234)).toBe('\u22120.4423');
    expect(formatGraphNumber(2.716006124515731)).toBe('2.716');
    expect(formatGraphNumber(-0.19999999999999996)).toBe('\u22120.2');
    expect(formatGraphNumber(0.9)).toBe('0.9');
    expect(formatGraphNumber(1)).toBe('1');
    expect(formatGraphNumber(-0)).toBe('0');
    expect(formatGraphNumber(1234567)).toBe('1235000');
    expect(() => formatGraphNumber(NaN)).toThrow('formatGraphNumber: expected a finite number, got NaN');
  });

  it('nothing known: every quantity is "?", the given inputs are shown; every quantity has one place', () => {
    const values = manualValues(manualBackprop(EXERCISE_INPUTS));
    const m = graphModel(EXERCISE_INPUTS, values, new Set());
    expect(m.nodes.map((n) => n.id)).toEqual(['x', 'W1', 'z1', 'h', 'W2', 'z2', 'p', 'L']);
    const ls = labels(m);
    // Each of the worksheet's 13 quantities appears exactly once in the graph.
    expect(ls.map((l) => l.key).filter((k) => k !== null).sort()).toEqual([...QUANTITIES].sort());
    for (const l of ls.filter((l) => l.key !== null)) {
      expect(l.complete, l.name).toBe(false);
      expect(l.text.replace(/^.*? = /, ''), l.name).toMatch(/^[[\]?, ]+$/);
    }
    expect(m.edges.find((e) => e.id === 'x-z1')!.forward.text).toBe('x = [2, 1]');
    expect(m.edges.find((e) => e.id === 'W1-z1')!.forward.text).toBe('W1 = [[0.2, \u22120.3], [0.5, 0.4]]');
    expect(m.edges.find((e) => e.id === 'W1-z1')!.backward!.text).toBe('\u2202L/\u2202W1 = [[?, ?], [?, ?]]');
    expect(m.edges.find((e) => e.id === 'x-z1')!.backward).toBeNull();
    expect(m.loss.text).toBe('L = ?');
  });

  it('fills in exactly the entries checked right, keeps them across checks, and shows all once revealed', async () => {
    const inp = EXERCISE_INPUTS;
    const values = manualValues(manualBackprop(inp));
    const ref = await autogradValues(inp);
    const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
    // p right, dL/dh half right (entry 1 wrong), the loss wrong.
    const first: Answers = { p: [r4(values.p[0]!)], dL_dh: [r4(values.dL_dh[0]!), 0.5], loss: [2] };
    const known1 = learn(new Set(), checkAnswers(first, ref, inp).checks);
    expect([...known1].sort()).toEqual([entryKey('dL_dh', 0), entryKey('p', 0)].sort());
    const m1 = graphModel(inp, values, known1);
    const edge = (m: GraphModel, id: string) => m.edges.find((e) => e.id === id)!;
    expect(edge(m1, 'p-L').forward).toMatchObject({ key: 'p', text: `p = ${formatGraphNumber(values.p[0]!)}`, complete: true });
    expect(edge(m1, 'h-z2').backward).toMatchObject({ text: `\u2202L/\u2202h = [${formatGraphNumber(values.dL_dh[0]!)}, ?]`, complete: false });
    expect(m1.loss.text).toBe('L = ?');
    // A later check with the loss right and p left blank: p stays known.
    const known2 = learn(known1, checkAnswers({ loss: [r4(values.loss[0]!)] }, ref, inp).checks);
    const m2 = graphModel(inp, values, known2);
    expect(m2.loss.text).toBe(`L = ${formatGraphNumber(values.loss[0]!)}`);
    expect(edge(m2, 'p-L').forward.complete).toBe(true);
    // Revealed: every label complete, dW1 laid out as W1.
    const m3 = graphModel(inp, values, allKnown(values));
    for (const l of labels(m3)) expect(l.complete, l.name).toBe(true);
    const d = values.dW1.map(formatGraphNumber);
    expect(edge(m3, 'W1-z1').backward!.text).toBe(`\u2202L/\u2202W1 = [[${d[0]}, ${d[1]}], [${d[2]}, ${d[3]}]]`);
    expect(edge(m3, 'z2-p').local!.text).toBe(`\u2202p/\u2202z2 = ${formatGraphNumber(values.dp_dz2[0]!)}`);
  });

  it('allKnown covers every entry of every quantity (22 numbers)', () => {
    const k = allKnown(manualValues(manualBackprop(DEMO_INPUTS)));
    expect(k.size).toBe(22);
    expect(k.has(entryKey('dW1', 3))).toBe(true);
  });
});
