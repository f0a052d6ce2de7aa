// pow: a binary op on the elementwise kernel, in a file of its own because its gradient
// needs log (unary.ts), and unary.ts's gradients need mul and div (elementwise.ts).
import type { Tensor } from '../tensor.ts';
import { defineOp, floatOnly } from './define.ts';
import { add, binaryApply, binaryGpu, binaryKernel, broadcastRule, eq, gt, mul, sub, where } from './elementwise.ts';
import type { NoAttrs, Operand } from './elementwise.ts';
import { sumTo } from './reduce.ts';
import { binary } from './samples.ts';
import { log } from './unary-ops.ts';

/**
 * C's pow (C99 Annex F, which PyTorch follows). JavaScript's Math.pow agrees except that
 * it gives NaN for 1^y with y NaN or +-inf and for (-1)^+-inf, where C gives 1. The rest, for
 * the record: x^0 = 1 for every x (NaN too); a negative finite base with a non-integer
 * exponent is NaN; (+-0)^y is +inf for y < 0 and +0 for y > 0, with 0's sign for odd
 * integer y; (+-inf)^y the reverse; x^-inf is +inf for |x| < 1 and 0 for |x| > 1, x^+inf the
 * reverse; NaN otherwise propagates.
 */
export function powC(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

export const powDef = defineOp<NoAttrs>({
  name: 'pow',
  samples: binary('positive', 'any', { about: 'a to the power b, a in [0.2, 2)' }),
  gpu: binaryGpu('pow'),
  shape: (ins) => {
    floatOnly('pow', ins, ['base', 'exponent']);
    return broadcastRule('pow')(ins);
  },
  cpu: binaryKernel(powC),
  // PyTorch's pow_backward_self and pow_backward_exponent, edge values included:
  //   d/da = g * where(b == 0, 0, b * a^(b-1))           (d/da a^0 = 0, even at a = 0)
  //   d/db = g * where(a == 0 && b >= 0, 0, out * ln a)  (d/db 0^b = 0 for b >= 0)
  // so d/db is NaN for a negative base, as PyTorch's. b >= 0 is gt + eq (int32 0/1 flags,
  // multiplied for the and), not 1 - lt, so that a NaN exponent is not >= 0.
  grad: ({ g, inputs: [a, b], out }) => {
    const gradA = mul(g, where(eq(b!, 0), 0, mul(b!, pow(a!, sub(b!, 1)))));
    const zeroBase = mul(eq(a!, 0), add(gt(b!, 0), eq(b!, 0)));
    const gradB = mul(g, where(zeroBase, 0, mul(out, log(a!))));
    return [sumTo(gradA, a!.shape), sumTo(gradB, b!.shape)];
  },
});

export const pow = (a: Operand, b: Operand): Tensor => binaryApply(powDef, a, b);
