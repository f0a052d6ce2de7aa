// Reductions (sum, mean, argmax), broadcastTo and biasAdd.
//
// sum / mean / argmax run one workgroup per output element (workgroup_id folded to 2-D past
// 65535 groups): its WG threads stride over the reduced elements, then a tree reduction in
// workgroup memory combines their partial results. WG is common.wgsl's override; the trees
// accept any WG, a power of two is what the op rules pick.

// sum, mean (f32) and argmax (f32 input)
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;
// sum on int32
@group(0) @binding(1) var<storage, read> Xi: array<i32>;
@group(0) @binding(2) var<storage, read_write> Oi: array<i32>;
// broadcastTo moves raw words, so one kernel serves f32 and i32.
@group(0) @binding(1) var<storage, read> Xw: array<u32>;
@group(0) @binding(2) var<storage, read_write> Ow: array<u32>;
// biasAdd: x, b, out
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Ob: array<f32>;

var<workgroup> sh_f: array<f32, WG>;
var<workgroup> sh_i: array<i32, WG>;
var<workgroup> sh_k: array<u32, WG>;

// The first stride of a tree over WG slots: half of WG rounded up to a power of two.
fn tree_start() -> u32 {
  var s = 1u;
  while (s < WG) { s <<= 1u; }
  return s >> 1u;
}

fn output_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// ---- sum / mean -------------------------------------------------------------------------
// P[0] = output count, P[1] = reduced count (elements per output),
// P[2] = kept ndim, P[3..8] kept dims, P[9..14] their strides in the input,
// P[15] = reduced ndim, P[16..21] reduced dims, P[22..27] their strides in the input,
// P[28] = divisor (f32): 1 for sum, the reduced count for mean (0: an empty mean, NaN).
// The host merges adjacent dims of the same kind and drops size-1 dims, so a row sum is
// one kept and one reduced dim however many axes the tensor has.


@compute @workgroup_size(WG)
fn reduce_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) t: u32) {
  let o = output_index(wid, nwg);
  if (o >= P[0]) { return; }
  let base = strided_offset(o, 2u, 0u);
  var acc = 0.0;
  for (var j = t; j < P[1]; j += WG) {
    acc += X[base + strided_offset(j, 15u, 0u)];
  }
  sh_f[t] = acc;
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG) { sh_f[t] += sh_f[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    let divisor = pf(28u);
    // 0/0 is not guaranteed to be NaN in WGSL, and a NaN literal does not compile.
    O[o] = select(sh_f[0] / divisor, bitcast<f32>(0x7fc00000u | (P[0] & 0u)), divisor == 0.0);
  }
}

// int32 sum: wraps modulo 2^32, as the CPU's store into an Int32Array.
@compute @workgroup_size(WG)
fn reduce_sum_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) t: u32) {
  let o = output_index(wid, nwg);
  if (o >= P[0]) { return; }
  let base = strided_offset(o, 2u, 0u);
  var acc = 0i;
  for (var j = t; j < P[1]; j += WG) {
    acc += Xi[base + strided_offset(j, 15u, 0u)];
  }
  sh_i[t] = acc;
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG) { sh_i[t] += sh_i[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { Oi[o] = sh_i[0]; }
}

// One thread per output, for short reductions (a few elements each, many outputs): a
// workgroup tree over WG threads would leave most of them idle. Same parameter block.
@compute @workgroup_size(WG)
fn reduce_sum_short(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg);
  if (o >= P[0]) { return; }
  let base = strided_offset(o, 2u, 0u);
  var acc = 0.0;
  for (var j = 0u; j < P[1]; j++) { acc += X[base + strided_offset(j, 15u, 0u)]; }
  let divisor = pf(28u);
  // An empty mean is NaN (as the tree kernel: WGSL has no NaN literal).
  O[o] = select(acc / divisor, bitcast<f32>(0x7fc00000u | (P[0] & 0u)), divisor == 0.0);
}

@compute @workgroup_size(WG)
fn reduce_sum_short_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg);
  if (o >= P[0]) { return; }
  let base = strided_offset(o, 2u, 0u);
  var acc = 0i;
  for (var j = 0u; j < P[1]; j++) { acc += Xi[base + strided_offset(j, 15u, 0u)]; }
  Oi[o] = acc;
}

// ---- argmax -----------------------------------------------------------------------------
// P[0] = output count (outer * inner), P[1] = axis length (> 0), P[2] = inner stride.
// The first maximum wins and NaN counts as the maximum (the first NaN wins), as PyTorch.
// A thread that saw no element holds index NONE, which loses to everything.

const NONE = 0xffffffffu;


// Does (v, k) beat the best so far (bv, bk)? Ties go to the smaller index.
fn beats_f32(v: f32, k: u32, bv: f32, bk: u32) -> bool {
  if (k == NONE) { return false; }
  if (bk == NONE) { return true; }
  let vn = is_nan(v);
  let bn = is_nan(bv);
  if (vn != bn) { return vn; }
  if (vn || v == bv) { return k < bk; }
  return v > bv;
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
  if (o >= P[0]) { return; }
  let len = P[1];
  let inner = P[2];
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
  if (o >= P[0]) { return; }
  let len = P[1];
  let inner = P[2];
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

// ---- broadcastTo ------------------------------------------------------------------------
// P[0] = element count, then the strided layout of common.wgsl at base 1 (one input).
@compute @workgroup_size(WG)
fn broadcast_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Ow[i] = Xw[strided_offset(i, 1u, 0u)];
}

// ---- biasAdd ----------------------------------------------------------------------------
// P[0] = element count, P[1] = bias length (the input's last dimension).
@compute @workgroup_size(WG)
fn bias_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Ob[i] = X[i] + Bias[i % P[1]];
}
