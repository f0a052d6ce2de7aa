// The backpropagation page's formulas keep their TeX backslashes. In a plain JS string '\sigma'
// is just 'sigma' and '\times' a tab then 'imes': KaTeX renders either without complaint, as
// the wrong text. So in the page's source every backslash inside a quoted string must be
// doubled ('\\sigma') or the string must be String.raw`\sigma`, and only \u escapes may stay.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../demos/backprop/', import.meta.url));

interface Literal {
  line: number;
  raw: boolean;
  body: string;
}

/** The string literals of a TypeScript source (quotes and templates, nested ${} included). */
export function stringLiterals(src: string): Literal[] {
  const out: Literal[] = [];
  const lineAt = (i: number): number => src.slice(0, i).split('\n').length;
  // Scans code from i until an unmatched '}' (for ${...}) or the end; returns where it stopped.
  const code = (i: number): number => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '/' && src[i + 1] === '/') i = src.indexOf('\n', i) === -1 ? src.length : src.indexOf('\n', i);
      else if (c === '/' && src[i + 1] === '*') i = src.indexOf('*/', i + 2) + 2;
      else if (c === "'" || c === '"') {
        let j = i + 1;
        while (src[j] !== c) j += src[j] === '\\' ? 2 : 1;
        out.push({ line: lineAt(i), raw: false, body: src.slice(i + 1, j) });
        i = j + 1;
      } else if (c === '`') {
        const raw = /String\.raw\s*$/.test(src.slice(Math.max(0, i - 20), i));
        let j = i + 1;
        let body = '';
        while (src[j] !== '`') {
          if (src[j] === '\\') {
            body += src.slice(j, j + 2);
            j += 2;
          } else if (src[j] === '$' && src[j + 1] === '{') {
            j = code(j + 2) + 1;
            body += '${}';
          } else body += src[j++];
        }
        out.push({ line: lineAt(i), raw, body });
        i = j + 1;
      } else if (c === '{') {
        depth++;
        i++;
      } else if (c === '}') {
        if (depth === 0) return i;
        depth--;
        i++;
      } else i++;
    }
    return i;
  };
  code(0);
  return out;
}

/** Escapes in a non-raw literal that eat a TeX command's backslash (\s, \t, \f, \n, ...). */
function lostBackslashes(body: string): string[] {
  const bad: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') continue;
    const next = body[i + 1] ?? '';
    if (/[a-zA-Z]/.test(next) && !/^u[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 6))) bad.push(body.slice(i, i + 12));
    i++; // skip the escaped character (so \\ is one escaped backslash)
  }
  return bad;
}

describe('backprop page: TeX in JS strings keeps its backslashes', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('the scanner finds plain, raw and nested literals, and flags a lost backslash', () => {
    const lits = stringLiterals("const a = 'x \\\\sigma'; // 'not this'\nconst b = String.raw`\\frac{1}{2}`; const c = `t ${f('\\times')} u`;");
    expect(lits.map((l) => [l.raw, l.body])).toEqual([
      [false, 'x \\\\sigma'],
      [true, '\\frac{1}{2}'],
      [false, '\\times'],
      [false, 't ${} u'],
    ]);
    expect(lostBackslashes('x \\\\sigma')).toEqual([]);
    expect(lostBackslashes('\\times')).toEqual(['\\times']);
    expect(lostBackslashes("it\\'s \\u2212")).toEqual([]);
  });

  for (const f of ['main.ts', 'answers.ts', 'worked.ts', 'flow.ts', 'vanishing.ts']) {
    it(`${f}: no single backslash before a letter in a quoted string`, () => {
      expect(files).toContain(f);
      const lits = stringLiterals(readFileSync(`${dir}${f}`, 'utf8'));
      expect(lits.length).toBeGreaterThan(5);
      const bad = lits.filter((l) => !l.raw).flatMap((l) => lostBackslashes(l.body).map((b) => `line ${l.line}: ${b}`));
      expect(bad).toEqual([]);
    });
  }

  it('main.ts writes its formulas with TeX commands that survive (doubled or String.raw)', () => {
    const lits = stringLiterals(readFileSync(`${dir}main.ts`, 'utf8'));
    const tex = lits.filter((l) => /\\\\?(partial|sigma|frac|varepsilon|times|max)\b/.test(l.body));
    expect(tex.length).toBeGreaterThan(10);
    // Each command is preceded by exactly one backslash once the string is evaluated.
    for (const l of tex) {
      const evaluated = l.raw ? l.body : l.body.replace(/\\\\/g, '\\');
      expect(evaluated, `line ${l.line}`).not.toMatch(/(^|[^\\])(partial|sigma|frac|varepsilon)\b/);
    }
  });
});
