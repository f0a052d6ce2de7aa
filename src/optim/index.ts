export { Optimizer } from './optimizer.ts';
export type { ArenaState, OptimizerState, ParamGroup } from './optimizer.ts';
export { SGD } from './sgd.ts';
export type { SGDOptions } from './sgd.ts';
export { Adam } from './adam.ts';
export type { AdamOptions } from './adam.ts';
