// The queue's gate (src/backend/webgpu/gate.ts): operations run at once while it is open,
// wait in order while a run's pipelines are being made, and errors of held operations reach
// the device's health instead of vanishing.
import { expect, it } from 'vitest';
import { QueueGate } from '../../src/backend/webgpu/gate.ts';
import type { DeviceHealth } from '../../src/backend/webgpu/health.ts';

function gate(): { g: QueueGate; reported: Error[] } {
  const reported: Error[] = [];
  const health = { report: (e: Error) => reported.push(e) } as unknown as DeviceHealth;
  return { g: new QueueGate(health), reported };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

it('runs at once while open, and throws to the caller', async () => {
  const { g } = gate();
  const log: string[] = [];
  g.later(() => log.push('a'));
  expect(log).toEqual(['a']);
  expect(g.open).toBe(true);
  expect(await g.run(() => 7)).toBe(7);
  expect(() => g.later(() => {
    throw new Error('boom');
  })).toThrow('boom');
});

it('holds later operations in order until every hold settles', async () => {
  const { g } = gate();
  const log: string[] = [];
  const first = deferred();
  const second = deferred();
  g.later(() => log.push('before'));
  g.hold(first.promise);
  expect(g.open).toBe(false);
  g.later(() => log.push('write'));
  const submitted = g.run(() => {
    log.push('submit');
    return 'result';
  });
  g.hold(second.promise);
  g.later(() => log.push('destroy'));
  first.resolve();
  await first.promise;
  await Promise.resolve();
  // The second hold is still pending: nothing after the first may run yet, not even what came before it.
  expect(log).toEqual(['before']);
  second.resolve();
  await g.drained();
  expect(log).toEqual(['before', 'write', 'submit', 'destroy']);
  expect(await submitted).toBe('result');
  expect(g.open).toBe(true);
});

it('a rejected hold still releases the queue; a held error is reported and rejects its promise', async () => {
  const { g, reported } = gate();
  const ready = deferred();
  g.hold(ready.promise);
  const failed = g.run(() => {
    throw new Error('setPipeline: no pipeline');
  });
  g.later(() => {
    throw new Error('later failure');
  });
  const after = g.run(() => 'still runs');
  ready.reject(new Error('pipeline failed'));
  await expect(failed).rejects.toThrow('no pipeline');
  expect(await after).toBe('still runs');
  expect(reported.map((e) => e.message)).toEqual(['setPipeline: no pipeline', 'later failure']);
});
