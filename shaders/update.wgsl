// Effects: in-place updates of variables (parameters, optimizer state, a loss history).
// Hyperparameters arrive in the parameter block as f32 words computed on the host from the
// step's dynamic scalars, so changing a learning rate never builds a new pipeline.

// assign: raw words, so f32 and i32 variables share it.
@group(0) @binding(1) var<storage, read_write> Dst: array<u32>;
@group(0) @binding(2) var<storage, read> Src: array<u32>;

// historyWrite: up to six one-element values per dispatch (binding 0 and the history take
// two of the eight storage buffers a stage may bind).
@group(0) @binding(1) var<storage, read_write> History: array<f32>;
@group(0) @binding(2) var<storage, read> V0: array<f32>;
@group(0) @binding(3) var<storage, read> V1: array<f32>;
@group(0) @binding(4) var<storage, read> V2: array<f32>;
@group(0) @binding(5) var<storage, read> V3: array<f32>;
@group(0) @binding(6) var<storage, read> V4: array<f32>;
@group(0) @binding(7) var<storage, read> V5: array<f32>;

// Multi-tensor optimizer steps: one dispatch updates up to four parameters. The optimizer's
// state (Adam's moments, SGD's momentum buffers) lives in one arena at binding 1; then each
// parameter and its gradient (with binding 0, ten storage buffers for four parameters).
@group(0) @binding(1) var<storage, read_write> State: array<f32>;
@group(0) @binding(2) var<storage, read_write> Param0: array<f32>;
@group(0) @binding(3) var<storage, read> Grad0: array<f32>;
@group(0) @binding(4) var<storage, read_write> Param1: array<f32>;
@group(0) @binding(5) var<storage, read> Grad1: array<f32>;
@group(0) @binding(6) var<storage, read_write> Param2: array<f32>;
@group(0) @binding(7) var<storage, read> Grad2: array<f32>;
@group(0) @binding(8) var<storage, read_write> Param3: array<f32>;
@group(0) @binding(9) var<storage, read> Grad3: array<f32>;

// P[0] = element count.
@compute @workgroup_size(WG)
fn assign(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Dst[i] = Src[i];
}

// P[0] = element count of Src, P[1] = where they go in Dst (a view's offset).
@compute @workgroup_size(WG)
fn assign_range(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Dst[P[1] + i] = Src[i];
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

// ---- multi-tensor steps ------------------------------------------------------------------
// One thread per element of all the parameters together: P[0] = their total size, P[1..7]
// the shared hyperparameters, and from word 8 five words per parameter j: where its elements
// start in the thread range, its size, where its state starts in the arena, then two f32
// words of its own (Adam: step size and sqrt(bc2), which depend on its step count; SGD: the
// learning rate and whether its momentum buffer starts now).

fn seg(j: u32) -> u32 {
  return 8u + 5u * j;
}

// The parameter that element i belongs to.
fn which(i: u32, count: u32) -> u32 {
  var j = 0u;
  while (j + 1u < count && i >= P[seg(j + 1u)]) { j++; }
  return j;
}

// Adam (same operations in the same order as the CPU's): P[1] = b1, P[2] = 1 - b1,
// P[3] = b2, P[4] = 1 - b2, P[5] = eps, P[6] = weight decay; the arena holds m then v.
fn adam_update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  let b = seg(j);
  let mo = P[b + 2u] + l;
  let vo = mo + P[b + 1u];
  let d = g + pf(6u) * p;
  let m = pf(1u) * State[mo] + pf(2u) * d;
  let v = pf(3u) * State[vo] + pf(4u) * d * d;
  State[mo] = m;
  State[vo] = v;
  return p - (pf(b + 3u) * m) / (sqrt(v) / pf(b + 4u) + pf(5u));
}

// SGD, plain or with momentum: P[1] = momentum, P[2] = 1 - dampening, P[3] = weight
// decay, P[4] = nesterov (0/1), P[5] = momentum on (0/1: plain SGD touches no state).
fn sgd_update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  let b = seg(j);
  let lr = pf(b + 3u);
  let d = g + pf(3u) * p;
  if (P[5] == 0u) { return p - lr * d; }
  let at = P[b + 2u] + l;
  let momentum = pf(1u);
  let buf = select(momentum * State[at] + pf(2u) * d, d, P[b + 4u] != 0u);
  State[at] = buf;
  return p - lr * select(buf, d + momentum * buf, P[4] != 0u);
}

// OPT: 0 Adam, 1 SGD.
override OPT: u32 = 0;

fn update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  if (OPT == 0u) { return adam_update(j, l, p, g); }
  return sgd_update(j, l, p, g);
}

@compute @workgroup_size(WG)
fn step_multi_1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Param0[i] = update(0u, i, Param0[i], Grad0[i]);
}

@compute @workgroup_size(WG)
fn step_multi_2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let j = which(i, 2u);
  let l = i - P[seg(j)];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    default: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
  }
}

@compute @workgroup_size(WG)
fn step_multi_3(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let j = which(i, 3u);
  let l = i - P[seg(j)];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    case 1u: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
    default: { Param2[l] = update(j, l, Param2[l], Grad2[l]); }
  }
}

@compute @workgroup_size(WG)
fn step_multi_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let j = which(i, 4u);
  let l = i - P[seg(j)];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    case 1u: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
    case 2u: { Param2[l] = update(j, l, Param2[l], Grad2[l]); }
    default: { Param3[l] = update(j, l, Param3[l], Grad3[l]); }
  }
}
