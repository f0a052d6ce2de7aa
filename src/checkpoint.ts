// Checkpoints on the host, for a training run that must outlive its GPU device. A browser
// can take the device away at any moment (a driver update, a GPU process crash, a laptop
// switching GPUs): every tensor on it is gone, and setBackend('webgpu') starts a new one. A
// Checkpoint keeps, in host memory, what a run needs to go on from a step it saved: the
// modules' parameters, the optimizers' state (moments, step counts) and the random
// generator's position; restore() puts them back on the current backend, in the same Tensor
// objects (a module and its optimizer keep working as they are).
//
// When: afterStep(step) saves when a save is due, so that saving costs at most `overhead`
// (default 5%) of the training's time: it measures a step's time and a save's, and saves
// every ceil(saveMs / (overhead * stepMs)) steps (the first call always saves). Called after
// the step's loss was read, as a lesson's loop reads it anyway, a save adds one readback per
// tensor and no extra wait for the step. save(step) saves now.
import { Tensor } from './tensor.ts';
import { reviveVariable } from './engine/lifetimes.ts';
import { getRngState, setRngState } from './generator.ts';
import type { RngState } from './generator.ts';
import type { Module } from './nn/module.ts';
import type { Optimizer, OptimizerState } from './optim/optimizer.ts';
import { fmt } from './shape.ts';

export interface CheckpointParts {
  /** Their parameters are saved. */
  modules?: Module[];
  /** Their state is saved (the parameters they update are saved with `modules`, or `tensors`). */
  optimizers?: Optimizer<any>[];
  /** Other tensors that must survive: leaf tensors of their own memory (a kept dataset, a parameter outside a module). */
  tensors?: Tensor[];
}

export interface CheckpointOptions {
  /** The share of the training's time saving may take (afterStep), in (0, 1]; default 0.05. */
  overhead?: number;
}

interface Saved {
  step: number;
  values: (Float32Array | Int32Array)[];
  optimizers: OptimizerState[];
  rng: RngState;
}

export class Checkpoint {
  private readonly tensors: Tensor[];
  private readonly optimizers: Optimizer<any>[];
  private readonly overhead: number;
  private saved: Saved | null = null;
  /** Timing for afterStep: when the last step ended, a step's time (running mean), the last save's time. */
  private lastStepEnd: number | null = null;
  private stepMs = 0;
  private stepsTimed = 0;
  private saveMs = 0;
  private sinceSave = 0;
  private saving: Promise<void> | null = null;

  constructor(parts: CheckpointParts, opts: CheckpointOptions = {}) {
    if (parts === null || typeof parts !== 'object') throw new Error(`Checkpoint: expected { modules, optimizers, tensors }, got ${parts === null ? 'null' : typeof parts}`);
    const overhead = opts.overhead ?? 0.05;
    if (!(typeof overhead === 'number' && overhead > 0 && overhead <= 1)) throw new Error(`Checkpoint: overhead must be a number in (0, 1], got ${String(overhead)}`);
    this.overhead = overhead;
    const list: Tensor[] = [];
    for (const m of parts.modules ?? []) list.push(...m.parameters());
    parts.tensors?.forEach((t, i) => {
      if (!(t instanceof Tensor) || !t.variable) throw new Error(`Checkpoint: tensors[${i}] must be a tensor of its own memory (a leaf: a parameter, or a kept or created tensor), got ${t instanceof Tensor ? `a computed tensor ${fmt(t.shape)}` : typeof t}`);
      list.push(t);
    });
    // A parameter listed twice (a module inside another) is saved once.
    const seen = new Set<unknown>();
    this.tensors = list.filter((t) => !seen.has(t.variable) && seen.add(t.variable));
    this.optimizers = [...(parts.optimizers ?? [])];
  }

  /** The step of the last save, or null before the first. */
  get step(): number | null {
    return this.saved?.step ?? null;
  }

  /** Every how many steps afterStep saves, from the costs measured so far (1 until measured). */
  get every(): number {
    if (this.stepsTimed === 0 || this.stepMs <= 0) return 1;
    return Math.max(1, Math.ceil(this.saveMs / (this.overhead * this.stepMs)));
  }

  /**
   * Call after each training step (`step` counts them, from 1): saves when one is due, and
   * says whether it did. The time between two calls is taken as a step's time, saves excluded.
   */
  async afterStep(step: number): Promise<boolean> {
    const now = performance.now();
    if (this.lastStepEnd !== null) {
      const ms = now - this.lastStepEnd;
      this.stepsTimed++;
      this.stepMs += (ms - this.stepMs) / Math.min(this.stepsTimed, 20);
    }
    this.sinceSave++;
    let saved = false;
    if (this.saved === null || this.sinceSave >= this.every) {
      await this.save(step);
      saved = true;
    }
    this.lastStepEnd = performance.now();
    return saved;
  }

  /**
   * Save now, as of `step`: the values every op recorded so far leaves. Await it before
   * recording the next step. If the device goes while it reads, the previous save stays.
   */
  async save(step: number): Promise<void> {
    if (!Number.isSafeInteger(step) || step < 0) throw new Error(`Checkpoint.save: step must be a non-negative integer, got ${String(step)}`);
    if (this.saving) throw new Error('Checkpoint.save: a save is in progress; await it first');
    const started = performance.now();
    // Taken now, with what is recorded: the reads below flush it.
    const rng = getRngState();
    const states = this.optimizers.map((o) => o.stateDict());
    const work = (async () => {
      const values = await Promise.all(this.tensors.map((t) => t.data()));
      const optimizers = await Promise.all(
        states.map(async (s) => ({
          ...s,
          arenas: await Promise.all(s.arenas.map(async (a) => ({ ...a, counts: [...a.counts], state: a.state instanceof Tensor ? ((await a.state.data()) as Float32Array) : a.state }))),
        })),
      );
      this.saved = { step, values, optimizers, rng };
    })();
    this.saving = work;
    try {
      await work;
    } finally {
      this.saving = null;
    }
    this.saveMs = performance.now() - started;
    this.sinceSave = 0;
  }

  /**
   * Put the saved values back, on the backend now in use (after a lost device, once
   * setBackend('webgpu') has started a new one): every tensor, the optimizers' state and the
   * generator as of the last save. Gradients are cleared. Returns the saved step: the run
   * goes on with the step after it.
   */
  async restore(): Promise<number> {
    if (this.saving) await this.saving.catch(() => {});
    const s = this.saved;
    if (!s) throw new Error('Checkpoint.restore: nothing was saved yet (save() or afterStep() first)');
    this.tensors.forEach((t, i) => {
      reviveVariable(t.variable!, s.values[i]!, `Checkpoint.restore: tensor ${i} ${fmt(t.shape)}`);
      t.grad = null;
    });
    this.optimizers.forEach((o, i) => o.loadStateDict(s.optimizers[i]!));
    setRngState(s.rng);
    // The time since the loss is no step's.
    this.lastStepEnd = null;
    this.sinceSave = 0;
    return s.step;
  }
}
