// Batched matmul with transpose flags: C[b] = op(A[b]) @ op(B[b]), one dispatch (two with
// split-K). Parameter block: the MATMUL layout: M, N, K, the batch strides of A and B (0 when
// a 2-D operand is shared across the batch), the batch count, the leaky ReLU's slope of an
// epilogue, the K-chunk of a split-K product.
// A is [M,K] row-major, or [K,M] when TRANS_A; B is [K,N], or [N,K] when TRANS_B; C is [M,N].
//
// Each workgroup computes a TILE_M x TILE_N tile of C (TILE_M = REG WG_M, TILE_N = REG WG_N)
// for batch entry workgroup_id.z, walking K in steps of TILE_K. Per step the workgroup
// stages op(A)'s TILE_M x TILE_K panel and op(B)'s TILE_K x TILE_N panel in workgroup
// memory, reading the operands in whichever layout they have (so a transposed operand is
// never copied), and each thread accumulates a REG x REG block of C (REG = 4 or 8): adjacent
// rows, adjacent columns, held in vec4 accumulators that the code indexes only by constants.
// (A register block in an array indexed by loop variables stays in memory on drivers that
// do not unroll loops, SwiftShader's among them: five memory operations per multiply-add
// instead of one. On SwiftShader each thread group of a workgroup with barriers is also a
// coroutine, so fewer threads with bigger blocks win there; real GPUs want more threads.)
//
// The TypeScript side (src/ops/matmul.ts, chooseMatmul) picks the configuration per shape
// and adapter, as override constants:
// - VEC_A / VEC_B: the operand's contiguous direction is a multiple of 4 long, so its panel
//   is read in vec4 loads (a 4 x 4 block transposed in registers when that direction is k);
//   otherwise it is read one float at a time. The operands are bound as vec4 arrays either way.
// - CHECK: false when M, N and K are multiples of the tile (and of the K-chunk), so no load
//   or store needs a bounds test; with CHECK, loads outside the matrix read 0 and stores
//   outside it are skipped: any M, N, K works.
// - SPLIT_K > 1: workgroup_id.z = batch entry * SPLIT_K + chunk; each chunk of K (the
//   K-chunk's values, a multiple of TILE_K) is one workgroup, and matmul_partial stores its partial tile
//   into scratch, summed in a fixed order by a second dispatch (matmul_sum.wgsl): skinny
//   products (small M x N, long K) get enough workgroups to fill the GPU, deterministically.
// - SHAPED: a pipeline made for one shape, whose sizes are the DIM_* overrides (common.wgsl's
//   mm_m() ..), so the compiler folds index division, bounds and loop counts; otherwise the
//   sizes come from the parameter block and one pipeline serves every shape.
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

// The tiled kernels read the operands as vec4s (the buffers are sized in 16-byte units);
// the one-thread-per-output kernels below read floats.
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
// The output (matmul_partial: its chunk's partial tile, in scratch).
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// The epilogue's operand at binding 3 (linear's bias, or the saved activation), its output
// at binding 4; matmul_colsum writes C at binding 3 and the row sums at binding 4.
@group(0) @binding(3) var<storage, read> E: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
// linear_pre: also the pre-activation, op(A) @ op(B) + E, kept for a reader that needs it
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

// The overrides named above, and the epilogue's (linear's ACT code for act_forward,
// matmul_act_backward's ACT_BWD code, both with the leaky slope in P[MATMUL_SLOPE]; the
// one-output-a-thread *_small kernels read that code from P[MATMUL_ACT] instead, so one of
// their pipelines serves every activation;
// matmul_colsum's ONES_COL, op(B)'s extra column of ones at column N), are declared with their
// defaults by src/ops/contract.ts: WG_N and WG_M threads per workgroup along N (x) and M (y),
// REG outputs per thread along each, the K-step TILE_K, SPLIT_K, and the tile TILE_M x TILE_N
// (REG WG_M x REG WG_N) whose panels are QM (QN) vec4s per k.

// Panels, k-major, four rows (columns) of a k per vec4: As[kk * QM + q] holds op(A)'s rows
// 4q .. 4q+3 of the tile at column kk of the step, so a thread reads its rows in vec4 loads.
var<workgroup> As: array<vec4<f32>, TILE_K * QM>;
var<workgroup> Bs: array<vec4<f32>, TILE_K * QN>;

// The thread's block: row i in acc<i>l (columns 0..3) and acc<i>h (columns 4..7); a 4 x 4
// block uses acc0l .. acc3l.
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

// Element r, k of op(A) (and k, c of op(B)) one float at a time, 0 outside the matrix or
// past the chunk's end kEnd.
fn load_a(base: u32, r: u32, k: u32, kEnd: u32) -> f32 {
  let M = mm_m();
  let K = mm_k();
  if (CHECK && (r >= M || k >= kEnd)) { return 0.0; }
  let i = base + select(r * K + k, k * M + r, TRANS_A);
  return A4[i / 4u][i % 4u];
}

fn load_b(base: u32, k: u32, c: u32, kEnd: u32) -> f32 {
  let N = mm_n();
  let K = mm_k();
  if (ONES_COL && c == N && k < kEnd) { return 1.0; }
  if (CHECK && (c >= N || k >= kEnd)) { return 0.0; }
  let i = base + select(k * N + c, c * K + k, TRANS_B);
  return B4[i / 4u][i % 4u];
}

// Four floats that are contiguous in memory, starting at element i (a multiple of 4).
fn a_vec(i: u32, inside: bool) -> vec4<f32> {
  if (CHECK && !inside) { return vec4<f32>(0.0); }
  return A4[i / 4u];
}

fn b_vec(i: u32, inside: bool) -> vec4<f32> {
  if (CHECK && !inside) { return vec4<f32>(0.0); }
  return B4[i / 4u];
}

// op(A)'s panel for the step at k0: TILE_M rows x TILE_K. With VEC_A and TRANS_A four rows
// of a k are one vec4 already; with VEC_A alone a thread reads four rows' vec4s along k and
// stores them transposed. Consecutive threads walk the operand's contiguous direction, so
// loads coalesce.
fn load_panel_a(tid: u32, threads: u32, aBase: u32, row0: u32, k0: u32, kEnd: u32) {
  let M = mm_m();
  let K = mm_k();
  if (VEC_A && TRANS_A) {
    for (var idx = tid; idx < TILE_K * QM; idx += threads) {
      let kk = idx / QM;
      let q = idx % QM;
      let r = row0 + 4u * q;
      let k = k0 + kk;
      As[kk * QM + q] = a_vec(aBase + k * M + r, r < M && k < kEnd);
    }
  } else if (VEC_A) {
    for (var idx = tid; idx < (TILE_K / 4u) * QM; idx += threads) {
      let q = idx / (TILE_K / 4u);
      let kk = 4u * (idx % (TILE_K / 4u));
      let r = row0 + 4u * q;
      let k = k0 + kk;
      let at = aBase + r * K + k;
      let v0 = a_vec(at, r < M && k < kEnd);
      let v1 = a_vec(at + K, r + 1u < M && k < kEnd);
      let v2 = a_vec(at + 2u * K, r + 2u < M && k < kEnd);
      let v3 = a_vec(at + 3u * K, r + 3u < M && k < kEnd);
      As[kk * QM + q] = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
      As[(kk + 1u) * QM + q] = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
      As[(kk + 2u) * QM + q] = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
      As[(kk + 3u) * QM + q] = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
    }
  } else {
    for (var idx = tid; idx < TILE_K * QM; idx += threads) {
      var q: u32;
      var kk: u32;
      if (TRANS_A) { kk = idx / QM; q = idx % QM; } else { q = idx / TILE_K; kk = idx % TILE_K; }
      let r = row0 + 4u * q;
      let k = k0 + kk;
      As[kk * QM + q] = vec4<f32>(load_a(aBase, r, k, kEnd), load_a(aBase, r + 1u, k, kEnd), load_a(aBase, r + 2u, k, kEnd), load_a(aBase, r + 3u, k, kEnd));
    }
  }
}

// op(B)'s panel: TILE_K x TILE_N columns, the mirror image of load_panel_a (B's columns of a
// k are contiguous without TRANS_B). The ones column of matmul_colsum starts a vec4 of its
// own (VEC_B needs N % 4 == 0), so the vec4 paths add it as (1, 0, 0, 0).
fn load_panel_b(tid: u32, threads: u32, bBase: u32, col0: u32, k0: u32, kEnd: u32) {
  let N = mm_n();
  let K = mm_k();
  let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
  if (VEC_B && !TRANS_B) {
    for (var idx = tid; idx < TILE_K * QN; idx += threads) {
      let kk = idx / QN;
      let q = idx % QN;
      let c = col0 + 4u * q;
      let k = k0 + kk;
      if (ONES_COL && c == N) {
        Bs[kk * QN + q] = select(vec4<f32>(0.0), one, k < kEnd);
      } else {
        Bs[kk * QN + q] = b_vec(bBase + k * N + c, c < N && k < kEnd);
      }
    }
  } else if (VEC_B) {
    for (var idx = tid; idx < (TILE_K / 4u) * QN; idx += threads) {
      let q = idx / (TILE_K / 4u);
      let kk = 4u * (idx % (TILE_K / 4u));
      let c = col0 + 4u * q;
      let k = k0 + kk;
      let at = bBase + c * K + k;
      var v0 = b_vec(at, c < N && k < kEnd);
      let v1 = b_vec(at + K, c + 1u < N && k < kEnd);
      let v2 = b_vec(at + 2u * K, c + 2u < N && k < kEnd);
      let v3 = b_vec(at + 3u * K, c + 3u < N && k < kEnd);
      // K % 4 == 0 here, so the ones column's four k are all inside or all past the chunk.
      if (ONES_COL && c == N && k < kEnd) { v0 = vec4<f32>(1.0); }
      Bs[kk * QN + q] = vec4<f32>(v0.x, v1.x, v2.x, v3.x);
      Bs[(kk + 1u) * QN + q] = vec4<f32>(v0.y, v1.y, v2.y, v3.y);
      Bs[(kk + 2u) * QN + q] = vec4<f32>(v0.z, v1.z, v2.z, v3.z);
      Bs[(kk + 3u) * QN + q] = vec4<f32>(v0.w, v1.w, v2.w, v3.w);
    }
  } else {
    for (var idx = tid; idx < TILE_K * QN; idx += threads) {
      var q: u32;
      var kk: u32;
      if (TRANS_B) { q = idx / TILE_K; kk = idx % TILE_K; } else { kk = idx / QN; q = idx % QN; }
      let c = col0 + 4u * q;
      let k = k0 + kk;
      Bs[kk * QN + q] = vec4<f32>(load_b(bBase, k, c, kEnd), load_b(bBase, k, c + 1u, kEnd), load_b(bBase, k, c + 2u, kEnd), load_b(bBase, k, c + 3u, kEnd));
    }
  }
}

// Accumulates this thread's block of op(A) @ op(B) over its chunk of K, for batch entry
// wid.z / SPLIT_K. Called by whole workgroups only (it has barriers).
fn tile_product(lid: vec3<u32>, wid: vec3<u32>) {
  let K = mm_k();
  let b = wid.z / SPLIT_K;
  let k1 = (wid.z % SPLIT_K) * mm_k_chunk();
  let kEnd = select(K, min(K, k1 + mm_k_chunk()), SPLIT_K > 1u);
  let aBase = b * mm_a_batch_stride();
  let bBase = b * mm_b_batch_stride();
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;
  let threads = WG_M * WG_N;
  let tid = lid.y * WG_N + lid.x;

  for (var k0 = k1; k0 < kEnd; k0 += TILE_K) {
    load_panel_a(tid, threads, aBase, row0, k0, kEnd);
    load_panel_b(tid, threads, bBase, col0, k0, kEnd);
    workgroupBarrier();

    if (REG == 8u) {
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
    } else {
      for (var kk = 0u; kk < TILE_K; kk++) {
        let a0 = As[kk * QM + lid.y];
        let bl = Bs[kk * QN + lid.x];
        acc0l = fma(vec4<f32>(a0.x), bl, acc0l);
        acc1l = fma(vec4<f32>(a0.y), bl, acc1l);
        acc2l = fma(vec4<f32>(a0.z), bl, acc2l);
        acc3l = fma(vec4<f32>(a0.w), bl, acc3l);
      }
    }
    workgroupBarrier();
  }
}

// Element e (0 .. REG^2 - 1) of the thread's block: where it goes in C, and its value.
struct Out {
  r: u32,
  c: u32,
  // (batch entry wid.z, r, c) in C
  at: u32,
  v: f32,
}

fn block_out(lid: vec3<u32>, wid: vec3<u32>, e: u32) -> Out {
  let i = e / REG;
  let j = e % REG;
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
  let r = wid.y * TILE_M + REG * lid.y + i;
  let c = wid.x * TILE_N + REG * lid.x + j;
  return Out(r, c, (wid.z * mm_m() + r) * mm_n() + c, half[j % 4u]);
}

// Whether a block element is inside C (always, without CHECK).
fn inside(o: Out) -> bool {
  return !CHECK || (o.r < mm_m() && o.c < mm_n());
}

// Each entry point: the product (an early return past the batch is uniform per workgroup,
// so the barriers stay in uniform control flow), then its block's outputs, those inside C
// stored.
@compute @workgroup_size(WG_N, WG_M)
fn matmul(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= mm_batch()) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (inside(o)) { C[o.at] = o.v; }
  }
}

// A split-K chunk's partial tile, into scratch laid out [batch, SPLIT_K, M, N (+ 1 with
// ONES_COL)]; matmul_sum.wgsl adds the chunks up and applies the epilogue.
@compute @workgroup_size(WG_N, WG_M)
fn matmul_partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z / SPLIT_K >= mm_batch()) { return; }
  tile_product(lid, wid);
  let NP = mm_n() + select(0u, 1u, ONES_COL);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (!CHECK || (o.r < mm_m() && o.c < NP)) { C[(wid.z * mm_m() + o.r) * NP + o.c] = o.v; }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn matmul_act_backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= mm_batch()) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (inside(o)) { Y[o.at] = act_backward(ACT_BWD, E[o.at], o.v, pf(MATMUL_SLOPE)); }
  }
}

// Dispatched over N + 1 columns (ONES_COL): column N of the product is the row sum.
@compute @workgroup_size(WG_N, WG_M)
fn matmul_colsum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  tile_product(lid, wid);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (o.r < mm_m() && o.c < mm_n()) { C[o.at] = o.v; } else if (o.r < mm_m() && o.c == mm_n()) { Y[o.r] = o.v; }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= mm_batch()) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (inside(o)) { Y[o.at] = act_forward(ACT, o.v + E[o.c], pf(MATMUL_SLOPE)); }
  }
}

@compute @workgroup_size(WG_N, WG_M)
fn linear_pre(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.z >= mm_batch()) { return; }
  tile_product(lid, wid);
  for (var e = 0u; e < REG * REG; e++) {
    let o = block_out(lid, wid, e);
    if (inside(o)) {
      let z = o.v + E[o.c];
      Z[o.at] = z;
      Y[o.at] = act_forward(ACT, z, pf(MATMUL_SLOPE));
    }
  }
}

// ---- small products ---------------------------------------------------------------------
// One thread per output element, no workgroup memory and no barriers: for products too
// small to fill even a few tiles (the lesson nets' layers), where staging panels costs more
// than it saves. Same parameter block; each thread loops over outputs (batch * M * N of
// them) on the adapter's per-element grid (src/ops/define.ts strideGrid).

fn small_dot(r: u32, c: u32, batch: u32) -> f32 {
  let M = mm_m();
  let N = mm_n();
  let K = mm_k();
  let aBase = batch * mm_a_batch_stride();
  let bBase = batch * mm_b_batch_stride();
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
  let MN = mm_m() * mm_n();
  let total = MN * mm_batch();
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let rc = i % MN;
    C[i] = small_dot(rc / mm_n(), rc % mm_n(), i / MN);
  }
}

@compute @workgroup_size(WG)
fn linear_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let MN = mm_m() * mm_n();
  let total = MN * mm_batch();
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let rc = i % MN;
    let c = rc % mm_n();
    Y[i] = act_forward(P[MATMUL_ACT], small_dot(rc / mm_n(), c, i / MN) + E[c], pf(MATMUL_SLOPE));
  }
}

@compute @workgroup_size(WG)
fn linear_pre_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let MN = mm_m() * mm_n();
  let total = MN * mm_batch();
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let rc = i % MN;
    let c = rc % mm_n();
    let z = small_dot(rc / mm_n(), c, i / MN) + E[c];
    Z[i] = z;
    Y[i] = act_forward(P[MATMUL_ACT], z, pf(MATMUL_SLOPE));
  }
}

@compute @workgroup_size(WG)
fn matmul_act_backward_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let MN = mm_m() * mm_n();
  let total = MN * mm_batch();
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let rc = i % MN;
    Y[i] = act_backward(P[MATMUL_ACT], E[i], small_dot(rc / mm_n(), rc % mm_n(), i / MN), pf(MATMUL_SLOPE));
  }
}

// One thread per element of C plus one per row for its sum (the ones column): M x (N + 1).
@compute @workgroup_size(WG)
fn matmul_colsum_small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let M = mm_m();
  let N = mm_n();
  let K = mm_k();
  let total = M * (N + 1u);
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let r = i / (N + 1u);
    let c = i % (N + 1u);
    if (c < N) {
      C[r * N + c] = small_dot(r, c, 0u);
      continue;
    }
    var s = 0.0;
    for (var k = 0u; k < K; k++) { s += A[select(r * K + k, k * M + r, TRANS_A)]; }
    Y[r] = s;
  }
}
