// Every demo page's formulas live in JavaScript strings: in every string literal of the
// pages' sources that is not String.raw, a backslash before a letter must be a real
// JavaScript escape (\uXXXX, \u{...}, \xXX, or \n not followed by a letter); TeX needs
// '\\' there. (The e2e page checks read the TeX that reached KaTeX; this reads the sources.)
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lostBackslashes, stringLiterals } from '../shared/string-literals.ts';

const demos = fileURLToPath(new URL('../../demos/', import.meta.url));

describe('the demo pages keep the backslashes of their TeX', () => {
  it('the scanner finds what it should (a check of the check)', () => {
    const src = [
      "prose(p, 'a $\\\\frac{1}{2}$ b'); // fine: \\frac in a comment",
      "prose(p, 'bad $\\frac{1}{2}$ and $\\sigma$');",
      'math(p, String.raw`\\beta v + ${x / 2} \\tanh`);',
      'const r = /\\d+\'/; prose(p, `t ${BETA} \\leftarrow`);',
      "el('b', {}, 'x\\u2081 \\n');",
    ].join('\n');
    const lits = stringLiterals(src);
    const flagged = lits.filter((l) => !l.raw).flatMap((l) => lostBackslashes(l.body).map((b) => `${l.line}: ${b}`));
    expect(flagged).toEqual(['2: \\frac{1}{2}$', '2: \\sigma$', '4: \\leftarrow']);
    expect(lits.filter((l) => l.raw).map((l) => l.body)).toEqual(['\\beta v + ', ' \\tanh']);
    expect(lits.some((l) => l.body.includes("d+'"))).toBe(false); // the regex was skipped
  });

  const files = readdirSync(demos, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  it('finds the page sources and their TeX', () => {
    expect(files).toEqual(expect.arrayContaining(['xor/main.ts', 'backprop/main.ts', 'activations/main.ts', 'overfitting/main.ts']));
    const tex = stringLiterals(readFileSync(`${demos}xor/main.ts`, 'utf8')).filter((l) => /\\\\?(frac|beta|eta|nabla|varepsilon|leftarrow)/.test(l.body));
    expect(tex.filter((l) => l.raw).length).toBeGreaterThan(3);
    expect(tex.filter((l) => !l.raw).length).toBeGreaterThan(3);
  });

  for (const f of files) {
    it(`${f}: no TeX command has lost its backslash`, () => {
      const src = readFileSync(`${demos}${f}`, 'utf8');
      const bad = stringLiterals(src)
        .filter((l) => !l.raw)
        .flatMap((l) => lostBackslashes(l.body).map((b) => `${f}:${l.line}: ${b}`));
      expect(bad).toEqual([]);
      // In String.raw a backslash is TeX's own: a doubled one before a letter is a line break
      // and a word ('\\\\sigma'), not the command.
      const doubled = stringLiterals(src)
        .filter((l) => l.raw)
        .flatMap((l) => (l.body.match(/\\\\[A-Za-z]/g) ?? []).map((b) => `${f}:${l.line}: ${b}`));
      expect(doubled).toEqual([]);
    });
  }
});
