// The public API, re-exported; nothing else lives here. install.ts first: it connects the
// layers (the Tensor class, its methods, the engine's fusion pass) before anything is used.
import './install.ts';
export { Tensor } from './tensor.ts';
export type { NestedArray } from './tensor.ts';
export { tensor, rand, randn, randint, randperm } from './creation.ts';
export type { TensorOptions } from './creation.ts';
export { full, zeros, ones, zerosLike, onesLike, arange, linspace } from './ops/fill.ts';
// The functions of a tensor, each also a Tensor method (src/ops/api.ts).
export * from './ops/api.ts';
export { where, cast } from './ops/elementwise.ts';
// Every op of the engine with the inputs it takes (its samples), for tools that run ops by name.
export { listOps } from './ops/registry.ts';
export type { OpInfo, OpName } from './ops/registry.ts';
export type { OpSamples, SampleCall, SampleInput, Domain as SampleDomain } from './ops/samples.ts';
export { reshape, cat, stack } from './ops/layout.ts';
export { setBackend, backendStats, flush } from './engine/executor.ts';
export { noGrad } from './engine/recorder.ts';
export type { BackendInfo, SetBackendOptions } from './engine/backend.ts';
export type { BackendStats, BackendName } from './backend/backend.ts';
// Tooling (src/tools/): the engine panel, the workbench and the benchmarks are built on these.
export { inspectRuns, describeLastRun, familySource, setFamilySource, kernelSource, setKernelSource } from './tools/kernels.ts';
export { gpuTimeMs, timeKernels, measureCeilings } from './tools/timing.ts';
export type { MeasureCeilingsOptions } from './tools/timing.ts';
export { runOp, describeOp } from './tools/run-op.ts';
export type { OpDescription } from './tools/run-op.ts';
export { checkNextRun } from './tools/check.ts';
// Kernel-choice tables: measure this adapter's (tune), install one (useTuning), ask which runs.
export { tune, QUICK_CLASSES } from './tools/tune.ts';
export type { TuneOptions, TuneProgress, TuneResult, TuneClassResult, TuneEntry } from './tools/tune.ts';
export { useTuning, activeTuning, serializeTuning, parseTuning, tuningMismatch, ENGINE_VERSION } from './tools/tuning-table.ts';
export type { TuningTable, TuningOrigin, ActiveTuning, UseTuningOptions } from './tools/tuning-table.ts';
export type { SizeClass, ClassChoice } from './ops/matmul-choice.ts';
export type { AdapterIdentity } from './backend/tooling.ts';
export type { RunCheck, CheckedValue } from './tools/check.ts';
export type { RunDescription, DispatchDescription, FamilyCompile, KernelTiming, KernelTimingMethod, TimeKernelsOptions, Ceilings, CeilingSizes } from './backend/tooling.ts';
/** @deprecated renamed FamilyCompile; kept for one release. */
export type KernelCompile = import('./backend/tooling.ts').FamilyCompile;
export { manualSeed, initialSeed, generatorKind, getRngState, setRngState } from './generator.ts';
export type { GeneratorKind, ManualSeedOptions, RngState } from './generator.ts';
export { RandomState } from './numpy-random.ts';
export { runSteps } from './loop.ts';
export type { RunStepsOptions, StepScalars } from './loop.ts';
export type { DType } from './graph/ir.ts';
export * as nn from './nn/index.ts';
// Models in and out as safetensors files (PyTorch's format), on Uint8Array: no fs inside.
export { saveSafetensors, loadSafetensors, readSafetensors, encodeSafetensors } from './nn/safetensors.ts';
export type { SafetensorsContents, SafetensorsTensor, SafetensorsDtype } from './nn/safetensors.ts';
export * as F from './nn/functional.ts';
export * as optim from './optim/index.ts';
// A training run that outlives a lost GPU device: host checkpoints, and telling the loss from other errors.
export { Checkpoint } from './checkpoint.ts';
export type { CheckpointParts, CheckpointOptions } from './checkpoint.ts';
export { isDeviceLost } from './engine/backend.ts';
export * as init from './init.ts';
export * as data from './data/index.ts';
