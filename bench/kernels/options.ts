// `npm run bench:kernels` options, checked before anything starts: a bad one is an error
// that names the option, the value and what was expected.
import { KERNEL_OPS, OP_NAMES } from './ops.ts';
import type { KernelOpName, Mode } from './ops.ts';

export interface KernelPlan {
  mode: Mode;
  /** Node on Dawn instead of a browser page. */
  node: boolean;
  runs: { op: KernelOpName; shapes: number[][] }[];
}

export const USAGE = `usage: npm run bench:kernels -- [--op ${OP_NAMES.join(',')}] [--shapes SHAPES] [--node] [--smoke]
  --op      one op or several, comma-separated (default: all of them)
  --shapes  comma-separated; matmul and linear: MxKxN; crossEntropy: NxC (batch x classes);
            add, relu, sum, colsum, adam: RxC (rows x columns); every shape must fit every op chosen
  --node    Node on Dawn (the webgpu package), no browser
  --smoke   tiny sizes, few repetitions; checks the result's shape (npm test)`;

const DIMS: Record<string, number> = { MxKxN: 3, RxC: 2, NxC: 2 };

export function parseArgs(argv: string[]): KernelPlan {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--node' || name === '--smoke') {
      if (inline !== undefined) throw new Error(`bench:kernels: ${name} takes no value, got '${arg}'`);
      flags.add(name);
    } else if (name === '--op' || name === '--shapes') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '' || value.startsWith('--')) throw new Error(`bench:kernels: ${name} needs a value (${name === '--op' ? `one of ${OP_NAMES.join(', ')}` : 'e.g. 512x512x512,128x784x128'})\n${USAGE}`);
      values.set(name, value);
    } else {
      throw new Error(`bench:kernels: unknown option '${arg}'\n${USAGE}`);
    }
  }
  const mode: Mode = flags.has('--smoke') ? 'smoke' : 'full';
  const opArg = values.get('--op');
  const ops = opArg === undefined ? OP_NAMES : opArg.split(',').map((s) => s.trim());
  for (const op of ops) {
    if (!(OP_NAMES as string[]).includes(op)) throw new Error(`bench:kernels: --op '${op}' is not an op this benchmark times; expected one of ${OP_NAMES.join(', ')}`);
  }
  const shapesArg = values.get('--shapes');
  const shapes = shapesArg === undefined ? null : shapesArg.split(',').map((s) => parseShape(s.trim()));
  const runs = (ops as KernelOpName[]).map((op) => {
    const spec = KERNEL_OPS[op];
    if (!shapes) return { op, shapes: spec.shapes[mode] };
    shapes.forEach((d, i) => {
      if (d.length !== DIMS[spec.shape]) {
        const raw = shapesArg!.split(',')[i]!.trim();
        throw new Error(
          `bench:kernels: --shapes '${raw}': ${op} expects ${spec.shape} (${spec.about}), ${DIMS[spec.shape]} numbers, got ${d.length}` +
            (opArg === undefined ? '; pass --op to choose ops whose shapes agree' : ''),
        );
      }
    });
    return { op, shapes };
  });
  return { mode, node: flags.has('--node'), runs };
}

function parseShape(s: string): number[] {
  const parts = s.split('x');
  if (s === '' || parts.some((p) => !/^[1-9][0-9]*$/.test(p))) {
    throw new Error(`bench:kernels: --shapes '${s}' is not a shape: expected positive integers joined by 'x' (MxKxN like 512x512x512, or RxC like 1024x1024)`);
  }
  return parts.map(Number);
}
