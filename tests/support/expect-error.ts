// Expecting an Error whose message names what went wrong: the op, the shapes, the values.
import { expect } from 'vitest';

export type Part = string | RegExp;

function expectParts(msg: string, parts: Part[]): void {
  for (const p of parts) {
    if (typeof p === 'string') expect(msg).toContain(p);
    else expect(msg).toMatch(p);
  }
}

/** Runs `fn`, expects it to throw an Error whose message contains every part; returns the message. */
export function throwsWith(fn: () => unknown, ...parts: Part[]): string {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a thrown Error').toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expectParts(msg, parts);
  return msg;
}

/** As throwsWith, for a promise that must reject. */
export async function rejectsWith(fn: () => Promise<unknown>, ...parts: Part[]): Promise<string> {
  let err: unknown = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a rejected promise with an Error').toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expectParts(msg, parts);
  return msg;
}
