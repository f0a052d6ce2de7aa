// Softmax cross-entropy: logits [N, C] (f32), labels [N] (i32).
// loss = mean_r (log sum_j exp(x_rj - max_r) - (x_r[label_r] - max_r)), and its backward
// (softmax(x) - onehot(label)) * g / N.
//
// Labels cannot throw on a GPU. The engine checks labels it knows on the host before
// recording; a label computed on the device that is out of [0, C) makes the loss NaN (and
// its row of the gradient NaN), so a bad label shows up rather than reading past a row.
// P[0] = N, P[1] = C.

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> L: array<i32>;
// forward: the scalar loss
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
// backward: g (one element), then the gradient [N, C]
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;

var<workgroup> sh: array<f32, WG>;

fn label_ok(l: i32, c: u32) -> bool {
  return l >= 0 && u32(l) < c;
}

// Segmented tree: each aligned run of `seg` slots (a power of two) is combined into its
// first slot, by max or by sum. whole() is the seg that spans the workgroup.
fn seg_tree(t: u32, seg: u32, is_max: bool) {
  workgroupBarrier();
  for (var s = seg >> 1u; s > 0u; s >>= 1u) {
    if ((t & (seg - 1u)) < s && t + s < WG) {
      sh[t] = select(sh[t] + sh[t + s], max_nan(sh[t], sh[t + s]), is_max);
    }
    workgroupBarrier();
  }
}

fn whole() -> u32 {
  var s = 1u;
  while (s < WG) { s <<= 1u; }
  return s;
}

// The loss: one workgroup (a scalar output). Threads form groups of G lanes, G the smallest
// power of two >= C (capped at the largest power of two <= WG), so WG / G rows are in
// flight at once: wide rows use the whole workgroup, narrow rows (10 classes) many rows per
// pass. Each group's first lane keeps its rows' losses; a final tree sums them.
@compute @workgroup_size(WG)
fn xent_loss(@builtin(local_invocation_index) t: u32) {
  let n = P[0];
  let c = P[1];
  if (n == 0u || c == 0u) {
    // CPU: NaN for an empty batch; with no classes every label is out of range.
    if (t == 0u) { O[0] = nan_f32(); }
    return;
  }
  var g = 1u;
  while (g < c && g * 2u <= WG) { g <<= 1u; }
  let rows_per_pass = WG / g;
  let group = t / g;
  let lane = t & (g - 1u);
  let leader = t - lane;
  var acc = 0.0;
  for (var r0 = 0u; r0 < n; r0 += rows_per_pass) {
    let r = r0 + group;
    let live = group < rows_per_pass && r < n;
    let row = r * c;
    var m = 0.0;
    if (live) {
      m = X[row];
      for (var j = lane; j < c; j += g) { m = max_nan(m, X[row + j]); }
    }
    sh[t] = m;
    seg_tree(t, g, true);
    let mx = sh[leader];
    workgroupBarrier();
    var s = 0.0;
    if (live) {
      for (var j = lane; j < c; j += g) { s += exp_f32(X[row + j] - mx); }
    }
    sh[t] = s;
    seg_tree(t, g, false);
    if (live && lane == 0u) {
      let l = L[r];
      // A NaN or infinite maximum makes the row NaN, as on the CPU (see is_nan).
      if (label_ok(l, c) && is_finite(mx)) {
        // -logSoftmax at the label, the max subtracted first (as the CPU): large logits
        // must not cancel.
        acc += log_f32(sh[t]) - (X[row + u32(l)] - mx);
      } else {
        acc = nan_f32();
      }
    }
    workgroupBarrier();
  }
  sh[t] = acc;
  seg_tree(t, whole(), false);
  if (t == 0u) { O[0] = sh[0] / f32(n); }
}

// The gradient: one workgroup per row (folded to 2-D past 65535 groups), threads striding
// over the classes.
@compute @workgroup_size(WG)
fn xent_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  let n = P[0];
  let c = P[1];
  if (r >= n || c == 0u) { return; }
  let row = r * c;
  var m = X[row];
  for (var j = t; j < c; j += WG) { m = max_nan(m, X[row + j]); }
  sh[t] = m;
  seg_tree(t, whole(), true);
  let mx = sh[0];
  workgroupBarrier();
  var s = 0.0;
  for (var j = t; j < c; j += WG) { s += exp_f32(X[row + j] - mx); }
  sh[t] = s;
  seg_tree(t, whole(), false);
  let lse = log_f32(sh[0]);
  let scale = G[0] / f32(n);
  let l = L[r];
  let ok = label_ok(l, c) && is_finite(mx);
  for (var j = t; j < c; j += WG) {
    let p = exp_f32((X[row + j] - mx) - lse);
    let onehot = select(0.0, 1.0, ok && u32(l) == j);
    DX[row + j] = select(nan_f32(), (p - onehot) * scale, ok);
  }
}
