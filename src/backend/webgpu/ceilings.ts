// The adapter's own ceilings, measured with two micro-kernels (not engine kernels, so they
// live here rather than in shaders/), timed as the engine's kernels are (replay.ts): a copy
// for memory bandwidth and an FMA loop for arithmetic. A kernel's figure is then read as a
// share of what this adapter was seen to do, not of a datasheet number.
import type { CeilingSizes, Ceilings, TimeKernelsOptions } from '../tooling.ts';
import { timeDispatches } from './replay.ts';
import type { Recordable } from './replay.ts';
import { USAGE } from './storage.ts';

// vec4 loads and stores, one per thread: the widest access WGSL has, so the copy is limited
// by memory, not by instruction issue.
const COPY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < arrayLength(&dst)) { dst[i] = src[i]; }
}
`;

// Eight independent vec4 chains per thread (32 fma in flight), so the loop is bound by FMA
// throughput, not by one chain's latency. a and b come from a buffer so the compiler cannot
// fold the chains; x -> a x + b with a < 1 stays bounded (no inf, no subnormal slow paths).
// The sum is stored so the work is not dead.
const FMA_CHAINS = 8;
const FMA_WG = 64;
const FMA_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> coef: array<f32>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;
override ITERS: u32 = 64u;

@compute @workgroup_size(${FMA_WG})
fn fma_loop(@builtin(global_invocation_id) gid: vec3<u32>) {
  let a = vec4<f32>(coef[0]);
  let b = vec4<f32>(coef[1]);
  let s = f32(gid.x) * 1e-6;
  var x0 = vec4<f32>(s, s + 0.1, s + 0.2, s + 0.3);
  var x1 = x0 + 1.0; var x2 = x0 + 2.0; var x3 = x0 + 3.0;
  var x4 = x0 + 4.0; var x5 = x0 + 5.0; var x6 = x0 + 6.0; var x7 = x0 + 7.0;
  for (var i = 0u; i < ITERS; i++) {
    x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b); x3 = fma(x3, a, b);
    x4 = fma(x4, a, b); x5 = fma(x5, a, b); x6 = fma(x6, a, b); x7 = fma(x7, a, b);
  }
  sink[gid.x] = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
}
`;

export async function measureCeilings(device: GPUDevice, sizes: CeilingSizes, opts: TimeKernelsOptions): Promise<Ceilings> {
  const bytes = Math.min(sizes.copyBytes, device.limits.maxStorageBufferBindingSize) & ~15;
  const src = device.createBuffer({ size: bytes, usage: USAGE.STORAGE, label: 'ceiling copy src' });
  const dst = device.createBuffer({ size: bytes, usage: USAGE.STORAGE, label: 'ceiling copy dst' });
  const threads = sizes.fmaWorkgroups * FMA_WG;
  const coef = device.createBuffer({ size: 8, usage: USAGE.STORAGE, mappedAtCreation: true, label: 'ceiling fma coefficients' });
  new Float32Array(coef.getMappedRange()).set([0.999, 0.001]);
  coef.unmap();
  const sink = device.createBuffer({ size: threads * 16, usage: USAGE.STORAGE, label: 'ceiling fma sink' });
  try {
    const vec4s = bytes / 16;
    const groups = Math.ceil(vec4s / 256);
    const copy = await kernel(device, COPY_WGSL, 'copy', {}, [src, dst], groups <= 65535 ? [groups, 1, 1] : [65535, Math.ceil(groups / 65535), 1]);
    const fma = await kernel(device, FMA_WGSL, 'fma_loop', { ITERS: sizes.fmaIters }, [coef, sink], [sizes.fmaWorkgroups, 1, 1]);
    const c = await timeDispatches(device, copy, opts);
    const f = await timeDispatches(device, fma, opts);
    const flop = threads * sizes.fmaIters * FMA_CHAINS * 4 * 2;
    return {
      bandwidthGBs: (2 * bytes) / (c.ms * 1e6),
      gflops: flop / (f.ms * 1e6),
      copyBytes: 2 * bytes,
      fmaFlop: flop,
      copyMethod: c.method,
      fmaMethod: f.method,
    };
  } finally {
    for (const b of [src, dst, coef, sink]) b.destroy();
  }
}

/** One pipeline and bind group, as a Recordable; compilation errors are thrown with the shader's messages. */
async function kernel(device: GPUDevice, code: string, entry: string, constants: Record<string, number>, buffers: GPUBuffer[], workgroups: [number, number, number]): Promise<Recordable> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label: `ceiling ${entry}` });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: entry, constants }, label: `ceiling ${entry}` });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const err = await device.popErrorScope();
  if (err) {
    const info = await module.getCompilationInfo();
    throw new Error(`measureCeilings: the ceiling kernel ${entry}: ${err.message}\n${info.messages.map((m) => `${m.lineNum}:${m.linePos}: ${m.message}`).join('\n')}`);
  }
  return {
    kernels: [`ceiling (${entry})`],
    dispatches: 1,
    record: (pass: GPUComputePassEncoder) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroups);
    },
  };
}
