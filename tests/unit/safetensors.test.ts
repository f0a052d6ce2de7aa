// safetensors in and out (src/nn/safetensors.ts): round trips of every dtype we write, of
// rank-0, rank-1 and zero-size tensors; conversions from F16, BF16 and F64 checked against
// hand-computed values; every bad file the issue lists is an Error naming the problem, and a
// model that tried to load it keeps every parameter. PyTorch's side is safetensors-torch.test.ts.
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, loadSafetensors, manualSeed, nn, readSafetensors, saveSafetensors, setBackend, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

await setBackend('cpu');

/** A file written by hand: header object (or raw text), then the data bytes. */
function rawFile(header: object | string, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
const u16 = (...v: number[]): Uint8Array => new Uint8Array(new Uint16Array(v).buffer);

async function snapshot(net: nn.Module): Promise<number[][]> {
  return Promise.all(net.parameters().map(async (p) => Array.from(await p.data())));
}

describe('round trips', () => {
  it('F32 and I32, rank 0, rank 1, zero-size dimensions, metadata: values, shapes and dtypes come back', async () => {
    const state: Record<string, Tensor> = {
      'fc1.weight': tensor([[1.5, -2], [3e-39, 3.4e38]]),
      'fc1.bias': tensor([0.25, -0]),
      scalar: tensor(Math.PI),
      empty: tensor(new Float32Array(0), { shape: [3, 0, 2] }),
      labels: tensor(new Int32Array([7, -1, 2147483647, -2147483648])),
      nothing: tensor(new Int32Array(0), { shape: [0] }),
    };
    const bytes = await saveSafetensors(state, { origin: 'test', 'ünï': 'line\nbreak "quoted"' });
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ origin: 'test', 'ünï': 'line\nbreak "quoted"' });
    const byName = Object.fromEntries(back.tensors.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(Object.keys(state).sort());
    for (const [name, t] of Object.entries(state)) {
      const got = byName[name]!;
      expect(got.shape, name).toEqual(t.shape);
      expect(got.dtype, name).toBe(t.dtype === 'int32' ? 'I32' : 'F32');
      expect(got.values, name).toEqual(await t.data());
    }
    expect(Object.is(byName['fc1.bias']!.values[1], -0)).toBe(true);
    const loaded = loadSafetensors(bytes);
    expect(loaded.scalar!.shape).toEqual([]);
    expect(await loaded.scalar!.item()).toBeCloseTo(Math.PI, 6);
    expect(loaded.labels!.dtype).toBe('int32');
    expect(Array.from(await loaded.labels!.data())).toEqual([7, -1, 2147483647, -2147483648]);
    expect(loaded.empty!.shape).toEqual([3, 0, 2]);
  });

  it('a module goes out under its stateDict() names and into a fresh module of the same shape', async () => {
    manualSeed(1);
    const net = new nn.Sequential(new nn.Linear(5, 7), new nn.ReLU(), new nn.Linear(7, 3));
    const bytes = await saveSafetensors(net);
    expect(readSafetensors(bytes).tensors.map((t) => t.name)).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    manualSeed(2);
    const copy = new nn.Sequential(new nn.Linear(5, 7), new nn.ReLU(), new nn.Linear(7, 3));
    copy.loadStateDict(loadSafetensors(bytes));
    expect(await snapshot(copy)).toEqual(await snapshot(net));
  });

  it('the layout the reference writes: 8-byte length, compact JSON padded with spaces to 8, F32 before I32, names by byte', () => {
    const bytes = encodeSafetensors(
      [
        { name: 'b', shape: [1], values: new Int32Array([5]) },
        { name: 'z', shape: [1], values: new Float32Array([1]) },
        { name: '10', shape: [], values: new Float32Array([2]) },
        { name: '9', shape: [], values: new Float32Array([3]) },
      ],
      { k: 'v' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header).toBe(
      `${'{"__metadata__":{"k":"v"},"10":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"9":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"z":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"b":{"dtype":"I32","shape":[1],"data_offsets":[12,16]}}'.padEnd(n, ' ')}`,
    );
    expect(bytes.length).toBe(8 + n + 16);
  });

  it('writing refuses what the format cannot hold', async () => {
    expect(() => encodeSafetensors([{ name: '__metadata__', shape: [1], values: new Float32Array(1) }])).toThrow(/__metadata__/);
    expect(() => encodeSafetensors([{ name: 'a', shape: [2], values: new Float32Array(3) }])).toThrow(/'a' has 3 values for shape \[2\]/);
    await expect(saveSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string })).rejects.toThrow(/metadata 'n' is number/);
    await expect(saveSafetensors(tensor([1]) as unknown as Record<string, Tensor>)).rejects.toThrow(/expected a Module or an object/);
  });
});

describe('conversions', () => {
  it('F16 and BF16 load exactly as float32: normals, subnormals, signed zero, infinities, NaN', () => {
    // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 3 * 2^-24... then -0, +inf, NaN.
    const half = u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0003, 0x03ff, 0x8000, 0x7c00, 0x7e00);
    // BF16: the top half of the float32 bits: 1, -2, 3.0e38-ish, 1e-40 (subnormal), -inf.
    const f = new Float32Array([1, -2, 3.3895314e38, 9.99995e-41, -Infinity]);
    const brain = u16(...Array.from(new Uint32Array(f.buffer), (b) => b >>> 16));
    const file = rawFile(
      { h: { dtype: 'F16', shape: [9], data_offsets: [0, 18] }, b: { dtype: 'BF16', shape: [5], data_offsets: [18, 28] } },
      new Uint8Array([...half, ...brain]),
    );
    const { tensors } = readSafetensors(file);
    const h = Array.from(tensors[0]!.values);
    expect(h.slice(0, 6)).toEqual([1, -2, 65504, 2 ** -24, 3 * 2 ** -24, 1023 * 2 ** -24]);
    expect(Object.is(h[6], -0)).toBe(true);
    expect(h[7]).toBe(Infinity);
    expect(h[8]).toBeNaN();
    const truncated = new Float32Array(new Uint32Array(Array.from(new Uint32Array(f.buffer), (b) => (b >>> 16) << 16)).buffer);
    expect(Array.from(tensors[1]!.values)).toEqual(Array.from(truncated));
    expect(tensors.map((t) => t.dtype)).toEqual(['F16', 'BF16']);
  });

  it('F64 rounds to the nearest float32, ties to even, overflow to infinity', () => {
    const v = [1 / 3, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 1e300, -1e-300];
    const file = rawFile({ d: { dtype: 'F64', shape: [5], data_offsets: [0, 40] } }, new Uint8Array(new Float64Array(v).buffer));
    const got = Array.from(readSafetensors(file).tensors[0]!.values);
    expect(got[0]).toBe(Math.fround(1 / 3));
    expect(got[1]).toBe(1); // halfway: to even (1.0)
    expect(got[2]).toBe(1 + 2 ** -22); // halfway: to even (the upper neighbour)
    expect(got[3]).toBe(Infinity);
    expect(Object.is(got[4], -0)).toBe(true);
  });

  it('any other dtype is an Error naming the tensor and the dtype', () => {
    for (const dtype of ['I64', 'BOOL', 'U8', 'F8_E4M3']) {
      const file = rawFile({ count: { dtype, shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
      expect(() => loadSafetensors(file)).toThrow(new RegExp(`tensor 'count' has dtype ${dtype}, which shadergrad cannot load`));
    }
  });
});

describe('bad files: a clear Error, and the model keeps every parameter', () => {
  const good = { 'fc.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, 'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [16, 24] } };
  const data = f32(1, 2, 3, 4, 5, 6);
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /the file is 5 bytes, too short/],
    ['truncated data', rawFile(good, data).subarray(0, 8 + JSON.stringify(good).length + 20), /'fc.bias': data_offsets \[16, 24\] run past the end of the data \(20 bytes\)/],
    ['header length past the end', rawFile(good, data, 10_000n), /header length 10000 runs past the end of the file/],
    ['header over 100 MB', rawFile(good, data, 100_000_001n), /header length 100000001 is over the 100000000-byte limit/],
    ['overlapping offsets', rawFile({ ...good, 'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, x: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, data), /tensors 'fc.weight' and 'fc.bias' overlap/],
    ['a hole between tensors', rawFile({ ...good, 'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [24, 32] } }, data), /bytes 16 to 24 of the data belong to no tensor/],
    ['out-of-range offsets', rawFile({ ...good, 'fc.bias': { dtype: 'F32', shape: [4], data_offsets: [16, 32] } }, data), /'fc.bias': data_offsets \[16, 32\] run past the end/],
    ['bytes left over', rawFile(good, f32(1, 2, 3, 4, 5, 6, 7)), /the data is 28 bytes but the tensors cover 24/],
    ['a shape that disagrees with its bytes', rawFile({ ...good, 'fc.bias': { dtype: 'F32', shape: [3], data_offsets: [16, 24] } }, data), /'fc.bias': shape \[3\] F32 needs 12 bytes, but data_offsets \[16, 24\] hold 8/],
    ['a name twice', rawFile(`{"fc.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}`, data), /the name 'fc.bias' appears twice/],
    ['a header that is not JSON', rawFile('{"fc.weight": [1, 2', data), /the header is not JSON/],
    ['a header that is not an object', rawFile('[1, 2]', data), /must be a JSON object starting with '\{'/],
    ['a header that is not UTF-8', rawFile('{}').map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/],
    ['negative offsets', rawFile({ ...good, 'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [24, 16] } }, data), /data_offsets \[24,16\] must be \[begin, end\]/],
    ['bad metadata', rawFile({ __metadata__: { n: 3 }, ...good }, data), /__metadata__ 'n' is 3, expected a string/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, async () => {
      manualSeed(4);
      const net = new nn.Sequential(new nn.Linear(2, 2));
      const before = await snapshot(net);
      // Sequential names its layer '0', the files 'fc': renamed, a file that parsed would
      // reach loadStateDict's own checks.
      expect(() => {
        const state = loadSafetensors(bytes);
        const renamed = Object.fromEntries(Object.entries(state).map(([k, v]) => [k.replace(/^fc\./, '0.'), v]));
        net.loadStateDict(renamed);
      }).toThrow(message);
      expect(await snapshot(net)).toEqual(before);
    });
  }

  it('the good file itself loads (so the cases above fail for their own reason)', async () => {
    const net = new nn.Sequential(new nn.Linear(2, 2));
    const state = loadSafetensors(rawFile(good, data));
    net.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k.replace(/^fc\./, '0.'), v])));
    expect(await snapshot(net)).toEqual([[1, 2, 3, 4], [5, 6]]);
  });

  it('loadStateDict: a wrong shape in the last parameter leaves the first unchanged', async () => {
    manualSeed(5);
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const before = await snapshot(net);
    const file = await saveSafetensors({ '0.weight': tensor(new Float32Array(12).fill(9), { shape: [4, 3] }), '0.bias': tensor([9, 9, 9, 9]), '2.weight': tensor(new Float32Array(8).fill(9), { shape: [2, 4] }), '2.bias': tensor([9, 9, 9]) });
    expect(() => net.loadStateDict(loadSafetensors(file))).toThrow(/2\.bias has shape \[3\] float32, expected \[2\] float32/);
    expect(await snapshot(net)).toEqual(before);
    // An I32 tensor for a parameter is refused the same way.
    const ints = await saveSafetensors({ '0.weight': tensor(new Int32Array(12), { shape: [4, 3] }), '0.bias': tensor([1, 1, 1, 1]), '2.weight': tensor(new Float32Array(8), { shape: [2, 4] }), '2.bias': tensor([1, 1]) });
    expect(() => net.loadStateDict(loadSafetensors(ints))).toThrow(/0\.weight has shape \[4,3\] int32, expected \[4,3\] float32/);
    expect(await snapshot(net)).toEqual(before);
  });
});
