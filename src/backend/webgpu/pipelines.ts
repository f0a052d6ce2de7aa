// Shader modules and compute pipelines: one module per kernel family, one pipeline per
// (family, kernel, override constants), its bind group layout built from what the WGSL
// declares (reflected) and checked against what the op's rule binds. A family's text can be
// replaced at run time (the workbench): its pipelines are then made again from the new text.
import type { GpuDispatch } from '../../ops/define.ts';
import { writesBinding } from '../../ops/define.ts';
import { exactKey } from '../../graph/plan.ts';
import type { BackendStats } from '../backend.ts';
import type { FamilyCompile } from '../tooling.ts';
import { entryBindings } from './bindings.ts';
import type { DeviceHealth } from './health.ts';
import { PRELUDE_LINES, familySource, fileSource, replaceShaderSource, shaderSource, withPrelude } from './shaders.ts';

const STAGE_COMPUTE = 0x4;

/** A pipeline, its bind group layout, and what it was made from (to make it again). */
export interface PipelineEntry {
  /** null while it is being made (see Pipelines.get). */
  pipeline: GPUComputePipeline | null;
  layout: GPUBindGroupLayout;
  /**
   * Bindings (by number) whose offset is given at setBindGroup (hasDynamicOffset): a view
   * bound there at a new offset each step (a narrow with a moving start) reuses one bind group.
   */
  dynamic: ReadonlySet<number>;
  kernel: string;
  constants: Record<string, number>;
}

export class Pipelines {
  private readonly pipelines = new Map<string, PipelineEntry>();
  private readonly modules = new Map<string, GPUShaderModule>();
  /** Pipelines being made, by key: settle when made. */
  private readonly making = new Map<string, Promise<void>>();
  /** Family texts replaced at run time: each bumps it, and plans compile again. */
  edits = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly stats: BackendStats,
    private readonly health: DeviceHealth,
    /** createComputePipelineAsync, or createComputePipeline inside an error scope (Node's Dawn: AcquiredDevice.asyncPipelines). */
    private readonly async = true,
  ) {}

  /**
   * A pipeline per (family, kernel, constants), with its layout built from the WGSL. In a
   * browser a new one is made with createComputePipelineAsync, so the pipelines a plan asks
   * for at once compile in parallel (off the page's thread); in Node, at once, its validation
   * in an error scope. Either way `ready` settles when it is made (and its errors known), and
   * until then `entry.pipeline` is null; a second ask meanwhile shares that promise.
   */
  get(d: GpuDispatch, kernel: string, writes: readonly number[]): { entry: PipelineEntry; ready: Promise<void> | null } {
    const declared = entryBindings(d.family, d.kernel);
    checkBindings(kernel, d, declared, writes);
    const key = `${d.family}.${d.kernel}${exactKey(d.constants ?? {})}`;
    const known = this.pipelines.get(key);
    if (known) return { entry: known, ready: known.pipeline ? null : this.making.get(key)! };
    const module = this.module(d.family);
    const dynamic = dynamicBindings(declared, this.device.limits.maxDynamicStorageBuffersPerPipelineLayout);
    const layout = this.device.createBindGroupLayout({
      label: kernel,
      entries: declared.map((b) => ({
        binding: b.binding,
        visibility: STAGE_COMPUTE,
        buffer: { type: b.access === 'read_write' ? 'storage' : 'read-only-storage', hasDynamicOffset: dynamic.has(b.binding) } as GPUBufferBindingLayout,
      })),
    });
    const entry: PipelineEntry = { pipeline: null, layout, dynamic, kernel: d.kernel, constants: d.constants ?? {} };
    const desc: GPUComputePipelineDescriptor = {
      label: kernel,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: d.kernel, constants: d.constants ?? {} },
    };
    const ready = this.make(desc)
      .then(
        (pipeline) => {
          entry.pipeline = pipeline;
        },
        (err: Error) => {
          const e = new Error(`webgpu: creating the pipeline for ${kernel}: ${err.message}`);
          this.health.report(e);
          throw e;
        },
      )
      .finally(() => this.making.delete(key));
    ready.catch(() => {});
    this.stats.pipelines++;
    this.pipelines.set(key, entry);
    this.making.set(key, ready);
    return { entry, ready };
  }

  /** A pipeline, or a GPUPipelineError-like rejection naming what went wrong. */
  private make(desc: GPUComputePipelineDescriptor): Promise<GPUComputePipeline> {
    if (this.async) return this.device.createComputePipelineAsync(desc);
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline(desc);
    return this.device.popErrorScope().then((err) => {
      if (err) throw new Error(err.message);
      return pipeline;
    });
  }

  private module(family: string): GPUShaderModule {
    let m = this.modules.get(family);
    if (m) return m;
    m = this.device.createShaderModule({ label: `shaders/${family}.wgsl`, code: shaderSource(family) });
    // Compiler messages point into shaders/<family>.wgsl (the common prelude is prepended).
    this.health.track(
      m.getCompilationInfo().then((info) => {
        const errors = info.messages.filter((msg) => msg.type === 'error');
        if (errors.length === 0) return;
        const lines = errors.map(familyMessage).map((m) => `shaders/${family}.wgsl:${m.line}:${m.column}: ${m.message}`);
        this.health.report(new Error(`webgpu: compiling shaders/${family}.wgsl failed:\n${lines.join('\n')}`));
      }),
    );
    this.modules.set(family, m);
    return m;
  }

  /** The WGSL of a family: its own text, or with the prelude as it is compiled. */
  familySource(family: string, opts: { withPrelude?: boolean } = {}): string {
    return opts.withPrelude ? shaderSource(family) : familySource(family);
  }

  /**
   * Replace family `family` with `wgsl` (its own text, without the prelude) for every later
   * run, or with null restore the file's. The text is compiled first, and the pipelines
   * already made from the family are made again from it: on a compiler error (lines counted
   * in `wgsl`) or a pipeline error, nothing changes and the old text keeps running.
   */
  async setFamilySource(family: string, wgsl: string | null): Promise<FamilyCompile> {
    this.health.check('setFamilySource');
    familySource(family); // an unknown family is an error that names it
    const code = withPrelude(wgsl ?? fileSource(family));
    // In an error scope of its own: a text that does not compile is this call's answer, not
    // an error of the device that the next run would report.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: `shaders/${family}.wgsl (edited)`, code });
    const [info] = await Promise.all([module.getCompilationInfo(), this.device.popErrorScope()]);
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      return { ok: false, messages: errors.map(familyMessage) };
    }
    // Make the family's pipelines again from the new module, inside an error scope.
    const remade = new Map<string, PipelineEntry>();
    this.device.pushErrorScope('validation');
    for (const [key, old] of this.pipelines) {
      if (!key.startsWith(`${family}.`)) continue;
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [old.layout] });
      const pipeline = this.device.createComputePipeline({ label: key, layout, compute: { module, entryPoint: old.kernel, constants: old.constants } });
      remade.set(key, { ...old, pipeline });
    }
    const failed = await this.device.popErrorScope();
    if (failed) return { ok: false, messages: [{ line: 0, column: 0, message: `making the pipelines of shaders/${family}.wgsl: ${failed.message}` }] };
    replaceShaderSource(family, wgsl);
    this.modules.set(family, module);
    for (const [key, p] of remade) this.pipelines.set(key, p);
    this.edits++;
    return { ok: true, messages: info.messages.filter((m) => m.type !== 'error').map(familyMessage) };
  }
}

/** A compiler message, its line counted in the family's own text (after the prelude). */
function familyMessage(m: GPUCompilationMessage): { line: number; column: number; message: string } {
  return { line: m.lineNum - PRELUDE_LINES, column: m.linePos, message: m.message };
}

/**
 * Which bindings take a dynamic offset, as many as the device allows: the tensors a kernel
 * reads first (views of a batch are inputs), then those it writes. Not binding 0, the
 * parameter block, which each dispatch binds at its own fixed place.
 */
export function dynamicBindings(declared: readonly { binding: number; access: string }[], max: number): Set<number> {
  const rest = declared.filter((b) => b.binding > 0);
  const order = [...rest.filter((b) => b.access !== 'read_write'), ...rest.filter((b) => b.access === 'read_write')];
  return new Set(order.slice(0, Math.max(0, max)).map((b) => b.binding));
}

/** The TypeScript side must bind exactly what the entry point declares, with matching access. */
export function checkBindings(kernel: string, d: GpuDispatch, declared: { binding: number; access: string; name: string }[], writes: readonly number[]): void {
  const expected = [{ binding: 0, access: 'read' }, ...d.bind.map((b, i) => ({ binding: i + 1, access: writesBinding(b, writes) ? 'read_write' : 'read' }))];
  const got = declared.map((b) => `${b.binding}:${b.access}`).join(' ');
  const want = expected.map((b) => `${b.binding}:${b.access}`).join(' ');
  if (got !== want) throw new Error(`webgpu: ${kernel} binds [${want}] but the shader declares [${got}] (${declared.map((b) => b.name).join(', ')})`);
}
