// The functions of a tensor in the public API, one name each: src/index.ts exports this
// module whole (`exp(x)`, `add(a, b)`, `sum(x, 1)`), and tensor.ts makes each a Tensor
// method that passes the tensor first (`x.exp()`, `a.add(b)`, `x.sum(1)`), typed from the
// function's own signature. The unary ops come whole from src/ops/unary-ops.ts, each export
// of which is a public function that comes with its definition: a new unary op needs no line
// here. An op of another kind names its function here once (README, "Adding an op");
// tests/unit/tensor-api.test.ts checks the export and the method agree.
export * from './unary-ops.ts';
export { add, sub, mul, div, pow, eq, gt, lt } from './elementwise.ts';
export { matmul } from './matmul.ts';
export { sum, mean, argmax, broadcastTo } from './reduce.ts';
export { softmax, logSoftmax } from './softmax.ts';
export { transpose, narrow, squeeze, unsqueeze, indexSelect } from './layout.ts';
