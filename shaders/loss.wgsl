// Pairwise losses (mean over all elements) and their backward kernels.
// A loss is one reduction to a scalar: a workgroup's WG threads stride over a chunk of the
// elements, then a tree in workgroup memory adds them (the op rule picks a wide WG). A small
// loss is one chunk, one workgroup; a large one is split over many workgroups whose sums
// reduce.wgsl's reduce_sum adds in order (src/ops/loss.ts). The backward kernels are one
// thread per element.
//
// Inputs the CPU checks cannot throw on a GPU: a binaryCrossEntropy input outside [0, 1]
// (NaN included) makes the loss NaN instead.

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
// forward: the scalar loss, or one chunk's sum per workgroup (scratch)
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
// backward: g (one element), then the gradient with the input's shape
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;

// The override LOSS: a LOSS code, binaryCrossEntropy(p, y), bceWithLogits(x, y) or mseLoss(a, b).

var<workgroup> sh: array<f32, WG>;

// PyTorch clamps each log at -100, so p = 0 or 1 gives a finite loss. log(0) is not
// guaranteed to be -inf in WGSL: p <= 0 takes the clamp directly.
fn clamped_log(p: f32) -> f32 {
  return select(max(log(p), -100.0), -100.0, p <= 0.0);
}

fn term(a: f32, b: f32) -> f32 {
  switch LOSS {
    case LOSS_BINARY_CROSS_ENTROPY: {
      if (is_nan(a) || is_nan(b) || a < 0.0 || a > 1.0) { return nan_f32(); }
      return -(b * clamped_log(a) + (1.0 - b) * clamped_log(1.0 - a));
    }
    case LOSS_BCE_WITH_LOGITS: {
      // PyTorch's (1 - y) x - min(x, 0) + log(1 + exp(-|x|)), as the CPU: no exp of a large
      // positive number, no cancellation for large x. NaN is said explicitly: min, exp and
      // log may do anything with it.
      if (is_nan(a) || is_nan(b)) { return nan_f32(); }
      return (1.0 - b) * a - min(a, 0.0) + log_f32(1.0 + exp_f32(-abs(a)));
    }
    case LOSS_MSE_LOSS: {
      let d = a - b;
      return d * d;
    }
    default: { return nan_f32(); }
  }
}

// The LOSS layout: element count, chunk length, divisor (f32): the count for a whole loss
// (0: the mean of nothing is NaN, as on the CPU), 1 for a chunk's sum.
@compute @workgroup_size(WG)
fn pair_loss(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let start = wid.x * P[LOSS_CHUNK_LENGTH];
  let end = min(P[LOSS_COUNT], start + P[LOSS_CHUNK_LENGTH]);
  var acc = 0.0;
  for (var i = start + t; i < end; i += WG) { acc += term(A[i], B[i]); }
  sh[t] = acc;
  workgroupBarrier();
  var s = 1u;
  while (s < WG) { s <<= 1u; }
  for (s >>= 1u; s > 0u; s >>= 1u) {
    if (t < s && t + s < WG) { sh[t] += sh[t + s]; }
    workgroupBarrier();
  }
  let divisor = pf(LOSS_DIVISOR);
  if (t == 0u) { O[wid.x] = select(sh[0] / divisor, nan_f32(), divisor == 0.0); }
}

// g (p - y) / max(p (1 - p), 1e-12) / N: PyTorch's formula, its epsilon included.
// P[LOSS_COUNT] = element count.
@compute @workgroup_size(WG)
fn bce_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[LOSS_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let p = A[i];
    // As the forward: an input outside [0, 1] (NaN included) gives NaN, not a number.
    if (is_nan(p) || p < 0.0 || p > 1.0) { DX[i] = nan_f32(); continue; }
    let scale = G[0] / f32(P[LOSS_COUNT]);
    DX[i] = scale * (p - B[i]) / max(p * (1.0 - p), 1e-12);
  }
}

// (sigmoid(x) - y) g / N. P[LOSS_COUNT] = element count.
@compute @workgroup_size(WG)
fn bce_logits_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[LOSS_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    DX[i] = (sigmoid_f32(A[i]) - B[i]) * (G[0] / f32(P[LOSS_COUNT]));
  }
}
