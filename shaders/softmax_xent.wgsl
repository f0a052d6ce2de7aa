// Softmax cross-entropy: logits [N, C] (f32), labels [N] (i32).
// loss = mean_r (log sum_j exp(x_rj - max_r) - (x_r[label_r] - max_r)), and its backward
// (softmax(x) - onehot(label)) * g / N.
//
// Labels cannot throw on a GPU. The engine checks labels it knows on the host before
// recording; a label computed on the device that is out of [0, C) makes the loss NaN (and
// its row of the gradient NaN), so a bad label shows up rather than reading past a row.
// The XENT layout: N, C; the loss kernels take a chunk of rows per workgroup: rows per chunk,
// divisor (f32). One chunk is the whole loss (divisor N); with several, each
// workgroup's sum goes to scratch (divisor 1) and reduce.wgsl's reduce_sum adds them in order.

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> L: array<i32>;
// forward: the scalar loss, or one chunk's sum per workgroup (scratch)
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
// backward: g (one element), then the gradient [N, C]
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
// fused: the backward's bindings, then the scalar loss (or the chunks' sums)
@group(0) @binding(5) var<storage, read_write> LossOut: array<f32>;

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

// Rows are processed by groups of G lanes, G the smallest power of two >= C (capped at the
// largest power of two <= WG), so WG / G rows are in flight at once: wide rows use the
// whole workgroup. A narrow row (at most NARROW_ROW classes, a classifier's 10) is one
// lane's: a few values in a loop cost less than a tree of barriers, which on a CPU adapter
// (SwiftShader) suspends every 4-lane group of the workgroup at each one; a pass over 128
// rows of 10 classes took 12 ms in 16-lane trees.
const NARROW_ROW = 32u;

fn lanes_per_row(c: u32) -> u32 {
  if (c <= NARROW_ROW) { return 1u; }
  var g = 1u;
  while (g < c && g * 2u <= WG) { g <<= 1u; }
  return g;
}

// Row r's max and sum of exp(x - max), for every lane of its group of g lanes (called by
// the whole workgroup: it has barriers). A lane of a group past the last row passes live = false.
fn row_stats(t: u32, g: u32, r: u32, live: bool) -> vec2<f32> {
  let c = P[XENT_CLASSES];
  let row = r * c;
  let lane = t & (g - 1u);
  let leader = t - lane;
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
  let total = sh[leader];
  workgroupBarrier();
  return vec2<f32>(mx, total);
}

// The row's label, when it is in range and the row's max finite (a NaN or infinite maximum
// makes the row NaN, as on the CPU); -1 otherwise.
fn row_label(r: u32, mx: f32) -> i32 {
  let l = L[r];
  return select(-1, l, label_ok(l, P[XENT_CLASSES]) && is_finite(mx));
}

// -logSoftmax at the label, the max subtracted first (as the CPU): large logits must not cancel.
fn row_loss(r: u32, l: i32, st: vec2<f32>) -> f32 {
  if (l < 0) { return nan_f32(); }
  return log_f32(st.y) - (X[r * P[XENT_CLASSES] + u32(l)] - st.x);
}

// The sum of the rows' losses kept by each group's first lane (acc), by a final tree,
// divided by the divisor (NaN for an empty batch, divisor 0).
fn chunk_loss(t: u32, acc: f32) -> f32 {
  sh[t] = acc;
  seg_tree(t, whole(), false);
  return select(sh[0] / pf(XENT_DIVISOR), nan_f32(), pf(XENT_DIVISOR) == 0.0);
}

// A narrow row's max and sum of exp(x - max) for one thread: the row is that thread's alone,
// no tree and no barrier (the *_narrow kernels, for rows of at most NARROW_ROW classes).
// Each thread takes rows start + t, start + t + WG, ...: the rows the general kernels give a
// one-lane group, in the same order, so both give the same bits. The narrow kernels exist
// because barriers cost at compile time too: on a CPU adapter a kernel's barriers inside
// loops multiply the code its compiler emits (xent_fused took 0.4-0.6 s to make on
// SwiftShader, most of a small page's first step).
fn narrow_stats(r: u32, c: u32) -> vec2<f32> {
  let row = r * c;
  var m = X[row];
  for (var j = 1u; j < c; j++) { m = max_nan(m, X[row + j]); }
  var s = 0.0;
  for (var j = 0u; j < c; j++) { s += exp_f32(X[row + j] - m); }
  return vec2<f32>(m, s);
}

// Row r's gradient (softmax - onehot) * scale at classes first, first + step, ... (the lanes
// of a group share a row); a NaN row where the label is out of range (l = -1).
fn row_grad(r: u32, first: u32, step: u32, l: i32, st: vec2<f32>, scale: f32) {
  let c = P[XENT_CLASSES];
  let lse = log_f32(st.y);
  for (var j = first; j < c; j += step) {
    let p = exp_f32((X[r * c + j] - st.x) - lse);
    let onehot = select(0.0, 1.0, l >= 0 && u32(l) == j);
    DX[r * c + j] = select(nan_f32(), (p - onehot) * scale, l >= 0);
  }
}

// xent_loss for rows of at most NARROW_ROW classes (the rule picks it: src/ops/loss.ts).
@compute @workgroup_size(WG)
fn xent_loss_narrow(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let c = P[XENT_CLASSES];
  if (c == 0u) {
    if (t == 0u) { O[wid.x] = nan_f32(); }
    return;
  }
  let start = wid.x * P[XENT_ROWS_PER_CHUNK];
  let end = min(P[XENT_ROWS], start + P[XENT_ROWS_PER_CHUNK]);
  var acc = 0.0;
  for (var r = start + t; r < end; r += WG) {
    let st = narrow_stats(r, c);
    acc += row_loss(r, row_label(r, st.x), st);
  }
  let loss = chunk_loss(t, acc);
  if (t == 0u) { O[wid.x] = loss; }
}

// xent_fused for rows of at most NARROW_ROW classes.
@compute @workgroup_size(WG)
fn xent_fused_narrow(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let n = P[XENT_ROWS];
  let c = P[XENT_CLASSES];
  if (c == 0u) {
    if (t == 0u) { LossOut[wid.x] = nan_f32(); }
    return;
  }
  let start = wid.x * P[XENT_ROWS_PER_CHUNK];
  let end = min(n, start + P[XENT_ROWS_PER_CHUNK]);
  let scale = G[0] / f32(n);
  var acc = 0.0;
  for (var r = start + t; r < end; r += WG) {
    let st = narrow_stats(r, c);
    let l = row_label(r, st.x);
    acc += row_loss(r, l, st);
    row_grad(r, 0u, 1u, l, st, scale);
  }
  let loss = chunk_loss(t, acc);
  if (t == 0u) { LossOut[wid.x] = loss; }
}

// The loss of rows [wid.x chunk, (wid.x + 1) chunk).
@compute @workgroup_size(WG)
fn xent_loss(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let c = P[XENT_CLASSES];
  if (c == 0u) {
    // With no classes every label is out of range.
    if (t == 0u) { O[wid.x] = nan_f32(); }
    return;
  }
  let start = wid.x * P[XENT_ROWS_PER_CHUNK];
  let end = min(P[XENT_ROWS], start + P[XENT_ROWS_PER_CHUNK]);
  let g = lanes_per_row(c);
  let group = t / g;
  var acc = 0.0;
  for (var r0 = start; r0 < end; r0 += WG / g) {
    let r = r0 + group;
    let live = group < WG / g && r < end;
    let st = row_stats(t, g, r, live);
    if (live && (t & (g - 1u)) == 0u) { acc += row_loss(r, row_label(r, st.x), st); }
  }
  let loss = chunk_loss(t, acc);
  if (t == 0u) { O[wid.x] = loss; }
}

// Loss and gradient in one dispatch, for a step that needs both (src/graph/fuse.ts picks
// it): the gradient at binding 4, the loss (or the chunk's sum) at 5. The gradient as
// xent_backward computes it, from the same row statistics.
@compute @workgroup_size(WG)
fn xent_fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let n = P[XENT_ROWS];
  let c = P[XENT_CLASSES];
  if (c == 0u) {
    if (t == 0u) { LossOut[wid.x] = nan_f32(); }
    return;
  }
  let start = wid.x * P[XENT_ROWS_PER_CHUNK];
  let end = min(n, start + P[XENT_ROWS_PER_CHUNK]);
  let g = lanes_per_row(c);
  let group = t / g;
  let lane = t & (g - 1u);
  let scale = G[0] / f32(n);
  var acc = 0.0;
  for (var r0 = start; r0 < end; r0 += WG / g) {
    let r = r0 + group;
    let live = group < WG / g && r < end;
    let st = row_stats(t, g, r, live);
    if (live) {
      let l = row_label(r, st.x);
      if (lane == 0u) { acc += row_loss(r, l, st); }
      row_grad(r, lane, g, l, st, scale);
    }
  }
  let loss = chunk_loss(t, acc);
  if (t == 0u) { LossOut[wid.x] = loss; }
}

// The gradient: one workgroup per row (folded to 2-D past 65535 groups), threads striding
// over the classes.
@compute @workgroup_size(WG)
fn xent_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  let n = P[XENT_ROWS];
  let c = P[XENT_CLASSES];
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
