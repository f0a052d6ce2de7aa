// The WebGPU backend: a plan is compiled once into pipelines, plan-owned buffers, a
// parameter buffer and cached bind groups; each run is one command buffer and one submit,
// with any readback staged in it. This class only puts the parts together: storage.ts
// (memory), pipelines.ts (modules, pipelines, family edits), compile.ts and run.ts (plans),
// timing.ts (timestamps), inspect.ts, replay.ts and ceilings.ts (what the tools ask).
import type { DType, Storage } from '../../graph/ir.ts';
import type { Plan } from '../../graph/plan.ts';
import type { MatmulTuning } from '../../ops/matmul-choice.ts';
import type { Backend, BackendStats, ExecuteResult, HostArray, StageRef } from '../backend.ts';
import { emptyStats } from '../backend.ts';
import type { AdapterIdentity, CeilingSizes, Ceilings, FamilyCompile, KernelTiming, KernelTools, RunDescription, TimeKernelsOptions } from '../tooling.ts';
import { offerTools } from '../tooling.ts';
import { measureCeilings } from './ceilings.ts';
import { PlanCompiler } from './compile.ts';
import { QueueGate } from './gate.ts';
import { DeviceHealth } from './health.ts';
import { describeRun } from './inspect.ts';
import { Pipelines } from './pipelines.ts';
import { replayOf, timeDispatches } from './replay.ts';
import { PlanRunner } from './run.ts';
import { GpuStorage, spanOf } from './storage.ts';
import { Timestamps } from './timing.ts';
import { tuningFor } from './tuning.ts';

export { GpuSlice } from './storage.ts';

export class WebGpuBackend implements Backend, KernelTools {
  readonly name = 'webgpu' as const;
  readonly precision = 'float32' as const;
  readonly stats: BackendStats = emptyStats();
  readonly maxTensorBytes: { bytes: number; source: string };
  readonly storageBuffersPerStage: number;
  /** Errors the device reports later (its loss among them): public for the tests, which stand in for a browser's loss. */
  readonly health: DeviceHealth;
  private readonly gate: QueueGate;
  private readonly storage: GpuStorage;
  private readonly pipelines: Pipelines;
  private readonly compiler: PlanCompiler;
  private readonly timestamps: Timestamps;
  private readonly runner: PlanRunner;

  constructor(
    /** The engine's own: the public API never hands it out (user code could destroy it). */
    readonly device: GPUDevice,
    readonly description: string,
    readonly adapterInfo: AdapterIdentity = { vendor: '', architecture: '', device: '', description },
    /** Make pipelines with createComputePipelineAsync (AcquiredDevice.asyncPipelines). */
    asyncPipelines = true,
  ) {
    // A tensor is one buffer, bound whole as storage: both limits apply.
    const { maxBufferSize, maxStorageBufferBindingSize } = device.limits;
    this.maxTensorBytes =
      maxStorageBufferBindingSize <= maxBufferSize
        ? { bytes: maxStorageBufferBindingSize, source: `the adapter's maxStorageBufferBindingSize is ${maxStorageBufferBindingSize} bytes` }
        : { bytes: maxBufferSize, source: `the adapter's maxBufferSize is ${maxBufferSize} bytes` };
    this.storageBuffersPerStage = device.limits.maxStorageBuffersPerShaderStage;
    this.health = new DeviceHealth(device);
    this.gate = new QueueGate(this.health);
    this.storage = new GpuStorage(device, this.stats, this.health, this.gate);
    this.pipelines = new Pipelines(device, this.stats, this.health, asyncPipelines);
    this.compiler = new PlanCompiler(device, this.storage, this.pipelines, tuningFor(description));
    this.timestamps = new Timestamps(device, this.storage);
    this.runner = new PlanRunner(device, this.stats, this.health, this.storage, this.compiler, this.timestamps);
    offerTools(this, this);
  }

  // ---- Backend ---------------------------------------------------------------------------

  upload(data: ArrayLike<number>, dtype: DType): Storage {
    return this.storage.upload(data, dtype);
  }

  write(storage: Storage, data: ArrayLike<number>, dtype: DType): void {
    this.storage.write(storage, data, dtype);
  }

  view(storage: Storage, offset: number, size: number): Storage {
    return this.storage.view(storage, offset, size);
  }

  release(storage: Storage): void {
    this.storage.release(storage);
  }

  refused(storage: Storage): boolean {
    return this.storage.isRefused(spanOf(storage).buffer);
  }

  arena(parts: { storage: Storage; offset: number; size: number }[], size: number): Storage {
    return this.storage.arena(parts, size);
  }

  clone(storage: Storage, _dtype: DType, size: number): Storage {
    return this.storage.clone(storage, size);
  }

  read(storage: Storage, dtype: DType, size: number): Promise<HostArray> {
    return this.storage.read(storage, dtype, size);
  }

  execute(plan: Plan, externals: Storage[], scalars: (readonly number[])[], set: number, stage: StageRef[]): ExecuteResult {
    return this.runner.execute(plan, externals, scalars, set, stage);
  }

  /** Wait until the device has finished everything submitted (benchmarks). */
  async sync(): Promise<void> {
    await this.gate.drained();
    await this.device.queue.onSubmittedWorkDone();
    this.health.check('sync');
  }

  destroy(): void {
    this.device.destroy();
  }

  // ---- KernelTools (src/backend/tooling.ts) -----------------------------------------------

  startTimer(): boolean {
    return this.timestamps.startTimer();
  }

  async stopTimer(): Promise<number> {
    // Runs held for their pipelines add their timestamps when they reach the queue.
    await this.gate.drained();
    return this.timestamps.stopTimer();
  }

  inspect(on: boolean): boolean {
    return this.timestamps.inspect(on);
  }

  async describeLastRun(): Promise<RunDescription | null> {
    await this.gate.drained();
    return this.runner.lastRun ? describeRun(this.runner.lastRun) : null;
  }

  familySource(family: string, opts: { withPrelude?: boolean } = {}): string {
    return this.pipelines.familySource(family, opts);
  }

  setFamilySource(family: string, wgsl: string | null): Promise<FamilyCompile> {
    return this.pipelines.setFamilySource(family, wgsl);
  }

  async timeLastRun(opts: TimeKernelsOptions): Promise<KernelTiming> {
    await this.gate.drained();
    const work = replayOf(this.runner.lastRun, 'timeKernels');
    if (work.dispatches === 0) throw new Error(`timeKernels: build() ran no kernel, only views of memory [${work.kernels.join(', ')}]`);
    return timeDispatches(this.device, work, opts);
  }

  async measureCeilings(sizes: CeilingSizes, opts: TimeKernelsOptions): Promise<Ceilings> {
    await this.gate.drained();
    return measureCeilings(this.device, sizes, opts);
  }

  get tuning(): MatmulTuning {
    return this.compiler.tuning;
  }

  setTuning(t: MatmulTuning): void {
    this.compiler.setTuning(t);
  }
}
