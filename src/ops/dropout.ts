// Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p),
// so eval mode is the identity. The mask comes from the global Philox stream: the range
// of blocks is reserved when the op is recorded and passed as dynamic scalars, so each
// step draws a fresh mask without a new plan, and CPU and GPU draw the same one.
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { defineOp, floatOnly, secondOrder } from './define.ts';
import type { Arr, GpuRule } from './define.ts';
import { PhiloxStream } from '../random.ts';
import { reserveBlocks } from '../generator.ts';
import { LAYOUTS } from './contract.ts';
import { perElement, vec4Items } from './gpu.ts';
import { sizeOf } from '../shape.ts';
import { f32 } from './samples.ts';
import type { OpSamples } from './samples.ts';

const TWO_POW_32 = 2 ** 32;

/** out = keep ? x * scale : 0, with keep decided by word i of the reserved range (u >= p keeps). */
function applyMask(x: Arr, out: Arr, p: number, scalars: readonly number[]): void {
  if (p >= 1) {
    out.fill(0);
    return;
  }
  const [keyLo, keyHi, startLo, startHi] = scalars as [number, number, number, number];
  const u = new PhiloxStream(keyLo, keyHi, startHi * TWO_POW_32 + startLo).uniform(out.length, new Float64Array(out.length));
  // Rounded to f32 as the GPU kernel receives it, so both backends multiply by the same value.
  const scale = Math.fround(1 / (1 - p));
  for (let i = 0; i < out.length; i++) out[i] = u[i]! < p ? 0 : x[i]! * scale;
}

/**
 * shaders/dropout.wgsl: one item per Philox block (four elements, one vec4), threads looping
 * over the adapter's grid. Words: n, the key and
 * start block from the dynamic scalars, the drop threshold ceil(p * 2^24) (u = k * 2^-24 < p
 * exactly when k < it, so the compare is exact in integers), and the scale as an f32.
 */
const dropoutGpu: GpuRule<{ p: number }> = ({ outShape, attrs: { p }, tuning }) => {
  const n = sizeOf(outShape);
  const threshold = p >= 1 ? 2 ** 24 : Math.ceil(p * 2 ** 24);
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  // Block b is vec4 item b: one item per Philox block.
  const words = ([keyLo, keyHi, startLo, startHi]: readonly number[]) =>
    LAYOUTS.DROPOUT.pack({ count: n, keyLo: keyLo!, keyHi: keyHi!, startLo: startLo!, startHi: startHi!, threshold, scale: { f: scale } });
  return [perElement(tuning, 'dropout', 'dropout', vec4Items(n), [{ input: 0 }, 'out'], words)];
};

/**
 * A fixed Philox key and start block as the scalars (a run records none of its own), and a
 * start block just below 2^32, whose block index must carry into the high word.
 */
function dropoutSamples(p: number): OpSamples<{ p: number }> {
  return {
    roles: ['x'],
    shapesFrom: (s) => [[s]],
    calls: ([x]) => [
      { inputs: [f32(x!)], attrs: { p }, scalars: [7, 0, 123, 0] },
      { inputs: [f32(x!)], attrs: { p }, scalars: [7, 1, 0xfffffff0, 0], variant: 'start block 2^32 - 16' },
    ],
    about: `p ${p}, a fixed Philox key`,
  };
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropout probability has to be between 0 and 1, got ${p}`);
}

export const dropoutDef = defineOp<{ p: number }>({
  name: 'dropout',
  samples: dropoutSamples(0.3),
  shape: (ins, { p }) => {
    floatOnly('dropout', ins);
    checkP('dropout', p);
    return ins[0]!;
  },
  cpu: ({ ins: [x], out, attrs, scalars }) => applyMask(x!, out, attrs.p, scalars),
  gpu: dropoutGpu,
  grad: ({ g, attrs, scalars }) => [apply(dropoutBackwardDef, [g], attrs, scalars)],
});

/** The same mask, regenerated from the same blocks, applied to the gradient. */
export const dropoutBackwardDef = defineOp<{ p: number }>({
  name: 'dropoutBackward',
  samples: dropoutSamples(0.5),
  shape: (ins, { p }) => {
    floatOnly('dropoutBackward', ins);
    checkP('dropoutBackward', p);
    return ins[0]!;
  },
  cpu: ({ ins: [g], out, attrs, scalars }) => applyMask(g!, out, attrs.p, scalars),
  gpu: dropoutGpu,
  grad: secondOrder,
});

/** Dropout as `F.dropout`: the identity unless `training`. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout', p);
  if (!training || p === 0) return x;
  return apply(dropoutDef, [x], { p }, reserveBlocks(Math.ceil(x.size / 4)));
}

