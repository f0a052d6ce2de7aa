// The benchmark's rows and sizes, shared by the browser page and the Node runner.
import type { Engine } from './engine.ts';

export type Mode = 'smoke' | 'quick' | 'full';

export interface Row {
  name: string;
  ours: number | null;
  peer: number | null;
  unit: string;
  higherIsBetter: boolean;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  /** matmul rows: GFLOP/s from GPU timestamp queries (kernels only), where available. */
  oursKernel?: number;
  peerKernel?: number;
}

export interface Result {
  adapter: string;
  date: string;
  mode: Mode;
  rows: Row[];
  notes: string[];
}

export interface Plan {
  matmul: [m: number, k: number, n: number, batch: number][];
  reps: number;
  smallSteps: number;
  mnistStepSteps: number;
  epochRows: number;
  epochReps: number;
  cpu: boolean;
}

export const PLANS: Record<Mode, Plan> = {
  // Every row, at sizes small enough for a schema check inside npm test.
  smoke: { matmul: [[32, 32, 32, 1]], reps: 1, smallSteps: 3, mnistStepSteps: 1, epochRows: 256, epochReps: 1, cpu: true },
  quick: {
    matmul: [[128, 128, 128, 4], [256, 256, 256, 2], [512, 512, 512, 1], [128, 784, 128, 2]],
    reps: 3,
    smallSteps: 40,
    mnistStepSteps: 4,
    epochRows: 8000,
    epochReps: 1,
    cpu: true,
  },
  full: {
    matmul: [[128, 128, 128, 8], [256, 256, 256, 4], [512, 512, 512, 2], [1024, 1024, 1024, 1], [128, 784, 128, 4]],
    reps: 5,
    smallSteps: 200,
    mnistStepSteps: 20,
    epochRows: 8000,
    epochReps: 3,
    cpu: true,
  },
};

/** Every row for one backend: ours and the peer (null where there is none) on the same work. */
export async function collectRows(prefix: string, ours: Engine, peer: Engine | null, plan: Plan, log: (msg: string) => void): Promise<Row[]> {
  const out: Row[] = [];
  const both = async (name: string, unit: string, higherIsBetter: boolean, f: (e: Engine) => Promise<number>, extra?: (o: Row) => void) => {
    log(`${prefix}${name} ...`);
    const o = await f(ours);
    const p = peer ? await f(peer) : null;
    const row: Row = { name: `${prefix}${name}`, ours: o, peer: p, unit, higherIsBetter };
    extra?.(row);
    log(`${prefix}${name}: ours ${o.toPrecision(4)}, peer ${p === null ? '-' : p.toPrecision(4)} ${unit}`);
    out.push(row);
  };
  for (const [m, k, n, batch] of plan.matmul) {
    const kernel: Pick<Row, 'oursKernel' | 'peerKernel'> = {};
    await both(
      `matmul_${m}x${k}x${n}`,
      'GFLOP/s',
      true,
      async (e) => {
        const f = await e.matmul(m, k, n, batch, plan.reps);
        if (f.kernelGflops !== undefined) kernel[e === ours ? 'oursKernel' : 'peerKernel'] = f.kernelGflops;
        return f.gflops;
      },
      (row) => Object.assign(row, kernel),
    );
  }
  const steps = (name: string, sizes: number[], batch: number, lr: number, count: number, readEvery: number) => {
    let counters: Pick<Row, 'dispatchesPerStep' | 'submitsPerStep'> = {};
    return both(
      name,
      'steps/s',
      true,
      async (e) => {
        const f = await e.trainSteps(sizes, batch, lr, count, readEvery);
        if (e === ours) counters = { dispatchesPerStep: f.dispatchesPerStep!, submitsPerStep: f.submitsPerStep! };
        return f.stepsPerSecond;
      },
      (row) => Object.assign(row, counters),
    );
  };
  await steps('train_step_2-8-2_item', [2, 8, 2], 100, 0.08, plan.smallSteps, 1);
  await steps('train_step_2-8-2_loop', [2, 8, 2], 100, 0.08, plan.smallSteps, Math.max(2, Math.floor(plan.smallSteps / 4)));
  await steps('train_step_784-128-10_b128', [784, 128, 10], 128, 1e-3, plan.mnistStepSteps, 1);
  await both(`mnist_epoch_${plan.epochRows}_b128`, 's', false, (e) => e.mnistEpoch(plan.epochRows, 128, plan.epochReps));
  return out;
}

