// Optimizers against PyTorch's documented update rules, step by step.
//
// The reference below is a plain float64 transcription of the pseudo-code in the docs of
// torch.optim.SGD and torch.optim.Adam (amsgrad=False, maximize=False); it shares no code
// with src/optim or src/ops/update.ts. Both are driven with the same gradient sequence:
// loss_t = sum(p * c_t) + 0.5 * sum(p^2), whose gradient is c_t + p (c_t changes every
// step), so the gradient depends on where the optimizer has moved p, and a wrong update
// in one step shows up in every later one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optim, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

// ---- reference (float64, from the PyTorch docs) -----------------------------------------

interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** torch.optim.SGD, as its documentation's algorithm box. */
class RefSGD {
  private b: number[] | null = null;
  private t = 0;
  constructor(
    readonly h: SGDHyper,
    /** Deliberately wrong variant: dampen the first step too (to show the test can tell). */
    private readonly dampenFirst = false,
  ) {}

  step(p: number[], grad: readonly number[], lr = this.h.lr): void {
    const { momentum: mu, dampening: tau, weightDecay: wd, nesterov } = this.h;
    this.t++;
    const g = grad.map((gi, i) => gi + wd * p[i]!); // g = g + lambda * theta
    let d = g;
    if (mu !== 0) {
      if (this.t > 1 || this.dampenFirst) {
        const prev = this.b ?? g.map(() => 0);
        this.b = prev.map((bi, i) => mu * bi + (1 - tau) * g[i]!); // b = mu b + (1 - tau) g
      } else {
        this.b = [...g]; // b_1 = g_1, undampened
      }
      d = nesterov ? g.map((gi, i) => gi + mu * this.b![i]!) : [...this.b];
    }
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * d[i]!;
  }
}

interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/** torch.optim.Adam (amsgrad=False, maximize=False), as its documentation's algorithm box. */
class RefAdam {
  private m: number[] | null = null;
  private v: number[] | null = null;
  t = 0;
  constructor(readonly h: AdamHyper) {}

  step(p: number[], grad: readonly number[], lr = this.h.lr): void {
    const [b1, b2] = this.h.betas;
    const { eps, weightDecay: wd } = this.h;
    this.t++;
    const t = this.t;
    const g = grad.map((gi, i) => gi + wd * p[i]!);
    this.m ??= g.map(() => 0);
    this.v ??= g.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g[i]!;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g[i]! * g[i]!;
      const mhat = this.m[i]! / (1 - b1 ** t);
      const vhat = this.v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mhat) / (Math.sqrt(vhat) + eps);
    }
  }
}

// ---- the driver -------------------------------------------------------------------------

// Values are exact in float32 (multiples of 1/8), so both backends start from the same
// numbers as the float64 reference. c_t + p stays well away from 0, where Adam's
// m / sqrt(v) would turn float32 rounding into a large relative difference.
const P0 = [
  [0.5, -1.25],
  [2, 0.75],
  [-0.375, 1.5],
];
const C: number[][][] = [
  [[1, 0.5], [-0.25, 2], [0.75, -1]],
  [[-0.5, 1.5], [1.25, -0.75], [2, 0.25]],
  [[0.25, -2], [0.5, 1], [-1.5, 0.625]],
  [[1.75, 0.375], [-1, 0.5], [0.125, -1.25]],
  [[-1.125, 1], [0.875, -0.5], [1, 1.5]],
  [[0.625, -0.875], [-1.5, 1.25], [0.5, -0.25]],
  [[-0.75, 1.125], [1.5, 0.25], [-0.625, 1.75]],
];
const STEPS = C.length;
const flat = (x: number[][]): number[] => x.flat();

function lossAt(p: Tensor, t: number): Tensor {
  const c = tensor(C[t]!);
  return p.mul(c).sum().add(p.square().sum().mul(0.5));
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  }
  if (!(worst <= tol)) {
    throw new Error(`${what}: got [${Array.from(actual).join(', ')}], expected [${expected.join(', ')}] (worst relative difference ${worst}, tolerance ${tol})`);
  }
}

type AnyOptimizer = optim.SGD | optim.Adam;

/**
 * Run STEPS steps of the standard loop (loss, zeroGrad, backward, step) on the engine and
 * of the reference, comparing the gradient and the parameter after every step.
 * `lrAt(t)` (if given) sets paramGroups[0].lr before step t (0-based).
 */
async function runCase(
  make: (params: Tensor[]) => AnyOptimizer,
  ref: { step(p: number[], g: readonly number[], lr?: number): void },
  tol: number,
  lrAt?: (t: number) => number | undefined,
): Promise<number[]> {
  const p = tensor(P0, { requiresGrad: true });
  const opt = make([p]);
  const pRef = flat(P0);
  for (let t = 0; t < STEPS; t++) {
    const lr = lrAt?.(t);
    if (lr !== undefined) opt.paramGroups[0]!.lr = lr;
    const loss = lossAt(p, t);
    opt.zeroGrad();
    loss.backward();
    // The closed-form gradient c_t + p, at the reference's p (the same point, within tol).
    const gRef = flat(C[t]!).map((c, i) => c + pRef[i]!);
    expectClose(await p.grad!.data64(), gRef, tol, `gradient before step ${t + 1}`);
    opt.step();
    ref.step(pRef, gRef, lr);
    expectClose(await p.data64(), pRef, tol, `parameter after step ${t + 1}`);
  }
  return pRef;
}

const sgd = (h: Partial<SGDHyper>): SGDHyper => ({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...h });
const adam = (h: Partial<AdamHyper>): AdamHyper => ({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...h });

// float64: only rounding differences between two orderings of the same formulas.
// float32: the engine rounds p, m, v to float32 after every step; over 7 steps of
// values of order 1 that stays a few ulps (~1e-7).
const precisions = [
  { precision: 'float64' as const, tol: 1e-12 },
  { precision: 'float32' as const, tol: 1e-6 },
];

for (const { precision, tol } of precisions) {
  describe(`optimizers follow PyTorch's update rules (cpu ${precision})`, () => {
    beforeAll(async () => {
      await setBackend('cpu', { precision });
    });
    afterAll(async () => {
      await setBackend('cpu', { precision: 'float32' });
    });

    it('SGD, plain', async () => {
      const h = sgd({ lr: 0.1 });
      await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
    });

    it('SGD with weight decay', async () => {
      const h = sgd({ lr: 0.1, weightDecay: 0.05 });
      await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
    });

    it('SGD with momentum 0.9', async () => {
      const h = sgd({ lr: 0.1, momentum: 0.9 });
      await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
    });

    it('SGD with momentum 0.9 and dampening 0.1: the first step uses b = g, undampened', async () => {
      const h = sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1 });
      const p = await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
      // The test can tell: a reference that dampens the first step ends elsewhere.
      const wrong = flat(P0);
      const wrongRef = new RefSGD(h, true);
      for (let t = 0; t < STEPS; t++) wrongRef.step(wrong, flat(C[t]!).map((c, i) => c + wrong[i]!));
      expect(Math.max(...p.map((x, i) => Math.abs(x - wrong[i]!)))).toBeGreaterThan(1e-3);
    });

    it('SGD with nesterov momentum', async () => {
      const h = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
      await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
    });

    it('SGD with nesterov momentum and weight decay', async () => {
      const h = sgd({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 });
      await runCase((ps) => new optim.SGD(ps, h), new RefSGD(h), tol);
    });

    it('Adam with the default betas and eps', async () => {
      const h = adam({ lr: 0.1 });
      await runCase((ps) => new optim.Adam(ps, { lr: h.lr }), new RefAdam(h), tol);
    });

    it('Adam with the default lr (1e-3)', async () => {
      const h = adam({});
      await runCase((ps) => new optim.Adam(ps), new RefAdam(h), tol);
    });

    it('Adam with weightDecay 0.01 (L2 added to the gradient, not AdamW)', async () => {
      const h = adam({ lr: 0.1, weightDecay: 0.01 });
      await runCase((ps) => new optim.Adam(ps, h), new RefAdam(h), tol);
    });

    it('Adam with other betas and a large eps (eps sits outside the sqrt, after bias correction)', async () => {
      const h = adam({ lr: 0.1, betas: [0.8, 0.99], eps: 0.1 });
      await runCase((ps) => new optim.Adam(ps, h), new RefAdam(h), tol);
    });

    it('Adam with lr changed mid-run through paramGroups[0].lr', async () => {
      const h = adam({ lr: 0.1 });
      const lrAt = (t: number): number | undefined => (t === 3 ? 0.02 : t === 5 ? 0.3 : undefined);
      const ref = new RefAdam(h);
      let lr = h.lr;
      await runCase(
        (ps) => new optim.Adam(ps, h),
        { step: (p, g) => ref.step(p, g, lr) },
        tol,
        (t) => {
          const next = lrAt(t);
          if (next !== undefined) lr = next;
          return next;
        },
      );
    });

    it('SGD with momentum and lr changed mid-run', async () => {
      const h = sgd({ lr: 0.1, momentum: 0.9 });
      const ref = new RefSGD(h);
      let lr = h.lr;
      await runCase(
        (ps) => new optim.SGD(ps, h),
        { step: (p, g) => ref.step(p, g, lr) },
        tol,
        (t) => (t === 2 ? (lr = 0.01) : undefined),
      );
    });
  });
}

// ---- PyTorch's gradient semantics around step() ------------------------------------------

describe('zeroGrad, missing gradients, accumulation (cpu float64)', () => {
  beforeAll(async () => {
    await setBackend('cpu', { precision: 'float64' });
  });
  afterAll(async () => {
    await setBackend('cpu', { precision: 'float32' });
  });

  it('zeroGrad sets .grad to null (set_to_none)', async () => {
    const p = tensor(P0, { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    expect(p.grad).toBeNull();
    lossAt(p, 0).backward();
    expect(p.grad).not.toBeNull();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind}: a parameter whose grad is null is not updated (not even by weight decay), and its state does not advance`, async () => {
      const p = tensor(P0, { requiresGrad: true });
      const q = tensor([[1.5, -0.5], [0.25, 2], [-1, 0.75]], { requiresGrad: true });
      const q0 = flat((await q.array()) as number[][]);
      const sgdH = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
      const adamH = adam({ lr: 0.1, weightDecay: 0.1 });
      const opt = kind === 'SGD' ? new optim.SGD([p, q], sgdH) : new optim.Adam([p, q], adamH);
      const newRef = (): RefSGD | RefAdam => (kind === 'SGD' ? new RefSGD(sgdH) : new RefAdam(adamH));
      const pRef = flat(P0);
      const refP = newRef();

      // Two steps in which only p takes part in the loss.
      for (let t = 0; t < 2; t++) {
        const loss = lossAt(p, t);
        opt.zeroGrad();
        loss.backward();
        expect(q.grad).toBeNull();
        opt.step();
        refP.step(pRef, flat(C[t]!).map((c, i) => c + pRef[i]!));
        expectClose(await p.data64(), pRef, 1e-12, `p after step ${t + 1}`);
        expect(Array.from(await q.data64())).toEqual(q0);
      }

      // Now q gets a gradient: its update must be its *first* (t = 1, momentum buffer = g).
      const loss = lossAt(q, 2);
      opt.zeroGrad();
      loss.backward();
      expect(p.grad).toBeNull();
      opt.step();
      const qRef = [...q0];
      newRef().step(qRef, flat(C[2]!).map((c, i) => c + qRef[i]!));
      expectClose(await q.data64(), qRef, 1e-12, 'q after its first step');
      expectClose(await p.data64(), pRef, 1e-12, 'p (no gradient this time)');
    });
  }

  it('gradients accumulate across two backward() calls without zeroGrad, and step() uses the sum', async () => {
    const p = tensor(P0, { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    // d/dp sum(p * c0) = c0; d/dp [sum(p * c1) + 0.5 sum(p^2)] = c1 + p.
    p.mul(tensor(C[0]!)).sum().backward();
    expectClose(await p.grad!.data64(), flat(C[0]!), 0, 'grad after the first backward');
    lossAt(p, 1).backward();
    const expected = flat(C[0]!).map((c, i) => c + flat(C[1]!)[i]! + flat(P0)[i]!);
    expectClose(await p.grad!.data64(), expected, 1e-15, 'grad after the second backward');
    opt.step();
    expectClose(await p.data64(), flat(P0).map((x, i) => x - 0.1 * expected[i]!), 1e-15, 'p after step');
    // And zeroGrad starts over: one backward gives one gradient.
    opt.zeroGrad();
    const pNow = Array.from(await p.data64());
    lossAt(p, 2).backward();
    expectClose(await p.grad!.data64(), flat(C[2]!).map((c, i) => c + pNow[i]!), 1e-15, 'grad after zeroGrad and one backward');
  });
});

// ---- hyperparameter checks ----------------------------------------------------------------

describe('bad hyperparameters', () => {
  const params = (): Tensor[] => [tensor(P0, { requiresGrad: true })];

  it('are rejected at construction with an Error naming the optimizer and the value', () => {
    const cases: [() => unknown, RegExp[]][] = [
      [() => new optim.Adam(params(), { lr: NaN }), [/Adam/, /lr/, /NaN/]],
      [() => new optim.Adam(params(), { lr: -0.1 }), [/Adam/, /lr/, /-0\.1/]],
      [() => new optim.Adam(params(), { betas: [1, 0.999] }), [/Adam/, /beta1/, /\b1\b/]],
      [() => new optim.Adam(params(), { betas: [0.9, -0.5] }), [/Adam/, /beta2/, /-0\.5/]],
      [() => new optim.Adam(params(), { eps: -1e-8 }), [/Adam/, /eps/, /-1e-8/]],
      [() => new optim.SGD(params(), { momentum: -1 }), [/SGD/, /momentum/, /-1/]],
      [() => new optim.SGD(params(), { lr: -0.5 }), [/SGD/, /lr/, /-0\.5/]],
      [() => new optim.SGD(params(), { lr: 0.1, dampening: 1.5, momentum: 0.9 }), [/SGD/, /dampening/, /1\.5/]],
      [() => new optim.SGD(params(), { lr: 0.1, weightDecay: NaN }), [/SGD/, /weightDecay/, /NaN/]],
    ];
    for (const [make, patterns] of cases) {
      let err: unknown = null;
      try {
        make();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      for (const re of patterns) expect((err as Error).message).toMatch(re);
    }
  });

  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind}: lr = Infinity set on paramGroups makes step() throw and leaves the parameters and state untouched`, async () => {
      const p = tensor(P0, { requiresGrad: true });
      const q = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
      const sgdH = sgd({ lr: 0.1, momentum: 0.9 });
      const adamH = adam({ lr: 0.1 });
      const opt = kind === 'SGD' ? new optim.SGD([p, q], sgdH) : new optim.Adam([p, q], adamH);
      const loss = lossAt(p, 0).add(lossAt(q, 1));
      opt.zeroGrad();
      loss.backward();
      const before = [Array.from(await p.data()), Array.from(await q.data())];
      opt.paramGroups[0]!.lr = Infinity;
      expect(() => opt.step()).toThrow(new RegExp(`${kind}.*lr.*Infinity`));
      expect([Array.from(await p.data()), Array.from(await q.data())]).toEqual(before);

      // A valid lr afterwards gives exactly the reference's first step: the failed step
      // advanced no state (Adam's t, SGD's momentum buffer).
      opt.paramGroups[0]!.lr = 0.1;
      opt.step();
      const pRef = flat(P0);
      (kind === 'SGD' ? new RefSGD(sgdH) : new RefAdam(adamH)).step(pRef, flat(C[0]!).map((c, i) => c + pRef[i]!));
      expectClose(await p.data(), pRef, 1e-6, 'p after the first valid step');
    });
  }
});
