// The JSON fixtures under tests/fixtures/: each is written by the Python script beside it
// (numpy or PyTorch, run by hand, never in CI; its docstring says how), so a number a test
// compares with has one source, and a rerun that disagrees fails the test that reads it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parsed JSON at tests/fixtures/<path>, e.g. readFixture('numpy/random_state.json'). */
export function readFixture<T>(path: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)), 'utf8')) as T;
}
