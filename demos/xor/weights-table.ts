// Page code (DOM): the nine weights as the lesson's previous module laid them out, one row per
// unit, H1 = (w1, w2, b), H2 = (w1, w2, b), Out = (w1, w2, b), each an editable number. The
// inputs are in lesson order (w11, w12, b1, w21, w22, b2, w_out1, w_out2, b_out); each has the
// id xor-w-<name> for the tests.
import { el } from '../ui/index.ts';
import { WEIGHT_NAMES } from './net.ts';

const ROWS = [
  { unit: 'H1', what: 'hidden unit 1: h\u2081 = tanh(w1 x\u2081 + w2 x\u2082 + b)' },
  { unit: 'H2', what: 'hidden unit 2: h\u2082 = tanh(w1 x\u2081 + w2 x\u2082 + b)' },
  { unit: 'Out', what: 'output: \u03c3(w1 h\u2081 + w2 h\u2082 + b)' },
] as const;
const COLUMNS = ['w1', 'w2', 'b'] as const;

export class WeightsTable {
  readonly root: HTMLTableElement;
  private readonly inputs: HTMLInputElement[];

  constructor(parent: HTMLElement) {
    this.inputs = WEIGHT_NAMES.map((name) => {
      const input = el('input', { type: 'number', step: 'any', id: `xor-w-${name}`, 'aria-label': name, 'data-weight': name }) as HTMLInputElement;
      input.style.width = '6.5em';
      return input;
    });
    this.root = el(
      'table',
      { class: 'results xor-weights', id: 'xor-weights' },
      el('tr', {}, el('th', {}, 'unit'), ...COLUMNS.map((c) => el('th', {}, c)), el('th', {}, '')),
      ...ROWS.map((row, r) => el('tr', {}, el('th', {}, row.unit), ...COLUMNS.map((_, c) => el('td', {}, this.inputs[r * 3 + c]!)), el('td', { class: 'what' }, row.what))),
    );
    parent.append(this.root);
  }

  /** The nine numbers typed, lesson order; an error names the cell that is not a finite number. */
  get(): number[] {
    return this.inputs.map((input, k) => {
      const v = input.value.trim() === '' ? NaN : Number(input.value);
      if (!Number.isFinite(v)) throw new Error(`Weights table: ${ROWS[Math.floor(k / 3)]!.unit} ${COLUMNS[k % 3]} (${WEIGHT_NAMES[k]}) is '${input.value}', not a number`);
      return v;
    });
  }

  /** Show nine weights (lesson order), to 4 decimals: what Set weights would then enter. */
  set(weights: ArrayLike<number>): void {
    if (weights.length !== 9) throw new Error(`WeightsTable.set: expected 9 weights, got ${weights.length}`);
    this.inputs.forEach((input, k) => (input.value = String(Number(weights[k]!.toFixed(4)))));
  }

  set disabled(on: boolean) {
    for (const input of this.inputs) input.disabled = on;
  }
}
