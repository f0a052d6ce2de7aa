// Batched matmul with transpose flags for CPU adapters, quad-blocked: C[b] = op(A[b]) @ op(B[b])
// with no workgroup memory and no barriers, four threads (a quad of a subgroup) sharing one
// block of C. Same parameter block (the MATMUL layout), operands, entry points and epilogues
// as matmul_reg.wgsl; split-K's partials go to the same scratch layout (matmul_sum.wgsl).
// Needs the 'subgroups' feature (quadBroadcast); the backend runs matmul_reg.wgsl where the
// device lacks it.
//
// Why: SwiftShader runs four invocations as the lanes of one SIMD register, and a storage
// load whose index is not a compile-time constant is a per-lane gather under the lane mask
// (SIMD::Pointer::Load: its broadcast and sequential fast paths test offsets known when the
// shader is compiled, never at run time), so loads, not multiply-adds, bound the register
// kernel, whose lanes each load their own rows and columns. Here the four lanes of a quad
// split a block of QUAD_ROWS rows x 16 QUAD_COLS columns: lane l owns the columns
// 16 j + 4 l .. + 3 (one vec4 accumulator per row and j), so every float of its B loads is
// its own, and op(A)'s rows are loaded once per quad (each lane a quarter of a 4x4 tile)
// and handed to the other lanes by quadBroadcast, a register shuffle. Per four k a lane
// issues QUAD_ROWS + 16 QUAD_COLS float loads for 4 QUAD_ROWS QUAD_COLS vec4 multiply-adds,
// chained four deep so each accumulator is written (a masked blend on SwiftShader) once per
// four multiply-adds. Accumulators are named, never indexed by a variable (an array
// indexed at run time stays in memory).
//
// Threads: a 1-D workgroup of WG threads (a multiple of 4); the quad of threads 4 t .. 4 t + 3
// of workgroup (x, y) takes block (y nx + x) WG / 4 + t (y > 0 only past WebGPU's 65535
// workgroups along x), blocks numbered row-major over ceil(M / QUAD_ROWS) x
// ceil(NP / (16 QUAD_COLS)) (NP = N, or N + 1 with ONES_COL); a quad is four consecutive
// invocations of a subgroup, and lane = local index % 4 assumes a subgroup starts at a
// multiple of 4 in a 1-D workgroup (as every driver numbers them). workgroup_id.z = batch
// entry * SPLIT_K + chunk, as in matmul.wgsl.
// CHECK: false when M % QUAD_ROWS, NP % (16 QUAD_COLS) and K % 4 are all 0. With CHECK, a
// block's rows past M and columns past N read clamped elements (scalar loads) or whatever
// WebGPU's bounds rules give (vec4 loads): their outputs are never stored; the last K % 4
// values run as one more step whose loads past the chunk are zero.

enable subgroups;
// A quad returns as a whole (its four lanes share a block), so its broadcasts see all four
// lanes, though WGSL's uniformity analysis cannot tell.
diagnostic(off, subgroup_uniformity);

// The operands as vec4s (buffers are sized in 16-byte units).
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> E: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

// Overrides (declared by the contract): WG, QUAD_ROWS (8 or 16), QUAD_COLS (1, 2 or 4),
// TRANS_A, TRANS_B, VEC_A, VEC_B, CHECK, SPLIT_K, ONES_COL, and the epilogue's ACT or ACT_BWD.

// Row i of the block, the lane's column group j: acc<i>_<j>.
var<private> acc0_0: vec4<f32>;
var<private> acc1_0: vec4<f32>;
var<private> acc2_0: vec4<f32>;
var<private> acc3_0: vec4<f32>;
var<private> acc4_0: vec4<f32>;
var<private> acc5_0: vec4<f32>;
var<private> acc6_0: vec4<f32>;
var<private> acc7_0: vec4<f32>;
var<private> acc8_0: vec4<f32>;
var<private> acc9_0: vec4<f32>;
var<private> acc10_0: vec4<f32>;
var<private> acc11_0: vec4<f32>;
var<private> acc12_0: vec4<f32>;
var<private> acc13_0: vec4<f32>;
var<private> acc14_0: vec4<f32>;
var<private> acc15_0: vec4<f32>;
var<private> acc0_1: vec4<f32>;
var<private> acc1_1: vec4<f32>;
var<private> acc2_1: vec4<f32>;
var<private> acc3_1: vec4<f32>;
var<private> acc4_1: vec4<f32>;
var<private> acc5_1: vec4<f32>;
var<private> acc6_1: vec4<f32>;
var<private> acc7_1: vec4<f32>;
var<private> acc8_1: vec4<f32>;
var<private> acc9_1: vec4<f32>;
var<private> acc10_1: vec4<f32>;
var<private> acc11_1: vec4<f32>;
var<private> acc12_1: vec4<f32>;
var<private> acc13_1: vec4<f32>;
var<private> acc14_1: vec4<f32>;
var<private> acc15_1: vec4<f32>;
var<private> acc0_2: vec4<f32>;
var<private> acc1_2: vec4<f32>;
var<private> acc2_2: vec4<f32>;
var<private> acc3_2: vec4<f32>;
var<private> acc4_2: vec4<f32>;
var<private> acc5_2: vec4<f32>;
var<private> acc6_2: vec4<f32>;
var<private> acc7_2: vec4<f32>;
var<private> acc8_2: vec4<f32>;
var<private> acc9_2: vec4<f32>;
var<private> acc10_2: vec4<f32>;
var<private> acc11_2: vec4<f32>;
var<private> acc12_2: vec4<f32>;
var<private> acc13_2: vec4<f32>;
var<private> acc14_2: vec4<f32>;
var<private> acc15_2: vec4<f32>;
var<private> acc0_3: vec4<f32>;
var<private> acc1_3: vec4<f32>;
var<private> acc2_3: vec4<f32>;
var<private> acc3_3: vec4<f32>;
var<private> acc4_3: vec4<f32>;
var<private> acc5_3: vec4<f32>;
var<private> acc6_3: vec4<f32>;
var<private> acc7_3: vec4<f32>;
var<private> acc8_3: vec4<f32>;
var<private> acc9_3: vec4<f32>;
var<private> acc10_3: vec4<f32>;
var<private> acc11_3: vec4<f32>;
var<private> acc12_3: vec4<f32>;
var<private> acc13_3: vec4<f32>;
var<private> acc14_3: vec4<f32>;
var<private> acc15_3: vec4<f32>;

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

// The quad's four rows of op(A) over four k, from each lane's quarter of the 4x4 tile: lane m
// holds row m over the k (op(A) row-major) or the four rows at k + m (A transposed).
fn rows_of(a: vec4<f32>) -> Quad {
  let s = Quad(quadBroadcast(a, 0u), quadBroadcast(a, 1u), quadBroadcast(a, 2u), quadBroadcast(a, 3u));
  if (TRANS_A) { return transpose4(s.q0, s.q1, s.q2, s.q3); }
  return s;
}

// A row's multiply-adds for one step: its vec4 over k times b's vec4s over the columns.
fn fma_row(acc: vec4<f32>, a: vec4<f32>, b: Quad) -> vec4<f32> {
  return fma(vec4<f32>(a.w), b.q3, fma(vec4<f32>(a.z), b.q2, fma(vec4<f32>(a.y), b.q1, fma(vec4<f32>(a.x), b.q0, acc))));
}

// One step of K (four values) for the lane's part of the block: rows 4 q .. 4 q + 3 from aq,
// column group j from bj.
fn block_step(a0: Quad, a1: Quad, a2: Quad, a3: Quad, b0: Quad, b1: Quad, b2: Quad, b3: Quad) {
  acc0_0 = fma_row(acc0_0, a0.q0, b0);
  acc1_0 = fma_row(acc1_0, a0.q1, b0);
  acc2_0 = fma_row(acc2_0, a0.q2, b0);
  acc3_0 = fma_row(acc3_0, a0.q3, b0);
  acc4_0 = fma_row(acc4_0, a1.q0, b0);
  acc5_0 = fma_row(acc5_0, a1.q1, b0);
  acc6_0 = fma_row(acc6_0, a1.q2, b0);
  acc7_0 = fma_row(acc7_0, a1.q3, b0);
  if (QUAD_COLS >= 2u) {
    acc0_1 = fma_row(acc0_1, a0.q0, b1);
    acc1_1 = fma_row(acc1_1, a0.q1, b1);
    acc2_1 = fma_row(acc2_1, a0.q2, b1);
    acc3_1 = fma_row(acc3_1, a0.q3, b1);
    acc4_1 = fma_row(acc4_1, a1.q0, b1);
    acc5_1 = fma_row(acc5_1, a1.q1, b1);
    acc6_1 = fma_row(acc6_1, a1.q2, b1);
    acc7_1 = fma_row(acc7_1, a1.q3, b1);
  }
  if (QUAD_COLS == 4u) {
    acc0_2 = fma_row(acc0_2, a0.q0, b2);
    acc0_3 = fma_row(acc0_3, a0.q0, b3);
    acc1_2 = fma_row(acc1_2, a0.q1, b2);
    acc1_3 = fma_row(acc1_3, a0.q1, b3);
    acc2_2 = fma_row(acc2_2, a0.q2, b2);
    acc2_3 = fma_row(acc2_3, a0.q2, b3);
    acc3_2 = fma_row(acc3_2, a0.q3, b2);
    acc3_3 = fma_row(acc3_3, a0.q3, b3);
    acc4_2 = fma_row(acc4_2, a1.q0, b2);
    acc4_3 = fma_row(acc4_3, a1.q0, b3);
    acc5_2 = fma_row(acc5_2, a1.q1, b2);
    acc5_3 = fma_row(acc5_3, a1.q1, b3);
    acc6_2 = fma_row(acc6_2, a1.q2, b2);
    acc6_3 = fma_row(acc6_3, a1.q2, b3);
    acc7_2 = fma_row(acc7_2, a1.q3, b2);
    acc7_3 = fma_row(acc7_3, a1.q3, b3);
  }
  if (QUAD_ROWS == 16u) {
    acc8_0 = fma_row(acc8_0, a2.q0, b0);
    acc9_0 = fma_row(acc9_0, a2.q1, b0);
    acc10_0 = fma_row(acc10_0, a2.q2, b0);
    acc11_0 = fma_row(acc11_0, a2.q3, b0);
    acc12_0 = fma_row(acc12_0, a3.q0, b0);
    acc13_0 = fma_row(acc13_0, a3.q1, b0);
    acc14_0 = fma_row(acc14_0, a3.q2, b0);
    acc15_0 = fma_row(acc15_0, a3.q3, b0);
  }
  if (QUAD_ROWS == 16u && QUAD_COLS >= 2u) {
    acc8_1 = fma_row(acc8_1, a2.q0, b1);
    acc9_1 = fma_row(acc9_1, a2.q1, b1);
    acc10_1 = fma_row(acc10_1, a2.q2, b1);
    acc11_1 = fma_row(acc11_1, a2.q3, b1);
    acc12_1 = fma_row(acc12_1, a3.q0, b1);
    acc13_1 = fma_row(acc13_1, a3.q1, b1);
    acc14_1 = fma_row(acc14_1, a3.q2, b1);
    acc15_1 = fma_row(acc15_1, a3.q3, b1);
  }
  if (QUAD_ROWS == 16u && QUAD_COLS == 4u) {
    acc8_2 = fma_row(acc8_2, a2.q0, b2);
    acc8_3 = fma_row(acc8_3, a2.q0, b3);
    acc9_2 = fma_row(acc9_2, a2.q1, b2);
    acc9_3 = fma_row(acc9_3, a2.q1, b3);
    acc10_2 = fma_row(acc10_2, a2.q2, b2);
    acc10_3 = fma_row(acc10_3, a2.q2, b3);
    acc11_2 = fma_row(acc11_2, a2.q3, b2);
    acc11_3 = fma_row(acc11_3, a2.q3, b3);
    acc12_2 = fma_row(acc12_2, a3.q0, b2);
    acc12_3 = fma_row(acc12_3, a3.q0, b3);
    acc13_2 = fma_row(acc13_2, a3.q1, b2);
    acc13_3 = fma_row(acc13_3, a3.q1, b3);
    acc14_2 = fma_row(acc14_2, a3.q2, b2);
    acc14_3 = fma_row(acc14_3, a3.q2, b3);
    acc15_2 = fma_row(acc15_2, a3.q3, b2);
    acc15_3 = fma_row(acc15_3, a3.q3, b3);
  }
}

// Row r of op(A) clamped into the matrix (with CHECK; the rows past M are computed, never stored).
fn row_in(r: u32) -> u32 {
  return select(r, min(r, P[MATMUL_M] - 1u), CHECK);
}

// Element (r, k) of op(A), r inside the matrix; 0 from the end of the chunk on.
fn a_at(aBase: u32, r: u32, k: u32, kEnd: u32) -> f32 {
  let kk = min(k, kEnd - 1u);
  let i = aBase + select(r * P[MATMUL_K] + kk, kk * P[MATMUL_M] + r, TRANS_A);
  return select(A4[i / 4u][i % 4u], 0.0, k >= kEnd);
}

// Element (k, c) of op(B): 0 from the end of the chunk on, else 1 in the ones column (and
// past it: those columns are never stored).
fn b_at(bBase: u32, k: u32, c: u32, kEnd: u32) -> f32 {
  let N = P[MATMUL_N];
  if (k >= kEnd) { return 0.0; }
  if (ONES_COL && c >= N) { return 1.0; }
  let cc = select(c, min(c, N - 1u), CHECK);
  let i = bBase + select(k * N + cc, cc * P[MATMUL_K] + k, TRANS_B);
  return B4[i / 4u][i % 4u];
}

// The lane's quarter of op(A)'s 4x4 tile at rows r .., k .. in scalar loads: row r + lane over
// the four k, or rows r .. r + 3 at k + lane.
fn a_lane(aBase: u32, r: u32, k: u32, lane: u32, kEnd: u32) -> vec4<f32> {
  if (TRANS_A) {
    let kl = k + lane;
    return vec4<f32>(a_at(aBase, row_in(r), kl, kEnd), a_at(aBase, row_in(r + 1u), kl, kEnd), a_at(aBase, row_in(r + 2u), kl, kEnd), a_at(aBase, row_in(r + 3u), kl, kEnd));
  }
  let rl = row_in(r + lane);
  return vec4<f32>(a_at(aBase, rl, k, kEnd), a_at(aBase, rl, k + 1u, kEnd), a_at(aBase, rl, k + 2u, kEnd), a_at(aBase, rl, k + 3u, kEnd));
}

// op(B)'s columns c .. c + 3 at k .. k + 3 in scalar loads, one vec4 over the columns per k.
fn b_group(bBase: u32, c: u32, k: u32, kEnd: u32) -> Quad {
  return Quad(
    vec4<f32>(b_at(bBase, k, c, kEnd), b_at(bBase, k, c + 1u, kEnd), b_at(bBase, k, c + 2u, kEnd), b_at(bBase, k, c + 3u, kEnd)),
    vec4<f32>(b_at(bBase, k + 1u, c, kEnd), b_at(bBase, k + 1u, c + 1u, kEnd), b_at(bBase, k + 1u, c + 2u, kEnd), b_at(bBase, k + 1u, c + 3u, kEnd)),
    vec4<f32>(b_at(bBase, k + 2u, c, kEnd), b_at(bBase, k + 2u, c + 1u, kEnd), b_at(bBase, k + 2u, c + 2u, kEnd), b_at(bBase, k + 2u, c + 3u, kEnd)),
    vec4<f32>(b_at(bBase, k + 3u, c, kEnd), b_at(bBase, k + 3u, c + 1u, kEnd), b_at(bBase, k + 3u, c + 2u, kEnd), b_at(bBase, k + 3u, c + 3u, kEnd)),
  );
}

// op(B)'s columns c .. c + 3 at four k in vec4 loads from p: four k's vec4s along the columns,
// d apart, or (B transposed) four columns' vec4s along k, d apart, transposed. Columns past N
// are the ones column (or past it: never stored), all ones along k.
fn b_vec(p: u32, d: u32, c: u32) -> Quad {
  let N = P[MATMUL_N];
  var q = Quad(B4[p], B4[p + d], B4[p + 2u * d], B4[p + 3u * d]);
  if (TRANS_B) {
    if (ONES_COL) {
      let o = vec4<f32>(1.0);
      q = Quad(select(q.q0, o, c >= N), select(q.q1, o, c + 1u >= N), select(q.q2, o, c + 2u >= N), select(q.q3, o, c + 3u >= N));
    }
    return transpose4(q.q0, q.q1, q.q2, q.q3);
  }
  if (ONES_COL && c >= N) {
    // N % 4 == 0: the ones column starts a vec4 of its own, (1, 0, 0, 0) at every k.
    let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
    return Quad(one, one, one, one);
  }
  return q;
}

// The lane's part of the block (rows r0 .., its columns c0 + 16 j ..) over its chunk of K,
// for batch entry z / SPLIT_K.
fn quad_product(r0: u32, c0: u32, lane: u32, z: u32) {
  let M = P[MATMUL_M];
  let N = P[MATMUL_N];
  let K = P[MATMUL_K];
  let b = z / SPLIT_K;
  let k1 = (z % SPLIT_K) * P[MATMUL_K_CHUNK];
  let kEnd = select(K, min(K, k1 + P[MATMUL_K_CHUNK]), SPLIT_K > 1u);
  let aBase = b * P[MATMUL_A_BATCH_STRIDE];
  let bBase = b * P[MATMUL_B_BATCH_STRIDE];
  let zero = Quad(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var a1 = zero;
  var a2 = zero;
  var a3 = zero;
  var b1 = zero;
  var b2 = zero;
  var b3 = zero;
  var k = k1;
  if (VEC_A && VEC_B) {
    // Vec4 loads from running indices (the JIT of a CPU adapter does not hoist the address
    // arithmetic out of the loop), whole steps of four k. A row-major: the lane's row over k,
    // the next four rows K vec4s on; transposed: four rows at k + lane, the next four one
    // vec4 on. B row-major: four k's vec4s N / 4 apart, the next column group four vec4s on;
    // transposed: four columns' vec4s K / 4 apart, the next group 4 K vec4s on.
    var pa = select((aBase + (r0 + lane) * K + k) / 4u, (aBase + (k + lane) * M + r0) / 4u, TRANS_A);
    var pb = select((bBase + k * N + c0) / 4u, (bBase + c0 * K + k) / 4u, TRANS_B);
    let nextA = select(K, 1u, TRANS_A);
    let stepA = select(1u, M, TRANS_A);
    let dB = select(N / 4u, K / 4u, TRANS_B);
    let nextB = select(4u, 4u * K, TRANS_B);
    let stepB = select(N, 1u, TRANS_B);
    for (; k + 4u <= kEnd; k += 4u) {
      let a0 = rows_of(A4[pa]);
      a1 = rows_of(A4[pa + nextA]);
      if (QUAD_ROWS == 16u) {
        a2 = rows_of(A4[pa + 2u * nextA]);
        a3 = rows_of(A4[pa + 3u * nextA]);
      }
      let b0 = b_vec(pb, dB, c0);
      if (QUAD_COLS >= 2u) { b1 = b_vec(pb + nextB, dB, c0 + 16u); }
      if (QUAD_COLS == 4u) {
        b2 = b_vec(pb + 2u * nextB, dB, c0 + 32u);
        b3 = b_vec(pb + 3u * nextB, dB, c0 + 48u);
      }
      block_step(a0, a1, a2, a3, b0, b1, b2, b3);
      pa += stepA;
      pb += stepB;
    }
  }
  // The rest (K's last values, or all of K without vec4 loads) in clamped scalar loads.
  for (; k < kEnd; k += 4u) {
    let a0 = rows_of(a_lane(aBase, r0, k, lane, kEnd));
    a1 = rows_of(a_lane(aBase, r0 + 4u, k, lane, kEnd));
    if (QUAD_ROWS == 16u) {
      a2 = rows_of(a_lane(aBase, r0 + 8u, k, lane, kEnd));
      a3 = rows_of(a_lane(aBase, r0 + 12u, k, lane, kEnd));
    }
    let b0 = b_group(bBase, c0, k, kEnd);
    if (QUAD_COLS >= 2u) { b1 = b_group(bBase, c0 + 16u, k, kEnd); }
    if (QUAD_COLS == 4u) {
      b2 = b_group(bBase, c0 + 32u, k, kEnd);
      b3 = b_group(bBase, c0 + 48u, k, kEnd);
    }
    block_step(a0, a1, a2, a3, b0, b1, b2, b3);
  }
}

// The quad's block and the lane's first column (x: the block's first row, M when it has none; y: column).
fn block_origin(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>) -> vec2<u32> {
  let NP = P[MATMUL_N] + select(0u, 1u, ONES_COL);
  let blocksN = (NP + 16u * QUAD_COLS - 1u) / (16u * QUAD_COLS);
  let blk = ((wid.y * nwg.x + wid.x) * WG + lid.x) / 4u;
  return vec2<u32>(min((blk / blocksN) * QUAD_ROWS, P[MATMUL_M]), (blk % blocksN) * 16u * QUAD_COLS + 4u * (lid.x % 4u));
}

// The lane's outputs for the stores, in the order the stores walk them: element q is row
// q % 16 of column group q / 16. Copied once from the accumulators by name (indexing those
// by a loop variable would be a switch per output).
var<private> rows: array<vec4<f32>, 64>;

fn gather_rows() {
  rows[0u] = acc0_0;
  rows[1u] = acc1_0;
  rows[2u] = acc2_0;
  rows[3u] = acc3_0;
  rows[4u] = acc4_0;
  rows[5u] = acc5_0;
  rows[6u] = acc6_0;
  rows[7u] = acc7_0;
  if (QUAD_COLS >= 2u) {
    rows[16u] = acc0_1;
    rows[17u] = acc1_1;
    rows[18u] = acc2_1;
    rows[19u] = acc3_1;
    rows[20u] = acc4_1;
    rows[21u] = acc5_1;
    rows[22u] = acc6_1;
    rows[23u] = acc7_1;
  }
  if (QUAD_COLS == 4u) {
    rows[32u] = acc0_2;
    rows[48u] = acc0_3;
    rows[33u] = acc1_2;
    rows[49u] = acc1_3;
    rows[34u] = acc2_2;
    rows[50u] = acc2_3;
    rows[35u] = acc3_2;
    rows[51u] = acc3_3;
    rows[36u] = acc4_2;
    rows[52u] = acc4_3;
    rows[37u] = acc5_2;
    rows[53u] = acc5_3;
    rows[38u] = acc6_2;
    rows[54u] = acc6_3;
    rows[39u] = acc7_2;
    rows[55u] = acc7_3;
  }
  if (QUAD_ROWS == 16u) {
    rows[8u] = acc8_0;
    rows[9u] = acc9_0;
    rows[10u] = acc10_0;
    rows[11u] = acc11_0;
    rows[12u] = acc12_0;
    rows[13u] = acc13_0;
    rows[14u] = acc14_0;
    rows[15u] = acc15_0;
  }
  if (QUAD_ROWS == 16u && QUAD_COLS >= 2u) {
    rows[24u] = acc8_1;
    rows[25u] = acc9_1;
    rows[26u] = acc10_1;
    rows[27u] = acc11_1;
    rows[28u] = acc12_1;
    rows[29u] = acc13_1;
    rows[30u] = acc14_1;
    rows[31u] = acc15_1;
  }
  if (QUAD_ROWS == 16u && QUAD_COLS == 4u) {
    rows[40u] = acc8_2;
    rows[56u] = acc8_3;
    rows[41u] = acc9_2;
    rows[57u] = acc9_3;
    rows[42u] = acc10_2;
    rows[58u] = acc10_3;
    rows[43u] = acc11_2;
    rows[59u] = acc11_3;
    rows[44u] = acc12_2;
    rows[60u] = acc12_3;
    rows[45u] = acc13_2;
    rows[61u] = acc13_3;
    rows[46u] = acc14_2;
    rows[62u] = acc14_3;
    rows[47u] = acc15_2;
    rows[63u] = acc15_3;
  }
}

// Where element e (0 .. 4 QUAD_ROWS QUAD_COLS - 1) of the lane's outputs goes: its row and
// column, and its value.
struct Out {
  r: u32,
  c: u32,
  v: f32,
}

fn lane_out(o: vec2<u32>, e: u32) -> Out {
  let q = e / 4u;
  let i = q % QUAD_ROWS;
  let j = q / QUAD_ROWS;
  return Out(o.x + i, o.y + 16u * j + e % 4u, rows[16u * j + i][e % 4u]);
}

// Whether an output is inside C (always, without CHECK).
fn inside(x: Out) -> bool {
  return !CHECK || (x.r < P[MATMUL_M] && x.c < P[MATMUL_N]);
}

// Each entry point: the quad's block (none past M: the quad returns as a whole, there are
// no barriers), then the lane's outputs inside C stored with the epilogue.
@compute @workgroup_size(WG)
fn matmul_quad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, wid.z);
  gather_rows();
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    if (inside(x)) { C[(wid.z * P[MATMUL_M] + x.r) * P[MATMUL_N] + x.c] = x.v; }
  }
}

// A split-K chunk's partial block, into scratch [batch, SPLIT_K, M, NP] (matmul_sum.wgsl).
@compute @workgroup_size(WG)
fn matmul_quad_partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z / SPLIT_K >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, wid.z);
  gather_rows();
  let NP = P[MATMUL_N] + select(0u, 1u, ONES_COL);
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    if (!CHECK || (x.r < P[MATMUL_M] && x.c < NP)) { C[(wid.z * P[MATMUL_M] + x.r) * NP + x.c] = x.v; }
  }
}

@compute @workgroup_size(WG)
fn matmul_quad_act_backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, wid.z);
  gather_rows();
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    let at = (wid.z * P[MATMUL_M] + x.r) * P[MATMUL_N] + x.c;
    if (inside(x)) { Y[at] = act_backward(ACT_BWD, E[at], x.v, pf(MATMUL_SLOPE)); }
  }
}

// Over N + 1 columns (ONES_COL): column N of the product is the row sum. No batch.
@compute @workgroup_size(WG)
fn matmul_quad_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, 0u);
  gather_rows();
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    if (x.r < P[MATMUL_M] && x.c < P[MATMUL_N]) { C[x.r * P[MATMUL_N] + x.c] = x.v; } else if (x.r < P[MATMUL_M] && x.c == P[MATMUL_N]) { Y[x.r] = x.v; }
  }
}

@compute @workgroup_size(WG)
fn linear_quad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, wid.z);
  gather_rows();
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    if (inside(x)) { Y[(wid.z * P[MATMUL_M] + x.r) * P[MATMUL_N] + x.c] = act_forward(ACT, x.v + E[x.c], pf(MATMUL_SLOPE)); }
  }
}

@compute @workgroup_size(WG)
fn linear_pre_quad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = block_origin(lid, wid, nwg);
  if (wid.z >= P[MATMUL_BATCH] || o.x >= P[MATMUL_M]) { return; }
  quad_product(o.x, o.y, lid.x % 4u, wid.z);
  gather_rows();
  for (var e = 0u; e < 4u * QUAD_ROWS * QUAD_COLS; e++) {
    let x = lane_out(o, e);
    if (inside(x)) {
      let at = (wid.z * P[MATMUL_M] + x.r) * P[MATMUL_N] + x.c;
      let z = x.v + E[x.c];
      Z[at] = z;
      Y[at] = act_forward(ACT, z, pf(MATMUL_SLOPE));
    }
  }
}
