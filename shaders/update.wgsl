// Effects: in-place updates of variables (parameters, optimizer state, a loss history).
// Hyperparameters arrive in the parameter block as f32 words computed on the host from the
// step's dynamic scalars, so changing a learning rate never builds a new pipeline.

// assign: raw words, so f32 and i32 variables share it.
@group(0) @binding(1) var<storage, read_write> Dst: array<u32>;
@group(0) @binding(2) var<storage, read> Src: array<u32>;

// Optimizers: parameter, gradient, then state buffers.
@group(0) @binding(1) var<storage, read_write> Param: array<f32>;
@group(0) @binding(2) var<storage, read> Grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> Buf: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> V: array<f32>;

// historyWrite: up to six one-element values per dispatch (binding 0 and the history take
// two of the eight storage buffers a stage may bind).
@group(0) @binding(1) var<storage, read_write> History: array<f32>;
@group(0) @binding(2) var<storage, read> V0: array<f32>;
@group(0) @binding(3) var<storage, read> V1: array<f32>;
@group(0) @binding(4) var<storage, read> V2: array<f32>;
@group(0) @binding(5) var<storage, read> V3: array<f32>;
@group(0) @binding(6) var<storage, read> V4: array<f32>;
@group(0) @binding(7) var<storage, read> V5: array<f32>;

// P[0] = element count.
@compute @workgroup_size(WG)
fn assign(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Dst[i] = Src[i];
}

// p -= lr (g + wd p). P[1] = lr, P[2] = weight decay.
@compute @workgroup_size(WG)
fn sgd_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let p = Param[i];
  Param[i] = p - pf(1u) * (Grad[i] + pf(2u) * p);
}

// g' = g + wd p; buf = momentum buf + (1 - dampening) g' (buf = g' on the first step);
// p -= lr (nesterov ? g' + momentum buf : buf). P[1] = lr, P[2] = momentum,
// P[3] = 1 - dampening, P[4] = weight decay, P[5] = first step (0/1), P[6] = nesterov (0/1).
@compute @workgroup_size(WG)
fn sgd_momentum_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let momentum = pf(2u);
  let p = Param[i];
  let d = Grad[i] + pf(4u) * p;
  let b = select(momentum * Buf[i] + pf(3u) * d, d, P[5] != 0u);
  Buf[i] = b;
  Param[i] = p - pf(1u) * select(b, d + momentum * b, P[6] != 0u);
}

// Adam with L2 weight decay: g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
// p -= stepSize m / (sqrt(v) / sqrt(bc2) + eps). P[1] = stepSize = lr / bc1, P[2] = b1,
// P[3] = 1 - b1, P[4] = b2, P[5] = 1 - b2, P[6] = eps, P[7] = weight decay, P[8] = sqrt(bc2).
@compute @workgroup_size(WG)
fn adam_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let p = Param[i];
  let d = Grad[i] + pf(7u) * p;
  let m = pf(2u) * M[i] + pf(3u) * d;
  let v = pf(4u) * V[i] + pf(5u) * d * d;
  M[i] = m;
  V[i] = v;
  Param[i] = p - (pf(1u) * m) / (sqrt(v) / pf(8u) + pf(6u));
}

// history[P[0] + j] := value j, for the values bound in this dispatch; P[1] = history size
// (a row past the end writes nothing). One thread: a handful of words.
fn history_put(j: u32, v: f32) {
  let at = P[0] + j;
  if (at < P[1]) { History[at] = v; }
}

@compute @workgroup_size(1)
fn history_write_1() {
  history_put(0u, V0[0]);
}

@compute @workgroup_size(1)
fn history_write_2() {
  history_put(0u, V0[0]);
  history_put(1u, V1[0]);
}

@compute @workgroup_size(1)
fn history_write_3() {
  history_put(0u, V0[0]);
  history_put(1u, V1[0]);
  history_put(2u, V2[0]);
}

@compute @workgroup_size(1)
fn history_write_4() {
  history_put(0u, V0[0]);
  history_put(1u, V1[0]);
  history_put(2u, V2[0]);
  history_put(3u, V3[0]);
}

@compute @workgroup_size(1)
fn history_write_5() {
  history_put(0u, V0[0]);
  history_put(1u, V1[0]);
  history_put(2u, V2[0]);
  history_put(3u, V3[0]);
  history_put(4u, V4[0]);
}

@compute @workgroup_size(1)
fn history_write_6() {
  history_put(0u, V0[0]);
  history_put(1u, V1[0]);
  history_put(2u, V2[0]);
  history_put(3u, V3[0]);
  history_put(4u, V4[0]);
  history_put(5u, V5[0]);
}
