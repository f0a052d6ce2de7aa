// The layers the lessons use, with PyTorch's names, defaults and parameter layouts.
import type { Tensor } from '../tensor.ts';
import { matmul } from '../ops/matmul.ts';
import { biasAdd } from '../ops/reduce.ts';
import { sigmoid, tanh, relu, leakyRelu } from '../ops/unary.ts';
import { dropout } from '../ops/dropout.ts';
import { generator } from '../generator.ts';
import { Module, parameterFromValues } from './module.ts';

function checkSize(layer: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${layer}: ${name} must be a positive integer, got ${n}`);
}

/** Uniform on [-bound, bound) from the global generator. */
function uniformValues(n: number, bound: number): Float32Array {
  const u = generator().uniform(n);
  for (let i = 0; i < n; i++) u[i] = (2 * u[i]! - 1) * bound;
  return u;
}

/**
 * y = x W^T + b, with weight [out, in] and bias [out] as PyTorch. Default init as
 * PyTorch's: kaiming_uniform_(a = sqrt(5)) for the weight, which is U(-1/sqrt(in),
 * 1/sqrt(in)), and the same bound for the bias; weight drawn first.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = parameterFromValues(uniformValues(outFeatures * inFeatures, bound), [outFeatures, inFeatures]);
    this.bias = opts.bias === false ? null : parameterFromValues(uniformValues(outFeatures, bound), [outFeatures]);
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}): input [${x.shape.join(',')}] must end in ${this.inFeatures} features`);
    }
    const y = x.ndim === 1 ? matmul(x.unsqueeze(0), this.weight, { transB: true }).squeeze(0) : matmul(x, this.weight, { transB: true });
    return this.bias ? biasAdd(y, this.bias) : y;
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new Error(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Inverted dropout in training mode, the identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Modules applied in order; children are named '0', '1', ... as PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = layers;
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, m) => m.forward(h), x);
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m) throw new Error(`Sequential.at: index ${i} is out of range for ${this.layers.length} layers`);
    return m;
  }
}
