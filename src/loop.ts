// The loop helper: run a step function N times, keep each step's scalars in a history
// buffer on the device, and read it back only every `readEvery` steps (for live charts)
// or at the end. A readback costs far more than a small training step.
import { Tensor, tensorFromHost } from './tensor.ts';
import { applyEffect, noGrad } from './engine/recorder.ts';
import { historyWriteDef } from './ops/update.ts';
import { fmt } from './shape.ts';

export type StepScalars = Tensor | Record<string, Tensor>;

export interface RunStepsOptions {
  /** Read the history back every this many steps (default: only at the end). */
  readEvery?: number;
  /** Called after each readback with every value so far (one array per name). */
  onRead?: (progress: { step: number; values: Record<string, Float32Array> }) => void | Promise<void>;
  /** Stop early (checked before each step); the values of the steps run are returned. */
  signal?: AbortSignal;
}

/**
 * `runSteps(80, (i) => { ...; return { loss } }, { readEvery: 10, onRead })` returns
 * `{ loss: Float32Array(80) }`. A step that returns a bare Tensor is named 'value'.
 */
export async function runSteps(steps: number, step: (i: number) => StepScalars, opts: RunStepsOptions = {}): Promise<Record<string, Float32Array>> {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`runSteps: steps must be a non-negative integer, got ${steps}`);
  if (typeof step !== 'function') throw new Error(`runSteps: the step must be a function (i) => tensors, got ${step === null ? 'null' : typeof step}`);
  const readEvery = opts.readEvery ?? Math.max(steps, 1);
  if (!Number.isInteger(readEvery) || readEvery < 1) throw new Error(`runSteps: readEvery must be a positive integer, got ${opts.readEvery}`);
  let names: string[] | null = null;
  let history: Tensor | null = null;
  let done = 0;
  let values: Record<string, Float32Array> = {};

  const readBack = async (): Promise<void> => {
    if (!history || !names) return;
    const flat = await history.data();
    const k = names.length;
    values = Object.fromEntries(names.map((n, j) => [n, Float32Array.from({ length: done }, (_, i) => flat[i * k + j]!)]));
    await opts.onRead?.({ step: done, values });
  };

  for (let i = 0; i < steps; i++) {
    if (opts.signal?.aborted) break;
    const out = step(i);
    if (out && typeof (out as { then?: unknown }).then === 'function') {
      throw new Error(
        `runSteps: step ${i} returned a Promise: the step function must record its ops synchronously and return the tensors ` +
          `(no async and no await inside it; the values are read back for you every readEvery steps)`,
      );
    }
    if (!(out instanceof Tensor) && (out === null || typeof out !== 'object')) {
      throw new Error(`runSteps: step ${i} returned ${out === null ? 'null' : typeof out}; return a one-element tensor or { name: tensor, ... }`);
    }
    const named: Record<string, Tensor> = out instanceof Tensor ? { value: out } : out;
    const keys = Object.keys(named);
    if (names === null) {
      if (keys.length === 0) throw new Error('runSteps: the step function returned no scalars to record');
      names = keys;
      history = tensorFromHost(new Float32Array(steps * keys.length), [steps, keys.length], 'float32');
    } else if (keys.length !== names.length || keys.some((n, j) => n !== names![j])) {
      throw new Error(`runSteps: step ${i} returned {${keys.join(', ')}}, but step 0 returned {${names.join(', ')}}`);
    }
    const scalars = names.map((n) => {
      const t = named[n]!;
      if (!(t instanceof Tensor) || t.size !== 1 || t.dtype !== 'float32') {
        throw new Error(`runSteps: '${n}' must be a one-element float32 tensor, got ${t instanceof Tensor ? `${fmt(t.shape)} ${t.dtype}` : typeof t}`);
      }
      return t;
    });
    noGrad(() => applyEffect(historyWriteDef, [history!, ...scalars], {}, [i]));
    done = i + 1;
    if (done % readEvery === 0 || done === steps) await readBack();
  }
  if (history && done % readEvery !== 0 && done !== steps) await readBack();
  if (history) history.dispose();
  return values;
}
