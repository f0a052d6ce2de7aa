// Exercise 1: the four activations on [-5, 5] and, on demand, their derivatives. The
// derivatives come from the engine's autograd, not from formulas: z is a leaf that
// requires grad, y = f(z) elementwise, and backward() of sum(y) leaves dy_i/dz_i in z.grad
// (each y_i depends on z_i alone, so the gradient of the sum is the elementwise derivative).
import { tensor } from 'shadergrad';
import { ACTIVATIONS, activate } from './nets.ts';
import type { Activation } from './nets.ts';
import { linspaceValues } from '../ui/linspace.ts';

export interface CurvesOptions {
  /** LeakyReLU's negative slope (the lesson's Demo and Exercise 1: 0.1). */
  alpha?: number;
  /** Points on [lo, hi] (the lesson: torch.linspace(-5, 5, 200)). */
  points?: number;
  lo?: number;
  hi?: number;
  /** Also compute f'(z) with autograd. */
  derivatives?: boolean;
  /** Called after each activation, with everything computed so far. */
  onCurve?: (p: CurvesProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface CurvesProgress {
  activation: Activation;
  done: number;
  total: number;
  values: Partial<Record<Activation, number[]>>;
  derivatives: Partial<Record<Activation, number[]>> | null;
}

export interface CurvesResult {
  alpha: number;
  z: number[];
  values: Partial<Record<Activation, number[]>>;
  /** null when derivatives were not asked for. */
  derivatives: Partial<Record<Activation, number[]>> | null;
  stopped: boolean;
}

export async function activationCurves(opts: CurvesOptions = {}): Promise<CurvesResult> {
  const alpha = opts.alpha ?? 0.1;
  const n = opts.points ?? 200;
  const lo = opts.lo ?? -5;
  const hi = opts.hi ?? 5;
  if (!Number.isFinite(alpha)) throw new Error(`activationCurves: alpha must be a number, got ${alpha}`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`activationCurves: points must be an integer >= 2, got ${n}`);
  if (!(hi > lo)) throw new Error(`activationCurves: the range [${lo}, ${hi}] is empty`);
  const zs = linspaceValues(lo, hi, n);
  const values: Partial<Record<Activation, number[]>> = {};
  const derivatives: Partial<Record<Activation, number[]>> | null = opts.derivatives ? {} : null;
  let stopped = false;
  for (const [i, act] of ACTIVATIONS.entries()) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    // A fresh leaf per activation, so z.grad holds this activation's derivative only.
    const z = tensor(zs, { requiresGrad: derivatives !== null });
    const y = activate(act, z, alpha);
    if (derivatives) {
      y.sum().backward();
      values[act] = Array.from(await y.data());
      derivatives[act] = Array.from(await z.grad!.data());
    } else {
      values[act] = Array.from(await y.data());
    }
    await opts.onCurve?.({ activation: act, done: i + 1, total: ACTIVATIONS.length, values: { ...values }, derivatives: derivatives && { ...derivatives } });
  }
  return { alpha, z: zs, values, derivatives, stopped };
}
