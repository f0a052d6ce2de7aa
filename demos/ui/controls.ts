// Form controls with labels, returning getters so exercises read the current values.
export function selectControl<T extends string>(parent: HTMLElement, label: string, options: readonly T[], value: T, id?: string): () => T {
  const wrap = document.createElement('label');
  wrap.className = 'control';
  const select = document.createElement('select');
  if (id) select.id = id;
  for (const o of options) select.append(new Option(o, o, o === value, o === value));
  wrap.append(`${label} `, select);
  parent.append(wrap);
  return () => select.value as T;
}

export function numberControl(parent: HTMLElement, label: string, value: number, opts: { min?: number; max?: number; step?: number; id?: string } = {}): () => number {
  const wrap = document.createElement('label');
  wrap.className = 'control';
  const input = document.createElement('input');
  input.type = 'number';
  input.value = String(value);
  if (opts.id) input.id = opts.id;
  if (opts.min !== undefined) input.min = String(opts.min);
  if (opts.max !== undefined) input.max = String(opts.max);
  input.step = String(opts.step ?? 'any');
  wrap.append(`${label} `, input);
  parent.append(wrap);
  return () => {
    const v = Number(input.value);
    if (!Number.isFinite(v) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      throw new Error(`${label}: ${input.value} is not a number in [${opts.min ?? '-inf'}, ${opts.max ?? 'inf'}]`);
    }
    return v;
  };
}

export function button(parent: HTMLElement, text: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = text;
  if (id) b.id = id;
  b.addEventListener('click', onClick);
  parent.append(b);
  return b;
}
