// Every op, by name. Tests walk this table: an op cannot exist without a gradient check
// and (with the WebGPU backend) a GPU-vs-CPU check.
import type { OpDef } from './define.ts';
import * as ew from './elementwise.ts';
import * as un from './unary.ts';
import * as pw from './pow.ts';
import * as red from './reduce.ts';
import * as lay from './layout.ts';
import * as fill from './fill.ts';
import * as mm from './matmul.ts';
import * as sm from './softmax.ts';
import * as loss from './loss.ts';
import * as drop from './dropout.ts';
import * as upd from './update.ts';
import * as fused from './fused.ts';

export const registry = {
  matmul: mm.matmulDef,
  linear: mm.linearDef,
  add: ew.addDef,
  sub: ew.subDef,
  mul: ew.mulDef,
  div: ew.divDef,
  pow: pw.powDef,
  eq: ew.eqDef,
  gt: ew.gtDef,
  lt: ew.ltDef,
  where: ew.whereDef,
  cast: ew.castDef,
  neg: un.negDef,
  exp: un.expDef,
  log: un.logDef,
  square: un.squareDef,
  abs: un.absDef,
  sqrt: un.sqrtDef,
  sin: un.sinDef,
  cos: un.cosDef,
  sign: un.signDef,
  sigmoid: un.sigmoidDef,
  tanh: un.tanhDef,
  relu: un.reluDef,
  leakyRelu: un.leakyReluDef,
  sigmoidBackward: un.sigmoidBackwardDef,
  tanhBackward: un.tanhBackwardDef,
  reluBackward: un.reluBackwardDef,
  leakyReluBackward: un.leakyReluBackwardDef,
  sum: red.sumDef,
  mean: red.meanDef,
  broadcastTo: red.broadcastToDef,
  argmax: red.argmaxDef,
  softmax: sm.softmaxDef,
  logSoftmax: sm.logSoftmaxDef,
  softmaxCrossEntropy: loss.softmaxCrossEntropyDef,
  softmaxCrossEntropyBackward: loss.softmaxCrossEntropyBackwardDef,
  binaryCrossEntropy: loss.binaryCrossEntropyDef,
  binaryCrossEntropyBackward: loss.binaryCrossEntropyBackwardDef,
  bceWithLogits: loss.bceWithLogitsDef,
  bceWithLogitsBackward: loss.bceWithLogitsBackwardDef,
  mseLoss: loss.mseLossDef,
  dropout: drop.dropoutDef,
  dropoutBackward: drop.dropoutBackwardDef,
  reshape: lay.reshapeDef,
  copy: lay.copyDef,
  detach: lay.detachDef,
  transpose: lay.transposeDef,
  cat: lay.catDef,
  narrow: lay.narrowDef,
  indexSelect: lay.indexSelectDef,
  indexSelectBackward: lay.indexSelectBackwardDef,
  full: fill.fullDef,
  arange: fill.arangeDef,
  linspace: fill.linspaceDef,
  assign: upd.assignDef,
  assignRange: upd.assignRangeDef,
  sgdMulti: upd.sgdMultiDef,
  adamMulti: upd.adamMultiDef,
  linearPre: fused.linearPreDef,
  matmulActBackward: fused.matmulActBackwardDef,
  linearParamGrad: fused.linearParamGradDef,
  softmaxCrossEntropyFused: fused.softmaxCrossEntropyFusedDef,
  historyWrite: upd.historyWriteDef,
} satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof registry;
