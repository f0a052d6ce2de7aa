// numpy's legacy `numpy.random.RandomState` (MT19937), so that a dataset built here can
// equal a lesson's numpy output exactly. No dependencies beyond random.ts's checks: it runs
// in the browser, in workers and in Node unchanged.
import { TWO_POW_32, arange32, checkCount } from './random.ts';
import { Mt19937 } from './mt19937.ts';

// Double-double helpers (Knuth/Dekker error-free transforms) for `accurateLog`.
// Each returns [hi, lo] with hi + lo equal to the exact result (to ~106 bits).

const SPLITTER = 134217729; // 2^27 + 1, splits a double into two 26-bit halves

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const v = s - a;
  return [s, a - (s - v) + (b - v)];
}

function quickTwoSum(a: number, b: number): [number, number] {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = SPLITTER * a;
  const aHi = ca - (ca - a);
  const aLo = a - aHi;
  const cb = SPLITTER * b;
  const bHi = cb - (cb - b);
  const bLo = b - bHi;
  return [p, aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo];
}

function ddAdd(ah: number, al: number, bh: number, bl: number): [number, number] {
  const [s, e] = twoSum(ah, bh);
  return quickTwoSum(s, e + al + bl);
}

function ddMul(ah: number, al: number, bh: number, bl: number): [number, number] {
  const [p, e] = twoProd(ah, bh);
  return quickTwoSum(p, e + (ah * bl + al * bh));
}

const LN2_HI = 0.6931471805599453; // Math.LN2
const LN2_LO = 2.3190468138462996e-17; // ln 2 - LN2_HI

/** 1 / (2n + 1) for n = 0..22 as double-doubles: the atanh series coefficients. */
const ATANH_COEFFS: Array<[number, number]> = Array.from({ length: 23 }, (_, n) => {
  const q = 2 * n + 1;
  const hi = 1 / q;
  const [p, e] = twoProd(hi, q); // p + e = hi * q exactly
  return [hi, (1 - p - e) / q];
});

/**
 * Natural log correctly rounded except in vanishingly rare cases, for
 * `RandomState`'s Gaussian.
 *
 * numpy's legacy_gauss calls the C library's `log`; V8's `Math.log` differs
 * from glibc's in the last bit for ~3% of the polar method's inputs, which made
 * ~3% of `randn` values 1 ulp off numpy. glibc's `log` is correctly rounded on
 * all but ~0.1% of inputs, so rounding correctly here matches numpy on all but
 * about 1 in 10,000 values (the rest are glibc's own rounding errors, which no
 * portable code can reproduce). Method: x = m * 2^k with m in [sqrt(1/2), sqrt(2)],
 * log m = 2 atanh(s), s = (m - 1) / (m + 1), summed in double-double.
 */
function accurateLog(x: number): number {
  // Only positive normal numbers need the careful path; r2 in the polar method is always one.
  if (!(x >= 2.2250738585072014e-308) || x === Infinity) return Math.log(x);
  let k = Math.round(Math.log2(x));
  let m = x / 2 ** k; // exact: dividing by a power of two
  if (m > Math.SQRT2) {
    m /= 2;
    k++;
  } else if (m < Math.SQRT1_2) {
    m *= 2;
    k--;
  }
  // s = (m - 1) / (m + 1) in double-double; m - 1 is exact for m in [0.5, 2].
  const f = m - 1;
  const [dh, dl] = twoSum(m, 1);
  const sh = f / dh;
  const [p, pe] = twoProd(sh, dh);
  const sl = (f - p - pe - sh * dl) / dh;
  // atanh(s) / s = sum t^n / (2n + 1), t = s^2 <= 0.0295. The high-order terms
  // are tiny, so plain doubles suffice for them; the last three need double-double.
  const [th, tl] = ddMul(sh, sl, sh, sl);
  let ph = ATANH_COEFFS[ATANH_COEFFS.length - 1]![0];
  for (let n = ATANH_COEFFS.length - 2; n >= 3; n--) ph = ph * th + ATANH_COEFFS[n]![0];
  let pl = 0;
  for (let n = 2; n >= 0; n--) {
    const [mh, ml] = ddMul(ph, pl, th, tl);
    [ph, pl] = ddAdd(mh, ml, ATANH_COEFFS[n]![0], ATANH_COEFFS[n]![1]);
  }
  const [lh, ll] = ddMul(sh, sl, 2 * ph, 2 * pl); // log m
  const [kh, ke] = twoProd(k, LN2_HI);
  const [rh] = ddAdd(kh, ke + k * LN2_LO, lh, ll);
  return rh;
}

/** Smallest all-ones bit mask >= value, as numpy's masked rejection sampling uses. */
function allOnesMask(value: number): number {
  let mask = value >>> 0;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

/**
 * numpy's legacy `numpy.random.RandomState`.
 *
 * Lessons build datasets with `np.random.seed(...)` and the legacy functions;
 * reproducing the exact algorithms (MT19937, the 53-bit double, the polar
 * Gaussian with its cached second value, masked rejection for integers, the
 * legacy shuffle) is what makes our datasets equal theirs number for number.
 * Only integer seeds are supported (numpy's `init_genrand` path), not array
 * seeds (`init_by_array`).
 */
export class RandomState {
  private readonly mt = new Mt19937(0);
  private hasGauss = false;
  private gauss = 0;

  /**
   * Without a seed the state is drawn from crypto entropy (or Math.random as a
   * fallback), like numpy's unseeded RandomState; such results are not
   * reproducible, by design.
   */
  constructor(seed?: number) {
    this.seed(seed ?? RandomState.entropySeed());
  }

  private static entropySeed(): number {
    const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
    if (cryptoApi?.getRandomValues) {
      return cryptoApi.getRandomValues(new Uint32Array(1))[0]!;
    }
    return Math.floor(Math.random() * TWO_POW_32);
  }

  /**
   * numpy's legacy integer seeding (`mt19937_seed`, i.e. MT's `init_genrand`).
   * Also drops the cached Gaussian, as numpy does, so reseeding fully resets
   * the stream. Out-of-range seeds are rejected rather than wrapped because
   * numpy rejects them too and wrapping would silently alias seeds.
   */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`RandomState.seed: seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    this.mt.seed(seed);
    this.hasGauss = false;
    this.gauss = 0;
  }

  /** MT19937 `genrand_int32`: the raw 32-bit output every other method builds on. */
  private nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** numpy's 53-bit double from two 32-bit outputs (27 + 26 bits). */
  private nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * numpy's `legacy_gauss` (Marsaglia polar method). Each accepted pair yields
   * two normals; the first is cached and returned by the next call, which is
   * why the cache must be part of the state. Uses `accurateLog` rather than
   * `Math.log` to track numpy's C `log` (see there for how close that gets).
   */
  private nextGauss(): number {
    if (this.hasGauss) {
      const cached = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * accurateLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * numpy's legacy bounded integer in [0, rng]: mask to the smallest all-ones
   * value >= rng and reject draws above rng. Used by both `randint` and the
   * shuffle (`random_interval`), which is why the two consume the same draws.
   */
  private nextBounded(rng: number): number {
    if (rng === 0) return 0;
    if (rng === 0xffffffff) return this.nextUint32();
    const mask = allOnesMask(rng);
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > rng);
    return value;
  }

  private fill(method: string, n: number, draw: () => number): Float64Array {
    checkCount(`RandomState.${method}`, n);
    const result = new Float64Array(n);
    for (let i = 0; i < n; i++) result[i] = draw();
    return result;
  }

  /** numpy `random_sample`: floats in [0, 1); a number without `n`, like numpy without `size`. */
  randomSample(): number;
  randomSample(n: number): Float64Array;
  randomSample(n?: number): number | Float64Array {
    if (n === undefined) return this.nextDouble();
    return this.fill('randomSample', n, () => this.nextDouble());
  }

  /** numpy `rand`: same draws as `randomSample`. */
  rand(): number;
  rand(n: number): Float64Array;
  rand(n?: number): number | Float64Array {
    if (n === undefined) return this.nextDouble();
    return this.fill('rand', n, () => this.nextDouble());
  }

  /** numpy `randn`: standard normals. */
  randn(): number;
  randn(n: number): Float64Array;
  randn(n?: number): number | Float64Array {
    if (n === undefined) return this.nextGauss();
    return this.fill('randn', n, () => this.nextGauss());
  }

  /** numpy `standard_normal`: same draws as `randn`. */
  standardNormal(): number;
  standardNormal(n: number): Float64Array;
  standardNormal(n?: number): number | Float64Array {
    if (n === undefined) return this.nextGauss();
    return this.fill('standardNormal', n, () => this.nextGauss());
  }

  /** numpy legacy `normal`: loc + scale * gauss, in that order of operations. */
  normal(loc: number, scale: number): number;
  normal(loc: number, scale: number, n: number): Float64Array;
  normal(loc: number, scale: number, n?: number): number | Float64Array {
    if (!(scale >= 0)) {
      throw new Error(`RandomState.normal: scale must be >= 0, got ${scale}`);
    }
    if (n === undefined) return loc + scale * this.nextGauss();
    return this.fill('normal', n, () => loc + scale * this.nextGauss());
  }

  /** numpy legacy `uniform`: low + (high - low) * double, in that order of operations. */
  uniform(low: number, high: number): number;
  uniform(low: number, high: number, n: number): Float64Array;
  uniform(low: number, high: number, n?: number): number | Float64Array {
    const range = high - low;
    if (!Number.isFinite(range)) {
      throw new Error(`RandomState.uniform: high - low must be finite, got low=${low}, high=${high}`);
    }
    if (n === undefined) return low + range * this.nextDouble();
    return this.fill('uniform', n, () => low + range * this.nextDouble());
  }

  /**
   * numpy legacy `randint(low, high, size)`: integers in [low, high) by masked
   * rejection on 32-bit draws (numpy's `random_bounded_uint64` with
   * use_masked=True). Results are int32, so both bounds must fit in int32;
   * the range itself may be up to 2^32.
   */
  randint(low: number, high: number): number;
  randint(low: number, high: number, n: number): Int32Array;
  randint(low: number, high: number, n?: number): number | Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`RandomState.randint: need integers with low < high, got low=${low}, high=${high}`);
    }
    if (low < -2147483648 || high > 2147483648) {
      throw new Error(`RandomState.randint: low and high - 1 must fit in int32, got low=${low}, high=${high}`);
    }
    const rng = high - low - 1;
    if (n === undefined) return low + this.nextBounded(rng);
    checkCount('RandomState.randint', n);
    const result = new Int32Array(n);
    for (let i = 0; i < n; i++) result[i] = low + this.nextBounded(rng);
    return result;
  }

  /** numpy `permutation(n)`: a shuffled arange, with the same draws as `shuffle`. */
  permutation(n: number): Int32Array {
    return this.shuffle(arange32('RandomState.permutation', n));
  }

  /**
   * numpy legacy `shuffle` along the first axis of a 1-D sequence, in place:
   * for i from n - 1 down to 1, j = bounded(i) and swap. Returns `arr` for
   * chaining (numpy returns None).
   */
  shuffle<A extends { length: number; [index: number]: unknown }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextBounded(i);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }
}
