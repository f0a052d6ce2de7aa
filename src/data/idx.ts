// IDX, the file format of LeCun's MNIST files: a big-endian header, then raw values.
//   magic: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions
//   then one uint32 per dimension, then the values, row-major.
// MNIST images are magic 0x00000803 with dims [count, 28, 28]; labels 0x00000801 with [count].
// Only unsigned bytes (0x08) are read here: every MNIST-style file uses them.
import { sizeOf } from '../shape.ts';

/** An IDX file's dimensions and its bytes (a view into the buffer given, not a copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, image after image, row after row. */
  pixels: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

const UBYTE = 0x08;

/** Parse any unsigned-byte IDX file; `what` names it in errors. */
export function parseIdx(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView, what = 'IDX file'): IdxArray {
  const bytes = asBytes(buffer, what);
  if (bytes.length < 4) throw new Error(`${what}: ${bytes.length} bytes is too short for an IDX header (at least 4)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || ndims === 0) throw new Error(`${what}: bad magic number 0x${hex(magic)}: not an IDX file`);
  if (bytes[2] !== UBYTE) throw new Error(`${what}: magic 0x${hex(magic)}: value type 0x${bytes[2]!.toString(16).padStart(2, '0')} is not supported (only 0x08, unsigned bytes)`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new Error(`${what}: truncated header: ${ndims} dimensions need ${header} bytes, got ${bytes.length}`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const size = sizeOf(dims);
  const body = bytes.length - header;
  if (body < size) throw new Error(`${what}: truncated: dims [${dims.join(', ')}] need ${size} bytes of data, got ${body}`);
  if (body > size) throw new Error(`${what}: ${body - size} bytes after the data of dims [${dims.join(', ')}] (expected exactly ${size})`);
  return { dims, data: bytes.subarray(header) };
}

/** Parse an images file: magic 0x00000803, dims [count, rows, cols]. */
export function parseIdxImages(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView, what = 'IDX images'): IdxImages {
  expectMagic(buffer, 0x00000803, what, 'images (3 dimensions)');
  const { dims, data } = parseIdx(buffer, what);
  return { count: dims[0]!, rows: dims[1]!, cols: dims[2]!, pixels: data };
}

/** Parse a labels file: magic 0x00000801, dims [count]. */
export function parseIdxLabels(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView, what = 'IDX labels'): IdxLabels {
  expectMagic(buffer, 0x00000801, what, 'labels (1 dimension)');
  const { dims, data } = parseIdx(buffer, what);
  return { count: dims[0]!, labels: data };
}

/** Images and labels that belong together: the counts must agree. */
export function parseIdxPair(images: ArrayBuffer | ArrayBufferView, labels: ArrayBuffer | ArrayBufferView): { images: IdxImages; labels: IdxLabels } {
  const im = parseIdxImages(images);
  const lb = parseIdxLabels(labels);
  if (im.count !== lb.count) throw new Error(`IDX: ${im.count} images but ${lb.count} labels: the counts must be equal`);
  return { images: im, labels: lb };
}

/** The file's bytes, without a copy; anything that is not binary data is a clear error. */
function asBytes(buffer: unknown, what: string): Uint8Array {
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const got = buffer === null ? 'null' : Array.isArray(buffer) ? 'an array of numbers (wrap it with Uint8Array.from(...))' : typeof buffer === 'string' ? 'a string (fetch the file as bytes, e.g. with fetchBytes or response.arrayBuffer())' : typeof buffer;
  throw new Error(`${what}: expected the file's bytes (an ArrayBuffer, SharedArrayBuffer, typed array or DataView), got ${got}`);
}

function expectMagic(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView, magic: number, what: string, kind: string): void {
  const bytes = asBytes(buffer, what);
  const n = bytes.byteLength;
  if (n < 4) throw new Error(`${what}: ${n} bytes is too short for an IDX header (at least 4)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const got = view.getUint32(0);
  if (got !== magic) throw new Error(`${what}: bad magic number 0x${hex(got)}, expected 0x${hex(magic)} for ${kind}`);
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

export interface FetchProgress {
  loaded: number;
  /** From Content-Length; null when the server did not say. */
  total: number | null;
}

export interface FetchBytesOptions {
  onProgress?: (p: FetchProgress) => void;
  signal?: AbortSignal;
  /** The fetch to use (tests pass their own); the global one by default. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

/**
 * Fetch a file as bytes, reading the body as a stream so progress can be shown as it
 * arrives (onProgress after every chunk, and once at the end with loaded === total).
 */
export async function fetchBytes(url: string, opts: FetchBytesOptions = {}): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? ((u: string, i?: RequestInit) => fetch(u, i));
  const res = await doFetch(url, opts.signal ? { signal: opts.signal } : {});
  if (!res.ok) throw new Error(`fetch ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  const header = res.headers.get('content-length');
  // A compressed response's Content-Length counts compressed bytes: then it is no total.
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = header !== null && !encoded && Number.isFinite(Number(header)) ? Number(header) : null;
  if (!res.body) {
    const all = new Uint8Array(await res.arrayBuffer());
    opts.onProgress?.({ loaded: all.length, total: all.length });
    return all;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    opts.onProgress?.({ loaded, total });
  }
  if (total !== null && loaded !== total) throw new Error(`fetch ${url}: got ${loaded} bytes, Content-Length said ${total}`);
  const all = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  opts.onProgress?.({ loaded, total: loaded });
  return all;
}

/** Fetch an images file and a labels file (streamed, with combined progress) and parse them. */
export async function fetchIdxPair(imagesUrl: string, labelsUrl: string, opts: FetchBytesOptions = {}): Promise<{ images: IdxImages; labels: IdxLabels }> {
  const parts: FetchProgress[] = [
    { loaded: 0, total: null },
    { loaded: 0, total: null },
  ];
  const report = (): void => {
    const totals = parts.map((p) => p.total);
    opts.onProgress?.({ loaded: parts[0]!.loaded + parts[1]!.loaded, total: totals.every((t) => t !== null) ? totals[0]! + totals[1]! : null });
  };
  const one = (url: string, i: number): Promise<Uint8Array> =>
    fetchBytes(url, {
      ...opts,
      onProgress: (p) => {
        parts[i] = p;
        report();
      },
    });
  const [im, lb] = await Promise.all([one(imagesUrl, 0), one(labelsUrl, 1)]);
  return parseIdxPair(im, lb);
}

/** Write IDX bytes (unsigned bytes, the given dims): what tests and build scripts need. */
export function encodeIdx(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  if (!Array.isArray(dims) || dims.length === 0 || dims.length > 255) {
    throw new Error(`encodeIdx: dims must be a list of 1 to 255 dimensions, got ${Array.isArray(dims) ? `[${dims.join(', ')}]` : typeof dims}`);
  }
  dims.forEach((d, i) => {
    // The header stores each dimension as a big-endian uint32.
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`encodeIdx: dimension ${i} is ${d}; dims must be integers in [0, 4294967295]`);
  });
  const size = sizeOf(dims);
  if (data.length !== size) throw new Error(`encodeIdx: dims [${dims.join(', ')}] hold ${size} values, got ${data.length}`);
  for (let i = 0; i < size; i++) {
    const v = data[i]!;
    // Type 0x08 is unsigned bytes: a Uint8Array store would wrap 256 to 0 and -1 to 255.
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`encodeIdx: value ${i} is ${v}; unsigned-byte IDX values must be integers in [0, 255]`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Uint8Array.from(data), 4 + 4 * dims.length);
  return out;
}
