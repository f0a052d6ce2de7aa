// Dropout masks (seeded, fresh every call, the same mask in forward and backward) and the
// plan cache (a training loop builds its plan once; lr changes and dropout's RNG counter
// are dynamic scalars), plus the buffer plan's slot reuse checked by an independent
// liveness walk. All on the float32 CPU backend.
import { beforeEach, describe, expect, it } from 'vitest';
import { F, backendStats, flush, manualSeed, nn, ones, optim, randn, runSteps, setBackend, tensor } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { PlanCache, schedule, single } from '../../src/graph/plan.ts';
import type { Plan } from '../../src/graph/plan.ts';
import type { Node } from '../../src/graph/ir.ts';
import { internal } from '../../src/engine/recorder.ts';

beforeEach(async () => {
  // A fresh float32 backend: fresh counters and plan cache, and no work left pending.
  await setBackend('cpu', { precision: 'float32' });
});

const zerosOf = (a: ArrayLike<number>): number => Array.from(a).filter((v) => v === 0).length;

// ---- dropout masks ----------------------------------------------------------------------

describe('dropout masks', () => {
  it('zeroes about p of the elements (binomial, 5 sigma) and scales the rest by exactly 1/(1-p)', async () => {
    manualSeed(5);
    for (const p of [0.5, 0.2, 0.8]) {
      const n = 1000;
      const out = await F.dropout(ones([n]), p, true).data();
      const dropped = zerosOf(out);
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(dropped - n * p), `p=${p}: ${dropped} of ${n} dropped`).toBeLessThanOrEqual(5 * sigma);
      const kept = Array.from(out).filter((v) => v !== 0);
      // 1 * (1 / (1 - p)) rounded once to float32 (exactly 2 for p = 0.5).
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - p))]));
    }
  });

  it('p = 0.5 keeps exactly the value 2', async () => {
    manualSeed(5);
    const out = await F.dropout(ones([1000]), 0.5, true).data();
    for (const v of out) expect(v === 0 || v === 2).toBe(true);
  });

  it('draws a new mask on every call, and the same masks in the same order after re-seeding', async () => {
    const draw = async (): Promise<Float32Array> => (await F.dropout(ones([1000]), 0.5, true).data()) as Float32Array;
    manualSeed(5);
    const a = await draw();
    const b = await draw();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    manualSeed(5);
    const a2 = await draw();
    const b2 = await draw();
    expect(Array.from(a2)).toEqual(Array.from(a));
    expect(Array.from(b2)).toEqual(Array.from(b));
    // Another seed, other masks.
    manualSeed(6);
    expect(Array.from(await draw())).not.toEqual(Array.from(a));
  });

  it('masks depend on the order of draws only, not on when the work runs', async () => {
    // Record two dropouts lazily, then read them in reverse order: the masks are the ones
    // reserved when each op was recorded.
    manualSeed(5);
    const a = await F.dropout(ones([1000]), 0.5, true).data();
    const b = await F.dropout(ones([1000]), 0.5, true).data();
    manualSeed(5);
    const lazyA = F.dropout(ones([1000]), 0.5, true);
    const lazyB = F.dropout(ones([1000]), 0.5, true);
    expect(Array.from(await lazyB.data())).toEqual(Array.from(b));
    expect(Array.from(await lazyA.data())).toEqual(Array.from(a));
  });

  it('p = 0 and training = false are the identity; p = 1 gives zeros', async () => {
    manualSeed(5);
    const x = randn([7, 13]);
    const xs = Array.from(await x.data());
    expect(Array.from(await F.dropout(x, 0, true).data())).toEqual(xs);
    expect(Array.from(await F.dropout(x, 0.5, false).data())).toEqual(xs);
    expect(Array.from(await F.dropout(x, 1, false).data())).toEqual(xs);
    expect(Array.from(await F.dropout(x, 1, true).data())).toEqual(new Array(xs.length).fill(0));
  });

  it('rejects a probability outside [0, 1]', () => {
    expect(() => F.dropout(ones([3]), 1.5, true)).toThrow(/dropout.*1\.5/);
    expect(() => F.dropout(ones([3]), -0.1, true)).toThrow(/dropout.*-0\.1/);
    expect(() => new nn.Dropout(NaN)).toThrow(/Dropout.*NaN/);
  });

  it('nn.Dropout follows train() and eval(), also inside a Sequential', async () => {
    manualSeed(5);
    const x = randn([20, 10]);
    const xs = Array.from(await x.data());
    const d = new nn.Dropout(0.5);
    expect(d.training).toBe(true);
    expect(zerosOf(await d.forward(x).data())).toBeGreaterThan(0);
    d.eval();
    expect(d.training).toBe(false);
    expect(Array.from(await d.forward(x).data())).toEqual(xs);
    d.train();
    expect(zerosOf(await d.forward(x).data())).toBeGreaterThan(0);

    const net = new nn.Sequential(new nn.Identity(), new nn.Dropout(0.5));
    net.eval();
    expect(Array.from(await net.forward(x).data())).toEqual(xs);
    net.train();
    expect(zerosOf(await net.forward(x).data())).toBeGreaterThan(0);
  });

  it('the gradient uses the same mask as the forward pass', async () => {
    manualSeed(5);
    const x = nn.Parameter(ones([256]));
    const y = F.dropout(x, 0.5, true);
    y.sum().backward();
    // d sum(dropout(x)) / dx = mask / (1 - p) = dropout(1) = y, since x is all ones.
    const ys = Array.from(await y.data());
    expect(zerosOf(ys)).toBeGreaterThan(64);
    expect(Array.from(await x.grad!.data())).toEqual(ys);

    // With an upstream gradient w: dL/dx = w * mask * 2 = w * y (exact in float32).
    const w = randn([256]);
    const ws = Array.from(await w.data());
    const x2 = tensor(new Array(256).fill(1), { requiresGrad: true });
    const y2 = F.dropout(x2, 0.5, true);
    y2.mul(w).sum().backward();
    // Read the gradient first: the backward kernel regenerates the mask without the forward.
    const g2 = Array.from(await x2.grad!.data());
    const y2s = Array.from(await y2.data());
    expect(y2s).not.toEqual(ys);
    // (`+ 0` turns -0 into 0: a dropped element is a plain 0, whatever the sign of w.)
    expect(g2).toEqual(y2s.map((v, i) => Math.fround(v * ws[i]!) + 0));
  });

  it('draws a fresh mask at every step of a training loop', async () => {
    manualSeed(3);
    const X = randn([100, 2]);
    const y = tensor(Array.from({ length: 100 }, (_, i) => i % 2), { dtype: 'int32' });
    const net = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Dropout(0.5), new nn.Linear(8, 2));
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    const masks: boolean[][] = [];
    for (let step = 0; step < 4; step++) {
      // Sequential's forward, one layer at a time, keeping the dropout's input and output.
      const h = net.at(1).forward(net.at(0).forward(X));
      const d = net.at(2).forward(h);
      const loss = F.crossEntropy(net.at(3).forward(d), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      await loss.item();
      const hs = await h.data();
      const ds = await d.data();
      // tanh is never exactly 0 here, so a zero in the output is a dropped element, and a
      // kept one is exactly 2 h.
      expect(zerosOf(hs)).toBe(0);
      const mask = Array.from(ds, (v) => v === 0);
      ds.forEach((v, i) => {
        if (v !== 0) expect(v).toBe(Math.fround(2 * hs[i]!));
      });
      const dropped = mask.filter(Boolean).length;
      expect(Math.abs(dropped - 400)).toBeLessThanOrEqual(5 * Math.sqrt(800 * 0.25));
      masks.push(mask);
    }
    for (let i = 1; i < masks.length; i++) for (let j = 0; j < i; j++) expect(masks[i]).not.toEqual(masks[j]);
  });
});

// ---- plan cache over a training loop ------------------------------------------------------

const STEPS = 300;

/** Fixed data: randn [100, 2] and labels from a rule (the two diagonal quadrants are class 1). */
async function makeData(): Promise<{ X: Tensor; y: Tensor }> {
  manualSeed(42);
  const X = randn([100, 2]);
  const xs = await X.data();
  const labels = Array.from({ length: 100 }, (_, i) => (xs[2 * i]! * xs[2 * i + 1]! > 0 ? 1 : 0));
  return { X, y: tensor(labels, { dtype: 'int32' }) };
}

function makeNet(dropout: boolean): nn.Sequential {
  manualSeed(7);
  return dropout
    ? new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 2))
    : new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
}

interface LoopRecord {
  losses: number[];
  plansBefore: number;
  plans: number[];
  submits: number[];
  submitsBefore: number;
  buffers: number[];
}

/** The standard loop, recording the counters after every step. */
async function standardLoop(dropout: boolean): Promise<LoopRecord> {
  const { X, y } = await makeData();
  const net = makeNet(dropout);
  const opt = new optim.Adam(net.parameters(), { lr: 0.08 });
  flush();
  const before = backendStats();
  const rec: LoopRecord = { losses: [], plans: [], submits: [], buffers: [], plansBefore: before.plans, submitsBefore: before.submits };
  for (let i = 0; i < STEPS; i++) {
    if (i === 150) opt.paramGroups[0]!.lr = 0.01;
    const loss = F.crossEntropy(net.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    rec.losses.push(await loss.item());
    const s = backendStats();
    rec.plans.push(s.plans);
    rec.submits.push(s.submits);
    rec.buffers.push(s.buffersAllocated);
  }
  return rec;
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

function expectOnePlanOneSubmitPerStep(rec: LoopRecord): void {
  // The first step builds the step's plan (exactly one: data and parameters are host
  // uploads, so nothing else was pending); later steps, including the one where lr
  // changes and (with Dropout) every new RNG counter, reuse it.
  expect(rec.plans[0]! - rec.plansBefore).toBe(1);
  expect(rec.plans.at(-1)).toBe(rec.plans[0]);
  expect(new Set(rec.plans).size).toBe(1);
  // One submit per step, the first included.
  const perStep = rec.submits.map((s, i) => s - (i === 0 ? rec.submitsBefore : rec.submits[i - 1]!));
  expect(new Set(perStep)).toEqual(new Set([1]));
  // The plan's buffers are made once: scratch and the first output set on the first run,
  // the second output set (results stay readable while the next run computes) on the
  // second; nothing after that.
  expect(rec.buffers[1]!).toBeGreaterThan(rec.buffers[0]!);
  expect(new Set(rec.buffers.slice(1)).size).toBe(1);
}

describe('plan cache over a training loop (2-8-2 net, Adam, crossEntropy)', () => {
  it('the standard loop: one plan, one submit per step, lr change included; the loss decreases', async () => {
    const rec = await standardLoop(false);
    expectOnePlanOneSubmitPerStep(rec);
    expect(rec.losses.every(Number.isFinite)).toBe(true);
    expect(mean(rec.losses.slice(-10))).toBeLessThan(0.6 * mean(rec.losses.slice(0, 10)));
  });

  it('with a Dropout layer: a new mask every step still reuses the one plan', async () => {
    const rec = await standardLoop(true);
    expectOnePlanOneSubmitPerStep(rec);
    expect(rec.losses.every(Number.isFinite)).toBe(true);
    expect(mean(rec.losses.slice(-20))).toBeLessThan(0.7 * mean(rec.losses.slice(0, 20)));
  });

  it('runSteps: one plan, readbacks only at read points, and the same losses as the standard loop', async () => {
    const reference = await standardLoop(false);

    await setBackend('cpu', { precision: 'float32' });
    const { X, y } = await makeData();
    const net = makeNet(false);
    const opt = new optim.Adam(net.parameters(), { lr: 0.08 });
    flush();
    const before = backendStats();
    let plansAfterFirst = -1;
    const reads: { step: number; loss: number[] }[] = [];
    const out = await runSteps(
      STEPS,
      (i) => {
        if (i === 150) opt.paramGroups[0]!.lr = 0.01;
        const loss = F.crossEntropy(net.forward(X), y);
        // The forward above read parameters with step i-1's update pending, so step
        // i-1 has been submitted by now; at i = 1 that is the first step.
        if (i === 1) plansAfterFirst = backendStats().plans;
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return { loss };
      },
      { readEvery: 50, onRead: ({ step, values }) => void reads.push({ step, loss: Array.from(values.loss!) }) },
    );
    const after = backendStats();

    expect(plansAfterFirst - before.plans).toBe(1);
    expect(after.plans).toBe(plansAfterFirst);
    expect(after.submits - before.submits).toBe(STEPS);
    expect(after.readbacks - before.readbacks).toBe(STEPS / 50);

    expect(reads.map((r) => r.step)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(reads.map((r) => r.loss.length)).toEqual([50, 100, 150, 200, 250, 300]);
    for (const r of reads) expect(r.loss).toEqual(Array.from(out.loss!).slice(0, r.step));

    expect(Object.keys(out)).toEqual(['loss']);
    expect(out.loss!.length).toBe(STEPS);
    expect(Array.from(out.loss!).every(Number.isFinite)).toBe(true);
    // Same seed, same data, same init, same CPU kernels in the same order on the same
    // float32 values: only the moment of each submit differs, which changes no arithmetic,
    // so the losses must be bit-identical (tolerance 0). item() returns the float32 loss
    // widened to a double, the history holds the same float32.
    expect(Array.from(out.loss!)).toEqual(reference.losses);
  });
});

// ---- buffer plan --------------------------------------------------------------------------

/**
 * A chain of 6 elementwise ops on x, made inside internal() so that its intermediates are
 * scratch. Lifetimes: a is read by b and c, c by d and e, the rest by the next op only.
 */
function scratchChain(shape: number[], last: 'tanh' | 'sigmoid' = 'tanh'): { x: Tensor; out: Tensor; nodes: Tensor[] } {
  const x = randn(shape);
  const nodes = internal(() => {
    const a = x.exp();
    const b = a.mul(x);
    const c = b.add(a);
    const d = c.sin();
    const e = d.mul(c);
    const f = last === 'tanh' ? e.tanh() : e.sigmoid();
    return [a, b, c, d, e, f];
  });
  return { x, out: nodes[5]!, nodes };
}

function bindChain(cache: PlanCache, out: Tensor): { plan: Plan; order: Node[] } {
  const order = schedule([out.node], []);
  const { plan } = cache.bind(order.map(single), (n) => n.exposed || n === out.node);
  return { plan, order };
}

/**
 * Walk the plan as a machine would, remembering which step last wrote each slot: every
 * slot input must still hold the value of the node that step reads.
 */
function checkLiveness(plan: Plan, order: Node[]): void {
  const writer = new Map<number, number>();
  plan.steps.forEach((s, i) => {
    s.inputs.forEach((r, k) => {
      if (r.kind !== 'slot') return;
      const producer = order.indexOf(order[i]!.inputs[k]!);
      expect(writer.get(r.index), `step ${i} input ${k} reads slot ${r.index}`).toBe(producer);
    });
    if (s.out?.kind === 'slot') writer.set(s.out.index, i);
  });
}

describe('buffer plan (schedule + PlanCache)', () => {
  it('scratch nodes share slots, no step writes a slot it reads, and every read sees its producer', () => {
    const { out, nodes } = scratchChain([4, 3]);
    const cache = new PlanCache();
    const { plan, order } = bindChain(cache, out);
    // Inputs first: the 6 ops in recording order (x is a variable: an external, not a step).
    expect(order.length).toBe(6);
    expect(order).toEqual(nodes.map((t) => t.node));
    expect(plan.externals).toEqual([{ shape: [4, 3], dtype: 'float32' }]);
    const scratch = plan.steps.filter((s) => s.out?.kind === 'slot');
    expect(scratch.length).toBe(5);
    expect(plan.steps[5]!.out).toEqual({ kind: 'out', index: 0 });
    // Live at once at most: {c, d} while e is computed, plus e itself -> 3 slots for 5 nodes.
    expect(plan.slots.length).toBeLessThan(scratch.length);
    expect(plan.slots.length).toBe(3);
    for (const s of plan.slots) expect(s).toEqual({ dtype: 'float32', size: 12 });
    for (const s of plan.steps) {
      if (s.out?.kind !== 'slot') continue;
      const own = s.out.index;
      expect(s.inputs.some((r) => r.kind === 'slot' && r.index === own)).toBe(false);
    }
    checkLiveness(plan, order);
  });

  it('nodes made through the public API are exposed: each gets its own output, no scratch', () => {
    const x = randn([4, 3]);
    const a = x.exp();
    const b = a.mul(x);
    const c = b.add(a);
    const cache = new PlanCache();
    const { plan } = bindChain(cache, c);
    expect(plan.slots.length).toBe(0);
    expect(plan.steps.map((s) => s.out)).toEqual([0, 1, 2].map((index) => ({ kind: 'out', index })));
  });

  it('the same structure hits the cache; another shape or another op builds a new plan', () => {
    const cache = new PlanCache();
    const first = bindChain(cache, scratchChain([4, 3]).out).plan;
    expect(cache.built).toBe(1);
    // Fresh tensors, fresh nodes, the same structure and shapes.
    const again = bindChain(cache, scratchChain([4, 3]).out).plan;
    expect(cache.built).toBe(1);
    expect(again).toBe(first);
    const otherShape = bindChain(cache, scratchChain([5, 3]).out);
    expect(cache.built).toBe(2);
    expect(otherShape.plan).not.toBe(first);
    expect(otherShape.plan.slots.every((s) => s.size === 15)).toBe(true);
    checkLiveness(otherShape.plan, otherShape.order);
    bindChain(cache, scratchChain([4, 3], 'sigmoid').out);
    expect(cache.built).toBe(3);
    bindChain(cache, scratchChain([5, 3]).out);
    expect(cache.built).toBe(3);
  });

  it('a scratch chain still computes the right values when flushed', async () => {
    const { x, out } = scratchChain([2, 3]);
    const xs = Array.from(await x.data());
    const expected = xs.map((v) => {
      const a = Math.fround(Math.exp(v));
      const b = Math.fround(a * v);
      const c = Math.fround(b + a);
      const d = Math.fround(Math.sin(c));
      const e = Math.fround(d * c);
      return Math.tanh(e);
    });
    const got = Array.from(await out.data());
    got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(1e-6));
  });
});
