// nn.Module: parameters and sub-modules found by walking the object's own fields in
// declaration order, so names and layouts match PyTorch's state_dict keys.
import { Tensor, tensorFromHost } from '../tensor.ts';
import type { NestedArray } from '../tensor.ts';
import { fmt, sameShape } from '../shape.ts';
import { currentBackend, currentEpoch } from '../engine/backend.ts';
import { applyEffect, noGrad } from '../engine/recorder.ts';
import { Variable } from '../graph/ir.ts';
import { assignDef } from '../ops/update.ts';
import { tensor } from '../creation.ts';

/** A parameter: a leaf that requires grad, owned by a module (as torch.nn.Parameter). */
export function Parameter(data: Tensor): Tensor {
  if (!(data instanceof Tensor)) throw new Error(`Parameter: expected a Tensor, got ${typeof data}`);
  if (data.dtype !== 'float32') throw new Error(`Parameter: parameters must be float32, got ${fmt(data.shape)} ${data.dtype}`);
  const p = Tensor.fromVariable(variableFrom(data.detach()), false);
  p.requiresGrad = true;
  p.isParameter = true;
  return p;
}

/** A new variable whose first value is a lazy tensor: written at the next flush. */
function variableFrom(t: Tensor): Variable {
  const backend = currentBackend();
  const v = new Variable(backend.upload(new Float32Array(t.size), t.dtype), t.shape, t.dtype, backend.name, currentEpoch());
  noGrad(() => applyEffect(assignDef, [Tensor.fromVariable(v), t], {}));
  return v;
}

export type StateDictValue = Tensor | NestedArray | Float32Array | number[];

export abstract class Module {
  training = true;

  /** The computation; every module defines it (as PyTorch's forward). */
  abstract forward(x: Tensor): Tensor;

  /** Sub-modules in declaration order; arrays of modules are numbered (as nn.ModuleList). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) v.forEach((m, i) => out.push([`${k}.${i}`, m]));
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's). */
  protected ownParameters(): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] => e[1] instanceof Tensor && e[1].isParameter);
  }

  /** All parameters with their dotted names, e.g. `0.weight`, as named_parameters(). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownParameters().map(([k, p]) => [prefix + k, p]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Training mode (dropout active); returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off); returns this. */
  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters by name, sharing storage with the module (as state_dict()). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = p.detach();
    return out;
  }

  /**
   * Copy values into the parameters. Every key and shape is checked before anything is
   * written, so a bad dict leaves the module untouched.
   */
  loadStateDict(state: Record<string, StateDictValue>, opts: { strict?: boolean } = {}): void {
    if (state === null || typeof state !== 'object' || Array.isArray(state) || state instanceof Tensor) {
      const got = state === null ? 'null' : Array.isArray(state) ? 'an array' : state instanceof Tensor ? 'a Tensor' : typeof state;
      throw new Error(`loadStateDict: expected an object of parameter name -> values (as stateDict() returns), got ${got}`);
    }
    const strict = opts.strict ?? true;
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !params.has(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing keys ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected keys ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')} (expected ${[...params.keys()].join(', ')})`);
    }
    const updates: [Tensor, Tensor][] = [];
    for (const [name, p] of params) {
      if (!(name in state)) continue;
      const raw = state[name]!;
      let value: Tensor;
      try {
        value = raw instanceof Tensor ? raw : tensor(raw as NestedArray, raw instanceof Float32Array ? { shape: p.shape } : {});
      } catch (err) {
        throw new Error(`loadStateDict: ${name} (expected ${fmt(p.shape)} float32): ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!sameShape(value.shape, p.shape) || value.dtype !== 'float32') {
        throw new Error(`loadStateDict: ${name} has shape ${fmt(value.shape)} ${value.dtype}, expected ${fmt(p.shape)} float32`);
      }
      updates.push([p, value]);
    }
    noGrad(() => {
      for (const [p, v] of updates) p.copy_(v);
    });
  }

  /** A deep copy with its own parameters (as copy.deepcopy). */
  clone(): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    for (const [k, v] of Object.entries(this)) {
      let c: unknown = v;
      if (v instanceof Tensor && v.isParameter) c = Parameter(v);
      else if (v instanceof Module) c = v.clone();
      else if (Array.isArray(v) && v.every((m) => m instanceof Module)) c = v.map((m: Module) => m.clone());
      (copy as Record<string, unknown>)[k] = c;
    }
    return copy;
  }

  /** One line per module, as PyTorch prints a model. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (kids.length === 0) return `${head})`;
    const body = kids.map(([n, m]) => `  (${n}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }

  protected extraRepr(): string {
    return '';
  }
}

// TypeScript checks that subclasses define forward; this fallback gives JavaScript callers
// (or a misspelt method) a clear error instead of "forward is not a function".
(Module.prototype as unknown as { forward: () => never }).forward = function forward(this: Module): never {
  throw new Error(`${this.constructor.name}: this module has no forward(x) method; a Module subclass must define forward(x: Tensor): Tensor`);
};

/** A parameter made straight from host values: no copy, no submit. */
export function parameterFromValues(values: Float32Array, shape: readonly number[]): Tensor {
  const p = tensorFromHost(values, shape, 'float32', true);
  p.isParameter = true;
  return p;
}
