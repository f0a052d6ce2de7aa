// Benchmarks: matmul GFLOP/s and training steps per second for the lesson nets, on the
// WebGPU backend (Dawn in Node) and the CPU backend. (TensorFlow.js joins with its issue.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { F, backendStats, flush, manualSeed, nn, optim, randint, randn, runSteps, setBackend } from 'shadergrad';
import type { Tensor } from 'shadergrad';
import { currentBackend } from '../src/runtime.ts';

export interface Row {
  name: string;
  ours: number;
  peer: number | null;
  unit: string;
  higherIsBetter: boolean;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median over `reps` timed runs of `fn`, after `warmup` untimed ones. */
async function time(fn: () => Promise<void>, reps: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** `batch` independent matmuls in one submit, waited for: GFLOP/s without readback cost. */
async function matmulRow(prefix: string, n: number, m: number, k: number, reps: number, batch: number): Promise<Row> {
  const a = randn([m, k]);
  const b = randn([k, n]);
  const ms = await time(async () => {
    const outs = Array.from({ length: batch }, () => a.matmul(b));
    flush();
    await currentBackend().sync?.();
    void outs;
  }, reps);
  return { name: `${prefix}matmul_${m}x${k}x${n}`, ours: (batch * 2 * m * n * k) / (ms * 1e6), peer: null, unit: 'GFLOP/s', higherIsBetter: true };
}

async function trainRow(name: string, net: nn.Module, X: Tensor, y: Tensor, lr: number, steps: number, helper: boolean): Promise<Row> {
  const opt = new optim.Adam(net.parameters(), { lr });
  const step = (): Tensor => {
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
  // Warm-up: the first run builds the plan, the second the other output set.
  await step().item();
  await step().item();
  const s0 = backendStats();
  const t0 = performance.now();
  if (helper) await runSteps(steps, () => ({ loss: step() }));
  else for (let i = 0; i < steps; i++) await step().item();
  const ms = performance.now() - t0;
  const s1 = backendStats();
  return {
    name,
    ours: steps / (ms / 1000),
    peer: null,
    unit: 'steps/s',
    higherIsBetter: true,
    dispatchesPerStep: (s1.dispatches - s0.dispatches) / steps,
    submitsPerStep: (s1.submits - s0.submits) / steps,
  };
}

async function backendRows(prefix: string, quick: boolean): Promise<Row[]> {
  manualSeed(0);
  const rows: Row[] = [];
  for (const n of quick ? [128, 256] : [128, 256, 512, 1024]) rows.push(await matmulRow(prefix, n, n, n, quick ? 3 : 5, n >= 512 ? 1 : 4));
  rows.push(await matmulRow(prefix, 128, 128, 784, quick ? 3 : 5, 4));

  const X = randn([100, 2]);
  const y = X.sum(1).gt(0);
  const small = (): nn.Module => new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
  rows.push(await trainRow(`${prefix}train_step_2-8-2_item`, small(), X, y, 0.08, quick ? 100 : 500, false));
  rows.push(await trainRow(`${prefix}train_step_2-8-2_loop`, small(), X, y, 0.08, quick ? 100 : 500, true));
  const Xm = randn([128, 784]);
  const ym = randint(0, 10, [128]);
  const mnistNet = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  rows.push(await trainRow(`${prefix}train_step_784-128-10_b128`, mnistNet, Xm, ym, 1e-3, quick ? 5 : 20, false));
  return rows;
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const rows: Row[] = [];
  let adapter = 'none';
  try {
    const gpu = await setBackend('webgpu');
    adapter = gpu.description;
    rows.push(...(await backendRows('', quick)));
  } catch (err) {
    console.error(`bench: WebGPU unavailable, CPU rows only: ${err instanceof Error ? err.message : String(err)}`);
  }
  const cpu = await setBackend('cpu');
  rows.push(...(await backendRows('cpu/', quick)));
  const info = { description: `${adapter}; ${cpu.description}` };

  const result = { adapter: info.description, date: new Date().toISOString(), rows };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
  const fmt = (v: number | undefined): string => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  console.log(`\nshadergrad benchmark on ${info.description}, ${result.date}\n`);
  console.log('| name | ours | unit | dispatches/step | submits/step |');
  console.log('|---|---:|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.ours)} | ${r.unit} | ${fmt(r.dispatchesPerStep)} | ${fmt(r.submitsPerStep)} |`);
  console.log('\nwritten to bench/results/latest.json');
}
