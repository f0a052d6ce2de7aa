// PyTorch's CPU default generator, reproduced: MT19937 seeded as torch.manual_seed, and the
// exact recipes of ATen's CPU kernels that turn its 32-bit words into float32 values, so a
// page can draw the numbers a lesson's PyTorch code draws, in the same order.
//
// The recipes (ATen: core/DistributionsHelper.h, core/TransformationHelper.h,
// native/cpu/DistributionTemplates.h, native/TensorFactories.cpp), in words:
// - a float32 uniform takes one word: its low 24 bits times 2^-24, scaled to [from, to);
// - a float64 uniform takes two words, (first << 32 | second), low 53 bits times 2^-53;
// - normal of 16 or more values (contiguous float32): first a uniform for every element,
//   then Box-Muller on each block of 16 (u1 = 1 - data[j], u2 = data[j + 8] give
//   data[j] and data[j + 8]); when n is not a multiple of 16, the last 16 positions are
//   drawn again from 16 new uniforms and transformed as one more block;
// - normal of fewer than 16 values: one float64 Box-Muller pair per two values, the sine
//   half kept in the generator for the next small draw (manual_seed drops it);
// - randint: word % (high - low) + low; randperm: for i = 0 .. n-2, swap i with
//   i + word % (n - i).
// Float rounding follows the float32 code where ATen computes in float; the transcendental
// functions of the 16-wide normal path differ from PyTorch's by a few ulps (tests allow it).
import { Mt19937 } from './mt19937.ts';
import { checkCount, arange32 } from './random.ts';
import type { Draws } from './random.ts';

const TWO_POW_NEG_24 = 2 ** -24;
const TWO_POW_NEG_53 = 2 ** -53;
const f = Math.fround;

export class TorchGenerator implements Draws {
  private readonly mt: Mt19937;
  private cachedNormal: number | null = null;

  /** As torch.manual_seed(seed): the engine uses the low 32 bits, as PyTorch's mt19937. */
  constructor(readonly seed: number) {
    this.mt = new Mt19937(seed % 2 ** 32);
  }

  /** `random()`: one 32-bit word. */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** `random64()`: two words, the first high; as a BigInt (only seeds use all 64 bits). */
  nextUint64(): bigint {
    const hi = this.mt.nextUint32();
    const lo = this.mt.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  private float24(): number {
    return (this.mt.nextUint32() & 0xffffff) * TWO_POW_NEG_24;
  }

  private double53(): number {
    const hi = this.mt.nextUint32() & 0x1fffff;
    const lo = this.mt.nextUint32();
    return (hi * 2 ** 32 + lo) * TWO_POW_NEG_53;
  }

  /** float32 uniform on [a, b): `tensor.uniform_(a, b)`, as torch.rand for [0, 1). */
  uniform(n: number, a = 0, b = 1): Float32Array {
    checkCount('uniform', n);
    const from = f(a);
    const to = f(b);
    const span = to - from;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.float24() * span + from;
    return out;
  }

  /** float32 normal: `tensor.normal_(mean, std)`, as torch.randn for (0, 1). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    checkCount('normal', n);
    const out = new Float32Array(n);
    if (n >= 16) {
      const m = f(mean);
      const s = f(std);
      for (let i = 0; i < n; i++) out[i] = this.float24();
      for (let i = 0; i + 16 <= n; i += 16) boxMuller16(out, i, m, s);
      if (n % 16 !== 0) {
        for (let i = n - 16; i < n; i++) out[i] = this.float24();
        boxMuller16(out, n - 16, m, s);
      }
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = this.normalDouble() * std + mean;
    return out;
  }

  /** ATen's normal_distribution<double>: a Box-Muller pair, the sine half cached. */
  private normalDouble(): number {
    if (this.cachedNormal !== null) {
      const z = this.cachedNormal;
      this.cachedNormal = null;
      return z;
    }
    const u1 = this.double53();
    const u2 = this.double53();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Integers in [low, high): torch.randint (ranges below 2^32). */
  randint(low: number, high: number, n: number): Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`randint: need integers with low < high, got low=${low}, high=${high}`);
    }
    if (low < -2147483648 || high > 2147483648) throw new Error(`randint: low and high - 1 must fit in int32, got low=${low}, high=${high}`);
    checkCount('randint', n);
    const range = high - low;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.mt.nextUint32() % range) + low;
    return out;
  }

  /** torch.randperm(n) on the CPU. */
  permutation(n: number): Int32Array {
    const out = arange32('randperm', n);
    for (let i = 0; i < n - 1; i++) {
      const z = this.mt.nextUint32() % (n - i);
      const t = out[i]!;
      out[i] = out[z + i]!;
      out[z + i] = t;
    }
    return out;
  }

  /**
   * One epoch of `for batch in DataLoader(dataset, shuffle=True)` (no workers, no generator
   * given): creating the epoch's iterator draws its base seed (`random_()` on an int64: two
   * words); its RandomSampler then draws a seed the same way and permutes with a fresh
   * generator seeded by it, whose mt19937 keeps the low 32 bits (the second word).
   */
  shuffleOrder(n: number): Int32Array {
    this.nextUint64(); // the iterator's _base_seed (for worker processes)
    const samplerSeed = this.nextUint64(); // modulo 2^63; the new mt19937 keeps the low 32 bits
    return new TorchGenerator(Number(samplerSeed & 0xffffffffn)).permutation(n);
  }
}

const TWO_PI_F = f(2 * Math.PI);

/**
 * normal_fill_16: Box-Muller in float32 on data[at .. at + 16), as PyTorch's vectorized CPU
 * kernel computes it (2π as a float32, the last step fused: radius * cos * std + mean with
 * one rounding). Its log, sin and cos come from a vector math library, so single values may
 * differ from these by a few ulps (3 at most over PyTorch 2.13's fixtures).
 */
function boxMuller16(data: Float32Array, at: number, mean: number, std: number): void {
  for (let j = at; j < at + 8; j++) {
    const u1 = f(1 - data[j]!);
    const u2 = data[j + 8]!;
    const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
    const theta = f(TWO_PI_F * u2);
    data[j] = f(radius * f(Math.cos(theta))) * std + mean;
    data[j + 8] = f(radius * f(Math.sin(theta))) * std + mean;
  }
}
