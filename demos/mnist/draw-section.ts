// Section 6 of the MNIST page: draw a digit with the mouse, a finger or a pen; see it framed as
// MNIST's digits were (./preprocess.ts) and the trained model's ten probabilities, updated as
// you draw (at most once per animation frame, and never two model passes at once).
import type { nn } from 'shadergrad';
import { el, prose } from '../ui/index.ts';
import { CLASSES, PIXELS, SIDE } from './mnist.ts';
import { BOX, preprocessDigit } from './preprocess.ts';
import { predict } from './predict.ts';

/** The drawing pad, in canvas pixels (ten per MNIST pixel). */
export const PAD = 280;
/** The pen: about 2 pixels wide once a digit filling the pad is scaled into its 20-pixel box,
 * as MNIST's strokes are. */
export const PEN = 20;

declare global {
  interface Window {
    /** For the tests: the pad's ink (0..1, row-major) and a promise that the view caught up. */
    __mnistPad?: { ink(): number[]; settled(): Promise<void> };
  }
}

export interface DrawSection {
  /** The model that reads the drawing (a finished run's, or a loaded file's); null: none. */
  useModel(net: nn.Module | null, source: string): void;
}

export function drawSection(parent: HTMLElement): DrawSection {
  // Always laid out (not content-visibility: auto as other sections): the pad's place on screen is
  // what pointer events are measured against, and a section that takes its real height only when
  // scrolled to moves everything under a pointer.
  const root = el('section', { class: 'exercise', id: 'mnist-draw', style: 'content-visibility: visible' });
  parent.append(root);
  root.append(el('h2', {}, '6. Your own digit'));
  prose(
    root,
    `Draw a digit in the black square. Before the network sees it, it is framed as MNIST's digits were: the smallest box around the ink is scaled, keeping its shape, until its longer side is ${BOX} pixels (each small pixel is the average of the ink it covers, so edges come out grey), and that picture is placed in the 28 by 28 field so that the centre of mass of its ink sits at the centre, pixel (14, 14). The middle picture is exactly what the network reads; the bars are the ten probabilities the softmax of its scores gives, updated as you draw.`,
  );
  const pad = el('canvas', { id: 'mnist-pad', width: String(PAD), height: String(PAD), style: `width:${PAD}px;height:${PAD}px;touch-action:none;cursor:crosshair;border:1px solid #999` }) as HTMLCanvasElement;
  const input = el('canvas', { id: 'mnist-pad-input', width: String(SIDE), height: String(SIDE), style: `width:${SIDE * 6}px;height:${SIDE * 6}px;image-rendering:pixelated;border:1px solid #999` }) as HTMLCanvasElement;
  const bars = el('div', { id: 'mnist-pad-probs', style: 'min-width:220px' });
  const clear = el('button', { id: 'mnist-pad-clear' }, 'Clear');
  const status = el('p', { id: 'mnist-pad-status' });
  root.append(el('div', { class: 'output', style: 'display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap' }, el('div', {}, pad, el('div', {}, clear)), el('div', {}, input, el('div', { class: 'caption' }, 'What the network reads (28 x 28)')), bars), status);
  window.__chartUpdates['mnist-pad-input'] = 0;

  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const blank = (): void => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD, PAD);
  };
  blank();
  const rows = Array.from({ length: CLASSES }, (_, d) => {
    const bar = el('div', { style: 'height:14px;background:#1f77b4;width:0' });
    const pct = el('span', { 'data-prob': String(d) }, '');
    bars.append(el('div', { style: 'display:flex;gap:6px;align-items:center;margin:2px 0' }, el('b', { style: 'width:1em' }, String(d)), el('div', { style: 'width:140px;background:#eee' }, bar), pct));
    return { bar, pct };
  });

  let net: nn.Module | null = null;
  let source = '';
  const needModel = (): string => 'A trained model is needed to read your digit: train the network in section 2, or load a weights file in section 5. The framing above works without one.';
  status.textContent = needModel();

  const ink = (): Float32Array => {
    const rgba = ctx.getImageData(0, 0, PAD, PAD).data;
    const out = new Float32Array(PAD * PAD);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4]! / 255; // white ink on black: the red channel
    return out;
  };

  let frame = 0;
  let busy: Promise<void> | null = null;
  let again = false;
  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(update);
  };
  function showProbs(probs: Float32Array | null, pred: number | null): void {
    rows.forEach(({ bar, pct }, d) => {
      const p = probs ? probs[d]! : 0;
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      bar.style.background = d === pred ? '#d62728' : '#1f77b4';
      pct.textContent = probs ? `${(p * 100).toFixed(1)}%` : '';
    });
  }
  function update(): void {
    frame = 0;
    const pre = preprocessDigit(ink(), PAD, PAD);
    const pixels = pre?.pixels ?? new Float32Array(PIXELS);
    const ictx = input.getContext('2d')!;
    const img = ictx.createImageData(SIDE, SIDE);
    for (let p = 0; p < PIXELS; p++) {
      img.data[p * 4] = img.data[p * 4 + 1] = img.data[p * 4 + 2] = Math.round(pixels[p]! * 255);
      img.data[p * 4 + 3] = 255;
    }
    ictx.putImageData(img, 0, 0);
    window.__chartUpdates['mnist-pad-input']!++;
    const published = { pixels: Array.from(pixels), box: pre?.box ?? null, size: pre?.size ?? null, offset: pre?.offset ?? null };
    if (!pre || !net) {
      showProbs(null, null);
      status.textContent = net ? `Draw a digit for the ${source} to read.` : needModel();
      window.__results['mnist-draw'] = { ...published, probs: null, pred: null };
      return;
    }
    if (busy) {
      again = true; // the model is still reading an older drawing; read this one after it
      return;
    }
    const model = net;
    busy = predict(model, pixels).then(({ probs, preds }) => {
      busy = null;
      if (again) {
        again = false;
        schedule();
      }
      if (model !== net) return;
      const pred = preds[0]!;
      showProbs(probs, pred);
      status.textContent = `The ${source} reads a ${pred} (${(probs[pred]! * 100).toFixed(1)}%).`;
      window.__results['mnist-draw'] = { ...published, probs: Array.from(probs), pred };
    });
  }

  // Pointer events cover mouse, touch and pen; the capture keeps a stroke that leaves the pad.
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent): { x: number; y: number } => {
    const r = pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * PAD) / r.width, y: ((e.clientY - r.top) * PAD) / r.height };
  };
  ctx.strokeStyle = ctx.fillStyle = '#fff';
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(last.x, last.y, PEN / 2, 0, 2 * Math.PI);
    ctx.fill();
    schedule();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = PEN;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    schedule();
  });
  const end = (): void => {
    last = null;
    schedule();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  clear.addEventListener('click', () => {
    blank();
    schedule();
  });

  window.__mnistPad = {
    ink: () => Array.from(ink()),
    async settled() {
      for (;;) {
        if (frame) await new Promise((r) => requestAnimationFrame(r));
        else if (busy) await busy;
        else if (again) schedule();
        else return;
      }
    },
  };
  update();

  return {
    useModel(n, s) {
      net = n;
      source = s;
      schedule();
    },
  };
}
