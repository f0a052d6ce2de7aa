// Tuning tables as a program keeps them: written and read back as text, used only on the
// adapter and engine version they were measured with, and reported by activeTuning. The
// backend here is a stand-in that offers the kernel tools (no GPU): what is tested is which
// table the engine is handed, not the kernels.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu/backend.ts';
import type { AdapterIdentity, KernelTools } from '../../src/backend/tooling.ts';
import { offerTools } from '../../src/backend/tooling.ts';
import { tuningFor } from '../../src/backend/webgpu/tuning.ts';
import { registerBackend } from '../../src/engine/backend.ts';
import type { Tuning } from '../../src/ops/define.ts';
import { DEFAULT_TUNING } from '../../src/ops/matmul-choice.ts';
import { ENGINE_VERSION, activeTuning, parseTuning, serializeTuning, tuningMismatch, useTuning } from '../../src/tools/tuning-table.ts';
import type { TuningTable } from '../../src/tools/tuning-table.ts';
import { setBackend } from 'shadergrad';

const gpu: AdapterIdentity = { vendor: 'acme', architecture: 'rdna9', device: '', description: 'Acme Radeon 9000' };
const description = 'acme rdna9 Acme Radeon 9000';

function measured(over: Partial<TuningTable> = {}): TuningTable {
  return {
    ...DEFAULT_TUNING,
    adapter: description,
    source: 'measured by tune() on 2026-01-01',
    classes: { ...DEFAULT_TUNING.classes, 'm-flat': { kernel: 'register', threads: 256, rows: 8, cols: 8, minGroups: 1 } },
    elementwise: { wg: 128, perThread: 2, maxGroups: 1024 },
    engine: ENGINE_VERSION,
    gpu: { ...gpu },
    ...over,
  };
}

describe('tuning tables as text', () => {
  it("the engine version is package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(ENGINE_VERSION).toBe(pkg.version);
  });

  it('round-trip through text with every entry, and still apply to their adapter and version', () => {
    const t = measured();
    const back = parseTuning(serializeTuning(t));
    expect(back).toEqual(t);
    expect(tuningMismatch(back, { description, adapterInfo: gpu })).toBeNull();
  });

  it('from another version or adapter say why they do not apply', () => {
    const old = parseTuning(serializeTuning(measured({ engine: '0.0.9' })));
    expect(tuningMismatch(old, { description, adapterInfo: gpu })).toMatch(/measured by shadergrad 0\.0\.9 and this is 0\.1\.0/);
    const t = parseTuning(serializeTuning(measured()));
    expect(tuningMismatch(t, { description: 'google swiftshader', adapterInfo: { ...gpu, vendor: 'google' } })).toMatch(/measured on 'acme rdna9 Acme Radeon 9000', and this adapter is 'google swiftshader'/);
    // The same description, but the adapter's own fields differ.
    expect(tuningMismatch(t, { description, adapterInfo: { ...gpu, architecture: 'rdna8' } })).toMatch(/architecture is 'rdna9', and this adapter's is 'rdna8'/);
  });

  it('text that is not a table is refused, naming what is wrong', () => {
    expect(() => parseTuning('{not json')).toThrow(/parseTuning: the text is not JSON/);
    expect(() => parseTuning('[]')).toThrow(/expected an object, got an array/);
    const { engine: _e, ...noEngine } = measured();
    expect(() => parseTuning(JSON.stringify(noEngine))).toThrow(/'engine' \(the shadergrad version that measured it\) must be a string, got undefined/);
    const { gpu: _g, ...noGpu } = measured();
    expect(() => parseTuning(JSON.stringify(noGpu))).toThrow(/'gpu' .* is missing/);
    const bad = measured();
    bad.classes['s-deep'] = { kernel: 'tiled', wgM: 32, wgN: 32, reg: 4, tileK: 16, minGroups: 1 };
    expect(() => parseTuning(JSON.stringify(bad))).toThrow(/parseTuning: matmul tuning for acme rdna9 Acme Radeon 9000, class s-deep: 32x32 threads is more than the 256/);
    expect(() => parseTuning(JSON.stringify(measured({ elementwise: { wg: 512, perThread: 1, maxGroups: 1 } })))).toThrow(/wg must be an integer in 1 \.\. 256/);
  });
});

describe('useTuning and activeTuning', () => {
  let tools: KernelTools & { installs: number };
  let restore: () => void = () => {};

  /** A backend that offers the kernel tools of an adapter with no committed table. */
  async function fakeGpu(adapter: string, info: AdapterIdentity): Promise<void> {
    const backend = new CpuBackend('float32');
    let table: Tuning = tuningFor(adapter);
    tools = {
      description: adapter,
      adapterInfo: info,
      installs: 0,
      get tuning() {
        return table;
      },
      setTuning(t: Tuning) {
        table = t;
        tools.installs++;
      },
    } as unknown as KernelTools & { installs: number };
    offerTools(backend, tools);
    const previous = registerBackend('webgpu', async () => backend);
    restore = () => registerBackend('webgpu', previous!);
    await setBackend('webgpu');
    restore();
  }

  beforeAll(() => fakeGpu(description, gpu));
  afterAll(() => setBackend('cpu'));

  it('report the default table for an adapter without a file, then a table given or stored', () => {
    expect(activeTuning()).toEqual({ origin: 'default', table: DEFAULT_TUNING, adapter: description });
    const t = measured();
    expect(useTuning(t, { origin: 'stored' })).toMatchObject({ origin: 'stored', table: t });
    expect(tools.tuning).toBe(t);
    expect(useTuning(measured()).origin).toBe('given');
    // A table put in place another way (setMatmulTuning, as the tuner's candidates are) is 'given' too.
    tools.setTuning(DEFAULT_TUNING);
    expect(activeTuning()!.origin).toBe('default');
    tools.setTuning({ ...DEFAULT_TUNING });
    expect(activeTuning()!.origin).toBe('given');
  });

  it('ignore a table from another adapter or version, with a note, and keep the running one', () => {
    const running = measured();
    useTuning(running, { origin: 'stored' });
    const installs = tools.installs;
    const other = useTuning(measured({ adapter: 'google swiftshader', gpu: { ...gpu, vendor: 'google' } }), { origin: 'stored' });
    expect(other.origin).toBe('stored');
    expect(other.table).toBe(running);
    expect(other.note).toMatch(/a stored tuning table was not used: the table was measured on 'google swiftshader'/);
    expect(activeTuning()!.note).toBe(other.note);
    expect(useTuning(measured({ engine: '9.9.9' })).note).toMatch(/shadergrad 9\.9\.9/);
    expect(tools.installs).toBe(installs);
  });

  it('refuses what is not a table, naming what is wrong', () => {
    expect(() => useTuning({ ...measured(), smallFlop: 'big' } as never)).toThrow(/useTuning: not a tuning table .*'smallFlop' must be a number/);
    expect(() => useTuning(measured(), { origin: 'built-in' as never })).toThrow(/origin must be 'stored' or 'given'/);
  });

  it('a committed table is built in; on the CPU there is no table and useTuning says why', async () => {
    await fakeGpu('google swiftshader', { vendor: 'google', architecture: 'swiftshader', device: '', description: '' });
    expect(activeTuning()).toMatchObject({ origin: 'built-in', table: tuningFor('google swiftshader') });
    await setBackend('cpu');
    expect(activeTuning()).toBeNull();
    expect(() => useTuning(measured())).toThrow(/useTuning: needs the WebGPU backend/);
  });
});
