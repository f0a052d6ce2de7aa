// The data namespace: loaders for the standard IDX files, and the shuffled epoch order.
export * from './idx.ts';
export { shuffledIndices } from './sampler.ts';
