// The MNIST page's training module against PyTorch (tests/fixtures/torch/mnist.json, made by
// mnist.py beside it): after torch.manual_seed(s), the lesson's ShallowNet gets the same
// starting weights, and `for images, labels in train_loader` with DataLoader(shuffle=True)
// visits the training set in the same order, epoch after epoch, as the module's run does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { data, manualSeed, setBackend } from 'shadergrad';
import { buildMnist } from '../../scripts/build-mnist.mjs';
import { ORDER_HEAD, fromIdx, shallowNet, splitMnist, trainMnist } from '../../demos/mnist/mnist.ts';

await setBackend('cpu');

interface Case {
  seed: number;
  hidden: number;
  n: number;
  params: { name: string; first: number[]; last: number; sum: number }[];
  epochs: { head: number[]; checksum: number }[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch/mnist.json', import.meta.url)), 'utf8')) as { torch: string; cases: Case[] };

const checksum = (order: Int32Array): number => order.reduce((s, v, i) => s + (i + 1) * v, 0);

afterAll(() => manualSeed(0));

describe(`Part 3.8 against PyTorch ${fixture.torch}: the starting weights and the DataLoader's order`, () => {
  for (const c of fixture.cases) {
    it(`seed ${c.seed}, ${c.hidden} hidden units, ${c.n} training digits: weights, then ${c.epochs.length} epochs of shuffled order`, async () => {
      manualSeed(c.seed, { generator: 'torch' });
      const net = shallowNet(c.hidden);
      const params = net.parameters();
      expect(params).toHaveLength(c.params.length);
      for (const [k, want] of c.params.entries()) {
        const got = (await params[k]!.data()) as Float32Array;
        // nn.Linear's uniform draws are bit-exact; the sum is over all of them, in float64.
        expect(Array.from(got.subarray(0, 8)), want.name).toEqual(want.first);
        expect(got[got.length - 1], want.name).toBe(want.last);
        expect(Array.from(got).reduce((s, v) => s + v, 0), want.name).toBeCloseTo(want.sum, 9);
      }
      for (const [e, want] of c.epochs.entries()) {
        const order = (await data.shuffledIndices(c.n).data()) as Int32Array;
        expect(Array.from(order.subarray(0, 16)), `epoch ${e + 1}`).toEqual(want.head);
        expect(checksum(order), `epoch ${e + 1}`).toBe(want.checksum);
      }
    });
  }

  it("trainMnist visits the training digits in PyTorch's order: the module's epochs equal data.shuffledIndices, and the fixture", async () => {
    const files = buildMnist({ quiet: true });
    const ds = fromIdx(data.parseIdxPair(readFileSync(files.images), readFileSync(files.labels)));
    const c = fixture.cases.find((k) => k.n === 1000)!;
    const s = splitMnist(ds, { seed: 1, trainSize: c.n });
    const small = { ...s, test: { x: s.test.x.subarray(0, 100 * 784), y: s.test.y.subarray(0, 100), index: s.test.index.subarray(0, 100) } };
    const r = await trainMnist(small, { hidden: c.hidden, seed: c.seed, epochs: c.epochs.length });
    expect(r.epochOrderHeads).toHaveLength(c.epochs.length);
    // The same draws by hand: the weights, then an epoch's order per epoch.
    manualSeed(c.seed, { generator: 'torch' });
    shallowNet(c.hidden);
    for (const [e, heads] of r.epochOrderHeads.entries()) {
      const order = (await data.shuffledIndices(c.n).data()) as Int32Array;
      expect(heads, `epoch ${e + 1}`).toEqual(Array.from(order.subarray(0, ORDER_HEAD)));
      expect(heads, `epoch ${e + 1}, PyTorch`).toEqual(c.epochs[e]!.head.slice(0, ORDER_HEAD));
    }
  });
});
