// The checks the e2e suite runs on every page's formulas and log axes, tested here on
// sources and values of our own.
import { describe, expect, it } from 'vitest';
import { texProblem } from '../shared/tex.ts';
import { formatLogTick } from '../../demos/ui/ticks.ts';

describe('texProblem', () => {
  it('accepts well-formed TeX', () => {
    for (const tex of ['\\sigma^2 = 1', '\\frac{\\partial L}{\\partial w}', '\\sin(x) + 0.5x', 'y = \\tanh(z)', '\\text{sigmoid}(z)', 'W_1 x + b_1', 'x_{\\text{max}}']) expect(texProblem(tex), tex).toBeNull();
  });
  it('names a command that lost its backslash', () => {
    expect(texProblem('sigma^2 = 1')).toMatch(/'sigma' without its backslash/);
    expect(texProblem('sin(x) + 0.5x')).toMatch(/'sin' without its backslash/);
    expect(texProblem('y = tanh(z)')).toMatch(/'tanh'/);
  });
  it('names the control character a JS escape left', () => {
    expect(texProblem('\frac{1}{2}')).toMatch(/U\+000c/);
    expect(texProblem('\beta')).toMatch(/U\+0008/);
    expect(texProblem('\text{x}')).toMatch(/U\+0009/);
    expect(texProblem('\right)')).toMatch(/U\+000d/);
    expect(texProblem('\nabla L')).toMatch(/U\+000a/);
    expect(texProblem('a = 1\n\\quad b = 2')).toBeNull();
  });
});

describe('formatLogTick', () => {
  it('writes small and large ticks in 1e-4 style, never "0"', () => {
    expect(formatLogTick(1e-4)).toBe('1e-4');
    expect(formatLogTick(2e-5)).toBe('2e-5');
    expect(formatLogTick(0.00005)).toBe('5e-5');
    expect(formatLogTick(1e-12)).toBe('1e-12');
    expect(formatLogTick(1e6)).toBe('1e6');
    for (let e = -20; e <= 20; e++) expect(formatLogTick(10 ** e)).not.toBe('0');
  });
  it('writes ticks from 0.001 to 9999 as plain decimals', () => {
    expect(formatLogTick(0.001)).toBe('0.001');
    expect(formatLogTick(0.05)).toBe('0.05');
    expect(formatLogTick(1)).toBe('1');
    expect(formatLogTick(300)).toBe('300');
    expect(formatLogTick(null)).toBe('');
  });
});
