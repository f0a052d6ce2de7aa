/**
 * Random number generation for the engine.
 *
 * Philox4x32-10 (`philox4x32`, `PhiloxStream`): a counter-based generator.
 * Block j of a stream is a pure function of (key, j), so a GPU kernel handed
 * the key and a start block reproduces the CPU draws bit for bit, and any
 * thread can jump straight to its own block without sequential state. (numpy's
 * MT19937 `RandomState`, for datasets equal to a lesson's, is numpy-random.ts.)
 *
 * The module has no dependencies so it can run in the browser, in workers and
 * in Node unchanged.
 */

// ---------------------------------------------------------------------------
// Philox4x32-10
// ---------------------------------------------------------------------------

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;
const PHILOX_ROUNDS = 10;

export const TWO_POW_32 = 4294967296;
const TWO_POW_NEG_24 = 1 / 16777216;

/**
 * High 32 bits of the unsigned 32x32 -> 64 product.
 *
 * A float64 only holds 53 bits, so `a * b` would lose the low bits that carry
 * into the high word; splitting into 16-bit halves keeps every partial product
 * (and every sum below) exact. `a` and `b` must already be unsigned.
 */
function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  const hiHi = aHi * bHi;
  // At most 0xffff + 0xffff + 0xffff * 0xffff = 2^32 - 1, so `>>> 16` is safe.
  const cross = (loLo >>> 16) + (hiLo & 0xffff) + loHi;
  // The true high word is < 2^32, so this float sum is exact before coercion.
  return (hiHi + (hiLo >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 from Random123 (Salmon et al., SC'11), one 128-bit block.
 *
 * Kept exact to the reference so results match the Random123 known-answer
 * vectors and the WGSL implementation. This runs in hot loops, so it reads
 * the inputs into locals and allocates nothing when `out` is given.
 */
export function philox4x32(
  ctr: [number, number, number, number] | Uint32Array,
  key: [number, number] | Uint32Array,
  out?: Uint32Array,
): Uint32Array {
  let c0 = ctr[0]! >>> 0;
  let c1 = ctr[1]! >>> 0;
  let c2 = ctr[2]! >>> 0;
  let c3 = ctr[3]! >>> 0;
  let k0 = key[0]! >>> 0;
  let k1 = key[1]! >>> 0;

  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    // Random123 bumps the key between rounds, not before the first one.
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }

  const result = out ?? new Uint32Array(4);
  result[0] = c0;
  result[1] = c1;
  result[2] = c2;
  result[3] = c3;
  return result;
}

/**
 * Maps a uint32 word to a float in [0, 1).
 *
 * Only the top 24 bits are kept so the value is exactly representable in
 * float32: the CPU (which may compute in float64) and the GPU (float32) then
 * see the same number, and the result can never round up to 1.
 */
export function uniformFromWord(w: number): number {
  return (w >>> 8) * TWO_POW_NEG_24;
}

export function checkCount(method: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${method}: n must be a non-negative integer, got ${n}`);
  }
}

/** 0, 1, ..., n - 1 as int32: what a permutation starts from. */
export function arange32(method: string, n: number): Int32Array {
  checkCount(method, n);
  if (n > 2147483647) throw new Error(`${method}: n must fit in int32, got ${n}`);
  const result = new Int32Array(n);
  for (let i = 0; i < n; i++) result[i] = i;
  return result;
}

function checkUint32(method: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`${method}: ${name} must be an integer in [0, 2**32 - 1], got ${value}`);
  }
}

/**
 * A seeded Philox stream addressed by block index.
 *
 * Every method takes its blocks from the current counter and advances it, so
 * the draws of a program depend only on the seed and the order of calls. The
 * mapping from blocks to values is part of the contract: GPU kernels that are
 * handed a start block from `skip` compute the same values with the same
 * mapping, and changing it would silently change seeded results.
 */
export class PhiloxStream {
  private readonly key: Uint32Array;
  private nextBlock: number;
  // Scratch buffers reused across calls so that drawing does not allocate per block.
  private readonly ctr = new Uint32Array(4);
  private readonly block = new Uint32Array(4);

  constructor(seedLo: number, seedHi: number, counter = 0) {
    checkUint32('PhiloxStream', 'seedLo', seedLo);
    checkUint32('PhiloxStream', 'seedHi', seedHi);
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new Error(`PhiloxStream: counter must be a non-negative safe integer, got ${counter}`);
    }
    this.key = new Uint32Array([seedLo, seedHi]);
    this.nextBlock = counter;
  }

  /** Index of the next unused block; saving it lets a stream be resumed later. */
  get counter(): number {
    return this.nextBlock;
  }

  /**
   * Reserves `blocks` blocks for someone else (typically a GPU kernel) and
   * returns the first reserved index, so CPU and GPU draws never overlap.
   */
  skip(blocks: number): number {
    if (!Number.isSafeInteger(blocks) || blocks < 0) {
      throw new Error(`PhiloxStream.skip: blocks must be a non-negative integer, got ${blocks}`);
    }
    const start = this.nextBlock;
    const end = start + blocks;
    // Past 2^53 the counter could no longer be represented exactly and blocks would repeat.
    if (!Number.isSafeInteger(end)) {
      throw new Error(`PhiloxStream.skip: counter would exceed 2**53 - 1 (at ${start}, skipping ${blocks})`);
    }
    this.nextBlock = end;
    return start;
  }

  /** Fills the scratch block with block `index`: counter = [lo32, hi32, 0, 0]. */
  private fillBlock(index: number): Uint32Array {
    this.ctr[0] = index % TWO_POW_32;
    this.ctr[1] = Math.floor(index / TWO_POW_32);
    this.ctr[2] = 0;
    this.ctr[3] = 0;
    return philox4x32(this.ctr, this.key, this.block);
  }

  /**
   * Uniform floats in [0, 1).
   *
   * Contract: value i = uniformFromWord(word (i mod 4) of block start + floor(i / 4));
   * consumes ceil(n / 4) blocks. GPU dropout uses exactly this mapping with
   * `u < p` meaning "drop", so CPU and GPU masks agree element for element.
   */
  uniform(n: number): Float32Array;
  uniform<T extends Float32Array | Float64Array>(n: number, out: T): T;
  uniform(n: number, out?: Float32Array | Float64Array): Float32Array | Float64Array {
    checkCount('PhiloxStream.uniform', n);
    if (out !== undefined && out.length < n) {
      throw new Error(`PhiloxStream.uniform: out has length ${out.length}, need at least ${n}`);
    }
    const result = out ?? new Float32Array(n);
    const start = this.skip(Math.ceil(n / 4));
    for (let i = 0; i < n; i += 4) {
      const words = this.fillBlock(start + i / 4);
      const count = Math.min(4, n - i);
      for (let k = 0; k < count; k++) {
        result[i + k] = uniformFromWord(words[k]!);
      }
    }
    return result;
  }

  /**
   * Normal samples via Box-Muller, cosine branch only.
   *
   * Contract: element i uses block start + floor(i / 2), words a = 2 * (i mod 2)
   * and b = a + 1: u1 = ((w_a >>> 8) + 1) * 2^-24 in (0, 1] (so log(u1) is
   * finite), u2 = (w_b >>> 8) * 2^-24, z = sqrt(-2 ln u1) * cos(2 pi u2).
   * Each element depends on its own word pair only, so a GPU thread can
   * compute any element independently. Consumes ceil(n / 2) blocks. Math is
   * done in float64 and rounded once on store.
   */
  normal(n: number, mean = 0, std = 1): Float32Array {
    checkCount('PhiloxStream.normal', n);
    const result = new Float32Array(n);
    const start = this.skip(Math.ceil(n / 2));
    for (let i = 0; i < n; i += 2) {
      const words = this.fillBlock(start + i / 2);
      const count = Math.min(2, n - i);
      for (let k = 0; k < count; k++) {
        const u1 = ((words[2 * k]! >>> 8) + 1) * TWO_POW_NEG_24;
        const u2 = uniformFromWord(words[2 * k + 1]!);
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        result[i + k] = mean + std * z;
      }
    }
    return result;
  }

  /**
   * Integers in [low, high).
   *
   * Contract: value i = low + (word (i mod 4) of block start + floor(i / 4)) mod (high - low);
   * consumes ceil(n / 4) blocks. Plain modulo is used because it is one
   * instruction on the GPU; its bias is at most (high - low) / 2^32, which is
   * negligible for the ranges used (class labels, indices).
   */
  randint(low: number, high: number, n: number): Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`randint: need integers with low < high, got low=${low}, high=${high}`);
    }
    // Results are stored as int32 and the range must fit in one uint32 word.
    if (low < -2147483648 || high > 2147483648) {
      throw new Error(`randint: low and high - 1 must fit in int32, got low=${low}, high=${high}`);
    }
    checkCount('randint', n);
    const range = high - low;
    const result = new Int32Array(n);
    const start = this.skip(Math.ceil(n / 4));
    for (let i = 0; i < n; i += 4) {
      const words = this.fillBlock(start + i / 4);
      const count = Math.min(4, n - i);
      for (let k = 0; k < count; k++) {
        result[i + k] = low + (words[k]! % range);
      }
    }
    return result;
  }

  /**
   * A seeded permutation of 0..n-1, for shuffling datasets reproducibly.
   *
   * Contract (Fisher-Yates, from the top): draw number d = 0, 1, ..., n - 2
   * handles position i = n - 1 - d; it takes word (d mod 4) of block
   * start + floor(d / 4), sets j = word mod (i + 1) and swaps positions i and j.
   * Consumes ceil((n - 1) / 4) blocks (none for n <= 1). The modulo bias is at
   * most n / 2^32.
   */
  permutation(n: number): Int32Array {
    const result = arange32('PhiloxStream.permutation', n);
    const draws = Math.max(0, n - 1);
    const start = this.skip(Math.ceil(draws / 4));
    let words: Uint32Array = this.block;
    for (let d = 0; d < draws; d++) {
      if (d % 4 === 0) words = this.fillBlock(start + d / 4);
      const i = n - 1 - d;
      const j = words[d % 4]! % (i + 1);
      const tmp = result[i]!;
      result[i] = result[j]!;
      result[j] = tmp;
    }
    return result;
  }
}

/** The draws every generator offers, in PyTorch's terms. */
export interface Draws {
  /** float32 uniform on [a, b) (default [0, 1)): torch.rand, tensor.uniform_. */
  uniform(n: number, a?: number, b?: number): Float32Array;
  /** float32 normal: torch.randn, tensor.normal_. */
  normal(n: number, mean?: number, std?: number): Float32Array;
  /** Integers in [low, high): torch.randint. */
  randint(low: number, high: number, n: number): Int32Array;
  /** A permutation of 0..n-1: torch.randperm. */
  permutation(n: number): Int32Array;
  /**
   * The order of one epoch of `DataLoader(..., shuffle=True)`: under 'torch', as PyTorch's
   * (the iterator's base seed and the RandomSampler's seed drawn from this generator, then
   * randperm from a fresh generator seeded with the latter); under 'philox', a permutation.
   */
  shuffleOrder(n: number): Int32Array;
}
