// Batched matmul with transpose flags: C[b] = op(A[b]) @ op(B[b]), one dispatch.
// Parameter block: P[0] = M, P[1] = N, P[2] = K, P[3] = batch stride of A, P[4] = batch
// stride of B (0 when a 2-D operand is shared across the batch), P[5] = batch count.
// A is [M,K] row-major, or [K,M] when TRANS_A; B is [K,N], or [N,K] when TRANS_B; C is [M,N].
//
// Each workgroup computes a TILE_M x TILE_N tile of C (TILE_M = WG_M * REG_M, TILE_N =
// WG_N * REG_N) for batch entry workgroup_id.z, walking K in steps of TILE_K. Per step the
// workgroup stages op(A)'s TILE_M x TILE_K panel and op(B)'s TILE_K x TILE_N panel in
// workgroup memory, reading the operands in whichever layout they have (so a transposed
// operand is never copied), and each thread accumulates a REG_M x REG_N register block.
// Loads outside the matrix read 0 and stores outside it are skipped: any M, N, K works.
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

// Threads per workgroup along N (x) and M (y); outputs per thread along M and N (each at
// most MAX_REG); the K-step. Tunable by benchmarks: the TypeScript side passes the same
// values, and derives the grid from them.
override WG_N: u32 = 16;
override WG_M: u32 = 16;
override REG_M: u32 = 4;
override REG_N: u32 = 4;
override TILE_K: u32 = 16;
override TRANS_A: bool = false;
override TRANS_B: bool = false;

// Function-scope arrays need a constant size, so the register block has a fixed capacity;
// the loops run to REG_M / REG_N, which are constants once the pipeline is built, so a
// driver unrolls them and keeps the block in registers.
const MAX_REG: u32 = 8;

override TILE_M: u32 = WG_M * REG_M;
override TILE_N: u32 = WG_N * REG_N;
// Panels are stored k-major (row kk holds TILE_M values of op(A)'s column kk), padded by one
// so that the loads of a non-transposed operand, which walk k fastest, spread over banks.
override A_STRIDE: u32 = TILE_M + 1;
override B_STRIDE: u32 = TILE_N + 1;

var<workgroup> As: array<f32, TILE_K * A_STRIDE>;
var<workgroup> Bs: array<f32, TILE_K * B_STRIDE>;

// The thread's register block, filled by tile_product and stored by each entry point.
var<private> acc: array<f32, MAX_REG * MAX_REG>;

// Accumulates this thread's REG_M x REG_N block of op(A) @ op(B) for batch entry wid.z
// into `acc`. Called by whole workgroups only (it has barriers).
fn tile_product(lid: vec3<u32>, wid: vec3<u32>) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let batch = wid.z;
  let aBase = batch * P[3];
  let bBase = batch * P[4];
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;
  let threads = WG_M * WG_N;
  let tid = lid.y * WG_N + lid.x;

  var aReg: array<f32, MAX_REG>;
  var bReg: array<f32, MAX_REG>;

  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    // op(A)[r, k]: consecutive threads take consecutive addresses of A in either layout.
    for (var idx = tid; idx < TILE_M * TILE_K; idx += threads) {
      var r: u32;
      var kk: u32;
      if (TRANS_A) { kk = idx / TILE_M; r = idx % TILE_M; } else { r = idx / TILE_K; kk = idx % TILE_K; }
      let gr = row0 + r;
      let gk = k0 + kk;
      var v = 0.0;
      if (gr < M && gk < K) {
        v = A[aBase + select(gr * K + gk, gk * M + gr, TRANS_A)];
      }
      As[kk * A_STRIDE + r] = v;
    }
    // op(B)[k, c]
    for (var idx = tid; idx < TILE_K * TILE_N; idx += threads) {
      var c: u32;
      var kk: u32;
      if (TRANS_B) { c = idx / TILE_K; kk = idx % TILE_K; } else { kk = idx / TILE_N; c = idx % TILE_N; }
      let gc = col0 + c;
      let gk = k0 + kk;
      var v = 0.0;
      if (gc < N && gk < K) {
        v = B[bBase + select(gk * N + gc, gc * K + gk, TRANS_B)];
      } else if (ONES_COL && gc == N && gk < K) {
        v = 1.0;
      }
      Bs[kk * B_STRIDE + c] = v;
    }
    workgroupBarrier();

    // A thread's rows are lid.y + i * WG_M and columns lid.x + j * WG_N: strided, so
    // neighbouring threads read neighbouring panel entries and write neighbouring outputs.
    for (var kk = 0u; kk < TILE_K; kk++) {
      for (var i = 0u; i < REG_M; i++) { aReg[i] = As[kk * A_STRIDE + lid.y + i * WG_M]; }
      for (var j = 0u; j < REG_N; j++) { bReg[j] = Bs[kk * B_STRIDE + lid.x + j * WG_N]; }
      for (var i = 0u; i < REG_M; i++) {
        for (var j = 0u; j < REG_N; j++) {
          acc[i * REG_N + j] = fma(aReg[i], bReg[j], acc[i * REG_N + j]);
        }
      }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn matmul(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // Uniform per workgroup, so returning here keeps the barriers in uniform control flow.
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  let M = P[0];
  let N = P[1];
  let cBase = wid.z * M * N;
  for (var i = 0u; i < REG_M; i++) {
    let r = wid.y * TILE_M + lid.y + i * WG_M;
    if (r >= M) { break; }
    for (var j = 0u; j < REG_N; j++) {
      let c = wid.x * TILE_N + lid.x + j * WG_N;
      if (c < N) { C[cBase + r * N + c] = acc[i * REG_N + j]; }
    }
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
  let M = P[0];
  let N = P[1];
  let cBase = wid.z * M * N;
  for (var i = 0u; i < REG_M; i++) {
    let r = wid.y * TILE_M + lid.y + i * WG_M;
    if (r >= M) { break; }
    for (var j = 0u; j < REG_N; j++) {
      let c = wid.x * TILE_N + lid.x + j * WG_N;
      let at = cBase + r * N + c;
      if (c < N) { Y[at] = act_backward(ACT_BWD, E[at], acc[i * REG_N + j], pf(6u)); }
    }
  }
}

// Dispatched over N + 1 columns (ONES_COL): column N of the product is the row sum.
@compute @workgroup_size(WG_N, WG_M)
fn matmul_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  tile_product(lid, wid);
  let M = P[0];
  let N = P[1];
  for (var i = 0u; i < REG_M; i++) {
    let r = wid.y * TILE_M + lid.y + i * WG_M;
    if (r >= M) { break; }
    for (var j = 0u; j < REG_N; j++) {
      let c = wid.x * TILE_N + lid.x + j * WG_N;
      if (c < N) { C[r * N + c] = acc[i * REG_N + j]; } else if (c == N) { Y[r] = acc[i * REG_N + j]; }
    }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  let M = P[0];
  let N = P[1];
  let cBase = wid.z * M * N;
  for (var i = 0u; i < REG_M; i++) {
    let r = wid.y * TILE_M + lid.y + i * WG_M;
    if (r >= M) { break; }
    for (var j = 0u; j < REG_N; j++) {
      let c = wid.x * TILE_N + lid.x + j * WG_N;
      if (c < N) { Y[cBase + r * N + c] = activate(acc[i * REG_N + j] + E[c]); }
    }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear_pre(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= P[5]) { return; }
  tile_product(lid, wid);
  let M = P[0];
  let N = P[1];
  let cBase = wid.z * M * N;
  for (var i = 0u; i < REG_M; i++) {
    let r = wid.y * TILE_M + lid.y + i * WG_M;
    if (r >= M) { break; }
    for (var j = 0u; j < REG_N; j++) {
      let c = wid.x * TILE_N + lid.x + j * WG_N;
      if (c < N) {
        let z = acc[i * REG_N + j] + E[c];
        Z[cBase + r * N + c] = z;
        Y[cBase + r * N + c] = activate(z);
      }
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
