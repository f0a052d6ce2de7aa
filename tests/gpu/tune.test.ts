// tune() on a real adapter (SwiftShader here): a small budget measures a class's baseline
// and at least one other candidate, the table it returns carries this adapter and version
// and runs once installed; Stop resolves with what was measured, never rejects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_VERSION, activeTuning, matmul, parseTuning, serializeTuning, setBackend, tensor, tune, useTuning } from '../../src/index.ts';
import { startWebGpu } from './setup.ts';

beforeAll(startWebGpu);
afterAll(() => setBackend('cpu'));

describe('tune', () => {
  it('measures a class within a small budget and returns a table for this adapter', async () => {
    const before = activeTuning()!;
    const seen: number[] = [];
    const r = await tune({ classes: ['s-flat'], budgetMs: 1, submits: 1, targetMs: 5, onProgress: (p) => seen.push(p.fraction) });
    const s = r.classes.find((c) => c.sizeClass === 's-flat')!;
    // The budget is spent at once, but a class started gets its baseline and one other candidate.
    expect(s).toMatchObject({ measured: true, candidates: 2 });
    expect(s.gflops!).toBeGreaterThanOrEqual(s.defaultGflops!);
    expect(s.speedup!).toBeCloseTo(s.gflops! / s.defaultGflops!, 10);
    expect(r.classes.filter((c) => c.measured).map((c) => c.sizeClass)).toEqual(['s-flat']);
    expect(r.table.engine).toBe(ENGINE_VERSION);
    expect(r.table.adapter).toBe(before.adapter);
    expect(r.table.classes['s-flat']).toEqual(s.choice);
    expect(seen.length).toBe(4);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
    // The engine runs what it ran before until the table is installed.
    expect(activeTuning()!.table).toBe(before.table);
    const used = useTuning(parseTuning(serializeTuning(r.table)), { origin: 'stored' });
    expect(used).toMatchObject({ origin: 'stored' });
    expect(used.note).toBeUndefined();
    // A product of the tuned class (s-flat), off the tile grid, against a host loop.
    const [m, k, n] = [130, 70, 90];
    const av = Float32Array.from({ length: m * k }, (_, i) => ((i * 37) % 17) / 8 - 1);
    const bv = Float32Array.from({ length: k * n }, (_, i) => ((i * 11) % 13) / 6 - 1);
    const got = await matmul(tensor(av, { shape: [m, k] }), tensor(bv, { shape: [k, n] })).data();
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += av[i * k + p]! * bv[p * n + j]!;
        worst = Math.max(worst, Math.abs(sum - got[i * n + j]!));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('refuses a second tune() while one runs (each installs its candidates as the engine table)', async () => {
    const first = tune({ classes: ['xs-flat'], budgetMs: 1, submits: 1, targetMs: 5 });
    await expect(tune({ classes: ['s-flat'] })).rejects.toThrow(/tune: a tune\(\) is already running/);
    expect((await first).classes[0]!.measured).toBe(true);
  });

  it('an aborted run resolves with what it measured', async () => {
    const stop = new AbortController();
    const r = await tune({ classes: ['xs-flat', 's-flat'], submits: 1, targetMs: 5, signal: stop.signal, onProgress: (p) => p.gflops !== null && p.sizeClass === 's-flat' && stop.abort() });
    expect(r.stopped).toBe('aborted');
    expect(r.classes.find((c) => c.sizeClass === 'xs-flat')!.measured).toBe(true);
    expect(r.classes.find((c) => c.sizeClass === 's-flat')!.measured).toBe(false);
    expect(r.table.source).toMatch(/stopped.*s-flat not measured: it keeps the untuned choice/);
  });
});
