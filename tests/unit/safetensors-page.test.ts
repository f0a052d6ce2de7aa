// The MNIST page's model file (demos/mnist/weights.ts): the download's names and metadata, a
// file of any hidden size builds the page's net (the exercise's 100 too), and a file of some
// other model is an Error that says what the page expected and what the file holds.
import { expect, it } from 'vitest';
import { manualSeed, nn, readSafetensors, saveSafetensors, setBackend } from 'shadergrad';
import { shallowNet } from '../../demos/mnist/mnist.ts';
import { modelFile, netFromFile } from '../../demos/mnist/weights.ts';

await setBackend('cpu');

it('a 784-100-10 net goes out with its names and split, and comes back as a 784-100-10 net', async () => {
  manualSeed(0);
  const net = shallowNet(100);
  const bytes = await modelFile(net, { seed: 3, trainSize: 7000 });
  const file = readSafetensors(bytes);
  expect(file.tensors.map((t) => [t.name, t.shape])).toEqual([
    ['0.bias', [100]],
    ['0.weight', [100, 784]],
    ['2.bias', [10]],
    ['2.weight', [10, 100]],
  ]);
  expect(file.metadata).toMatchObject({ split_seed: '3', train_size: '7000' });
  const back = netFromFile(bytes);
  expect(back.hidden).toBe(100);
  expect(back.split).toEqual({ seed: 3, trainSize: 7000 });
  const values = (m: nn.Module): Promise<number[][]> => Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));
  expect(await values(back.net)).toEqual(await values(net));
});

it('another model is refused with what the page expected', async () => {
  const other = await saveSafetensors(new nn.Sequential(new nn.Linear(3, 4)));
  expect(() => netFromFile(other)).toThrow(/expected the page's model \(0\.weight \[hidden, 784\].*the file has 0\.bias \[4\], 0\.weight \[4, 3\]/);
  const wrongOut = await saveSafetensors(new nn.Sequential(new nn.Linear(784, 8), new nn.ReLU(), new nn.Linear(8, 5)));
  expect(() => netFromFile(wrongOut)).toThrow(/not a 784-8-10 model: loadStateDict: 2\.weight has shape \[5,8\]/);
});
