// Form controls with labels. Each returns a Control: exercises read the current value with
// get(), and presets write theirs with set(), so no page has to find an input by its id
// (ids stay only for the e2e tests).
export interface Control<T> {
  get(): T;
  /** Show a new value, as if typed or picked (no change event: the caller acts on it). */
  set(value: T): void;
  /** Called after the learner changes the value. */
  onChange(fn: () => void): void;
  readonly element: HTMLInputElement | HTMLSelectElement;
}

function control<T>(element: HTMLInputElement | HTMLSelectElement, get: () => T): Control<T> {
  return {
    get,
    set: (value) => {
      element.value = String(value);
    },
    onChange: (fn) => element.addEventListener('change', fn),
    element,
  };
}

function labelled(parent: HTMLElement, label: string, element: HTMLElement): void {
  const wrap = document.createElement('label');
  wrap.className = 'control';
  wrap.append(`${label} `, element);
  parent.append(wrap);
}

export function selectControl<T extends string>(parent: HTMLElement, label: string, options: readonly T[], value: T, id?: string): Control<T> {
  const select = document.createElement('select');
  if (id) select.id = id;
  for (const o of options) select.append(new Option(o, o, o === value, o === value));
  labelled(parent, label, select);
  return control(select, () => select.value as T);
}

export function numberControl(parent: HTMLElement, label: string, value: number, opts: { min?: number; max?: number; step?: number; id?: string } = {}): Control<number> {
  const input = document.createElement('input');
  input.type = 'number';
  input.value = String(value);
  if (opts.id) input.id = opts.id;
  if (opts.min !== undefined) input.min = String(opts.min);
  if (opts.max !== undefined) input.max = String(opts.max);
  input.step = String(opts.step ?? 'any');
  labelled(parent, label, input);
  return control(input, () => {
    const v = Number(input.value);
    if (!Number.isFinite(v) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      throw new Error(`${label}: ${input.value} is not a number in [${opts.min ?? '-inf'}, ${opts.max ?? 'inf'}]`);
    }
    return v;
  });
}

export function button(parent: HTMLElement, text: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = text;
  if (id) b.id = id;
  b.addEventListener('click', onClick);
  parent.append(b);
  return b;
}
