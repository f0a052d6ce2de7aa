// The string literals of a TypeScript source, and the TeX backslashes a JS string loses:
// in a plain '...' or `...` string a TeX command loses its backslash or turns into a
// control character ('\frac' is a form feed and "rac", '\beta' a backspace and "eta",
// '\sigma' just "sigma"), and KaTeX then renders the wrong thing without an error.

export interface Literal {
  /** The literal's source text between its quotes (for a template, one text chunk). */
  body: string;
  raw: boolean;
  line: number;
}

/**
 * The string literals of a TypeScript source: quoted strings and the text chunks of template
 * literals (with `${...}` expressions scanned recursively), skipping comments and regular
 * expression literals. Enough for the demo pages' code; not a full TypeScript lexer.
 */
export function stringLiterals(src: string): Literal[] {
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
export function lostBackslashes(body: string): string[] {
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

