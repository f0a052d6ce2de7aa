// The layers the lessons use, with PyTorch's names, defaults and parameter layouts.
import type { Tensor } from '../tensor.ts';
import { linear, matmul } from '../ops/matmul.ts';
import type { LinearActivation } from '../ops/matmul.ts';
import { sigmoid, tanh, relu, leakyRelu } from '../ops/unary-ops.ts';
import { dropout } from '../ops/dropout.ts';
import { generator } from '../generator.ts';
import { checkSize as checkTensorSize } from '../engine/backend.ts';
import { calculateGain } from '../init.ts';
import { Module, parameterFromValues } from './module.ts';

function checkSize(layer: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${layer}: ${name} must be a positive integer, got ${n}`);
}

/** Uniform on [-bound, bound) from the global generator, as tensor.uniform_(-bound, bound). */
function uniformValues(n: number, bound: number): Float32Array {
  return generator().uniform(n, -bound, bound);
}

/**
 * y = x W^T + b, with weight [out, in] and bias [out] as PyTorch. Default init as
 * PyTorch's reset_parameters: kaiming_uniform_(a = sqrt(5)) for the weight, which is
 * U(-1/sqrt(in), 1/sqrt(in)) up to rounding (its bound computed as PyTorch computes it),
 * then the bias U(-1/sqrt(in), 1/sqrt(in)); weight drawn first.
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
    // Before the draw, which fills a host array first (a bare RangeError past the host's limit).
    checkTensorSize('Linear', [outFeatures, inFeatures], 'float32');
    const weightBound = Math.sqrt(3) * (calculateGain('leakyRelu', Math.sqrt(5)) / Math.sqrt(inFeatures));
    this.weight = parameterFromValues(uniformValues(outFeatures * inFeatures, weightBound), [outFeatures, inFeatures]);
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias = opts.bias === false ? null : parameterFromValues(uniformValues(outFeatures, bound), [outFeatures]);
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 'none', 0);
  }

  /** The layer and the activation after it as one fused op (nn.Sequential uses this). */
  forwardWith(x: Tensor, act: LinearActivation, alpha: number): Tensor {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}): input [${x.shape.join(',')}] must end in ${this.inFeatures} features`);
    }
    if (x.ndim === 1) return this.forwardWith(x.unsqueeze(0), act, alpha).squeeze(0);
    if (this.bias) return linear(x, this.weight, this.bias, act, alpha);
    const y = matmul(x, this.weight, { transB: true });
    return act === 'none' ? y : fusedActivations.get(act)!(y, alpha);
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
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      const next = this.layers[i + 1];
      const act = next ? activationOf(next) : null;
      if (layer instanceof Linear && act) {
        // A Linear and the activation after it run as one kernel; the values are the same.
        h = layer.forwardWith(h, act.act, act.alpha);
        i++;
      } else {
        h = layer.forward(h);
      }
    }
    return h;
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

const fusedActivations = new Map<LinearActivation, (y: Tensor, alpha: number) => Tensor>([
  ['relu', (y) => relu(y)],
  ['sigmoid', (y) => sigmoid(y)],
  ['tanh', (y) => tanh(y)],
  ['leakyRelu', (y, alpha) => leakyRelu(y, alpha)],
]);

/** The activation a module applies, when a Linear layer can absorb it. */
function activationOf(m: Module): { act: LinearActivation; alpha: number } | null {
  if (m instanceof ReLU) return { act: 'relu', alpha: 0 };
  if (m instanceof Sigmoid) return { act: 'sigmoid', alpha: 0 };
  if (m instanceof Tanh) return { act: 'tanh', alpha: 0 };
  // The fused gradient reads the sign off the output, which needs a slope >= 0.
  if (m instanceof LeakyReLU && m.negativeSlope >= 0) return { act: 'leakyRelu', alpha: m.negativeSlope };
  return null;
}
