// Batched matmul with transpose flags, register-blocked: C[b] = op(A[b]) @ op(B[b]) with no
// workgroup memory and no barriers. Same parameter block (the MATMUL layout), operands,
// entry points and epilogues as matmul.wgsl's tiled kernel; split-K's partials go to the
// same scratch layout and are summed by matmul_sum.wgsl.
//
// Why a second kernel: on SwiftShader (and other CPU adapters) a workgroup with barriers
// runs as one coroutine per 4-lane group that yields at each barrier, so staging panels in
// workgroup memory costs more than it saves; a barrier-free workgroup runs as one
// coroutine. Here each thread computes a REG x REG_N block of C (4 or 8 rows, 4 or 8
// columns, each row's four columns in one vec4 accumulator) straight from the operands,
// walking K four values at a time: per step it reads REG x 4 of op(A) and 4 x REG_N of
// op(B), in vec4 loads along whichever direction is contiguous (VEC_A / VEC_B, as in
// matmul.wgsl), and does REG REG_N vec4 multiply-adds. Accumulators are indexed only by
// constants (an array indexed by a loop variable stays in memory on drivers that do not
// unroll).
//
// Threads: a 1-D workgroup of WG threads; thread t of workgroup (x, y) takes block
// (y nx + x) WG + t (y > 0 only past WebGPU's 65535 workgroups along x), blocks numbered
// row-major over ceil(M / REG) x ceil(NP / REG_N) (NP = N, or N + 1 with ONES_COL);
// workgroup_id.z = batch entry * SPLIT_K + chunk, as in matmul.wgsl.
// CHECK: false when M % REG, NP % REG_N and K % 4 are all 0 (no bounds tests, no K tail); with
// CHECK, a block's rows past M and columns past N read clamped elements (scalar loads) or
// whatever WebGPU's bounds rules give (vec4 loads): their outputs are never stored; and K's
// last K % 4 values run one at a time.

// The operands as vec4s (buffers are sized in 16-byte units); a single float is a
// component of one (an entry point may bind only one variable per binding).
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> E: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

// Overrides (declared by the contract): WG threads, REG rows and REG_N columns per thread, TRANS_A, TRANS_B,
// VEC_A, VEC_B, CHECK, SPLIT_K, ONES_COL, and the epilogue's ACT or ACT_BWD code; the sizes
// come from common.wgsl's mm_m() .. (override constants in a shape-specialised pipeline).

// Row i of the thread's block: columns 0..3 in acc<i>, 4..7 (REG_N 8) in acc<i>h.
var<private> acc0h: vec4<f32>;
var<private> acc1h: vec4<f32>;
var<private> acc2h: vec4<f32>;
var<private> acc3h: vec4<f32>;
var<private> acc4h: vec4<f32>;
var<private> acc5h: vec4<f32>;
var<private> acc6h: vec4<f32>;
var<private> acc7h: vec4<f32>;
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
  return select(r, min(r, mm_m() - 1u), CHECK);
}

// Element (r, k) of op(A), r inside the matrix.
fn a_at(aBase: u32, r: u32, k: u32) -> f32 {
  let i = aBase + select(r * mm_k() + k, k * mm_m() + r, TRANS_A);
  return A4[i / 4u][i % 4u];
}

// Element (k, c) of op(B), 1 in the ones column (and past it: those columns are never stored).
fn b_at(bBase: u32, k: u32, c: u32) -> f32 {
  let N = mm_n();
  if (ONES_COL && c >= N) { return 1.0; }
  let cc = select(c, min(c, N - 1u), CHECK);
  let i = bBase + select(k * N + cc, cc * mm_k() + k, TRANS_B);
  return B4[i / 4u][i % 4u];
}

// op(A)'s rows r0 .. r0 + 3 at k .. k + 3, one vec4 over k per row.
fn a_quad(aBase: u32, r0: u32, k: u32) -> Quad {
  let M = mm_m();
  let K = mm_k();
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
  let N = mm_n();
  let K = mm_k();
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

// One step of K (four values) for the whole block: rows 0..3 from a0, 4..7 from a1 (REG 8),
// columns 0..3 from b0, 4..7 from b1 (REG_N 8).
fn block_step(a0: Quad, a1: Quad, b0: Quad, b1: Quad) {
  acc0 = fma_row(acc0, a0.q0, b0);
  acc1 = fma_row(acc1, a0.q1, b0);
  acc2 = fma_row(acc2, a0.q2, b0);
  acc3 = fma_row(acc3, a0.q3, b0);
  if (REG == 8u) {
    acc4 = fma_row(acc4, a1.q0, b0);
    acc5 = fma_row(acc5, a1.q1, b0);
    acc6 = fma_row(acc6, a1.q2, b0);
    acc7 = fma_row(acc7, a1.q3, b0);
  }
  if (REG_N == 8u) {
    acc0h = fma_row(acc0h, a0.q0, b1);
    acc1h = fma_row(acc1h, a0.q1, b1);
    acc2h = fma_row(acc2h, a0.q2, b1);
    acc3h = fma_row(acc3h, a0.q3, b1);
    if (REG == 8u) {
      acc4h = fma_row(acc4h, a1.q0, b1);
      acc5h = fma_row(acc5h, a1.q1, b1);
      acc6h = fma_row(acc6h, a1.q2, b1);
      acc7h = fma_row(acc7h, a1.q3, b1);
    }
  }
}

// A's four vec4s at p, p + d, p + 2d, p + 3d (d2 = 2d, d3 = 3d), transposed into rows when A is.
fn quad_at_a(p: u32, d: u32, d2: u32, d3: u32) -> Quad {
  let q = Quad(A4[p], A4[p + d], A4[p + d2], A4[p + d3]);
  if (TRANS_A) { return transpose4(q.q0, q.q1, q.q2, q.q3); }
  return q;
}

// B's four vec4s at p, p + d, ..; transposed B's columns past N are the ones column (or
// past it: never stored), all ones along k.
fn quad_at_b(p: u32, d: u32, d2: u32, d3: u32, c0: u32) -> Quad {
  let N = mm_n();
  var q = Quad(B4[p], B4[p + d], B4[p + d2], B4[p + d3]);
  if (TRANS_B) {
    if (ONES_COL) {
      let o = vec4<f32>(1.0);
      q = Quad(select(q.q0, o, c0 >= N), select(q.q1, o, c0 + 1u >= N), select(q.q2, o, c0 + 2u >= N), select(q.q3, o, c0 + 3u >= N));
    }
    return transpose4(q.q0, q.q1, q.q2, q.q3);
  }
  if (ONES_COL && c0 >= N) {
    // N % 4 == 0: the ones column starts a vec4 of its own, (1, 0, 0, 0) at every k.
    let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
    return Quad(one, one, one, one);
  }
  return q;
}

// The thread's block (rows r0 .., columns c0 ..) over its chunk of K, for batch entry z / SPLIT_K.
fn reg_product(r0: u32, c0: u32, z: u32) {
  let M = mm_m();
  let N = mm_n();
  let K = mm_k();
  let b = z / SPLIT_K;
  let k1 = (z % SPLIT_K) * mm_k_chunk();
  let kEnd = select(K, min(K, k1 + mm_k_chunk()), SPLIT_K > 1u);
  let aBase = b * mm_a_batch_stride();
  let bBase = b * mm_b_batch_stride();
  let zero = Quad(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var k = k1;
  if (VEC_A && VEC_B) {
    // Both operands in vec4 loads, from running indices (the JIT of a CPU adapter does not
    // hoist the address arithmetic out of the loop). A block's rows past M or columns past N
    // read whatever WebGPU's bounds rules give (a value inside the buffer, or 0): their
    // outputs are never stored. K never runs past the chunk.
    // A: row-major, four rows' vec4s along k, K / 4 apart; transposed, four k's vec4s along
    // the rows, M / 4 apart. B likewise: four k's vec4s along the columns, N / 4 apart, or
    // four columns' vec4s along k, K / 4 apart.
    let dA = select(K / 4u, M / 4u, TRANS_A);
    let dB = select(N / 4u, K / 4u, TRANS_B);
    var pa = (aBase + select(r0 * K + k, k * M + r0, TRANS_A)) / 4u;
    var pb = (bBase + select(k * N + c0, c0 * K + k, TRANS_B)) / 4u;
    let stepA = select(1u, M, TRANS_A);
    let stepB = select(N, 1u, TRANS_B);
    // The next four rows (columns): four vec4s further, or the next vec4.
    let nextA = select(4u * dA, 1u, TRANS_A);
    let nextB = select(1u, 4u * dB, TRANS_B);
    let dA2 = 2u * dA;
    let dA3 = 3u * dA;
    let dB2 = 2u * dB;
    let dB3 = 3u * dB;
    for (; k + 4u <= kEnd; k += 4u) {
      let b0 = quad_at_b(pb, dB, dB2, dB3, c0);
      var b1 = zero;
      if (REG_N == 8u) { b1 = quad_at_b(pb + nextB, dB, dB2, dB3, c0 + 4u); }
      let a0 = quad_at_a(pa, dA, dA2, dA3);
      var a1 = zero;
      if (REG == 8u) { a1 = quad_at_a(pa + nextA, dA, dA2, dA3); }
      block_step(a0, a1, b0, b1);
      pa += stepA;
      pb += stepB;
    }
  }
  for (; k + 4u <= kEnd; k += 4u) {
    let b0 = b_quad(bBase, c0, k);
    var b1 = zero;
    if (REG_N == 8u) { b1 = b_quad(bBase, c0 + 4u, k); }
    let a0 = a_quad(aBase, r0, k);
    var a1 = zero;
    if (REG == 8u) { a1 = a_quad(aBase, r0 + 4u, k); }
    block_step(a0, a1, b0, b1);
  }
  // K's last values (K % 4 of them; only with CHECK), one at a time in scalar loads: a step
  // whose other three k are zero.
  if (CHECK) {
    for (; k < kEnd; k++) {
      let b0 = Quad(vec4<f32>(b_at(bBase, k, c0), b_at(bBase, k, c0 + 1u), b_at(bBase, k, c0 + 2u), b_at(bBase, k, c0 + 3u)), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
      var b1 = zero;
      if (REG_N == 8u) { b1 = Quad(vec4<f32>(b_at(bBase, k, c0 + 4u), b_at(bBase, k, c0 + 5u), b_at(bBase, k, c0 + 6u), b_at(bBase, k, c0 + 7u)), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0)); }
      let a0 = Quad(a_col(aBase, r0, k), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
      var a1 = zero;
      if (REG == 8u) { a1 = Quad(a_col(aBase, r0 + 4u, k), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0)); }
      block_step(transpose4(a0.q0, a0.q1, a0.q2, a0.q3), transpose4(a1.q0, a1.q1, a1.q2, a1.q3), b0, b1);
    }
  }
}

// op(A)'s rows r0 .. r0 + 3 at one k.
fn a_col(aBase: u32, r0: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(a_at(aBase, row_in(r0), k), a_at(aBase, row_in(r0 + 1u), k), a_at(aBase, row_in(r0 + 2u), k), a_at(aBase, row_in(r0 + 3u), k));
}

// The thread's block: its first row and column, or r0 = M when it has none.
fn block_origin(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>) -> vec2<u32> {
  let NP = mm_n() + select(0u, 1u, ONES_COL);
  let blocksN = (NP + REG_N - 1u) / REG_N;
  let blk = (wid.y * nwg.x + wid.x) * WG + lid.x;
  return vec2<u32>(min((blk / blocksN) * REG, mm_m()), (blk % blocksN) * REG_N);
}

// The block's rows for the stores, in the order the stores walk them: element q is row
// q % REG, columns 4 (q / REG) .. + 3. Copied once from the accumulators by name: indexing
// those by a loop variable would be a switch per output, as costly as the product itself
// when K is short (a weight gradient's).
var<private> rows: array<vec4<f32>, 16>;

fn gather_rows() {
  rows[0] = acc0;
  rows[1] = acc1;
  rows[2] = acc2;
  rows[3] = acc3;
  if (REG == 8u) {
    rows[4] = acc4;
    rows[5] = acc5;
    rows[6] = acc6;
    rows[7] = acc7;
  }
  if (REG_N == 8u) {
    rows[REG] = acc0h;
    rows[REG + 1u] = acc1h;
    rows[REG + 2u] = acc2h;
    rows[REG + 3u] = acc3h;
    if (REG == 8u) {
      rows[12] = acc4h;
      rows[13] = acc5h;
      rows[14] = acc6h;
      rows[15] = acc7h;
    }
  }
}

// Where element e (0 .. REG REG_N - 1) of the block at o goes: its row and column, and its
// value.
struct Out {
  r: u32,
  c: u32,
  v: f32,
}

fn block_out(o: vec2<u32>, e: u32) -> Out {
  let q = e / 4u;
  return Out(o.x + q % REG, o.y + 4u * (q / REG) + e % 4u, rows[q][e % 4u]);
}

// Whether an output is inside C (always, without CHECK).
fn inside(x: Out) -> bool {
  return !CHECK || (x.r < mm_m() && x.c < mm_n());
}

// Each entry point: the thread's block (none past M: an early return, there are no
// barriers), then its outputs inside C stored with the epilogue.
@compute @workgroup_size(WG)
fn matmul_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= mm_batch() || o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, wid.z);
  gather_rows();
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    if (inside(x)) { C[(wid.z * mm_m() + x.r) * mm_n() + x.c] = x.v; }
  }
}

// A split-K chunk's partial block, into scratch [batch, SPLIT_K, M, NP] (matmul_sum.wgsl).
@compute @workgroup_size(WG)
fn matmul_reg_partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z / SPLIT_K >= mm_batch() || o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, wid.z);
  gather_rows();
  let NP = mm_n() + select(0u, 1u, ONES_COL);
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    if (!CHECK || (x.r < mm_m() && x.c < NP)) { C[(wid.z * mm_m() + x.r) * NP + x.c] = x.v; }
  }
}

@compute @workgroup_size(WG)
fn matmul_reg_act_backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= mm_batch() || o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, wid.z);
  gather_rows();
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    let at = (wid.z * mm_m() + x.r) * mm_n() + x.c;
    if (inside(x)) { Y[at] = act_backward(ACT_BWD, E[at], x.v, pf(MATMUL_SLOPE)); }
  }
}

// Over N + 1 columns (ONES_COL): column N of the product is the row sum. No batch.
@compute @workgroup_size(WG)
fn matmul_reg_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, 0u);
  gather_rows();
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    if (x.r < mm_m() && x.c < mm_n()) { C[x.r * mm_n() + x.c] = x.v; } else if (x.r < mm_m() && x.c == mm_n()) { Y[x.r] = x.v; }
  }
}

@compute @workgroup_size(WG)
fn linear_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= mm_batch() || o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, wid.z);
  gather_rows();
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    if (inside(x)) { Y[(wid.z * mm_m() + x.r) * mm_n() + x.c] = act_forward(ACT, x.v + E[x.c], pf(MATMUL_SLOPE)); }
  }
}

@compute @workgroup_size(WG)
fn linear_pre_reg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= mm_batch() || o.x >= mm_m()) { return; }
  reg_product(o.x, o.y, wid.z);
  gather_rows();
  for (var e = 0u; e < REG * REG_N; e++) {
    let x = block_out(o, e);
    if (inside(x)) {
      let at = (wid.z * mm_m() + x.r) * mm_n() + x.c;
      let z = x.v + E[x.c];
      Z[at] = z;
      Y[at] = act_forward(ACT, z, pf(MATMUL_SLOPE));
    }
  }
}
