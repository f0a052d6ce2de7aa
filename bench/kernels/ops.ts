// The ops `npm run bench:kernels` times, each recorded through the public API, so the plan
// timed holds the kernel the engine itself chooses for that shape (after fusion): what a
// training step would run. The work model of each row: bytes = every input read once and
// every output written once, 4 bytes an element (float32, int32); FLOP as stated per op,
// with exp, sqrt and a division counted as one.
import { F, nn, noGrad, optim, relu, sum, tensor } from 'shadergrad';
import type { Tensor } from 'shadergrad';

export type Mode = 'smoke' | 'full';

export interface KernelOp {
  /** What a --shapes entry means for this op. */
  shape: 'MxKxN' | 'RxC' | 'NxC';
  about: string;
  /** How flop() and bytes() count (for the JSON and the README). */
  model: string;
  flop(d: number[]): number;
  bytes(d: number[]): number;
  shapes: Record<Mode, number[][]>;
  /** Make the inputs (realized before anything is timed); the function returned records the op. */
  setup(d: number[]): () => Tensor | Tensor[] | void;
}

/** Values in [-1, 1) from a fixed stream (xorshift32): the same inputs on every adapter. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

const input = (shape: number[], seed: number, requiresGrad = false): Tensor =>
  tensor(values(shape.reduce((a, b) => a * b, 1), seed), { shape, requiresGrad });

export const KERNEL_OPS = {
  matmul: {
    shape: 'MxKxN',
    about: 'A [M,K] @ B [K,N]',
    model: 'FLOP 2MKN; bytes 4(MK + KN + MN)',
    flop: ([m, k, n]) => 2 * m! * k! * n!,
    bytes: ([m, k, n]) => 4 * (m! * k! + k! * n! + m! * n!),
    shapes: { smoke: [[32, 32, 32]], full: [[256, 256, 256], [512, 512, 512], [128, 784, 128]] },
    setup: ([m, k, n]) => {
      const a = input([m!, k!], 1);
      const b = input([k!, n!], 2);
      return () => a.matmul(b);
    },
  },
  linear: {
    shape: 'MxKxN',
    about: 'relu(x [M,K] Wᵀ + b), W [N,K], b [N]: nn.Linear(K, N) then nn.ReLU, fused into one kernel',
    model: 'FLOP 2MKN + 2MN (bias, relu); bytes 4(MK + NK + N + MN)',
    flop: ([m, k, n]) => 2 * m! * k! * n! + 2 * m! * n!,
    bytes: ([m, k, n]) => 4 * (m! * k! + n! * k! + n! + m! * n!),
    shapes: { smoke: [[16, 32, 8]], full: [[128, 784, 128], [512, 512, 512]] },
    setup: ([m, k, n]) => {
      const x = input([m!, k!], 3);
      const layer = new nn.Sequential(new nn.Linear(k!, n!), new nn.ReLU());
      return () => noGrad(() => layer.forward(x));
    },
  },
  add: {
    shape: 'RxC',
    about: 'a [R,C] + b [R,C]',
    model: 'FLOP RC; bytes 12RC',
    flop: ([r, c]) => r! * c!,
    bytes: ([r, c]) => 12 * r! * c!,
    shapes: { smoke: [[64, 64]], full: [[1024, 1024]] },
    setup: ([r, c]) => {
      const a = input([r!, c!], 4);
      const b = input([r!, c!], 5);
      return () => a.add(b);
    },
  },
  relu: {
    shape: 'RxC',
    about: 'relu(x [R,C])',
    model: 'FLOP RC; bytes 8RC',
    flop: ([r, c]) => r! * c!,
    bytes: ([r, c]) => 8 * r! * c!,
    shapes: { smoke: [[64, 64]], full: [[1024, 1024]] },
    setup: ([r, c]) => {
      const x = input([r!, c!], 6);
      return () => relu(x);
    },
  },
  sum: {
    shape: 'RxC',
    about: 'sum(x [R,C]): every element to one number',
    model: 'FLOP RC; bytes 4(RC + 1)',
    flop: ([r, c]) => r! * c!,
    bytes: ([r, c]) => 4 * (r! * c! + 1),
    shapes: { smoke: [[64, 64]], full: [[1024, 1024]] },
    setup: ([r, c]) => {
      const x = input([r!, c!], 7);
      return () => sum(x);
    },
  },
  colsum: {
    shape: 'RxC',
    about: 'sum(x [R,C], 0): a column sum (a bias gradient)',
    model: 'FLOP RC; bytes 4(RC + C)',
    flop: ([r, c]) => r! * c!,
    bytes: ([r, c]) => 4 * (r! * c! + c!),
    shapes: { smoke: [[64, 64]], full: [[1024, 1024]] },
    setup: ([r, c]) => {
      const x = input([r!, c!], 8);
      return () => sum(x, 0);
    },
  },
  crossEntropy: {
    shape: 'NxC',
    about: 'F.crossEntropy(logits [N,C], labels [N]) and its gradient, as a training step asks for them (one fused kernel up to 16384 logits)',
    model: 'FLOP 5NC (max, subtract, exp, sum, scale); bytes 4(2NC + N + 2): logits, labels and the seed gradient read, the logits gradient and the loss written',
    flop: ([n, c]) => 5 * n! * c!,
    bytes: ([n, c]) => 4 * (2 * n! * c! + n! + 2),
    shapes: { smoke: [[8, 10]], full: [[128, 10], [1024, 1000]] },
    setup: ([n, c]) => {
      const logits = input([n!, c!], 9, true);
      const labels = tensor(Int32Array.from({ length: n! }, (_, i) => (i * 7) % c!), { shape: [n!], dtype: 'int32' });
      // A realized seed gradient: backward() would otherwise fill a fresh 1 with a kernel of its own.
      const one = tensor(1);
      return () => {
        logits.grad = null;
        const loss = F.crossEntropy(logits, labels);
        loss.backward(one);
        return [loss, logits.grad!];
      };
    },
  },
  adam: {
    shape: 'RxC',
    about: "optim.Adam's multi-tensor step over a weight [R,C] and a bias [R] (one nn.Linear(C, R))",
    model: 'E = RC + R elements; FLOP 15E; bytes 28E (parameter, gradient, m and v read; parameter, m and v written)',
    flop: ([r, c]) => 15 * (r! * c! + r!),
    bytes: ([r, c]) => 28 * (r! * c! + r!),
    // 256x3072: the first layer of a 3072-256-256-10 MLP, 790k parameters in one step.
    shapes: { smoke: [[8, 16]], full: [[128, 784], [256, 3072]] },
    setup: ([r, c]) => {
      const w = input([r!, c!], 10, true);
      const b = input([r!], 11, true);
      w.grad = input([r!, c!], 12);
      b.grad = input([r!], 13);
      const opt = new optim.Adam([w, b], { lr: 1e-3 });
      return () => opt.step();
    },
  },
} satisfies Record<string, KernelOp>;

export type KernelOpName = keyof typeof KERNEL_OPS;
export const OP_NAMES = Object.keys(KERNEL_OPS) as KernelOpName[];
