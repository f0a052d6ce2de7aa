export { Module, Parameter } from './module.ts';
export type { StateDictValue } from './module.ts';
export { Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Dropout, Identity, Sequential } from './layers.ts';
