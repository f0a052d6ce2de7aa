// Reductions (sum, mean, argmax).
//
// argmax, and sum / mean of long runs, take one workgroup per output element, or for a long
// sum per chunk of one (workgroup_id folded to 2-D past 65535 groups): its WG threads stride
// over the reduced elements, then a tree reduction in workgroup memory combines their
// partial results. WG is the contract's override; the trees accept any WG, a power of two is
// what the op rules pick. Column sums and short sums take one thread per output column.

// argmax (f32 input)
@group(0) @binding(1) var<storage, read> X: array<f32>;
// argmax on int32, into its int32 output
@group(0) @binding(1) var<storage, read> Xi: array<i32>;
@group(0) @binding(2) var<storage, read_write> Oi: array<i32>;
// sum and mean move raw words: the override INT picks the arithmetic, so one kernel serves
// f32 and i32, and a two-pass sum keeps its partial sums in (f32) scratch as bits. With the
// override CONTIGUOUS, each output's reduced elements are one contiguous run (row and full
// sums), so element j sits at j past the output's base: no div/mod per element.
@group(0) @binding(1) var<storage, read> Xw: array<u32>;
@group(0) @binding(2) var<storage, read_write> Ow: array<u32>;

var<workgroup> sh_f: array<f32, WG>;
var<workgroup> sh_i: array<i32, WG>;
var<workgroup> sh_k: array<u32, WG>;
var<workgroup> sh_w: array<u32, WG>;

fn output_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// ---- sum / mean -------------------------------------------------------------------------

// a + b on words holding i32 (INT: wrapping modulo 2^32, as the CPU's store into an
// Int32Array) or f32 values. The bits of 0 are 0 and 0.0 alike.
fn add_words(a: u32, b: u32) -> u32 {
  if (INT) { return bitcast<u32>(bitcast<i32>(a) + bitcast<i32>(b)); }
  return bitcast<u32>(bitcast<f32>(a) + bitcast<f32>(b));
}

// A sum as stored: an f32 divided by the divisor (1 for sum and for partial sums, the count
// for mean; 0, an empty mean, gives NaN: 0/0 is not guaranteed to be NaN in WGSL).
fn finish(acc: u32, divisor: f32) -> u32 {
  if (INT) { return acc; }
  return bitcast<u32>(select(bitcast<f32>(acc) / divisor, nan_f32(), divisor == 0.0));
}

// Offset of reduced element j from its output's base.
fn reduced_offset(j: u32) -> u32 {
  if (CONTIGUOUS) { return j; }
  return strided_offset(j, REDUCE_REDUCED, 0u);
}

// The REDUCE layout: workgroups (outputs x chunks), the reduced count (elements per output),
// the kept dims and the reduced dims (each a strided layout of common.wgsl with their
// strides in the input), the divisor (f32), chunks per output, the chunk length.
// The host merges adjacent dims of the same kind and drops size-1 dims, so a row sum is
// one kept and one reduced dim however many axes the tensor has.
//
// Workgroup g reduces chunk g % chunks of output g / chunks into Ow[g]. With one chunk that
// is the result; with several (a long reduction with few outputs, so that many workgroups
// run), Ow is scratch and a second dispatch of this kernel adds each output's chunk sums in
// order: the same bits every run, where float atomics would not be.
@compute @workgroup_size(WG)
fn reduce_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) t: u32) {
  let g = output_index(wid, nwg);
  if (g >= P[REDUCE_GROUPS]) { return; }
  let chunks = P[REDUCE_CHUNKS];
  let start = (g % chunks) * P[REDUCE_CHUNK_LENGTH];
  let end = min(P[REDUCE_COUNT], start + P[REDUCE_CHUNK_LENGTH]);
  let base = strided_offset(g / chunks, REDUCE_KEPT, 0u);
  var acc = 0u;
  for (var j = start + t; j < end; j += WG) {
    acc = add_words(acc, Xw[base + reduced_offset(j)]);
  }
  sh_w[t] = acc;
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG) { sh_w[t] = add_words(sh_w[t], sh_w[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) { Ow[g] = finish(sh_w[0], pf(REDUCE_DIVISOR)); }
}

// One thread per output (looping over outputs past the adapter's grid), for short reductions (a few elements each, many outputs): a
// workgroup tree over WG threads would leave most of them idle. The REDUCE layout up to the
// divisor (one chunk); it also adds up the chunk sums of col_sum, in order.
@compute @workgroup_size(WG)
fn reduce_sum_short(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let outs = P[REDUCE_GROUPS];
  for (var o = flat_index(gid, nwg); o < outs; o += thread_count(nwg)) {
    let base = strided_offset(o, REDUCE_KEPT, 0u);
    var acc = 0u;
    for (var j = 0u; j < P[REDUCE_COUNT]; j++) { acc = add_words(acc, Xw[base + reduced_offset(j)]); }
    Ow[o] = finish(acc, pf(REDUCE_DIVISOR));
  }
}

// Column sums: the sums over the rows of an [R, C] input (its leading axes merged: a bias
// gradient), threads reading adjacent columns of a row, so a warp's loads are one run of
// memory where one workgroup per column would read with a stride of C. A workgroup is TX
// columns (a power of two, below WG only for narrow inputs) by WG / TX row lanes, over one
// chunk of rows; a fixed tree adds its lanes. With one chunk it writes the result; with
// several (tall inputs, so that enough workgroups run), chunk k's sums go to row k of
// scratch and reduce_sum_short adds each column's in order.
// The COL_SUM layout: R, C, TX, rows per chunk, column blocks, workgroups (column blocks x
// chunks), the divisor (f32).
@compute @workgroup_size(WG)
fn col_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) t: u32) {
  let g = output_index(wid, nwg);
  if (g >= P[COL_SUM_GROUPS]) { return; }
  let c = P[COL_SUM_COLS];
  let tx = P[COL_SUM_TX];
  let per_chunk = P[COL_SUM_ROWS_PER_CHUNK];
  let lanes = WG / tx;
  let lane = t / tx;
  let col = (g % P[COL_SUM_BLOCKS]) * tx + t % tx;
  let chunk = g / P[COL_SUM_BLOCKS];
  let end = min(P[COL_SUM_ROWS], (chunk + 1u) * per_chunk);
  var acc = 0u;
  if (col < c) {
    for (var r = chunk * per_chunk + lane; r < end; r += lanes) { acc = add_words(acc, Xw[r * c + col]); }
  }
  sh_w[t] = acc;
  workgroupBarrier();
  for (var s = lanes >> 1u; s > 0u; s >>= 1u) {
    if (lane < s) { sh_w[t] = add_words(sh_w[t], sh_w[t + s * tx]); }
    workgroupBarrier();
  }
  if (lane == 0u && col < c) { Ow[chunk * c + col] = finish(sh_w[t], pf(COL_SUM_DIVISOR)); }
}

// ---- argmax -----------------------------------------------------------------------------
// The ARGMAX layout: output count (outer * inner), axis length (> 0), inner stride.
// The first maximum wins and NaN counts as the maximum (the first NaN wins), as PyTorch.
// A thread that saw no element holds index NONE, which loses to everything.

const NONE = 0xffffffffu;


// An f32's place in the order of non-NaN values, as a u32 key compared instead of the
// floats: a GPU may flush subnormals to zero in a comparison (SwiftShader does), which made
// every subnormal tie with 0 and the first win. -0 takes +0's key: they are equal.
fn order_key(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if ((b & 0x7fffffffu) == 0u) { b = 0u; }
  return select(b | SIGN, ~b, (b & SIGN) != 0u);
}

// Does (v, k) beat the best so far (bv, bk)? Ties go to the smaller index.
fn beats_f32(v: f32, k: u32, bv: f32, bk: u32) -> bool {
  if (k == NONE) { return false; }
  if (bk == NONE) { return true; }
  let vn = is_nan(v);
  let bn = is_nan(bv);
  if (vn != bn) { return vn; }
  let a = order_key(v);
  let b = order_key(bv);
  if (vn || a == b) { return k < bk; }
  return a > b;
}

fn beats_i32(v: i32, k: u32, bv: i32, bk: u32) -> bool {
  if (k == NONE) { return false; }
  if (bk == NONE) { return true; }
  if (v == bv) { return k < bk; }
  return v > bv;
}

@compute @workgroup_size(WG)
fn argmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) t: u32) {
  let o = output_index(wid, nwg);
  if (o >= P[ARGMAX_OUTPUTS]) { return; }
  let len = P[ARGMAX_LENGTH];
  let inner = P[ARGMAX_INNER];
  let base = (o / inner) * len * inner + o % inner;
  var bv = 0.0;
  var bk = NONE;
  // Increasing k: a later equal value never replaces an earlier one.
  for (var k = t; k < len; k += WG) {
    let v = X[base + k * inner];
    if (beats_f32(v, k, bv, bk)) { bv = v; bk = k; }
  }
  sh_f[t] = bv;
  sh_k[t] = bk;
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG && beats_f32(sh_f[t + s], sh_k[t + s], sh_f[t], sh_k[t])) {
      sh_f[t] = sh_f[t + s];
      sh_k[t] = sh_k[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) { Oi[o] = i32(sh_k[0]); }
}

// argmax of an int32 tensor: the same, reading Xi (binding 1) into Oi (binding 2).
@compute @workgroup_size(WG)
fn argmax_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) t: u32) {
  let o = output_index(wid, nwg);
  if (o >= P[ARGMAX_OUTPUTS]) { return; }
  let len = P[ARGMAX_LENGTH];
  let inner = P[ARGMAX_INNER];
  let base = (o / inner) * len * inner + o % inner;
  var bv = 0i;
  var bk = NONE;
  for (var k = t; k < len; k += WG) {
    let v = Xi[base + k * inner];
    if (beats_i32(v, k, bv, bk)) { bv = v; bk = k; }
  }
  sh_i[t] = bv;
  sh_k[t] = bk;
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG && beats_i32(sh_i[t + s], sh_k[t + s], sh_i[t], sh_k[t])) {
      sh_i[t] = sh_i[t + s];
      sh_k[t] = sh_k[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) { Oi[o] = i32(sh_k[0]); }
}
