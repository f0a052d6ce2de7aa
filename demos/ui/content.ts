// Teaching content beside the charts: rendered math, and the TypeScript that runs.
import katex from 'katex';
import 'katex/dist/katex.min.css';

/** Display math (KaTeX); throws on a TeX error so a typo cannot ship silently. */
export function math(parent: HTMLElement, tex: string, display = true): HTMLElement {
  const holder = document.createElement(display ? 'div' : 'span');
  holder.className = 'math';
  katex.render(tex, holder, { displayMode: display, throwOnError: true });
  parent.append(holder);
  return holder;
}

/** A paragraph of prose; $...$ spans are rendered as inline math. */
export function prose(parent: HTMLElement, text: string): HTMLElement {
  const p = document.createElement('p');
  text.split(/(\$[^$]+\$)/).forEach((part) => {
    if (part.startsWith('$') && part.endsWith('$') && part.length > 2) math(p, part.slice(1, -1), false);
    else p.append(part);
  });
  parent.append(p);
  return p;
}

/**
 * The source that runs, shown in a collapsible panel: pass the module's own text,
 * imported with `?raw` from the very file the page imports and runs.
 */
export function codePanel(parent: HTMLElement, title: string, source: string): HTMLElement {
  const details = document.createElement('details');
  details.className = 'code';
  const summary = document.createElement('summary');
  summary.textContent = title;
  const pre = document.createElement('pre');
  pre.textContent = source;
  details.append(summary, pre);
  parent.append(details);
  return details;
}
