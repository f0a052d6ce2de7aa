// safetensors against PyTorch (tests/fixtures/safetensors/, made by make_fixtures.py with
// PyTorch 2.13 and safetensors 0.8): PyTorch's files load with its values, our encoder writes
// PyTorch's very bytes for the same tensors, and PyTorch's record of reading our files shows
// the values we wrote, the README's line and the MNIST page's model at the page's accuracy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { data, encodeSafetensors, readSafetensors, setBackend, tensor } from 'shadergrad';
import { buildMnist } from '../../scripts/build-mnist.mjs';
import { PIXELS, evaluate, fromIdx, splitMnist } from '../../demos/mnist/mnist.ts';
import { netFromFile } from '../../demos/mnist/weights.ts';
import { SMALL_METADATA, smallTensors } from '../fixtures/safetensors/ours.ts';

await setBackend('cpu');

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}tests/fixtures/safetensors/`;
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(dir + name));
const json = <T>(name: string): T => JSON.parse(readFileSync(dir + name, 'utf8')) as T;

type Value = number | string;
type Values = Value[] | { sum: number; first: Value[]; count: number };
interface Described {
  metadata: Record<string, string> | null;
  tensors: Record<string, { dtype: string; shape: number[]; values: Values }>;
}
const torchFiles = json<{ files: Record<string, Described> }>('torch.json').files;
const readsOurs = json<{
  files: Record<string, Described & { pytorch_writes_same_bytes: boolean; pytorch_writes_same_file_up_to_metadata_order: boolean; sha256: string }>;
  readme: { code: string; printed: string[] };
  mnist: { script: string; printed: string[] };
}>('torch_reads_ours.json');
const ours = json<{ mnist: { testAccuracy: number; right: number; splitSeed: number; trainSize: number }; readme: { code: string; printed: string[] } }>('ours.json');

/** The record's value as a number: -0, infinities and NaN are strings in JSON. */
const num = (v: Value): number => (typeof v === 'number' ? v : ({ '-0': -0, inf: Infinity, '-inf': -Infinity, nan: NaN } as Record<string, number>)[v]!);
const list = (v: Values): number[] => (Array.isArray(v) ? v.map(num) : []);

describe("PyTorch's files load with PyTorch's values", () => {
  it('torch_f32: a model state, I32, rank 0, zero-size: every value equal, and our encoder writes the same bytes', () => {
    const file = bytes('torch_f32.safetensors');
    const got = readSafetensors(file);
    const want = torchFiles['torch_f32.safetensors']!;
    expect(got.metadata).toEqual(want.metadata);
    expect(got.tensors.map((t) => t.name).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const t of got.tensors) {
      const w = want.tensors[t.name]!;
      expect(t.shape, t.name).toEqual(w.shape);
      expect(t.dtype, t.name).toBe(w.dtype === 'int32' ? 'I32' : 'F32');
      expect(Array.from(t.values), t.name).toEqual(list(w.values));
    }
    // Same tensors, same metadata: byte for byte what safetensors.torch.save_file wrote.
    expect(encodeSafetensors(got.tensors, got.metadata ?? undefined)).toEqual(file);
  });

  it('torch_mixed: F16 and BF16 exactly, F64 rounded to the nearest float32', () => {
    const got = readSafetensors(bytes('torch_mixed.safetensors'));
    const want = torchFiles['torch_mixed.safetensors']!;
    expect(Object.fromEntries(got.tensors.map((t) => [t.name, t.dtype]))).toEqual({ half: 'F16', brain: 'BF16', double: 'F64', weight: 'F16' });
    for (const t of got.tensors) {
      const w = want.tensors[t.name]!;
      expect(t.shape, t.name).toEqual(w.shape);
      const exact = list(w.values);
      const expected = t.dtype === 'F64' ? exact.map(Math.fround) : exact;
      if (t.dtype !== 'F64') expect(exact.every((v) => Object.is(Math.fround(v), v)), `${t.name}: PyTorch's values are float32-exact`).toBe(true);
      expect(Array.from(t.values), t.name).toEqual(expected);
    }
  });
});

describe('PyTorch reads our files', () => {
  const hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

  it('the record is of the committed files, and our encoder still writes ours_small', () => {
    for (const [name, rec] of Object.entries(readsOurs.files)) expect(hex(bytes(name)), name).toBe(rec.sha256);
    expect(encodeSafetensors(smallTensors(), SMALL_METADATA)).toEqual(bytes('ours_small.safetensors'));
  });

  it('ours_small: PyTorch loaded every name, shape, dtype and value we wrote, and its writer makes the same file', () => {
    const rec = readsOurs.files['ours_small.safetensors']!;
    expect(rec.metadata).toEqual(SMALL_METADATA);
    const mine = smallTensors();
    expect(Object.keys(rec.tensors).sort()).toEqual(mine.map((t) => t.name).sort());
    for (const t of mine) {
      const r = rec.tensors[t.name]!;
      expect(r.dtype, t.name).toBe(t.values instanceof Int32Array ? 'int32' : 'float32');
      expect(r.shape, t.name).toEqual(t.shape);
      expect(list(r.values), t.name).toEqual(Array.from(t.values));
    }
    // Two metadata keys: PyTorch's hash map may order them either way, the rest is equal.
    expect(rec.pytorch_writes_same_file_up_to_metadata_order).toBe(true);
  });

  it('ours_readme (no metadata) and ours_mnist: PyTorch writes the same bytes; the values it loaded are ours', () => {
    expect(readsOurs.files['ours_readme.safetensors']!.pytorch_writes_same_bytes).toBe(true);
    const rec = readsOurs.files['ours_mnist.safetensors']!;
    expect(rec.pytorch_writes_same_file_up_to_metadata_order).toBe(true);
    for (const t of readSafetensors(bytes('ours_mnist.safetensors')).tensors) {
      const r = rec.tensors[t.name]!;
      expect(r.shape, t.name).toEqual(t.shape);
      const v = r.values;
      if (Array.isArray(v)) expect(list(v), t.name).toEqual(Array.from(t.values));
      else {
        expect(v.count).toBe(t.values.length);
        expect(v.first.map(num)).toEqual(Array.from(t.values.subarray(0, 8)));
        let sum = 0;
        for (const x of t.values) sum += x;
        expect(sum, t.name).toBeCloseTo(v.sum, 9);
      }
    }
  });

  it("the MNIST page's model: PyTorch (demos/mnist/load_in_pytorch.py as committed) and our engine get the same test accuracy", async () => {
    expect(readsOurs.mnist.script).toBe(readFileSync(`${root}demos/mnist/load_in_pytorch.py`, 'utf8'));
    const line = `test accuracy ${ours.mnist.testAccuracy.toFixed(4)} (${ours.mnist.right} of 2000)`;
    expect(readsOurs.mnist.printed).toEqual([line]);
    // Load the committed file here, as the page's Load weights does, and test it on the CPU.
    const { net, hidden, split: info } = netFromFile(bytes('ours_mnist.safetensors'));
    expect(hidden).toBe(16);
    expect(info).toEqual({ seed: ours.mnist.splitSeed, trainSize: ours.mnist.trainSize });
    const { images, labels } = buildMnist({ quiet: true });
    const split = splitMnist(fromIdx(data.parseIdxPair(readFileSync(images), readFileSync(labels))), info!);
    const ev = await evaluate(net, tensor(split.test.x, { shape: [split.test.y.length, PIXELS] }), split.test);
    expect(Math.round(ev.accuracy * 2000)).toBe(ours.mnist.right);
  });

  it("the README's blocks are the ones the fixture ran, and print the README's line", () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const block = (name: string, lang: string): string => readme.match(new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``))![1]!;
    const output = readme.match(/<!-- output:safetensors -->\s*```text\n([\s\S]*?)```/)![1]!.trim().split('\n');
    expect(readsOurs.readme.code).toBe(block('safetensors-python', 'python'));
    expect(ours.readme.code).toBe(block('safetensors-node', 'ts'));
    expect(readsOurs.readme.printed).toEqual(output);
    expect(ours.readme.printed).toEqual(output);
  });
});
