// softmax and logSoftmax along one axis, stabilized by subtracting the row maximum (a
// constant shift that cancels in the ratio, so it takes no gradient).
import { apply } from '../engine/recorder.ts';
import type { Tensor } from '../tensor.ts';
import { normAxis } from '../shape.ts';
import * as cpu from './kernels.ts';
import { defineOp, floatOnly, grid } from './define.ts';
import type { Arr, GpuRule } from './define.ts';
import type { Shape } from '../shape.ts';
import { sum } from './reduce.ts';
import { exp } from './unary-ops.ts';
import { reshape } from './layout.ts';
import { LAYOUTS, OP_CODES, overrides } from './contract.ts';
import { call, f32 } from './samples.ts';
import type { OpSamples } from './samples.ts';

function softmaxRows(x: Arr, shape: Shape, axis: number, out: Arr, log: boolean): void {
  const { outer, len, inner } = cpu.axisSplit(shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let k = 0; k < len; k++) max = Math.max(max, x[base + k * inner]!);
      let total = 0;
      for (let k = 0; k < len; k++) total += Math.exp(x[base + k * inner]! - max);
      const logTotal = Math.log(total);
      for (let k = 0; k < len; k++) {
        const z = x[base + k * inner]! - max;
        out[base + k * inner] = log ? z - logTotal : Math.exp(z) / total;
      }
    }
  }
}

/** One workgroup per row of shaders/softmax.wgsl; the SOFTMAX code selects softmax or logSoftmax. */
function softmaxGpu(log: boolean): GpuRule<{ axis: number }> {
  return ({ inShapes: [s], attrs }) => {
    const { outer, len, inner } = cpu.axisSplit(s!, attrs.axis);
    const rows = outer * inner;
    return [{
      family: 'softmax',
      kernel: 'softmax_rows',
      constants: overrides('softmax', { SOFTMAX: log ? OP_CODES.SOFTMAX.logSoftmax : OP_CODES.SOFTMAX.softmax }),
      bind: [{ input: 0 }, 'out'],
      words: () => LAYOUTS.SOFTMAX.pack({ rows, length: len, inner }),
      workgroups: grid(rows, 1),
    }];
  };
}

/** Along the last axis and along the first. */
const alongAxes: OpSamples<{ axis: number }> = {
  roles: ['x'],
  shapesFrom: (s) => [[s]],
  calls: ([x]) => [call([f32(x!)], { axis: x!.length - 1 }), call([f32(x!)], { axis: 0 }, 'axis 0')],
  about: 'along the last axis',
};

export const softmaxDef = defineOp<{ axis: number }>({
  name: 'softmax',
  samples: alongAxes,
  shape: (ins) => {
    floatOnly('softmax', ins);
    return ins[0]!;
  },
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => softmaxRows(x!, s!, attrs.axis, out, false),
  gpu: softmaxGpu(false),
  // dx = y * (g - sum(g * y))
  grad: ({ g, out, attrs: { axis } }) => [out.mul(g.sub(sum(g.mul(out), axis, true)))],
});

export const logSoftmaxDef = defineOp<{ axis: number }>({
  name: 'logSoftmax',
  samples: alongAxes,
  shape: (ins) => {
    floatOnly('logSoftmax', ins);
    return ins[0]!;
  },
  cpu: ({ ins: [x], inShapes: [s], out, attrs }) => softmaxRows(x!, s!, attrs.axis, out, true),
  gpu: softmaxGpu(true),
  // dx = g - softmax(x) * sum(g)
  grad: ({ g, out, attrs: { axis } }) => [g.sub(exp(out).mul(sum(g, axis, true)))],
});

export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(softmaxDef, x, axis);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(logSoftmaxDef, x, axis);
}

/** Apply a row-wise op along `axis`; a 0-d tensor is a row of one (PyTorch: softmax 1, logSoftmax 0). */
function alongAxis(def: typeof softmaxDef, x: Tensor, axis: number): Tensor {
  const a = normAxis(def.name, axis, x.ndim);
  if (x.ndim === 0) return reshape(apply(def, [reshape(x, [1])], { axis: 0 }), []);
  return apply(def, [x], { axis: a });
}
