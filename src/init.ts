// torch.nn.init, drawing from the global generator on the host and writing the values
// straight into the parameter (no graph, no submit). The bounds are computed in PyTorch's
// order of operations, so that under manualSeed(s, { generator: 'torch' }) the values equal
// PyTorch's to the last bit.
import type { Tensor } from './tensor.ts';
import { fmt, sizeOf } from './shape.ts';
import { generator } from './generator.ts';
import { writeVariable } from './engine/recorder.ts';

function target(fn: string, t: Tensor): void {
  if (!t?.variable) throw new Error(`init.${fn}: expected a leaf tensor (a parameter or a tensor made from data), got ${t ? `the result of an op ${fmt(t.shape)}` : String(t)}`);
  if (t.dtype !== 'float32') throw new Error(`init.${fn}: expected a float32 tensor, got ${fmt(t.shape)} ${t.dtype}`);
}

function finite(fn: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`init.${fn}: ${name} must be a finite number, got ${String(v)}`);
}

/** fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field, as PyTorch. */
export function calculateFans(fn: string, t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new Error(`init.${fn}: fan in and fan out need at least 2 dimensions, got ${fmt(s)}`);
  const receptive = sizeOf(s.slice(2));
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/** The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    default:
      throw new Error(`init.calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

function fill(t: Tensor, values: Float32Array): Tensor {
  writeVariable(t.variable!, values);
  return t;
}

export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  target('normal_', t);
  finite('normal_', 'mean', mean);
  finite('normal_', 'std', std);
  if (std < 0) throw new Error(`init.normal_: std must be >= 0, got ${std}`);
  return fill(t, generator().normal(t.size, mean, std));
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  target('uniform_', t);
  finite('uniform_', 'a', a);
  finite('uniform_', 'b', b);
  if (a > b) throw new Error(`init.uniform_: a (${a}) must not exceed b (${b})`);
  return fill(t, generator().uniform(t.size, a, b));
}

export function constant_(t: Tensor, value: number): Tensor {
  target('constant_', t);
  finite('constant_', 'value', value);
  return fill(t, new Float32Array(t.size).fill(value));
}

export const zeros_ = (t: Tensor): Tensor => (target('zeros_', t), constant_(t, 0));
export const ones_ = (t: Tensor): Tensor => (target('ones_', t), constant_(t, 1));

/** N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio 2010). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  target('xavierNormal_', t);
  finite('xavierNormal_', 'gain', gain);
  const { fanIn, fanOut } = calculateFans('xavierNormal_', t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** U(-a, a) with a = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  target('xavierUniform_', t);
  finite('xavierUniform_', 'gain', gain);
  const { fanIn, fanOut } = calculateFans('xavierUniform_', t);
  const a = Math.sqrt(3) * (gain * Math.sqrt(2 / (fanIn + fanOut)));
  return uniform_(t, -a, a);
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(fn: string, t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' }: KaimingOptions): number {
  target(fn, t);
  finite(fn, 'a', a);
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`init.${fn}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fans = calculateFans(fn, t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fans.fanIn : fans.fanOut);
}

/** N(0, std^2) with std = gain / sqrt(fan) (He et al. 2015); PyTorch's defaults. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts));
}

/** U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -b, b);
}
