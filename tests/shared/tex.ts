// Problems a TeX source can carry from a JavaScript string: a backslash that the string
// swallowed ('\sigma' in a JS string is "sigma"; '\frac' holds a form feed, '\beta' a
// backspace, '\text' a tab, '\nabla' a newline, '\right' a carriage return).

/** Command names that are words of TeX, never of the formulas' prose. */
const COMMANDS = [
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'eta', 'theta', 'lambda', 'mu', 'sigma', 'tau', 'phi', 'partial', 'nabla',
  'frac', 'sqrt', 'sum', 'prod', 'cdot', 'times', 'approx', 'leq', 'geq', 'neq', 'infty', 'left', 'right', 'text', 'mathrm', 'mathbf',
  'hat', 'bar', 'tanh', 'sinh', 'sin', 'cos', 'exp', 'log', 'ln', 'max', 'min', 'odot', 'top', 'quad', 'ldots', 'cdots', 'to',
];

/** What is wrong with one formula's TeX source, or null when nothing is. */
export function texProblem(tex: string): string | null {
  // Any control character but a line break, and a line break glued to a command's letters
  // ('\nabla', '\neq', '\nu' lose their backslash and 'n' to one).
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0009\u000b-\u001f]|\n(?=[a-z])/.exec(tex);
  if (control) return `control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} (a backslash escape eaten by a JS string) in ${JSON.stringify(tex)}`;
  // Text inside \text{...} is prose: leave it out.
  const maths = tex.replace(/\\(?:text|mathrm|operatorname)\{[^}]*\}/g, ' ');
  for (const c of COMMANDS) {
    const bare = new RegExp(`(^|[^\\\\a-zA-Z])${c}(?![a-zA-Z])`).exec(maths);
    // A one- or two-letter name (mu, ln, to) is a command only after a backslash; as bare
    // letters they are variables, so only flag the longer words.
    if (bare && c.length > 2) return `'${c}' without its backslash in ${JSON.stringify(tex)}`;
  }
  return null;
}
