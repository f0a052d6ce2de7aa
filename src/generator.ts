// The global random generator. Every draw (rand, randn, randint, randperm, init, the default
// initialisation of layers) takes the next values of it at the moment it is made, on the
// host, so results depend only on the seed and the order of calls, on any backend.
//
// Two kinds, chosen by manualSeed:
// - 'philox' (the default): a counter-based Philox stream, which a GPU kernel can also read
//   at any offset (dropout masks are drawn on the device from reserved blocks of it);
// - 'torch': PyTorch's CPU default generator (MT19937 and ATen's recipes, torch-random.ts),
//   so that a lesson's `torch.manual_seed(s)` followed by the same calls draws the same
//   float32 numbers here. Dropout masks cannot follow PyTorch's CPU Bernoulli path; under
//   'torch' they come from a Philox stream keyed by the same seed.
import { PhiloxStream } from './random.ts';
import type { Draws } from './random.ts';
import { TorchGenerator } from './torch-random.ts';

const TWO_POW_32 = 2 ** 32;

export type GeneratorKind = 'philox' | 'torch';

export type { Draws } from './random.ts';

/** The Philox stream behind the Draws interface ([a, b) uniforms scaled on the host). */
class PhiloxDraws implements Draws {
  constructor(readonly stream: PhiloxStream) {}
  uniform(n: number, a = 0, b = 1): Float32Array {
    const u = this.stream.uniform(n);
    if (a !== 0 || b !== 1) for (let i = 0; i < n; i++) u[i] = a + (b - a) * u[i]!;
    return u;
  }
  normal(n: number, mean = 0, std = 1): Float32Array {
    return this.stream.normal(n, mean, std);
  }
  randint(low: number, high: number, n: number): Int32Array {
    return this.stream.randint(low, high, n);
  }
  permutation(n: number): Int32Array {
    return this.stream.permutation(n);
  }
  shuffleOrder(n: number): Int32Array {
    return this.stream.permutation(n);
  }
}

let seed = freshSeed();
let dropoutStream = streamFor(seed);
let draws: Draws = new PhiloxDraws(dropoutStream);

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

export interface ManualSeedOptions {
  /**
   * 'philox' (default): the engine's own stream. 'torch': PyTorch's CPU generator, so that
   * the draws equal those after `torch.manual_seed(seed)` (seeds up to 2**53 - 1; PyTorch's
   * mt19937 uses the low 32 bits of the seed).
   */
  generator?: GeneratorKind;
}

/** Seed the generator, as `torch.manual_seed`: the same seed gives the same draws. */
export function manualSeed(s: number, opts: ManualSeedOptions = {}): void {
  if (!Number.isSafeInteger(s) || s < 0) {
    const got = typeof s === 'number' ? String(s) : typeof s === 'string' ? `the string ${JSON.stringify(s)}` : s === null ? 'null' : typeof s;
    throw new Error(`manualSeed: seed must be a non-negative integer below 2**53, got ${got}`);
  }
  const g = opts.generator ?? 'philox';
  if (g !== 'philox' && g !== 'torch') throw new Error(`manualSeed: generator must be 'philox' or 'torch', got ${JSON.stringify(g)}`);
  seed = s;
  dropoutStream = streamFor(s);
  draws = g === 'torch' ? new TorchGenerator(s) : new PhiloxDraws(dropoutStream);
}

/** The seed in use: the last manualSeed, or the one drawn at start-up. */
export function initialSeed(): number {
  return seed;
}

/** Which generator the last manualSeed chose ('philox' until one chooses 'torch'). */
export function generatorKind(): GeneratorKind {
  return draws instanceof TorchGenerator ? 'torch' : 'philox';
}

export function generator(): Draws {
  return draws;
}

/** Key and start block of a range reserved for a kernel that draws on its own (dropout). */
export function reserveBlocks(blocks: number): [keyLo: number, keyHi: number, startLo: number, startHi: number] {
  const start = dropoutStream.skip(blocks);
  return [seed % TWO_POW_32, Math.floor(seed / TWO_POW_32), start % TWO_POW_32, Math.floor(start / TWO_POW_32)];
}

/**
 * The generator's whole state (as torch.get_rng_state): which kind, its seed, and where each
 * of its streams is. Opaque: hand it to setRngState to draw the same values again from there.
 */
export interface RngState {
  readonly kind: GeneratorKind;
  readonly seed: number;
  /** Copies, not the live streams: drawing after getRngState does not move a saved state. */
  readonly streams: { readonly dropout: unknown; readonly draws: unknown };
}

export function getRngState(): RngState {
  return { kind: generatorKind(), seed, streams: copyState({ dropout: dropoutStream, draws }) };
}

/** Put the generator back where getRngState found it (a checkpoint's restore does). */
export function setRngState(state: RngState): void {
  const s = state?.streams as { dropout?: unknown; draws?: unknown } | undefined;
  if (!(s?.dropout instanceof PhiloxStream) || !(s.draws instanceof PhiloxDraws || s.draws instanceof TorchGenerator) || !Number.isSafeInteger(state.seed)) {
    throw new Error('setRngState: expected a state that getRngState returned');
  }
  // A copy again: the saved state stays as it was for a later restore.
  const copy = copyState(s) as { dropout: PhiloxStream; draws: Draws };
  seed = state.seed;
  dropoutStream = copy.dropout;
  draws = copy.draws;
}

/**
 * A deep copy of the generators' objects, keeping their classes and which object shares
 * which (the philox draws read the dropout stream itself).
 */
function copyState<T>(value: T, seen = new Map<object, unknown>()): T {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known) return known as T;
  if (ArrayBuffer.isView(value)) {
    const c = (value as unknown as Uint32Array).slice();
    seen.set(value, c);
    return c as T;
  }
  const c = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  seen.set(value, c);
  for (const [k, v] of Object.entries(value)) c[k] = copyState(v, seen);
  return c as T;
}
