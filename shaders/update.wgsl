// Effects: in-place updates of variables (parameters, optimizer state, a loss history).
// Hyperparameters arrive in the parameter block as f32 words computed on the host from the
// step's dynamic scalars, so changing a learning rate never builds a new pipeline.

// assign_range: raw words, so f32 and i32 variables share it.
@group(0) @binding(1) var<storage, read_write> Dst: array<u32>;
@group(0) @binding(2) var<storage, read> Src: array<u32>;

// historyWrite: up to six one-element values per dispatch (binding 0 and the history take
// two of the eight storage buffers every WebGPU device lets a stage bind).
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

// The ASSIGN layout: element count of Src, where they go in Dst (a view's offset; 0 for assign).
@compute @workgroup_size(WG)
fn assign_range(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[ASSIGN_COUNT]) { return; }
  Dst[P[ASSIGN_OFFSET] + i] = Src[i];
}

// history[at + j] := value j, for the values bound in this dispatch (the HISTORY layout: at,
// the history's size; a row past the end writes nothing). One thread: a handful of words.
fn history_put(j: u32, v: f32) {
  let at = P[HISTORY_AT] + j;
  if (at < P[HISTORY_SIZE]) { History[at] = v; }
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
// One thread per element of all the parameters together, the STEP layout: their total size,
// the optimizer's hyperparameters (ADAM or SGD), then a STEP_PARAM per parameter j (where its
// elements start in the thread range, its size, where its state starts in the arena, and two
// words of its own, which depend on its step count).

fn seg(j: u32) -> u32 {
  return STEP_PARAMS + STEP_PARAM_WORDS * j;
}

// A hyperparameter: a field of ADAM or SGD.
fn hyper(field: u32) -> f32 {
  return pf(STEP_HYPER + field);
}

// The parameter that element i belongs to.
fn which(i: u32, count: u32) -> u32 {
  var j = 0u;
  while (j + 1u < count && i >= P[seg(j + 1u) + STEP_PARAM_START]) { j++; }
  return j;
}

// Adam (same operations in the same order as the CPU's); the arena holds m then v. Its own
// words: the step size and sqrt(bc2).
fn adam_update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  let b = seg(j);
  let mo = P[b + STEP_PARAM_STATE] + l;
  let vo = mo + P[b + STEP_PARAM_SIZE];
  let d = g + hyper(ADAM_WEIGHT_DECAY) * p;
  let m = hyper(ADAM_BETA1) * State[mo] + hyper(ADAM_ONE_MINUS_BETA1) * d;
  let v = hyper(ADAM_BETA2) * State[vo] + hyper(ADAM_ONE_MINUS_BETA2) * d * d;
  State[mo] = m;
  State[vo] = v;
  return p - (pf(b + STEP_PARAM_RATE) * m) / (sqrt(v) / pf(b + STEP_PARAM_EXTRA) + hyper(ADAM_EPS));
}

// SGD, plain or with momentum (plain SGD touches no state). Its own words: the learning rate
// and whether the momentum buffer starts now.
fn sgd_update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  let b = seg(j);
  let lr = pf(b + STEP_PARAM_RATE);
  let d = g + hyper(SGD_WEIGHT_DECAY) * p;
  if (P[STEP_HYPER + SGD_MOMENTUM_ON] == 0u) { return p - lr * d; }
  let at = P[b + STEP_PARAM_STATE] + l;
  let momentum = hyper(SGD_MOMENTUM);
  let buf = select(momentum * State[at] + hyper(SGD_ONE_MINUS_DAMPENING) * d, d, P[b + STEP_PARAM_EXTRA] != 0u);
  State[at] = buf;
  return p - lr * select(buf, d + momentum * buf, P[STEP_HYPER + SGD_NESTEROV] != 0u);
}

// The override OPT: an OPT code.
fn update(j: u32, l: u32, p: f32, g: f32) -> f32 {
  switch OPT {
    case OPT_ADAM: { return adam_update(j, l, p, g); }
    case OPT_SGD: { return sgd_update(j, l, p, g); }
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn step_multi_1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[STEP_COUNT]) { return; }
  Param0[i] = update(0u, i, Param0[i], Grad0[i]);
}

@compute @workgroup_size(WG)
fn step_multi_2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[STEP_COUNT]) { return; }
  let j = which(i, 2u);
  let l = i - P[seg(j) + STEP_PARAM_START];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    default: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
  }
}

@compute @workgroup_size(WG)
fn step_multi_3(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[STEP_COUNT]) { return; }
  let j = which(i, 3u);
  let l = i - P[seg(j) + STEP_PARAM_START];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    case 1u: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
    default: { Param2[l] = update(j, l, Param2[l], Grad2[l]); }
  }
}

@compute @workgroup_size(WG)
fn step_multi_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[STEP_COUNT]) { return; }
  let j = which(i, 4u);
  let l = i - P[seg(j) + STEP_PARAM_START];
  switch j {
    case 0u: { Param0[l] = update(j, l, Param0[l], Grad0[l]); }
    case 1u: { Param1[l] = update(j, l, Param1[l], Grad1[l]); }
    case 2u: { Param2[l] = update(j, l, Param2[l], Grad2[l]); }
    default: { Param3[l] = update(j, l, Param3[l], Grad3[l]); }
  }
}
