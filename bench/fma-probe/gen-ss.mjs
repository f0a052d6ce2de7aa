// Kind ss: a 4-lane subgroup computes RS rows x 4 CL columns; lane l owns the scalar
// columns c0 + 4 j + l (j < CL), RS x CL f32 accumulators (few enough for x86's 16 xmm
// registers at 4x3), so its B loads (B[k][c0 + 4 j + l]) are its own and sequential across
// lanes; op(A)'s 4x4 tiles (rows x k) are loaded one vec4 per lane and shared by subgroupBroadcast.
// Name: ss_r<RS>_c<CL>_w<WG>
export function genSS(name, { M, N, K, transA }) {
  const m = /^ss_r(\d+)_c(\d+)_w(\d+)$/.exec(name);
  const RS = +m[1], CL = +m[2], WG = +m[3];
  const CS = 4 * CL;
  if (M % RS || N % CS || K % 4 || M % 4 || RS % 4) return null;
  const threads = (M / RS) * (N / CS) * 4;
  if (threads % WG) return null;
  const L = ['enable subgroups;', 'override M: u32 = 1u;\noverride N: u32 = 1u;\noverride K: u32 = 1u;'];
  L.push(`@group(0) @binding(0) var<storage, read> A4: array<vec4<f32>>;\n@group(0) @binding(1) var<storage, read> B: array<f32>;\n@group(0) @binding(2) var<storage, read_write> C: array<f32>;`);
  L.push(`@compute @workgroup_size(${WG})\nfn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {`);
  L.push(`  let blk = wid.x * ${WG / 4}u + li / 4u;`);
  L.push(`  let r0 = (blk / ${N / CS}u) * ${RS}u;`);
  L.push(`  let c0 = (blk % ${N / CS}u) * ${CS}u + lane;`);
  for (let i = 0; i < RS; i++) for (let j = 0; j < CL; j++) L.push(`  var acc${i}_${j} = 0.0;`);
  L.push(transA ? `  var pa = (lane * M + r0) / 4u;` : `  var pa = ((r0 + lane) * K) / 4u;`);
  L.push(`  var pb = c0;`);
  L.push(`  for (var k = 0u; k < K; k += 4u) {`);
  const S = (s) => L.push(`    ${s}`);
  for (let q = 0; q < RS / 4; q++) S(transA ? `let a${q} = A4[pa + ${q}u];` : `let a${q} = A4[pa + ${q}u * K];`);
  for (let kk = 0; kk < 4; kk++) {
    for (let j = 0; j < CL; j++) S(`let b${kk}_${j} = B[pb + ${kk}u * N + ${4 * j}u];`);
  }
  for (let q = 0; q < RS / 4; q++) for (let mm = 0; mm < 4; mm++) S(`let s${q}_${mm} = subgroupBroadcast(a${q}, ${mm}u);`);
  for (let i = 0; i < RS; i++) for (let j = 0; j < CL; j++) {
    const q = i >> 2, ii = i & 3;
    let e = `acc${i}_${j}`;
    for (let kk = 0; kk < 4; kk++) e = `fma(${transA ? `s${q}_${kk}[${ii}]` : `s${q}_${ii}[${kk}]`}, b${kk}_${j}, ${e})`;
    S(`acc${i}_${j} = ${e};`);
  }
  S(transA ? `pa += M;` : `pa += 1u;`);
  S(`pb += 4u * N;`);
  L.push('  }');
  for (let i = 0; i < RS; i++) for (let j = 0; j < CL; j++) L.push(`  C[(r0 + ${i}u) * N + c0 + ${4 * j}u] = acc${i}_${j};`);
  L.push('}');
  return { code: L.join('\n'), constants: { M, N, K }, grid: [threads / WG, 1, 1] };
}
