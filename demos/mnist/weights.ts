// The MNIST model as a file: what the page's download holds and how a file becomes the page's
// network again. No DOM here: the page, the fixture writer and the tests use these functions.
import { loadSafetensors, nn, readSafetensors, saveSafetensors } from 'shadergrad';
import { CLASSES, PIXELS, shallowNet } from './mnist.ts';

/** The download's name; demos/mnist/load_in_pytorch.py opens a file of this name. */
export const MODEL_FILE = 'mnist-shallow.safetensors';

/** Which digits the model was tested on, in the file, so PyTorch can pick the same ones. */
export interface SplitInfo {
  seed: number;
  trainSize: number;
}

/** The file's bytes: the net's stateDict() names (0.weight, 0.bias, 2.weight, 2.bias), F32. */
export function modelFile(net: nn.Module, split: SplitInfo): Promise<Uint8Array> {
  return saveSafetensors(net, { split_seed: String(split.seed), train_size: String(split.trainSize), model: 'shadergrad mnist shallow net: Linear(784, hidden), ReLU, Linear(hidden, 10)' });
}

/**
 * The page's network from a file: the hidden size comes from 0.weight's shape, so any size
 * loads (the lesson's 128, the exercise's 100, ...). A file of another model is an Error that
 * says which tensor is missing or mis-shaped; nothing is built from half a file.
 */
export function netFromFile(bytes: Uint8Array): { net: nn.Sequential; hidden: number; split: SplitInfo | null } {
  const { metadata } = readSafetensors(bytes);
  const state = loadSafetensors(bytes);
  const w1 = state['0.weight'];
  if (!w1 || w1.shape.length !== 2 || w1.shape[1] !== PIXELS) {
    const got = Object.entries(state).map(([k, t]) => `${k} [${t.shape.join(', ')}]`).join(', ') || 'no tensors';
    throw new Error(`Load weights: expected the page's model (0.weight [hidden, ${PIXELS}], 0.bias, 2.weight [${CLASSES}, hidden], 2.bias); the file has ${got}`);
  }
  const hidden = w1.shape[0]!;
  const net = shallowNet(hidden);
  try {
    net.loadStateDict(state);
  } catch (err) {
    throw new Error(`Load weights: the file is not a 784-${hidden}-10 model: ${err instanceof Error ? err.message : String(err)}`);
  }
  const seed = Number(metadata?.split_seed);
  const trainSize = Number(metadata?.train_size);
  const split = Number.isInteger(seed) && Number.isInteger(trainSize) ? { seed, trainSize } : null;
  return { net, hidden, split };
}
