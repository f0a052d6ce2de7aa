// setFamilySource, the workbench's kernel editing: a text that does not compile is refused
// with its errors at their lines and the old kernel keeps running; one that compiles runs
// from the next flush; null restores the file's text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familySource, matmul, randn, setBackend, setFamilySource } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(async () => {
  await setFamilySource('matmul', null);
  await setBackend('cpu');
});

const STORE = 'C[i] = small_dot(rc / mm_n(), rc % mm_n(), i / MN);';

describe('setFamilySource', () => {
  it('syntax error: refused at its line, the previous kernel still runs; a changed result runs; null restores', async () => {
    const a = randn([5, 7]);
    const b = randn([7, 3]);
    const want = Array.from(await matmul(a, b).data());
    const file = familySource('matmul')!;
    expect(file).toContain(STORE);

    // A syntax error on a known line of the family text.
    const lines = file.split('\n');
    const at = lines.findIndex((l) => l.includes(STORE));
    lines[at] = lines[at]!.replace(STORE, 'C[i] = small_dot(rc / mm_n(), rc % mm_n() i / MN);');
    const broken = await setFamilySource('matmul', lines.join('\n'));
    expect(broken.ok).toBe(false);
    expect(broken.messages.length).toBeGreaterThan(0);
    expect(broken.messages[0]!.line).toBe(at + 1);
    expect(familySource('matmul')).toBe(file);
    expect(Array.from(await matmul(a, b).data())).toEqual(want);

    // A kernel that compiles and computes something else: doubled products.
    const doubled = file.replace(STORE, 'C[i] = 2.0 * small_dot(rc / mm_n(), rc % mm_n(), i / MN);');
    const ok = await setFamilySource('matmul', doubled);
    expect(ok).toMatchObject({ ok: true });
    expect(familySource('matmul')).toBe(doubled);
    const twice = Array.from(await matmul(a, b).data());
    twice.forEach((v, i) => expect(v).toBeCloseTo(2 * want[i]!, 5));

    // Back to the file's text.
    expect((await setFamilySource('matmul', null)).ok).toBe(true);
    expect(familySource('matmul')).toBe(file);
    expect(Array.from(await matmul(a, b).data())).toEqual(want);
  });

  it('names an unknown family; the prelude is shown on request', async () => {
    await expect(setFamilySource('nope', 'fn x() {}')).rejects.toThrow(/no shader file shaders\/nope\.wgsl/);
    const full = familySource('matmul', { withPrelude: true })!;
    expect(full.endsWith(familySource('matmul')!)).toBe(true);
    expect(full).toMatch(/const MATMUL_M/);
  });

  it('is refused on the CPU backend', async () => {
    await setBackend('cpu');
    await expect(setFamilySource('matmul', null)).rejects.toThrow(/setFamilySource: the cpu backend runs no kernels/);
    await startWebGpu();
  });
});
