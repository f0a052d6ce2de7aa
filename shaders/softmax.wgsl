// softmax and logSoftmax along one axis. One workgroup per row (workgroup_id folded to 2-D
// past 65535 groups); its WG threads stride over the row for the maximum, then for the sum
// of exp(x - max), each combined by a tree in workgroup memory, then write the row.
// Subtracting the maximum keeps every exp argument <= 0: no overflow.
// The SOFTMAX layout: rows (outer * inner), axis length, inner stride.

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;

// The override SOFTMAX: a SOFTMAX code, softmax or logSoftmax.

var<workgroup> sh: array<f32, WG>;

// Element z = x - max of a row whose exp(z) sum to `total`.
fn normalized(z: f32, total: f32, log_total: f32) -> f32 {
  switch SOFTMAX {
    case SOFTMAX_SOFTMAX: { return exp(z) / total; }
    case SOFTMAX_LOG_SOFTMAX: { return z - log_total; }
    default: { return nan_f32(); }
  }
}

// The row's combined value of every thread's sh slot (max or sum), read by all threads.
fn tree(t: u32, is_max: bool) -> f32 {
  workgroupBarrier();
  for (var s = tree_start(); s > 0u; s >>= 1u) {
    if (t < s && t + s < WG) {
      sh[t] = select(sh[t] + sh[t + s], max_nan(sh[t], sh[t + s]), is_max);
    }
    workgroupBarrier();
  }
  let r = sh[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn softmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  let len = P[SOFTMAX_LENGTH];
  if (row >= P[SOFTMAX_ROWS] || len == 0u) { return; }
  let inner = P[SOFTMAX_INNER];
  let base = (row / inner) * len * inner + row % inner;
  // Start from the row's first element rather than -inf (a literal WGSL cannot spell).
  var m = X[base];
  for (var k = t; k < len; k += WG) { m = max_nan(m, X[base + k * inner]); }
  sh[t] = m;
  let mx = tree(t, true);
  var s = 0.0;
  for (var k = t; k < len; k += WG) { s += exp(X[base + k * inner] - mx); }
  sh[t] = s;
  let total = tree(t, false);
  let log_total = log(total);
  // As on the CPU, a NaN, a +inf (inf - inf) or a row of -inf (-inf + inf) makes the whole
  // row NaN; said explicitly, since the GPU's exp need not propagate NaN.
  let bad = !is_finite(mx);
  let nan = nan_f32();
  for (var k = t; k < len; k += WG) {
    let z = X[base + k * inner] - mx;
    O[base + k * inner] = select(normalized(z, total, log_total), nan, bad);
  }
}
