// Hands each layer what it may not import: the layers import downward only (README,
// "Layers"), so the pieces a lower layer calls at run time but that live above it are
// installed here, once, when the library loads (src/index.ts imports this first):
// - the recorder (src/engine/) gets the Tensor class and the two ops it inserts itself;
// - the executor gets the fusion pass, which names concrete ops (src/passes/fuse.ts);
// - Tensor (src/tensor.ts) gets the ops its own methods record, backward()'s, and its API
//   methods: each function of src/ops/api.ts as a method that passes the tensor first.
import { Tensor, installTensorOps, tensorClass } from './tensor.ts';
import { installRecorder } from './engine/recorder.ts';
import { installFusion } from './engine/executor.ts';
import { fuse } from './passes/fuse.ts';
import * as api from './ops/api.ts';
import { add, cast, div, mul, sub } from './ops/elementwise.ts';
import { constant, full } from './ops/fill.ts';
import { copy, copyDef, detach, reshape, transpose } from './ops/layout.ts';
import { broadcastTo } from './ops/reduce.ts';
import { assignDef, assignRangeDef } from './ops/update.ts';
import { extraOutputOp } from './ops/fused.ts';

installRecorder({ tensors: tensorClass, copy: copyDef, extraOutput: extraOutputOp });
installFusion(fuse);
installTensorOps({
  add,
  sub,
  mul,
  div,
  full,
  cast,
  broadcastTo,
  reshape,
  transpose,
  detach,
  copy,
  constant,
  assign: assignDef,
  assignRange: assignRangeDef,
  grad: api,
});

for (const [name, fn] of Object.entries(api) as [string, (x: Tensor, ...rest: unknown[]) => Tensor][]) {
  Object.defineProperty(Tensor.prototype, name, {
    value(this: Tensor, ...rest: unknown[]): Tensor {
      return fn(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
