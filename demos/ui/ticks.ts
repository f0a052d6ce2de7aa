// Tick labels for log-scale axes: uPlot's default prints 0.0001 as "0" at its default
// precision, which hides the orders of magnitude a log chart exists to show.

/** A log-axis tick: plain decimals from 0.001 to 9999, otherwise 1e-4 style (2e-5, 1e6). */
export function formatLogTick(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(3)));
  const [mantissa, exponent] = v.toExponential(2).split('e') as [string, string];
  return `${Number(mantissa)}e${Number(exponent)}`;
}
