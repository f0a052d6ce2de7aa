// Batched matmul with transpose flags: C[b] = op(A[b]) @ op(B[b]), one dispatch.
// Parameter block: P[0] = M, P[1] = N, P[2] = K, P[3] = batch stride of A, P[4] = batch
// stride of B (0 when a 2-D operand is shared across the batch), P[5] = batch count.
// A is [M,K] row-major, or [K,M] when TRANS_A; B is [K,N], or [N,K] when TRANS_B; C is [M,N].
//
// Each workgroup computes a TILE_M x TILE_N tile of C (TILE_M = 8 WG_M, TILE_N = 8 WG_N)
// for batch entry workgroup_id.z, walking K in steps of TILE_K. Per step the workgroup
// stages op(A)'s TILE_M x TILE_K panel and op(B)'s TILE_K x TILE_N panel in workgroup
// memory, reading the operands in whichever layout they have (so a transposed operand is
// never copied), and each thread accumulates an 8 x 8 block of C: eight adjacent rows,
// eight adjacent columns, held in sixteen vec4 accumulators that the code indexes only by
// constants. (A register block in an array indexed by loop variables stays in memory on
// drivers that do not unroll loops, SwiftShader's among them: five memory operations per
// multiply-add instead of one. And an 8 x 8 block needs a quarter of the threads of a 4 x 4
// one for the same tile: on SwiftShader each thread group of a workgroup with barriers is
// a coroutine, and setting those up is much of a small product's time.) Loads outside the
// matrix read 0 and stores outside it are skipped: any M, N, K works.
//
// Entry points that add an epilogue to the same product, one dispatch each where separate
// ops would take two or three (the plan's fusion pass, src/graph/fuse.ts, picks them):
// - linear: Y = act(op(A) @ op(B) + E), E the bias [N]; linear_pre also stores the
//   pre-activation in Z (a hand-written forward that holds on to it);
// - matmul_act_backward: Y = act'(E, op(A) @ op(B)), an activation's backward with E its
//   saved values [batch, M, N] (the gradient flowing into a layer below an activation);
// - matmul_colsum: C = op(A) @ B and Y = the row sums of op(A) [M], computed as one more
//   column of B that is all ones (a Linear layer's weight and bias gradients, gᵀx and the
//   column sums of g).

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// The epilogue's operand at binding 3 (linear's bias, or the saved activation), its output
// at binding 4; matmul_colsum writes C at binding 3 and the row sums at binding 4.
@group(0) @binding(3) var<storage, read> E: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
// linear: 0 none, 1 relu, 2 sigmoid, 3 tanh, 4 leaky relu (slope in P[6])
override ACT: u32 = 0;
// matmul_act_backward: act_backward's code (common.wgsl), the leaky slope in P[6]
override ACT_BWD: u32 = 2;
// matmul_colsum: op(B) has one more column, all ones, at column N
override ONES_COL: bool = false;
// linear_pre: also the pre-activation, op(A) @ op(B) + E, kept for a reader that needs it
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

// Threads per workgroup along N (x) and M (y), and the K-step. Tunable by benchmarks: the
// TypeScript side passes the same values (src/ops/matmul.ts matmulTile) and derives the grid.
override WG_N: u32 = 8;
override WG_M: u32 = 8;
override TILE_K: u32 = 32;
override TRANS_A: bool = false;
override TRANS_B: bool = false;

override TILE_M: u32 = WG_M * 8u;
override TILE_N: u32 = WG_N * 8u;
// vec4s per k of a panel
override QM: u32 = TILE_M / 4u;
override QN: u32 = TILE_N / 4u;

// Panels, k-major, four rows (columns) of a k per vec4: As[kk * QM + q] holds op(A)'s rows
// 4q .. 4q+3 of the tile at column kk of the step, so a thread reads its rows in two loads.
var<workgroup> As: array<vec4<f32>, TILE_K * QM>;
var<workgroup> Bs: array<vec4<f32>, TILE_K * QN>;

// The thread's 8 x 8 block: row i in acc<i>l (columns 0..3) and acc<i>h (columns 4..7).
var<private> acc0l: vec4<f32>;
var<private> acc0h: vec4<f32>;
var<private> acc1l: vec4<f32>;
var<private> acc1h: vec4<f32>;
var<private> acc2l: vec4<f32>;
var<private> acc2h: vec4<f32>;
var<private> acc3l: vec4<f32>;
var<private> acc3h: vec4<f32>;
var<private> acc4l: vec4<f32>;
var<private> acc4h: vec4<f32>;
var<private> acc5l: vec4<f32>;
var<private> acc5h: vec4<f32>;
var<private> acc6l: vec4<f32>;
var<private> acc6h: vec4<f32>;
var<private> acc7l: vec4<f32>;
var<private> acc7h: vec4<f32>;

fn load_a(base: u32, r: u32, k: u32) -> f32 {
  let M = P[0];
  let K = P[2];
  if (r < M && k < K) { return A[base + select(r * K + k, k * M + r, TRANS_A)]; }
  return 0.0;
}

fn load_b(base: u32, k: u32, c: u32) -> f32 {
  let N = P[1];
  let K = P[2];
  if (c < N && k < K) { return B[base + select(k * N + c, c * K + k, TRANS_B)]; }
  if (ONES_COL && c == N && k < K) { return 1.0; }
  return 0.0;
}

// Accumulates this thread's 8 x 8 block of op(A) @ op(B) for batch entry wid.z. Called by
// whole workgroups only (it has barriers).
fn tile_product(lid: vec3<u32>, wid: vec3<u32>) {
  let K = P[2];
  let aBase = wid.z * P[3];
  let bBase = wid.z * P[4];
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;
  let threads = WG_M * WG_N;
  let tid = lid.y * WG_N + lid.x;

  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    // One vec4 of four rows per (kk, q); consecutive threads walk the operand's contiguous
    // direction (k for a row-major A, rows for a transposed one), so loads coalesce.
    for (var idx = tid; idx < TILE_K * QM; idx += threads) {
      var q: u32;
      var kk: u32;
      if (TRANS_A) { kk = idx / QM; q = idx % QM; } else { q = idx / TILE_K; kk = idx % TILE_K; }
      let r = row0 + 4u * q;
      let k = k0 + kk;
      As[kk * QM + q] = vec4<f32>(load_a(aBase, r, k), load_a(aBase, r + 1u, k), load_a(aBase, r + 2u, k), load_a(aBase, r + 3u, k));
    }
    for (var idx = tid; idx < TILE_K * QN; idx += threads) {
      var q: u32;
      var kk: u32;
      if (TRANS_B) { q = idx / TILE_K; kk = idx % TILE_K; } else { kk = idx / QN; q = idx % QN; }
      let c = col0 + 4u * q;
      let k = k0 + kk;
      Bs[kk * QN + q] = vec4<f32>(load_b(bBase, k, c), load_b(bBase, k, c + 1u), load_b(bBase, k, c + 2u), load_b(bBase, k, c + 3u));
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TILE_K; kk++) {
      let a0 = As[kk * QM + 2u * lid.y];
      let a1 = As[kk * QM + 2u * lid.y + 1u];
      let bl = Bs[kk * QN + 2u * lid.x];
      let bh = Bs[kk * QN + 2u * lid.x + 1u];
      acc0l = fma(vec4<f32>(a0.x), bl, acc0l);
      acc0h = fma(vec4<f32>(a0.x), bh, acc0h);
      acc1l = fma(vec4<f32>(a0.y), bl, acc1l);
      acc1h = fma(vec4<f32>(a0.y), bh, acc1h);
      acc2l = fma(vec4<f32>(a0.z), bl, acc2l);
      acc2h = fma(vec4<f32>(a0.z), bh, acc2h);
      acc3l = fma(vec4<f32>(a0.w), bl, acc3l);
      acc3h = fma(vec4<f32>(a0.w), bh, acc3h);
      acc4l = fma(vec4<f32>(a1.x), bl, acc4l);
      acc4h = fma(vec4<f32>(a1.x), bh, acc4h);
      acc5l = fma(vec4<f32>(a1.y), bl, acc5l);
      acc5h = fma(vec4<f32>(a1.y), bh, acc5h);
      acc6l = fma(vec4<f32>(a1.z), bl, acc6l);
      acc6h = fma(vec4<f32>(a1.z), bh, acc6h);
      acc7l = fma(vec4<f32>(a1.w), bl, acc7l);
      acc7h = fma(vec4<f32>(a1.w), bh, acc7h);
    }
    workgroupBarrier();
  }
}

// Element e (0..63) of the thread's block: where it goes in C, and its value.
struct Out {
  r: u32,
  c: u32,
  // (batch entry wid.z, r, c) in C
  at: u32,
  v: f32,
}

fn block_out(lid: vec3<u32>, wid: vec3<u32>, e: u32) -> Out {
  let i = e / 8u;
  let j = e % 8u;
  var half: vec4<f32>;
  switch i * 2u + j / 4u {
    case 0u: { half = acc0l; }
    case 1u: { half = acc0h; }
    case 2u: { half = acc1l; }
    case 3u: { half = acc1h; }
    case 4u: { half = acc2l; }
    case 5u: { half = acc2h; }
    case 6u: { half = acc3l; }
    case 7u: { half = acc3h; }
    case 8u: { half = acc4l; }
    case 9u: { half = acc4h; }
    case 10u: { half = acc5l; }
    case 11u: { half = acc5h; }
    case 12u: { half = acc6l; }
    case 13u: { half = acc6h; }
    case 14u: { half = acc7l; }
    default: { half = acc7h; }
  }
  let r = wid.y * TILE_M + 8u * lid.y + i;
  let c = wid.x * TILE_N + 8u * lid.x + j;
  return Out(r, c, (wid.z * P[0] + r) * P[1] + c, half[j % 4u]);
}

// Each entry point: the product (an early return past the batch is uniform per workgroup,
// so the barriers stay in uniform control flow), then its 64 outputs, those inside C stored.
@compute @workgroup_size(WG_N, WG_M)
fn matmul(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < 64u; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < P[0] && o.c < P[1]) { C[o.at] = o.v; }
  }
}

// The same functions as the separate activation ops (common.wgsl), edge values included.
fn activate(z: f32) -> f32 {
  switch ACT {
    case 1u: { return relu_f32(z); }
    case 2u: { return sigmoid_f32(z); }
    case 3u: { return tanh_f32(z); }
    case 4u: { return leaky_relu_f32(z, pf(6u)); }
    default: { return z; }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn matmul_act_backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < 64u; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < P[0] && o.c < P[1]) { Y[o.at] = act_backward(ACT_BWD, E[o.at], o.v, pf(6u)); }
  }
}

// Dispatched over N + 1 columns (ONES_COL): column N of the product is the row sum.
@compute @workgroup_size(WG_N, WG_M)
fn matmul_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  tile_product(lid, wid);
  for (var e = 0u; e < 64u; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < P[0] && o.c < P[1]) { C[o.at] = o.v; } else if (o.r < P[0] && o.c == P[1]) { Y[o.r] = o.v; }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < 64u; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < P[0] && o.c < P[1]) { Y[o.at] = activate(o.v + E[o.c]); }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear_pre(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < 64u; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < P[0] && o.c < P[1]) {
      let z = o.v + E[o.c];
      Z[o.at] = z;
      Y[o.at] = activate(z);
    }
  }
}

// ---- small products ---------------------------------------------------------------------
// One thread per output element, no workgroup memory and no barriers: for products too
// small to fill even a few tiles (the lesson nets' layers), where staging panels costs more
// than it saves. Same parameter block; the grid is 1-D over batch * M * N.

fn small_dot(r: u32, c: u32, batch: u32) -> f32 {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let aBase = batch * P[3];
  let bBase = batch * P[4];
  var s = 0.0;
  for (var k = 0u; k < K; k++) {
    let a = A[aBase + select(r * K + k, k * M + r, TRANS_A)];
    let b = B[bBase + select(k * N + c, c * K + k, TRANS_B)];
    s = fma(a, b, s);
  }
  return s;
}

@compute @workgroup_size(WG)
fn matmul_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let MN = P[0] * P[1];
  if (i >= MN * P[5]) { return; }
  let rc = i % MN;
  C[i] = small_dot(rc / P[1], rc % P[1], i / MN);
}

@compute @workgroup_size(WG)
fn linear_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let MN = P[0] * P[1];
  if (i >= MN * P[5]) { return; }
  let rc = i % MN;
  let c = rc % P[1];
  Y[i] = activate(small_dot(rc / P[1], c, i / MN) + E[c]);
}

@compute @workgroup_size(WG)
fn linear_pre_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let MN = P[0] * P[1];
  if (i >= MN * P[5]) { return; }
  let rc = i % MN;
  let c = rc % P[1];
  let z = small_dot(rc / P[1], c, i / MN) + E[c];
  Z[i] = z;
  Y[i] = activate(z);
}

@compute @workgroup_size(WG)
fn matmul_act_backward_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let MN = P[0] * P[1];
  if (i >= MN * P[5]) { return; }
  let rc = i % MN;
  Y[i] = act_backward(ACT_BWD, E[i], small_dot(rc / P[1], rc % P[1], i / MN), pf(6u));
}

// One thread per element of C plus one per row for its sum (the ones column): M x (N + 1).
@compute @workgroup_size(WG)
fn matmul_colsum_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let M = P[0];
  let N = P[1];
  let K = P[2];
  if (i >= M * (N + 1u)) { return; }
  let r = i / (N + 1u);
  let c = i % (N + 1u);
  if (c < N) {
    C[r * N + c] = small_dot(r, c, 0u);
    return;
  }
  var s = 0.0;
  for (var k = 0u; k < K; k++) { s += A[select(r * K + k, k * M + r, TRANS_A)]; }
  Y[r] = s;
}
