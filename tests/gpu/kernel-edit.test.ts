// setKernelSource, the workbench's kernel editing: a text that does not compile is refused
// with its errors at their lines and the old kernel keeps running; one that compiles runs
// from the next flush; null restores the file's text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelSource, matmul, randn, setBackend, setKernelSource } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setKernelSource('matmul', null);
  await setBackend('cpu');
});

const STORE = 'C[i] = small_dot(rc / P[MATMUL_N], rc % P[MATMUL_N], i / MN);';

describe('setKernelSource', () => {
  it('syntax error: refused at its line, the previous kernel still runs; a changed result runs; null restores', async () => {
    const a = randn([5, 7]);
    const b = randn([7, 3]);
    const want = Array.from(await matmul(a, b).data());
    const file = kernelSource('matmul')!;
    expect(file).toContain(STORE);

    // A syntax error on a known line of the family text.
    const lines = file.split('\n');
    const at = lines.findIndex((l) => l.includes(STORE));
    lines[at] = lines[at]!.replace(STORE, 'C[i] = small_dot(rc / P[MATMUL_N], rc % P[MATMUL_N] i / MN);');
    const broken = await setKernelSource('matmul', lines.join('\n'));
    expect(broken.ok).toBe(false);
    expect(broken.messages.length).toBeGreaterThan(0);
    expect(broken.messages[0]!.line).toBe(at + 1);
    expect(kernelSource('matmul')).toBe(file);
    expect(Array.from(await matmul(a, b).data())).toEqual(want);

    // A kernel that compiles and computes something else: doubled products.
    const doubled = file.replace(STORE, 'C[i] = 2.0 * small_dot(rc / P[MATMUL_N], rc % P[MATMUL_N], i / MN);');
    const ok = await setKernelSource('matmul', doubled);
    expect(ok).toMatchObject({ ok: true });
    expect(kernelSource('matmul')).toBe(doubled);
    const twice = Array.from(await matmul(a, b).data());
    twice.forEach((v, i) => expect(v).toBeCloseTo(2 * want[i]!, 5));

    // Back to the file's text.
    expect((await setKernelSource('matmul', null)).ok).toBe(true);
    expect(kernelSource('matmul')).toBe(file);
    expect(Array.from(await matmul(a, b).data())).toEqual(want);
  });

  it('names an unknown family; the prelude is shown on request', async () => {
    await expect(setKernelSource('nope', 'fn x() {}')).rejects.toThrow(/no shader file shaders\/nope\.wgsl/);
    const full = kernelSource('matmul', { withPrelude: true })!;
    expect(full.endsWith(kernelSource('matmul')!)).toBe(true);
    expect(full).toMatch(/const MATMUL_M/);
  });

  it('is refused on the CPU backend', async () => {
    await setBackend('cpu');
    await expect(setKernelSource('matmul', null)).rejects.toThrow(/setKernelSource: the cpu backend runs no kernels/);
    await startWebGpu();
  });
});
