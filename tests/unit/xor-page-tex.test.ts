// The XOR page's formulas live in JavaScript strings. In a plain '...' or `...` string a TeX
// command loses its backslash or turns into a control character: '\frac' is a form feed
// and "rac", '\beta' a backspace and "eta", '\sigma' just "sigma". KaTeX then renders the
// wrong thing without an error. So: in every string literal of the page's sources that is
// not String.raw, a backslash before a letter must be a real JavaScript escape (\uXXXX,
// \u{...}, \xXX, or \n not followed by a letter); TeX needs '\\' there.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../demos/xor/', import.meta.url));

interface Literal {
  /** The literal's source text between its quotes (for a template, one text chunk). */
  body: string;
  raw: boolean;
  line: number;
}

/**
 * The string literals of a TypeScript source: quoted strings and the text chunks of template
 * literals (with `${...}` expressions scanned recursively), skipping comments and regular
 * expression literals. Enough for this page's code; not a full TypeScript lexer.
 */
function stringLiterals(src: string): Literal[] {
  const out: Literal[] = [];
  let i = 0;
  const lineAt = (k: number): number => src.slice(0, k).split('\n').length;
  // The last significant character before a '/', to tell a regex from a division.
  let prev = '';
  const scanCode = (stopAtBrace: boolean): void => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      const next = src[i + 1];
      if (c === '/' && next === '/') {
        while (i < src.length && src[i] !== '\n') i++;
      } else if (c === '/' && next === '*') {
        i = src.indexOf('*/', i + 2) + 2;
        if (i < 2) i = src.length;
      } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || /\b(return|typeof|case)$/.test(src.slice(0, i).trimEnd()))) {
        i++; // a regular expression literal: to its closing '/', minding classes and escapes
        let inClass = false;
        while (i < src.length && (src[i] !== '/' || inClass)) {
          if (src[i] === '\\') i++;
          else if (src[i] === '[') inClass = true;
          else if (src[i] === ']') inClass = false;
          i++;
        }
        i++;
        while (/[a-z]/.test(src[i] ?? '')) i++;
        prev = '/';
      } else if (c === "'" || c === '"') {
        const start = ++i;
        while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
        out.push({ body: src.slice(start, i), raw: false, line: lineAt(start) });
        i++;
        prev = c;
      } else if (c === '`') {
        const raw = /String\.raw\s*$/.test(src.slice(0, i));
        i++;
        let start = i;
        while (i < src.length && src[i] !== '`') {
          if (src[i] === '\\') i += 2;
          else if (src[i] === '$' && src[i + 1] === '{') {
            out.push({ body: src.slice(start, i), raw, line: lineAt(start) });
            i += 2;
            prev = '{';
            scanCode(true);
            start = i;
          } else i++;
        }
        out.push({ body: src.slice(start, i), raw, line: lineAt(start) });
        i++;
        prev = '`';
      } else {
        if (c === '{') depth++;
        if (c === '}') {
          if (stopAtBrace && depth === 0) {
            i++;
            return;
          }
          depth--;
        }
        if (!/\s/.test(c)) prev = c;
        i++;
      }
    }
  };
  scanCode(false);
  return out;
}

/** Backslash-letter sequences in a cooked (not String.raw) literal that are not JS escapes meant as such. */
function lostBackslashes(body: string): string[] {
  const bad: string[] = [];
  for (let k = 0; k < body.length; k++) {
    if (body[k] !== '\\') continue;
    const e = body[k + 1] ?? '';
    const rest = body.slice(k + 1);
    const ok = e === '\\' || !/[A-Za-z]/.test(e) || /^u[0-9A-Fa-f]{4}/.test(rest) || /^u\{[0-9A-Fa-f]+\}/.test(rest) || /^x[0-9A-Fa-f]{2}/.test(rest) || /^n(?![A-Za-z])/.test(rest);
    if (!ok) bad.push(body.slice(k, k + 12));
    k++; // the escaped character is consumed with its backslash
  }
  return bad;
}

describe('the XOR page keeps the backslashes of its TeX', () => {
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

  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  it('finds the page sources and their TeX', () => {
    expect(files).toContain('main.ts');
    const tex = stringLiterals(readFileSync(`${dir}main.ts`, 'utf8')).filter((l) => /\\\\?(frac|beta|eta|nabla|varepsilon|leftarrow)/.test(l.body));
    expect(tex.filter((l) => l.raw).length).toBeGreaterThan(3);
    expect(tex.filter((l) => !l.raw).length).toBeGreaterThan(3);
  });

  for (const f of files) {
    it(`${f}: no TeX command has lost its backslash`, () => {
      const src = readFileSync(`${dir}${f}`, 'utf8');
      const bad = stringLiterals(src)
        .filter((l) => !l.raw)
        .flatMap((l) => lostBackslashes(l.body).map((b) => `${f}:${l.line}: ${b}`));
      expect(bad).toEqual([]);
    });
  }
});
