// Lesson 01, Part 3.5, exercise 1, checked: the learner types the values they derived by hand
// (forward pass, then each chain-rule factor) and we compare each with autograd's value.
// For a wrong answer we also redo that one step from the learner's own earlier answers: if
// it matches, the step itself is right and the mistake sits in a factor before it.
// Until the learner asks for the solution a check says right or wrong and nothing more: a
// distance ("off by X") would hand over the answer after one guess.
// No DOM here: the page and the Node tests run these same functions.
import { QUANTITIES } from './worked.ts';
import type { Quantity, QuantityValues, WorkedInputs } from './worked.ts';

export interface QuantitySpec {
  key: Quantity;
  /** Plain-text name, as messages use it. */
  label: string;
  /** The same name in TeX, for the page. */
  tex: string;
  /** One name per entry, flat (dW1 row-major, as W1). */
  entries: string[];
}

const vec = (label: string): string[] => [`${label}[0]`, `${label}[1]`];
export const QUANTITY_SPECS: readonly QuantitySpec[] = [
  { key: 'z1', label: 'z1', tex: 'z_1', entries: vec('z1') },
  { key: 'h', label: 'h', tex: 'h', entries: vec('h') },
  { key: 'z2', label: 'z2', tex: 'z_2', entries: ['z2'] },
  { key: 'p', label: 'p', tex: 'p', entries: ['p'] },
  { key: 'loss', label: 'L', tex: 'L', entries: ['L'] },
  { key: 'dL_dp', label: 'dL/dp', tex: String.raw`\partial L/\partial p`, entries: ['dL/dp'] },
  { key: 'dp_dz2', label: 'dp/dz2', tex: String.raw`\partial p/\partial z_2`, entries: ['dp/dz2'] },
  { key: 'dL_dz2', label: 'dL/dz2', tex: String.raw`\partial L/\partial z_2`, entries: ['dL/dz2'] },
  { key: 'dW2', label: 'dL/dW2', tex: String.raw`\partial L/\partial W_2`, entries: vec('dL/dW2') },
  { key: 'dL_dh', label: 'dL/dh', tex: String.raw`\partial L/\partial h`, entries: vec('dL/dh') },
  { key: 'dh_dz1', label: 'dh/dz1', tex: String.raw`\partial h/\partial z_1`, entries: vec('dh/dz1') },
  { key: 'dL_dz1', label: 'dL/dz1', tex: String.raw`\partial L/\partial z_1`, entries: vec('dL/dz1') },
  { key: 'dW1', label: 'dL/dW1', tex: String.raw`\partial L/\partial W_1`, entries: ['dL/dW1[0][0]', 'dL/dW1[0][1]', 'dL/dW1[1][0]', 'dL/dW1[1][1]'] },
];

/**
 * An answer is right when |yours - autograd| <= max(abs, rel * |autograd|): four decimals
 * typed (the lesson prints four), or three significant digits carried through the chain,
 * pass; a wrong formula (a missing factor, a sign, sigmoid' taken as p) is off by far more.
 */
export const ANSWER_TOLERANCE = { abs: 5e-4, rel: 5e-3 } as const;

export function withinTolerance(yours: number, reference: number): boolean {
  return Math.abs(yours - reference) <= Math.max(ANSWER_TOLERANCE.abs, ANSWER_TOLERANCE.rel * Math.abs(reference));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** One typed entry: blank is null (not answered); anything but a plain decimal number is an error naming the entry. */
export function parseEntry(text: string, name: string): number | null {
  const t = text.trim().replace(/^\u2212/, '-'); // a typographic minus, as copied from the page
  if (t === '') return null;
  if (!NUMBER.test(t)) throw new Error(`${name}: "${text}" is not a number (type a decimal such as -0.3168 or 2.5e-3)`);
  return Number(t);
}

/** The learner's answers, entry by entry (null = blank), for the quantities they filled in. */
export type Answers = Partial<Record<Quantity, (number | null)[]>>;

export interface EntryCheck {
  name: string;
  yours: number | null;
  /** yours - autograd; null when blank. */
  error: number | null;
  ok: boolean | null;
}

export type Status = 'right' | 'wrong' | 'carried' | 'incomplete' | 'blank';

export interface QuantityCheck {
  key: Quantity;
  label: string;
  status: Status;
  entries: EntryCheck[];
  /** The entry furthest outside the tolerance, for wrong and carried answers. */
  worst: EntryCheck | null;
  message: string;
}

export interface AnswerReport {
  checks: QuantityCheck[];
  right: number;
  answered: number;
  /** The first wrong quantity in chain order (not one that only carries an earlier error). */
  firstWrong: Quantity | null;
  summary: string;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * A quantity recomputed from the learner's own earlier answers (one step of the chain), or
 * null when an answer it needs is blank. z1 needs none (it is x W1), so it has none.
 */
export function fromYours(key: Quantity, a: Answers, inp: WorkedInputs): number[] | null {
  const get = (k: Quantity, n: number): number[] | null => {
    const v = a[k];
    return v && v.length === n && v.every((e) => e !== null) ? (v as number[]) : null;
  };
  const { x, W2, y, eps } = inp;
  switch (key) {
    case 'z1':
      return null;
    case 'h': {
      const z1 = get('z1', 2);
      return z1 && z1.map((v) => Math.max(v, 0));
    }
    case 'z2': {
      const h = get('h', 2);
      return h && [h[0]! * W2[0] + h[1]! * W2[1]];
    }
    case 'p': {
      const z2 = get('z2', 1);
      return z2 && [sigmoid(z2[0]!)];
    }
    case 'loss': {
      const p = get('p', 1)?.[0];
      return p === undefined ? null : [-(y * Math.log(p + eps) + (1 - y) * Math.log(1 - p + eps))];
    }
    case 'dL_dp': {
      const p = get('p', 1)?.[0];
      return p === undefined ? null : [-y / (p + eps) + (1 - y) / (1 - p + eps)];
    }
    case 'dp_dz2': {
      const p = get('p', 1)?.[0];
      return p === undefined ? null : [p * (1 - p)];
    }
    case 'dL_dz2': {
      const [d, s] = [get('dL_dp', 1), get('dp_dz2', 1)];
      return d && s && [d[0]! * s[0]!];
    }
    case 'dW2': {
      const [d, h] = [get('dL_dz2', 1), get('h', 2)];
      return d && h && [d[0]! * h[0]!, d[0]! * h[1]!];
    }
    case 'dL_dh': {
      const d = get('dL_dz2', 1);
      return d && [d[0]! * W2[0], d[0]! * W2[1]];
    }
    case 'dh_dz1': {
      const z1 = get('z1', 2);
      return z1 && z1.map((v) => (v > 0 ? 1 : 0));
    }
    case 'dL_dz1': {
      const [g, s] = [get('dL_dh', 2), get('dh_dz1', 2)];
      return g && s && [g[0]! * s[0]!, g[1]! * s[1]!];
    }
    case 'dW1': {
      const g = get('dL_dz1', 2);
      return g && [x[0] * g[0]!, x[0] * g[1]!, x[1] * g[0]!, x[1] * g[1]!];
    }
  }
}

const signed = (v: number): string => `${v > 0 ? '+' : v < 0 ? '\u2212' : ''}${Math.abs(v).toPrecision(3)}`;

export interface CheckOptions {
  /**
   * The solution has been shown: messages may say how far off a wrong entry is. Without it
   * they name the wrong entries only, so no message carries the expected value or its distance.
   */
  reveal?: boolean;
}

/** Check every answered quantity against autograd's values (the reference). */
export function checkAnswers(answers: Answers, reference: QuantityValues, inp: WorkedInputs, opts: CheckOptions = {}): AnswerReport {
  const reveal = opts.reveal ?? false;
  const checks: QuantityCheck[] = QUANTITY_SPECS.map((spec) => {
    const ref = reference[spec.key];
    const typed = answers[spec.key] ?? [];
    if (typed.length > spec.entries.length) throw new Error(`checkAnswers: ${spec.label} has ${spec.entries.length} entries, got ${typed.length} values`);
    const entries: EntryCheck[] = spec.entries.map((name, i) => {
      const yours = typed[i] ?? null;
      if (yours !== null && !Number.isFinite(yours)) throw new Error(`checkAnswers: ${name} must be a finite number, got ${yours}`);
      return yours === null ? { name, yours, error: null, ok: null } : { name, yours, error: yours - ref[i]!, ok: withinTolerance(yours, ref[i]!) };
    });
    const typedEntries = entries.filter((e) => e.yours !== null);
    const bad = typedEntries.filter((e) => !e.ok);
    const worst = bad.reduce<EntryCheck | null>((w, e) => (w === null || Math.abs(e.error!) > Math.abs(w.error!) ? e : w), null);
    let status: Status;
    let message: string;
    if (!typedEntries.length) {
      status = 'blank';
      message = 'not answered';
    } else if (!bad.length) {
      status = typedEntries.length < entries.length ? 'incomplete' : 'right';
      message = status === 'right' ? 'right' : `right so far; ${entries.length - typedEntries.length} of ${entries.length} entries blank`;
    } else {
      // Wrong. Is it one correct step from the learner's own (wrong) earlier answers?
      const own = fromYours(spec.key, answers, inp);
      const carried = own !== null && entries.every((e, i) => e.yours === null || withinTolerance(e.yours, own[i]!)) && own.some((v, i) => !withinTolerance(v, ref[i]!));
      status = carried ? 'carried' : 'wrong';
      const because = carried ? `: this step is right, the error comes from an earlier answer` : '';
      if (reveal) {
        const where = spec.entries.length > 1 ? `${worst!.name} ` : '';
        const count = bad.length > 1 ? ` (${bad.length} of ${entries.length} entries outside the tolerance)` : '';
        message = `${where}off by ${signed(worst!.error!)}${count}${because}`;
      } else {
        // Which entries are wrong, never by how much.
        message = (spec.entries.length > 1 ? `wrong: ${bad.map((e) => e.name).join(', ')}` : 'wrong') + (carried ? ', but this step is right: the error comes from an earlier answer' : '');
      }
    }
    return { key: spec.key, label: spec.label, status, entries, worst, message };
  });
  const answered = checks.filter((c) => c.status !== 'blank').length;
  const right = checks.filter((c) => c.status === 'right').length;
  const first = checks.find((c) => c.status === 'wrong');
  let summary = `${right} of ${QUANTITIES.length} quantities right`;
  if (first) {
    const detail = reveal ? `: ${first.message}` : first.message.startsWith('wrong: ') ? ` (${first.message.slice('wrong: '.length)})` : '';
    summary += `; the first wrong one is ${first.label}${detail}.`;
  }
  else if (checks.some((c) => c.status === 'carried')) summary += '; the ones marked wrong only carry an error from an earlier answer.';
  else if (answered === 0) summary = 'Nothing typed yet: fill in any of the boxes and press Check.';
  else summary += right === QUANTITIES.length ? ': all of them.' : '; nothing typed is wrong.';
  return { checks, right, answered, firstWrong: first?.key ?? null, summary };
}
