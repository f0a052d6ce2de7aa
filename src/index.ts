// The public API, re-exported; nothing else lives here.
export { Tensor } from './tensor.ts';
export type { NestedArray } from './tensor.ts';
export { tensor, rand, randn, randint, randperm } from './creation.ts';
export type { TensorOptions } from './creation.ts';
export { full, zeros, ones, zerosLike, onesLike, arange, linspace } from './ops/fill.ts';
export { add, sub, mul, div, pow, eq, gt, lt, where, cast } from './ops/elementwise.ts';
export { neg, exp, log, square, abs, sqrt, sin, cos, sigmoid, tanh, relu, leakyRelu } from './ops/unary.ts';
export { sum, mean, argmax, broadcastTo } from './ops/reduce.ts';
export { matmul } from './ops/matmul.ts';
export { softmax, logSoftmax } from './ops/softmax.ts';
export { reshape, transpose, cat, stack, narrow, squeeze, unsqueeze, indexSelect } from './ops/layout.ts';
export { setBackend, backendStats, noGrad, flush } from './runtime.ts';
export type { BackendInfo, SetBackendOptions } from './runtime.ts';
export type { BackendStats, BackendName } from './backend/backend.ts';
export { manualSeed, initialSeed } from './generator.ts';
export { RandomState } from './random.ts';
export type { DType } from './graph/ir.ts';
