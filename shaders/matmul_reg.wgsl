// Batched matmul with transpose flags, register-blocked: C[b] = op(A[b]) @ op(B[b]) with no
// workgroup memory and no barriers. Same parameter block (the MATMUL layout), operands,
// entry points and epilogues as matmul.wgsl's tiled kernel; split-K's partials go to the
// same scratch layout and are summed by matmul_sum.wgsl.
//
// Why a second kernel: on SwiftShader (and other CPU adapters) a workgroup with barriers
// runs as one coroutine per 4-lane group that yields at each barrier, so staging panels in
// workgroup memory costs more than it saves; a barrier-free workgroup runs as one
// coroutine. Here each thread computes a REG x 4 block of C (REG = 4 or 8 rows, four
// adjacent columns in one vec4 accumulator per row) straight from the operands, walking K
// four values at a time: per step it reads a 4 x 4 block of op(B) and REG x 4 of op(A), in
// vec4 loads along whichever direction is contiguous (VEC_A / VEC_B, as in matmul.wgsl),
// and does 4 REG vec4 multiply-adds. Accumulators are indexed only by constants (an
// array indexed by a loop variable stays in memory on drivers that do not unroll).
//
// Threads: a 1-D workgroup of WG threads; thread t of workgroup x takes block
// x WG + t, blocks numbered row-major over ceil(M / REG) x ceil(NP / 4) (NP = N, or N + 1
// with ONES_COL); workgroup_id.z = batch entry * SPLIT_K + chunk, as in matmul.wgsl.
// CHECK: false when M % REG, NP % 4 and K % 4 are all 0 (no bounds tests, no K tail); with
// CHECK, loads clamp to the matrix (the extra outputs are never stored) and K's last
// K % 4 values run one at a time.

// The operands as vec4s (buffers are sized in 16-byte units); a single float is a
// component of one (an entry point may bind only one variable per binding).
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> E: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

// Overrides (declared by the contract): WG threads, REG rows per thread, TRANS_A, TRANS_B,
// VEC_A, VEC_B, CHECK, SPLIT_K, ONES_COL, and the epilogue's ACT or ACT_BWD code.

// Row i of the thread's block.
var<private> acc0: vec4<f32>;
var<private> acc1: vec4<f32>;
var<private> acc2: vec4<f32>;
var<private> acc3: vec4<f32>;
var<private> acc4: vec4<f32>;
var<private> acc5: vec4<f32>;
var<private> acc6: vec4<f32>;
var<private> acc7: vec4<f32>;

// Four vec4s: four rows of op(A) over four k, or four k of op(B) over four columns.
struct Quad {
  q0: vec4<f32>,
  q1: vec4<f32>,
  q2: vec4<f32>,
  q3: vec4<f32>,
}

fn transpose4(c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32>) -> Quad {
  return Quad(vec4<f32>(c0.x, c1.x, c2.x, c3.x), vec4<f32>(c0.y, c1.y, c2.y, c3.y), vec4<f32>(c0.z, c1.z, c2.z, c3.z), vec4<f32>(c0.w, c1.w, c2.w, c3.w));
}

// Row r of op(A) clamped into the matrix (with CHECK; the rows past M are computed, never stored).
fn row_in(r: u32) -> u32 {
  return select(r, min(r, P[MATMUL_M] - 1u), CHECK);
}

// Element (r, k) of op(A), r inside the matrix.
fn a_at(aBase: u32, r: u32, k: u32) -> f32 {
  let i = aBase + select(r * P[MATMUL_K] + k, k * P[MATMUL_M] + r, TRANS_A);
  return A4[i / 4u][i % 4u];
}

// Element (k, c) of op(B), 1 in the ones column (and past it: those columns are never stored).
fn b_at(bBase: u32, k: u32, c: u32) -> f32 {
  let N = P[MATMUL_N];
  if (ONES_COL && c >= N) { return 1.0; }
  let cc = select(c, min(c, N - 1u), CHECK);
  let i = bBase + select(k * N + cc, cc * P[MATMUL_K] + k, TRANS_B);
  return B4[i / 4u][i % 4u];
}

// op(A)'s rows r0 .. r0 + 3 at k .. k + 3, one vec4 over k per row.
fn a_quad(aBase: u32, r0: u32, k: u32) -> Quad {
  let M = P[MATMUL_M];
  let K = P[MATMUL_K];
  if (TRANS_A && VEC_A) {
    // Four rows of a k are one vec4 (M % 4 == 0, so M - 4 is a whole vec4 inside).
    let r = select(r0, min(r0, M - 4u), CHECK);
    let at = aBase + k * M + r;
    return transpose4(A4[at / 4u], A4[(at + M) / 4u], A4[(at + 2u * M) / 4u], A4[(at + 3u * M) / 4u]);
  }
  let r1 = row_in(r0);
  let r2 = row_in(r0 + 1u);
  let r3 = row_in(r0 + 2u);
  let r4 = row_in(r0 + 3u);
  if (VEC_A) {
    return Quad(A4[(aBase + r1 * K + k) / 4u], A4[(aBase + r2 * K + k) / 4u], A4[(aBase + r3 * K + k) / 4u], A4[(aBase + r4 * K + k) / 4u]);
  }
  return Quad(
    vec4<f32>(a_at(aBase, r1, k), a_at(aBase, r1, k + 1u), a_at(aBase, r1, k + 2u), a_at(aBase, r1, k + 3u)),
    vec4<f32>(a_at(aBase, r2, k), a_at(aBase, r2, k + 1u), a_at(aBase, r2, k + 2u), a_at(aBase, r2, k + 3u)),
    vec4<f32>(a_at(aBase, r3, k), a_at(aBase, r3, k + 1u), a_at(aBase, r3, k + 2u), a_at(aBase, r3, k + 3u)),
    vec4<f32>(a_at(aBase, r4, k), a_at(aBase, r4, k + 1u), a_at(aBase, r4, k + 2u), a_at(aBase, r4, k + 3u)),
  );
}

// op(B)'s columns c0 .. c0 + 3 at k .. k + 3, one vec4 over the columns per k.
fn b_quad(bBase: u32, c0: u32, k: u32) -> Quad {
  let N = P[MATMUL_N];
  let K = P[MATMUL_K];
  if (VEC_B && !TRANS_B) {
    // N % 4 == 0: the ones column starts a vec4 of its own, (1, 0, 0, 0) at every k.
    if (ONES_COL && c0 >= N) { let one = vec4<f32>(1.0, 0.0, 0.0, 0.0); return Quad(one, one, one, one); }
    let at = bBase + k * N + c0;
    return Quad(B4[at / 4u], B4[(at + N) / 4u], B4[(at + 2u * N) / 4u], B4[(at + 3u * N) / 4u]);
  }
  if (VEC_B) {
    // Each column's four k are one vec4 (K % 4 == 0); transposed in registers. The ones
    // column has no row of B to read: clamped, then replaced.
    let c1 = select(c0, min(c0, N - 1u), CHECK || ONES_COL);
    let c2 = select(c0 + 1u, min(c0 + 1u, N - 1u), CHECK || ONES_COL);
    let c3 = select(c0 + 2u, min(c0 + 2u, N - 1u), CHECK || ONES_COL);
    let c4 = select(c0 + 3u, min(c0 + 3u, N - 1u), CHECK || ONES_COL);
    var t0 = B4[(bBase + c1 * K + k) / 4u];
    var t1 = B4[(bBase + c2 * K + k) / 4u];
    var t2 = B4[(bBase + c3 * K + k) / 4u];
    var t3 = B4[(bBase + c4 * K + k) / 4u];
    if (ONES_COL) {
      let one = vec4<f32>(1.0);
      t0 = select(t0, one, c0 >= N);
      t1 = select(t1, one, c0 + 1u >= N);
      t2 = select(t2, one, c0 + 2u >= N);
      t3 = select(t3, one, c0 + 3u >= N);
    }
    return transpose4(t0, t1, t2, t3);
  }
  return Quad(
    vec4<f32>(b_at(bBase, k, c0), b_at(bBase, k, c0 + 1u), b_at(bBase, k, c0 + 2u), b_at(bBase, k, c0 + 3u)),
    vec4<f32>(b_at(bBase, k + 1u, c0), b_at(bBase, k + 1u, c0 + 1u), b_at(bBase, k + 1u, c0 + 2u), b_at(bBase, k + 1u, c0 + 3u)),
    vec4<f32>(b_at(bBase, k + 2u, c0), b_at(bBase, k + 2u, c0 + 1u), b_at(bBase, k + 2u, c0 + 2u), b_at(bBase, k + 2u, c0 + 3u)),
    vec4<f32>(b_at(bBase, k + 3u, c0), b_at(bBase, k + 3u, c0 + 1u), b_at(bBase, k + 3u, c0 + 2u), b_at(bBase, k + 3u, c0 + 3u)),
  );
}

// Four rows' multiply-adds for one step: a row's vec4 over k times b's vec4s over columns.
fn fma_row(acc: vec4<f32>, a: vec4<f32>, b: Quad) -> vec4<f32> {
  return fma(vec4<f32>(a.w), b.q3, fma(vec4<f32>(a.z), b.q2, fma(vec4<f32>(a.y), b.q1, fma(vec4<f32>(a.x), b.q0, acc))));
}

// The thread's block (rows r0 .., columns c0 .. c0 + 3) over its chunk of K, for batch entry z / SPLIT_K.
fn reg_product(r0: u32, c0: u32, z: u32) {
  let M = P[MATMUL_M];
  let N = P[MATMUL_N];
  let K = P[MATMUL_K];
  let b = z / SPLIT_K;
  let k1 = (z % SPLIT_K) * P[MATMUL_K_CHUNK];
  let kEnd = select(K, min(K, k1 + P[MATMUL_K_CHUNK]), SPLIT_K > 1u);
  let aBase = b * P[MATMUL_A_BATCH_STRIDE];
  let bBase = b * P[MATMUL_B_BATCH_STRIDE];
  var k = k1;
  if (VEC_A && VEC_B) {
    // Both operands in vec4 loads, from running indices (the JIT of a CPU adapter does not
    // hoist the address arithmetic out of the loop). A block's rows past M or columns past N
    // read whatever WebGPU's bounds rules give (a value inside the buffer, or 0): their
    // outputs are never stored. K never runs past the chunk.
    let M4 = M / 4u;
    let N4 = N / 4u;
    let K4 = K / 4u;
    // A: row-major, four rows' vec4s along k, K / 4 apart; transposed, four k's vec4s along
    // the rows, M / 4 apart. B likewise: four k's vec4s along the columns, N / 4 apart, or
    // four columns' vec4s along k, K / 4 apart.
    let dA = select(K4, M4, TRANS_A);
    let dB = select(N4, K4, TRANS_B);
    var pa = (aBase + select(r0 * K + k, k * M + r0, TRANS_A)) / 4u;
    var pb = (bBase + select(k * N + c0, c0 * K + k, TRANS_B)) / 4u;
    let stepA = select(1u, M, TRANS_A);
    let stepB = select(N, 1u, TRANS_B);
    // The second four rows: four vec4s further down (row-major) or the next vec4 (transposed).
    let nextA = select(4u * dA, 1u, TRANS_A);
    let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
    let ones = ONES_COL && c0 >= N;
    for (; k + 4u <= kEnd; k += 4u) {
      var bq = Quad(B4[pb], B4[pb + dB], B4[pb + 2u * dB], B4[pb + 3u * dB]);
      if (TRANS_B) {
        if (ONES_COL) {
          // The columns at N and past it are all ones along k.
          let o = vec4<f32>(1.0);
          bq = Quad(select(bq.q0, o, c0 >= N), select(bq.q1, o, c0 + 1u >= N), select(bq.q2, o, c0 + 2u >= N), select(bq.q3, o, c0 + 3u >= N));
        }
        bq = transpose4(bq.q0, bq.q1, bq.q2, bq.q3);
      } else if (ones) {
        bq = Quad(one, one, one, one);
      }
      var a0 = Quad(A4[pa], A4[pa + dA], A4[pa + 2u * dA], A4[pa + 3u * dA]);
      if (TRANS_A) { a0 = transpose4(a0.q0, a0.q1, a0.q2, a0.q3); }
      acc0 = fma_row(acc0, a0.q0, bq);
      acc1 = fma_row(acc1, a0.q1, bq);
      acc2 = fma_row(acc2, a0.q2, bq);
      acc3 = fma_row(acc3, a0.q3, bq);
      if (REG == 8u) {
        let p1 = pa + nextA;
        var a1 = Quad(A4[p1], A4[p1 + dA], A4[p1 + 2u * dA], A4[p1 + 3u * dA]);
        if (TRANS_A) { a1 = transpose4(a1.q0, a1.q1, a1.q2, a1.q3); }
        acc4 = fma_row(acc4, a1.q0, bq);
        acc5 = fma_row(acc5, a1.q1, bq);
        acc6 = fma_row(acc6, a1.q2, bq);
        acc7 = fma_row(acc7, a1.q3, bq);
      }
      pa += stepA;
      pb += stepB;
    }
  }
  for (; k + 4u <= kEnd; k += 4u) {
    let bq = b_quad(bBase, c0, k);
    let a0 = a_quad(aBase, r0, k);
    acc0 = fma_row(acc0, a0.q0, bq);
    acc1 = fma_row(acc1, a0.q1, bq);
    acc2 = fma_row(acc2, a0.q2, bq);
    acc3 = fma_row(acc3, a0.q3, bq);
    if (REG == 8u) {
      let a1 = a_quad(aBase, r0 + 4u, k);
      acc4 = fma_row(acc4, a1.q0, bq);
      acc5 = fma_row(acc5, a1.q1, bq);
      acc6 = fma_row(acc6, a1.q2, bq);
      acc7 = fma_row(acc7, a1.q3, bq);
    }
  }
  // K's last values (K % 4 of them; only with CHECK), one at a time in scalar loads.
  if (CHECK) {
    for (; k < kEnd; k++) {
      let bv = vec4<f32>(b_at(bBase, k, c0), b_at(bBase, k, c0 + 1u), b_at(bBase, k, c0 + 2u), b_at(bBase, k, c0 + 3u));
      acc0 = fma(vec4<f32>(a_at(aBase, row_in(r0), k)), bv, acc0);
      acc1 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 1u), k)), bv, acc1);
      acc2 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 2u), k)), bv, acc2);
      acc3 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 3u), k)), bv, acc3);
      if (REG == 8u) {
        acc4 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 4u), k)), bv, acc4);
        acc5 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 5u), k)), bv, acc5);
        acc6 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 6u), k)), bv, acc6);
        acc7 = fma(vec4<f32>(a_at(aBase, row_in(r0 + 7u), k)), bv, acc7);
      }
    }
  }
}

// The thread's block: its first row and column, or r0 = M when it has none.
fn block_origin(lid: vec3<u32>, wid: vec3<u32>) -> vec2<u32> {
  let NP = P[MATMUL_N] + select(0u, 1u, ONES_COL);
  let blocksN = (NP + 3u) / 4u;
  let blk = wid.x * WG + lid.x;
  return vec2<u32>(min((blk / blocksN) * REG, P[MATMUL_M]), (blk % blocksN) * 4u);
}

// Element e (0 .. 4 REG - 1) of the block: row e / 4, column e % 4.
fn acc_at(e: u32) -> f32 {
  var row: vec4<f32>;
  switch e / 4u {
    case 0u: { row = acc0; }
    case 1u: { row = acc1; }
    case 2u: { row = acc2; }
    case 3u: { row = acc3; }
    case 4u: { row = acc4; }
    case 5u: { row = acc5; }
    case 6u: { row = acc6; }
    default: { row = acc7; }
  }
  return row[e % 4u];
}

// Each entry point: the thread's block (none past M: an early return, there are no
// barriers), then those of its outputs inside C stored with the epilogue.
@compute @workgroup_size(WG)
fn matmul_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, wid.z);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    if (!CHECK || (r < P[MATMUL_M] && c < P[MATMUL_N])) { C[(wid.z * P[MATMUL_M] + r) * P[MATMUL_N] + c] = acc_at(e); }
  }
}

// A split-K chunk's partial block, into scratch [batch, SPLIT_K, M, NP] (matmul_sum.wgsl).
@compute @workgroup_size(WG)
fn matmul_reg_partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (wid.z / SPLIT_K >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, wid.z);
  let NP = P[MATMUL_N] + select(0u, 1u, ONES_COL);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    if (!CHECK || (r < P[MATMUL_M] && c < NP)) { C[(wid.z * P[MATMUL_M] + r) * NP + c] = acc_at(e); }
  }
}

@compute @workgroup_size(WG)
fn matmul_reg_act_backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, wid.z);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    let at = (wid.z * P[MATMUL_M] + r) * P[MATMUL_N] + c;
    if (!CHECK || (r < P[MATMUL_M] && c < P[MATMUL_N])) { Y[at] = act_backward(ACT_BWD, E[at], acc_at(e), pf(MATMUL_SLOPE)); }
  }
}

// Over N + 1 columns (ONES_COL): column N of the product is the row sum.
@compute @workgroup_size(WG)
fn matmul_reg_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, 0u);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    if (r < P[MATMUL_M] && c < P[MATMUL_N]) { C[r * P[MATMUL_N] + c] = acc_at(e); } else if (r < P[MATMUL_M] && c == P[MATMUL_N]) { Y[r] = acc_at(e); }
  }
}

@compute @workgroup_size(WG)
fn linear_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, wid.z);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    if (!CHECK || (r < P[MATMUL_M] && c < P[MATMUL_N])) { Y[(wid.z * P[MATMUL_M] + r) * P[MATMUL_N] + c] = act_forward(ACT, acc_at(e) + E[c], pf(MATMUL_SLOPE)); }
  }
}

@compute @workgroup_size(WG)
fn linear_pre_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = block_origin(lid, wid);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  reg_product(o.x, o.y, wid.z);
  for (var e = 0u; e < 4u * REG; e++) {
    let r = o.x + e / 4u;
    let c = o.y + e % 4u;
    if (!CHECK || (r < P[MATMUL_M] && c < P[MATMUL_N])) {
      let at = (wid.z * P[MATMUL_M] + r) * P[MATMUL_N] + c;
      let z = acc_at(e) + E[c];
      Z[at] = z;
      Y[at] = act_forward(ACT, z, pf(MATMUL_SLOPE));
    }
  }
}
