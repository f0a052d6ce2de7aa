// safetensors, the file format the PyTorch ecosystem shares weights in
// (https://github.com/huggingface/safetensors): 8 bytes of little-endian header length N, N
// bytes of JSON header ({name: {dtype, shape, data_offsets}}, optional "__metadata__" of
// string -> string), then the raw little-endian tensor bytes. Everything here works on
// Uint8Array (no fs), so pages and Node use the same functions.
//
// Writing follows the Rust reference (what safetensors.torch.save_file runs) byte for byte:
// tensors sorted by dtype (F32 before I32, its enum order, descending) then by name as UTF-8
// bytes, compact JSON with fields in the order dtype, shape, data_offsets, "__metadata__"
// first, and the header padded with spaces to a multiple of 8 so the data starts aligned.
// fixtures/safetensors/ checks that PyTorch writes the same bytes for the same state.
//
// Reading is as strict as the reference: a bad file is an Error naming what is wrong, and
// nothing is returned, so a caller's loadStateDict never sees half a file.
import { Tensor } from '../tensor.ts';
import type { NestedArray } from '../tensor.ts';
import { tensor } from '../creation.ts';
import { fmt } from '../shape.ts';
import { Module } from './module.ts';
import type { StateDictValue } from './module.ts';

/** dtypes shadergrad writes (F32, I32) and the extra ones it reads as float32 (F16, BF16, F64). */
export type SafetensorsDtype = 'F32' | 'I32' | 'F16' | 'BF16' | 'F64';

/** One tensor as a file holds it: `values` already converted (F16, BF16, F64 -> float32). */
export interface SafetensorsTensor {
  name: string;
  /** The dtype in the file, before conversion. */
  dtype: SafetensorsDtype;
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface SafetensorsContents {
  /** In the order of their bytes in the file. */
  tensors: SafetensorsTensor[];
  /** The header's "__metadata__" (string -> string), or null when it has none. */
  metadata: Record<string, string> | null;
}

const ITEM_BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, F16: 2, BF16: 2, F64: 8 };
// The Rust crate's Dtype enum order (BOOL < ... < F16 < BF16 < I32 < U32 < F32 < F64 ...);
// save_file sorts by it, largest first. Only the two dtypes we write need a rank.
const WRITE_RANK: Record<'F32' | 'I32', number> = { F32: 1, I32: 0 };
// The reference refuses headers over 100 MB (MAX_HEADER_SIZE) before reading them.
export const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The bytes of a safetensors file holding these F32 / I32 tensors. Pure: no engine needed. */
export function encodeSafetensors(tensors: { name: string; shape: readonly number[]; values: Float32Array | Int32Array }[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  const items = tensors.map(({ name, shape, values }) => {
    if (typeof name !== 'string' || name === '__metadata__') throw new Error(`saveSafetensors: '${String(name)}' cannot name a tensor (the header reserves __metadata__)`);
    if (seen.has(name)) throw new Error(`saveSafetensors: tensor name '${name}' appears twice`);
    seen.add(name);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`saveSafetensors: tensor '${name}' has shape ${fmt(shape)}: dimensions must be non-negative integers`);
    if (sizeOf(shape) !== values.length) throw new Error(`saveSafetensors: tensor '${name}' has ${values.length} values for shape ${fmt(shape)} (${sizeOf(shape)})`);
    const dtype: 'F32' | 'I32' = values instanceof Int32Array ? 'I32' : 'F32';
    return { name, shape: [...shape], values, dtype };
  });
  items.sort((a, b) => WRITE_RANK[b.dtype] - WRITE_RANK[a.dtype] || compareUtf8(a.name, b.name));

  // The JSON is assembled by hand: a JS object would move integer-like names ("0", "12") first.
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error('saveSafetensors: metadata must be an object of string -> string');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`saveSafetensors: metadata '${k}' is ${typeof v}; safetensors metadata values are strings`);
    }
    parts.push(`"__metadata__":{${Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const it of items) {
    const bytes = it.values.length * 4;
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${it.dtype}","shape":[${it.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const it of items) {
    for (let i = 0; i < it.values.length; i++, at += 4) {
      if (it.dtype === 'F32') view.setFloat32(at, it.values[i]!, true);
      else view.setInt32(at, it.values[i]!, true);
    }
  }
  return out;
}

/**
 * A safetensors file of a module's parameters (its stateDict() names: `0.weight`, `fc1.bias`)
 * or of a state dict; float32 tensors are written as F32, int32 as I32. Arrays without a
 * shape (number[], Float32Array) are written 1-D. Reads every tensor back from the device.
 */
export async function saveSafetensors(source: Module | Record<string, StateDictValue>, metadata?: Record<string, string>): Promise<Uint8Array> {
  if (source === null || typeof source !== 'object' || Array.isArray(source) || source instanceof Tensor) {
    throw new Error('saveSafetensors: expected a Module or an object of name -> tensor (as stateDict() returns)');
  }
  const dict = source instanceof Module ? source.stateDict() : source;
  const tensors = [];
  for (const [name, v] of Object.entries(dict)) {
    let t: Tensor;
    try {
      t = v instanceof Tensor ? v : tensor(v as NestedArray);
    } catch (err) {
      throw new Error(`saveSafetensors: tensor '${name}': ${err instanceof Error ? err.message : String(err)}`);
    }
    tensors.push({ name, shape: t.shape, values: await t.data() });
  }
  return encodeSafetensors(tensors, metadata);
}

/** Parse and check a safetensors file; values converted to float32 (or int32 for I32). */
export function readSafetensors(bytes: Uint8Array): SafetensorsContents {
  const fail = (why: string): never => {
    throw new Error(`loadSafetensors: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) fail(`header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit (a corrupt length, or not a safetensors file)`);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`the header is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header must be a JSON object');
  const keys = topLevelKeys(text);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) fail(`the name '${dup}' appears twice in the header`);

  let metadata: Record<string, string> | null = null;
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ must be an object of string -> string');
      for (const [k, v] of Object.entries(info as object)) if (typeof v !== 'string') fail(`__metadata__ '${k}' is ${JSON.stringify(v)}, expected a string`);
      metadata = info as Record<string, string>;
      continue;
    }
    const where = `tensor '${name}'`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') fail(`${where}: dtype is ${JSON.stringify(dtype)}, expected a string such as "F32"`);
    if (!Object.hasOwn(ITEM_BYTES, dtype as string)) fail(`${where} has dtype ${dtype as string}, which shadergrad cannot load (it loads F32, I32, F16, BF16 and F64)`);
    const isIndex = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`${where}: shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const need = sizeOf(shape as number[]) * ITEM_BYTES[dtype as SafetensorsDtype];
    if (need !== end - begin) fail(`${where}: shape ${fmt(shape as number[])} ${dtype as string} needs ${need} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  // The data must be covered exactly: no overlaps, no holes, nothing past the end, nothing
  // left over (the reference's rule; it keeps a file from hiding a second payload).
  const dataLength = bytes.length - 8 - n;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = '';
  for (const e of entries) {
    if (e.begin < covered) fail(`tensors '${last}' and '${e.name}' overlap (bytes ${e.begin} to ${covered} of the data)`);
    if (e.begin > covered) fail(`bytes ${covered} to ${e.begin} of the data belong to no tensor (before '${e.name}')`);
    if (e.end > dataLength) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes): the file is truncated or the offsets are wrong`);
    covered = e.end;
    last = e.name;
  }
  if (covered !== dataLength) fail(`the data is ${dataLength} bytes but the tensors cover ${covered}: ${dataLength - covered} bytes belong to no tensor`);

  const base = 8 + n;
  const tensors = entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, values: decode(bytes.subarray(base + e.begin, base + e.end), e.dtype) }));
  return { tensors, metadata };
}

/**
 * A state dict from a safetensors file's bytes, for `module.loadStateDict(...)`: float32
 * Tensors (int32 for I32) keyed by the file's names. F16 and BF16 convert exactly; F64 rounds
 * to the nearest float32 (ties to even, as a Float32Array store does; beyond float32's range
 * it becomes +-Infinity). Any other dtype, or a malformed file, throws and returns nothing.
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const t of readSafetensors(bytes).tensors) out[t.name] = tensor(t.values, { shape: t.shape, dtype: t.values instanceof Int32Array ? 'int32' : 'float32' });
  return out;
}

function decode(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array | Int32Array {
  // A copy starts at offset 0 of its own buffer, so typed arrays over it are aligned. (Not
  // raw.slice(): on a Node Buffer, slice is a view into the shared pool.)
  const own = new Uint8Array(raw);
  const count = own.length / ITEM_BYTES[dtype];
  const view = new DataView(own.buffer);
  if (dtype === 'F32') return LITTLE_ENDIAN ? new Float32Array(own.buffer) : Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
  if (dtype === 'I32') return LITTLE_ENDIAN ? new Int32Array(own.buffer) : Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
  if (dtype === 'F64') return Float32Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
  const out = new Float32Array(count);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) {
    const h = view.getUint16(2 * i, true);
    u32[i] = dtype === 'BF16' ? h << 16 : halfToFloatBits(h);
  }
  return out;
}

/** IEEE half -> float32 bits, exact (subnormals renormalised, Inf and NaN kept). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** The top-level keys of a JSON object in order, duplicates kept (JSON.parse keeps the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}
