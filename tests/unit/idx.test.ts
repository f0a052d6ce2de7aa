// The IDX loader (src/data/idx.ts) on small files written here byte by byte with Node's
// Buffer (big-endian by hand, independent of the loader and of encodeIdx), plus bad files,
// and the streaming fetch with its progress reports.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { data } from '../../src/index.ts';

const dir = fileURLToPath(new URL('./.generated/idx/', import.meta.url));
mkdirSync(dir, { recursive: true });

/** An IDX file as LeCun describes it: 0, 0, type 0x08, ndims, big-endian dims, bytes. */
function idxBytes(magic: number, dims: number[], values: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length + values.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  values.forEach((v, i) => b.writeUInt8(v, 4 + 4 * dims.length + i));
  return b;
}

function writeAndRead(name: string, bytes: Buffer): ArrayBuffer {
  writeFileSync(`${dir}${name}`, bytes);
  const back = readFileSync(`${dir}${name}`);
  return back.buffer.slice(back.byteOffset, back.byteOffset + back.byteLength);
}

// Three 2x3 "images" with recognisable pixels, and their labels.
const PIXELS = [0, 1, 2, 3, 4, 5, 255, 254, 253, 252, 251, 250, 9, 8, 7, 6, 5, 128];
const images = writeAndRead('images-idx3-ubyte', idxBytes(0x00000803, [3, 2, 3], PIXELS));
const labels = writeAndRead('labels-idx1-ubyte', idxBytes(0x00000801, [3], [7, 0, 9]));

it('parses an images file: count, rows, cols and the pixels in order', () => {
  const im = data.parseIdxImages(images);
  expect([im.count, im.rows, im.cols]).toEqual([3, 2, 3]);
  expect(Array.from(im.pixels)).toEqual(PIXELS);
  // The header is 16 bytes: magic and three dims.
  expect(images.byteLength).toBe(16 + 18);
});

it('parses a labels file and a matching pair', () => {
  expect(Array.from(data.parseIdxLabels(labels).labels)).toEqual([7, 0, 9]);
  const pair = data.parseIdxPair(images, labels);
  expect(pair.images.count).toBe(pair.labels.count);
  // A typed-array view into a larger buffer parses the same as its own buffer.
  const padded = new Uint8Array(labels.byteLength + 5);
  padded.set(new Uint8Array(labels), 5);
  expect(Array.from(data.parseIdxLabels(padded.subarray(5)).labels)).toEqual([7, 0, 9]);
});

it('parses a generic IDX file with big dims (the big-endian order matters)', () => {
  const values = Array.from({ length: 256 * 2 }, (_, i) => i % 256);
  const a = data.parseIdx(writeAndRead('wide-idx2-ubyte', idxBytes(0x00000802, [256, 2], values)));
  expect(a.dims).toEqual([256, 2]);
  expect(a.data[511]).toBe(255);
});

it('encodeIdx writes exactly the bytes of a hand-written file', () => {
  expect(Buffer.from(data.encodeIdx([3, 2, 3], PIXELS)).equals(readFileSync(`${dir}images-idx3-ubyte`))).toBe(true);
  expect(() => data.encodeIdx([2, 2], [1, 2, 3])).toThrow('encodeIdx: dims [2, 2] hold 4 values, got 3');
});

it('rejects wrong magic numbers with a clear error', () => {
  // Labels where images are expected, and the other way round.
  expect(() => data.parseIdxImages(labels)).toThrow('IDX images: bad magic number 0x00000801, expected 0x00000803 for images (3 dimensions)');
  expect(() => data.parseIdxLabels(images)).toThrow('IDX labels: bad magic number 0x00000803, expected 0x00000801 for labels (1 dimension)');
  // A gzip file (MNIST's downloads are gzipped): 1f 8b ...
  const gz = writeAndRead('gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]));
  expect(() => data.parseIdx(gz)).toThrow('IDX file: bad magic number 0x1f8b0800: not an IDX file');
  // Little-endian dims written by mistake give an absurd size: reported as truncated.
  const le = Buffer.alloc(8 + 3);
  le.writeUInt32BE(0x00000801, 0);
  le.writeUInt32LE(3, 4);
  expect(() => data.parseIdxLabels(writeAndRead('le', le))).toThrow('IDX labels: truncated: dims [50331648] need 50331648 bytes of data, got 3');
  // Float32 values (type 0x0d) are valid IDX, but not what we read.
  expect(() => data.parseIdx(writeAndRead('f32', idxBytes(0x00000d01, [1], [0, 0, 0, 0])))).toThrow('value type 0x0d is not supported (only 0x08, unsigned bytes)');
});

it('rejects truncated files and wrong counts with a clear error', () => {
  expect(() => data.parseIdxImages(images.slice(0, images.byteLength - 1))).toThrow('IDX images: truncated: dims [3, 2, 3] need 18 bytes of data, got 17');
  expect(() => data.parseIdxImages(images.slice(0, 10))).toThrow('IDX images: truncated header: 3 dimensions need 16 bytes, got 10');
  expect(() => data.parseIdxImages(images.slice(0, 2))).toThrow('IDX images: 2 bytes is too short for an IDX header (at least 4)');
  // A header count larger than the data (4 labels announced, 3 present), or smaller.
  expect(() => data.parseIdxLabels(writeAndRead('count4', idxBytes(0x00000801, [4], [7, 0, 9])))).toThrow('IDX labels: truncated: dims [4] need 4 bytes of data, got 3');
  expect(() => data.parseIdxLabels(writeAndRead('count2', idxBytes(0x00000801, [2], [7, 0, 9])))).toThrow('IDX labels: 1 bytes after the data of dims [2] (expected exactly 2)');
  // Images and labels that do not belong together.
  const two = writeAndRead('labels2', idxBytes(0x00000801, [2], [1, 2]));
  expect(() => data.parseIdxPair(images, two)).toThrow('IDX: 3 images but 2 labels: the counts must be equal');
});

/** A Response whose body arrives in the given chunks. */
function chunkedResponse(bytes: Uint8Array, chunk: number, headers: Record<string, string> = {}): Response {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
  return new Response(body, { headers });
}

it('fetchBytes streams the body and reports progress chunk by chunk', async () => {
  const bytes = new Uint8Array(images);
  const seen: [number, number | null][] = [];
  const got = await data.fetchBytes('/x', {
    fetch: async () => chunkedResponse(bytes, 10, { 'content-length': String(bytes.length) }),
    onProgress: (p) => seen.push([p.loaded, p.total]),
  });
  expect(Array.from(got)).toEqual(Array.from(bytes));
  expect(seen).toEqual([
    [10, 34],
    [20, 34],
    [30, 34],
    [34, 34],
    [34, 34],
  ]);
  // Without a Content-Length the total is unknown until the end.
  const seen2: (number | null)[] = [];
  await data.fetchBytes('/x', { fetch: async () => chunkedResponse(bytes, 20), onProgress: (p) => seen2.push(p.total) });
  expect(seen2).toEqual([null, null, 34]);
});

it('fetchIdxPair fetches both files with combined progress; HTTP and length errors are clear', async () => {
  const files: Record<string, Uint8Array> = { '/im': new Uint8Array(images), '/lb': new Uint8Array(labels) };
  const fakeFetch = async (url: string): Promise<Response> =>
    files[url] ? chunkedResponse(files[url], 8, { 'content-length': String(files[url].length) }) : new Response('no', { status: 404, statusText: 'Not Found' });
  const progress: number[] = [];
  const pair = await data.fetchIdxPair('/im', '/lb', { fetch: fakeFetch, onProgress: (p) => p.total !== null && progress.push(p.loaded / p.total) });
  expect(Array.from(pair.labels.labels)).toEqual([7, 0, 9]);
  expect(progress.at(-1)).toBe(1);
  expect(progress.length).toBeGreaterThan(3);
  await expect(data.fetchBytes('/missing', { fetch: fakeFetch })).rejects.toThrow('fetch /missing: HTTP 404 Not Found');
  const short = async (): Promise<Response> => chunkedResponse(new Uint8Array(5), 5, { 'content-length': '9' });
  await expect(data.fetchBytes('/short', { fetch: short })).rejects.toThrow('fetch /short: got 5 bytes, Content-Length said 9');
  const ctl = new AbortController();
  ctl.abort();
  await expect(data.fetchBytes('/im', { fetch: (u, init) => (init?.signal?.throwIfAborted(), fakeFetch(u)), signal: ctl.signal })).rejects.toThrow();
});

it('encodeIdx refuses values and dims an unsigned-byte IDX file cannot hold, instead of wrapping them', () => {
  expect(() => data.encodeIdx([3], [0, 256, 1])).toThrow('encodeIdx: value 1 is 256; unsigned-byte IDX values must be integers in [0, 255]');
  expect(() => data.encodeIdx([2], [-1, 0])).toThrow('value 0 is -1');
  expect(() => data.encodeIdx([2], [0.5, 0])).toThrow('value 0 is 0.5');
  expect(() => data.encodeIdx([2 ** 32, 0], [])).toThrow('encodeIdx: dimension 0 is 4294967296; dims must be integers in [0, 4294967295]');
  expect(() => data.encodeIdx([-1], [])).toThrow('dimension 0 is -1');
  expect(() => data.encodeIdx([], [])).toThrow('dims must be a list of 1 to 255 dimensions');
  // The edges are fine.
  expect(data.parseIdx(data.encodeIdx([2], [0, 255])).data).toEqual(new Uint8Array([0, 255]));
});

it('parseIdx takes any binary buffer and names what it got otherwise', () => {
  const bytes = data.encodeIdx([2, 2], [1, 2, 3, 4]);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  expect(data.parseIdx(shared).dims).toEqual([2, 2]);
  expect(Array.from(data.parseIdx(new DataView(bytes.buffer)).data)).toEqual([1, 2, 3, 4]);
  expect(() => data.parseIdx(Array.from(bytes) as never)).toThrow('expected the file\'s bytes (an ArrayBuffer, SharedArrayBuffer, typed array or DataView), got an array of numbers');
  expect(() => data.parseIdx('\u0000\u0000\u0008\u0001' as never)).toThrow('got a string');
  expect(() => data.parseIdxImages(null as never)).toThrow('IDX images: expected the file\'s bytes');
  expect(() => data.parseIdxLabels(42 as never)).toThrow('got number');
});
