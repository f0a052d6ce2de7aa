// WGSL templates for the probe. Name: <kind>_r<RS>_c<CJ>_w<WG>[_u<UK>]
//   kind sg: a 4-lane subgroup computes RS rows x 16 CJ columns; lane l owns the columns
//     c0 + 16 j + 4 l .. + 3 (vec4 accumulators, RS x CJ of them), so its B loads are its own;
//     op(A)'s 4x4 tiles (rows x k) are loaded one vec4 per lane and shared by subgroupBroadcast.
//   kind ln: the same layout without subgroups: every lane loads all RS rows of A itself.
// UK: k steps of 4 per loop iteration (unrolled).
import { genSS } from './gen-ss.mjs';
export function gen(name, { M, N, K, transA }) {
  if (name.startsWith('ss_')) return genSS(name, { M, N, K, transA });
  const m = /^(sg|ln)_r(\d+)_c(\d+)_w(\d+)(?:_u(\d+))?$/.exec(name);
  if (!m) throw new Error(`bad variant ${name}`);
  const [, kind, rs, cj, wg, uk] = m;
  const RS = +rs, CJ = +cj, WG = +wg, UK = +(uk ?? 1);
  const CS = 16 * CJ;
  if (M % RS || N % CS || K % (4 * UK) || M % 4) return null;
  const blocks = (M / RS) * (N / CS);
  const threads = blocks * 4;
  if (threads % WG) return null;
  const L = [];
  if (kind === 'sg') L.push('enable subgroups;');
  L.push(`override M: u32 = 1u;\noverride N: u32 = 1u;\noverride K: u32 = 1u;`);
  L.push(`@group(0) @binding(0) var<storage, read> A4: array<vec4<f32>>;\n@group(0) @binding(1) var<storage, read> B4: array<vec4<f32>>;\n@group(0) @binding(2) var<storage, read_write> C4: array<vec4<f32>>;`);
  L.push(`@compute @workgroup_size(${WG})\nfn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>${kind === 'sg' ? ', @builtin(subgroup_invocation_id) lane: u32' : ''}) {`);
  if (kind !== 'sg') L.push('  let lane = li % 4u;');
  L.push(`  let blk = wid.x * ${WG / 4}u + li / 4u;`);
  L.push(`  let r0 = (blk / ${N / CS}u) * ${RS}u;`);
  L.push(`  let c0 = (blk % ${N / CS}u) * ${CS}u + 4u * lane;`);
  for (let i = 0; i < RS; i++) for (let j = 0; j < CJ; j++) L.push(`  var acc${i}_${j} = vec4<f32>(0.0);`);
  // Running vec4 indices.
  if (kind === 'sg') {
    // lane's A vec4 for tile q: non-trans row r0 + 4q + lane at k; trans k + lane at rows r0 + 4q.
    L.push(transA ? `  var pa = ((lane) * M + r0) / 4u;` : `  var pa = ((r0 + lane) * K) / 4u;`);
  } else {
    L.push(transA ? `  var pa = r0 / 4u;` : `  var pa = (r0 * K) / 4u;`);
  }
  L.push(`  var pb = c0 / 4u;`);
  L.push(`  for (var k = 0u; k < K; k += ${4 * UK}u) {`);
  const S = (s) => L.push(`    ${s}`);
  // UK steps of 4 k: every load first (names suffixed by the step), then one fma chain of
  // 4 UK per accumulator and one store.
  for (let u = 0; u < UK; u++) {
    for (let kk = 0; kk < 4; kk++) for (let j = 0; j < CJ; j++) S(`let b${u}_${kk}_${j} = B4[pb + ${4 * u + kk}u * (N / 4u) + ${4 * j}u];`);
    if (kind === 'sg') {
      for (let q = 0; q < RS / 4; q++) S(transA ? `let a${u}_${q} = A4[pa + ${q}u + ${4 * u}u * (M / 4u)];` : `let a${u}_${q} = A4[pa + ${q}u * K + ${u}u];`);
      for (let q = 0; q < RS / 4; q++) for (let mm = 0; mm < 4; mm++) S(`let s${u}_${q}_${mm} = subgroupBroadcast(a${u}_${q}, ${mm}u);`);
    } else if (transA) {
      for (let kk = 0; kk < 4; kk++) for (let q = 0; q < RS / 4; q++) S(`let t${u}_${kk}_${q} = A4[pa + ${4 * u + kk}u * (M / 4u) + ${q}u];`);
    } else {
      for (let i = 0; i < RS; i++) S(`let a${u}_${i} = A4[pa + ${i}u * (K / 4u) + ${u}u];`);
    }
  }
  for (let i = 0; i < RS; i++) for (let j = 0; j < CJ; j++) {
    const q = i >> 2, ii = i & 3;
    let e = `acc${i}_${j}`;
    for (let u = 0; u < UK; u++) for (let kk = 0; kk < 4; kk++) {
      const v = kind === 'sg' ? (transA ? `s${u}_${q}_${kk}[${ii}]` : `s${u}_${q}_${ii}[${kk}]`) : (transA ? `t${u}_${kk}_${q}[${ii}]` : `a${u}_${i}[${kk}]`);
      e = `fma(vec4<f32>(${v}), b${u}_${kk}_${j}, ${e})`;
    }
    S(`acc${i}_${j} = ${e};`);
  }
  S(transA ? `pa += ${UK}u * M;` : `pa += ${UK}u;`);
  S(`pb += ${UK}u * N;`);
  L.push('  }');
  for (let i = 0; i < RS; i++) for (let j = 0; j < CJ; j++) L.push(`  C4[((r0 + ${i}u) * N + c0) / 4u + ${4 * j}u] = acc${i}_${j};`);
  L.push('}');
  return { code: L.join('\n'), constants: { M, N, K }, grid: [threads / WG, 1, 1] };
}
