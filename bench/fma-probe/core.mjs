// The probe's work, shared by the Node driver (probe.mjs) and the Chromium page (page/).
import { gen } from './gen.mjs';
export async function runProbe({ sg, mm, device, timeDispatches: gpuTime, replayOf, backend, kernels, choice, variantNames, shapeList, rounds, log }) {
  // In Node (SwiftShader in this process), CPU time per repetition: the work done, far less
  // sensitive than GPU timestamps to other processes on a shared machine.
  const cpu = typeof process !== 'undefined' && process.cpuUsage && process.env.CPU_TIME === '1';
  async function timeDispatches(dev, work, o) {
    if (!cpu) return gpuTime(dev, work, o);
    const reps = Number(process.env.REPS ?? 4);
    const sub = async (n) => { const e = dev.createCommandEncoder(); const p = e.beginComputePass(); for (let i = 0; i < n; i++) work.record(p); p.end(); dev.queue.submit([e.finish()]); await dev.queue.onSubmittedWorkDone(); };
    await sub(1);
    const xs = [];
    for (let s = 0; s < 3; s++) { const c0 = process.cpuUsage(); await sub(reps); const c = process.cpuUsage(c0); xs.push((c.user + c.system) / 1000 / reps); }
    return { ms: [...xs].sort((a, b) => a - b)[1] };
  }
  log('features ' + [...device.features].join(' '));
const opts = { submits: 3, targetMs: 60, maxRepeats: 200 };

// The FMA ceiling kernel of src/backend/webgpu/ceilings.ts (its 'full' size), timed as the variants are.
const FMA_WGSL = `
@group(0) @binding(0) var<storage, read> coef: array<f32>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;
override ITERS: u32 = 64u;
@compute @workgroup_size(64)
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
}`;
const FMA_FLOP = 1024 * 64 * 128 * 8 * 4 * 2;
const coef = device.createBuffer({ size: 8, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
new Float32Array(coef.getMappedRange()).set([0.999, 0.001]); coef.unmap();
const sink = device.createBuffer({ size: 1024 * 64 * 16, usage: GPUBufferUsage.STORAGE });
const fmaPipe = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: FMA_WGSL }), entryPoint: 'fma_loop', constants: { ITERS: 128 } } });
const fmaGroup = device.createBindGroup({ layout: fmaPipe.getBindGroupLayout(0), entries: [coef, sink].map((buffer, binding) => ({ binding, resource: { buffer } })) });
const fmaWork = { kernels: ['fma ceiling'], dispatches: 1, record: (p) => { p.setPipeline(fmaPipe); p.setBindGroup(0, fmaGroup); p.dispatchWorkgroups(1024); } };
const rnd = (n, seed) => { let s = seed; return Float32Array.from({ length: n }, () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; }); };
function buf(data, extra = 0) {
  const b = device.createBuffer({ size: data.byteLength + extra, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  new Float32Array(b.getMappedRange()).set(data);
  b.unmap();
  return b;
}
async function read(b, n) {
  const r = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const e = device.createCommandEncoder(); e.copyBufferToBuffer(b, 0, r, 0, n * 4); device.queue.submit([e.finish()]);
  await r.mapAsync(GPUMapMode.READ); const out = new Float32Array(r.getMappedRange().slice(0)); r.unmap(); r.destroy(); return out;
}
// [name, M, N, K, transA]: transA means A is stored [K, M].
const shapes = shapeList.split(',').map((s) => { const t = s.endsWith('t'); const [M, N, K] = s.replace(/t$/, '').split('x').map(Number); return { name: s, M, N, K, transA: t }; });
for (const sh of shapes) {
  const { M, N, K, transA } = sh;
  const a = rnd(M * K, 1), b = rnd(K * N, 2);
  const ta = sg.tensor(a, { shape: transA ? [K, M] : [M, K] }), tb = sg.tensor(b, { shape: [K, N] });
  const ref = await mm.matmul(ta, tb, { transA }).data();
  const A = buf(a, 64), B = buf(b, 64), C = device.createBuffer({ size: M * N * 4 + 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const works = [];
  for (const v of variantNames) {
    // quad:<rows>:<cols>:<threads>:<minGroups> or reg:<rows>:<cols>:<threads>:<minGroups>: the
    // engine's own kernel under a table that gives every class that choice.
    const e = /^(quad|reg):(\d+):(\d+):(\d+):(\d+)$/.exec(v);
    if (e) {
      const c = e[1] === 'quad' ? { kernel: 'quad', rows: +e[2], cols: +e[3], threads: +e[4], minGroups: +e[5] } : { kernel: 'register', rows: +e[2], cols: +e[3], threads: +e[4], minGroups: +e[5] };
      const before = kernels.matmulTuning();
      kernels.setMatmulTuning(choice.uniformTuning(c, 0, 'probe', 'probe'));
      const out = await mm.matmul(ta, tb, { transA }).data();
      const run = backend.runner.lastRun;
      const names = run.c.kernels.join(' ');
      kernels.setMatmulTuning(before);
      let md = 0; for (let i = 0; i < M * N; i++) md = Math.max(md, Math.abs(out[i] - ref[i]));
      // A new table recompiles the plan (its parameter buffer too): timed under its table each time.
      const time = async () => {
        kernels.setMatmulTuning(choice.uniformTuning(c, 0, 'probe', 'probe'));
        mm.matmul(ta, tb, { transA }); sg.flush(); await backend.sync();
        const t = await timeDispatches(device, replayOf(backend.runner.lastRun, 'probe'), opts);
        kernels.setMatmulTuning(before);
        return t;
      };
      works.push({ v: `${v} [${names}]`, time, md, ms: [] });
      continue;
    }
    const g = gen(v, { M, N, K, transA });
    if (!g) { log(`${v}: does not apply to ${sh.name}`); continue; }
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: g.code });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants: g.constants } });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [A, B, C].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const err = await device.popErrorScope();
    if (err) { const info = await module.getCompilationInfo(); log(v, err.message, info.messages.map((m) => `${m.lineNum}: ${m.message}`).join('\n')); continue; }
    const work = { kernels: [v], dispatches: 1, record: (p) => { p.setPipeline(pipeline); p.setBindGroup(0, group); p.dispatchWorkgroups(...g.grid); } };
    const enc = device.createCommandEncoder(); const p = enc.beginComputePass(); work.record(p); p.end(); device.queue.submit([enc.finish()]);
    const out = await read(C, M * N);
    let md = 0; for (let i = 0; i < M * N; i++) md = Math.max(md, Math.abs(out[i] - ref[i]));
    works.push({ v, work, md, ms: [] });
  }
  const base = [], ceils = [];
  let baseKernels = '';

  for (let r = 0; r < rounds; r++) {
    ceils.push(FMA_FLOP / (await timeDispatches(device, fmaWork, opts)).ms / 1e6);
    mm.matmul(ta, tb, { transA }); sg.flush(); await backend.sync();
    baseKernels = backend.runner.lastRun.c.kernels.join(' ');
    base.push((await timeDispatches(device, replayOf(backend.runner.lastRun, 'probe'), opts)).ms);
    for (const w of works) w.ms.push((w.time ? await w.time() : await timeDispatches(device, w.work, opts)).ms);
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const flop = 2 * M * N * K;
  const ceil = { gflops: med(ceils) };
  log(`FMA ceiling per round ${ceils.map((x) => x.toFixed(2)).join('/')} GFLOP/s`);
  const best = (xs) => Math.min(...xs);
  const cmax = Math.max(...ceils);
  const fmt = (ms) => `med ${med(ms).toFixed(2)} ms ${((100 * flop) / med(ms) / 1e6 / ceil.gflops).toFixed(0)}% | min ${best(ms).toFixed(2)} ms ${(flop / best(ms) / 1e6).toFixed(2)} GF/s ${((100 * flop) / best(ms) / 1e6 / cmax).toFixed(0)}% of best ceiling`;
  log(`${sh.name}: engine [${baseKernels}] ${fmt(base)} [${base.map((x) => x.toFixed(1)).join('/')}]`);
  for (const w of works) log(`  ${w.v}: ${fmt(w.ms)} x${(med(base) / med(w.ms)).toFixed(2)} (min x${(best(base) / best(w.ms)).toFixed(2)}) maxdiff ${w.md.toExponential(1)} [${w.ms.map((x) => x.toFixed(1)).join('/')}]`);
  for (const x of [A, B, C]) x.destroy();
}
}
