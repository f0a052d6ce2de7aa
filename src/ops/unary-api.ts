// The one-argument functions of the public API, one name each: src/index.ts exports this
// module whole (`exp(x)`), and tensor.ts makes each a Tensor method (`x.exp()`). So a new
// unary op is its definition and function in unary.ts, its name here, its WGSL case and
// its test cases (README, "Adding an op").
export { neg, exp, log, square, abs, sqrt, sin, cos, sigmoid, tanh, relu } from './unary.ts';
