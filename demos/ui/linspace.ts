// torch.linspace's points as plain numbers, for lesson modules that need them on the host
// (chart axes, data x values). DOM-free: the modules and the Node tests import it directly.

/** n evenly spaced float32 values from start to end, both ends exact, the step computed once (as torch). */
export function linspaceValues(start: number, end: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new Error(`linspaceValues: n must be an integer >= 2, got ${n}`);
  const step = (end - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.fround(i === n - 1 ? end : start + i * step));
}
