// Replays the calls of tests/fixtures/torch/random.json (made by make_random.py beside it,
// with PyTorch) through the public API, on whichever backend is current.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { data, init, manualSeed, nn, rand, randint, randn, randperm, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import type { Nonlinearity } from '../../src/init.ts';

export type Call = [string, ...unknown[]];
export interface RandomCase {
  name: string;
  seed: number;
  calls: Call[];
  out: number[][];
}

export const torchRandom = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/random.json', import.meta.url)), 'utf8')) as { torch: string; cases: RandomCase[] };

const gain: Record<string, Nonlinearity> = { relu: 'relu', leaky_relu: 'leakyRelu', linear: 'linear', tanh: 'tanh', sigmoid: 'sigmoid' };
const mode = (m: unknown): 'fanIn' | 'fanOut' => (m === 'fan_in' ? 'fanIn' : 'fanOut');

/** Whether a call's values come from the 16-wide float32 normal path (a few ulps apart). */
export function vectorNormal(call: Call): boolean {
  const n = (call[1] as number[]).reduce?.((a, b) => a * b, 1) ?? 0;
  return ['randn', 'normal_', 'xavierNormal_', 'kaimingNormal_'].includes(call[0]) && n >= 16;
}

/** Seeds the torch generator and makes the case's calls in order; each call's values, flat. */
export async function replay(c: RandomCase): Promise<number[][]> {
  const out: number[][] = [];
  const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
  manualSeed(c.seed, { generator: 'torch' });
  for (const call of c.calls) {
    const [kind, a, b, d, e] = call as [string, any, any, any, any];
    switch (kind) {
      case 'randn':
        out.push(await values(randn(a)));
        break;
      case 'rand':
        out.push(await values(rand(a)));
        break;
      case 'randint':
        out.push(await values(randint(a, b, d)));
        break;
      case 'randperm':
        out.push(await values(randperm(a)));
        break;
      case 'loaderEpoch':
        out.push(await values(data.shuffledIndices(a)));
        break;
      case 'Linear': {
        const layer = new nn.Linear(a, b, { bias: d });
        out.push([...(await values(layer.weight)), ...(layer.bias ? await values(layer.bias) : [])]);
        break;
      }
      default: {
        // init functions fill a tensor made without drawing (as torch.empty).
        const t = tensor(new Float32Array((a as number[]).reduce((x, y) => x * y, 1)), { shape: a });
        if (kind === 'normal_') init.normal_(t, b, d);
        else if (kind === 'uniform_') init.uniform_(t, b, d);
        else if (kind === 'xavierNormal_') init.xavierNormal_(t, b);
        else if (kind === 'xavierUniform_') init.xavierUniform_(t, b);
        else if (kind === 'kaimingUniform_') init.kaimingUniform_(t, { a: b, mode: mode(d), nonlinearity: gain[e]! });
        else if (kind === 'kaimingNormal_') init.kaimingNormal_(t, { a: b, mode: mode(d), nonlinearity: gain[e]! });
        else throw new Error(`unknown fixture call ${kind}`);
        out.push(await values(t));
      }
    }
  }
  return out;
}
