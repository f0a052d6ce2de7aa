// The sample order of one epoch of a shuffled data loader.
import { tensorFromHost } from '../tensor.ts';
import type { Tensor } from '../tensor.ts';
import { generator } from '../generator.ts';

/**
 * The indices 0..n-1 in the order one epoch of `DataLoader(dataset, shuffle=True)` visits
 * them (int32). Under `manualSeed(s, { generator: 'torch' })` this is PyTorch's order: each
 * epoch's iterator draws a base seed, its RandomSampler draws another and permutes with a
 * fresh generator seeded by it, so the global stream moves by four words per epoch, not n.
 * Under the default generator it is `randperm(n)`.
 */
export function shuffledIndices(n: number): Tensor {
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new Error(`data.shuffledIndices: n must be an integer in [0, 2**31 - 1], got ${String(n)}`);
  return tensorFromHost(generator().shuffleOrder(n), [n], 'int32');
}
