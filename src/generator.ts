// The global random generator: one Philox stream, as torch's default generator. Every
// draw (rand, randn, init, dropout masks) takes the next blocks of it at the moment the
// op is recorded, so results depend only on the seed and the order of calls, on any backend.
import { PhiloxStream } from './random.ts';

const TWO_POW_32 = 2 ** 32;
let seed = freshSeed();
let stream = streamFor(seed);

function freshSeed(): number {
  const c = globalThis.crypto;
  if (c?.getRandomValues) {
    const w = c.getRandomValues(new Uint32Array(2));
    return (w[0]! & 0x1fffff) * TWO_POW_32 + w[1]!;
  }
  return Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
}

function streamFor(s: number): PhiloxStream {
  return new PhiloxStream(s % TWO_POW_32, Math.floor(s / TWO_POW_32));
}

/** Seed the generator, as `torch.manual_seed`: the same seed gives the same draws. */
export function manualSeed(s: number): void {
  if (!Number.isSafeInteger(s) || s < 0) {
    const got = typeof s === 'number' ? String(s) : typeof s === 'string' ? `the string ${JSON.stringify(s)}` : s === null ? 'null' : typeof s;
    throw new Error(`manualSeed: seed must be a non-negative integer below 2**53, got ${got}`);
  }
  seed = s;
  stream = streamFor(s);
}

/** The seed in use: the last manualSeed, or the one drawn at start-up. */
export function initialSeed(): number {
  return seed;
}

export function generator(): PhiloxStream {
  return stream;
}

/** Key and start block of a range reserved for a kernel that draws on its own (dropout). */
export function reserveBlocks(blocks: number): [keyLo: number, keyHi: number, startLo: number, startHi: number] {
  const start = stream.skip(blocks);
  return [seed % TWO_POW_32, Math.floor(seed / TWO_POW_32), start % TWO_POW_32, Math.floor(start / TWO_POW_32)];
}
