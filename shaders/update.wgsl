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

// Multi-tensor optimizer steps (step_multi): one dispatch updates any number of parameters
// through four bindings. The table (one STEP_PARAM per parameter, past the parameter block);
// the optimizer's state arena (Adam: every m, then every v; SGD: momentum buffers); the
// parameters as one range and their gradients as another (GatherBinding: the optimizer keeps
// its parameters in one arena, so that range is bound as it lies). A parameter starts at a
// multiple of 64 elements in each range, so every vec4 belongs to one parameter.
@group(0) @binding(1) var<storage, read> Table: array<u32>;
@group(0) @binding(2) var<storage, read_write> State4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> Params4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> Grads4: array<vec4<f32>>;

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
// The STEP layout: the vec4s of the ranges, the parameter count, where the range's state
// starts (vec4s), the optimizer's hyperparameters (ADAM or SGD); the table: STEP_PARAM j.
// A bounded grid (the adapter's `step` entry, src/ops/update.ts stepGrid) loops over the vec4s: SwiftShader pays a
// large cost per workgroup, and a real GPU is full well before one thread per element. A
// thread's vec4s only grow, so it finds their parameter by moving a cursor forward through
// the table (at most once past each parameter), never by a search per element.

// A hyperparameter: a field of ADAM or SGD.
fn hyper(field: u32) -> f32 {
  return pf(STEP_HYPER + field);
}

struct StepParam {
  start: u32,
  size: u32,
  rate: f32,
  extra: u32,
  // The first vec4 of the next parameter (the end of the range after the last).
  next: u32,
}

fn step_param(j: u32) -> StepParam {
  let b = STEP_PARAM_WORDS * j;
  var next = P[STEP_UNITS];
  if (j + 1u < P[STEP_PARAMS]) { next = Table[b + STEP_PARAM_WORDS + STEP_PARAM_START]; }
  return StepParam(Table[b + STEP_PARAM_START], Table[b + STEP_PARAM_SIZE], bitcast<f32>(Table[b + STEP_PARAM_RATE]), Table[b + STEP_PARAM_EXTRA], next);
}

// The hyperparameters and the range's state offsets, read once per thread: a compiler must
// assume a store to the state or the parameters may change a storage buffer's words, so
// reads inside the loop would be repeated for every vec4.
struct Step {
  first: u32,
  second: u32,
  // ADAM: beta1, 1 - beta1, beta2, 1 - beta2; SGD: momentum, 1 - dampening, weight decay.
  a: vec4<f32>,
  // ADAM: eps, weight decay.
  b: vec2<f32>,
  // SGD: momentumOn, nesterov.
  momentum_on: bool,
  nesterov: bool,
}

fn step_words() -> Step {
  if (OPT == OPT_SGD) {
    return Step(P[STEP_FIRST], P[STEP_SECOND], vec4<f32>(hyper(SGD_MOMENTUM), hyper(SGD_ONE_MINUS_DAMPENING), hyper(SGD_WEIGHT_DECAY), 0.0), vec2<f32>(0.0),
      P[STEP_HYPER + SGD_MOMENTUM_ON] != 0u, P[STEP_HYPER + SGD_NESTEROV] != 0u);
  }
  return Step(P[STEP_FIRST], P[STEP_SECOND], vec4<f32>(hyper(ADAM_BETA1), hyper(ADAM_ONE_MINUS_BETA1), hyper(ADAM_BETA2), hyper(ADAM_ONE_MINUS_BETA2)),
    vec2<f32>(hyper(ADAM_EPS), hyper(ADAM_WEIGHT_DECAY)), false, false);
}

// Adam on vec4 q of the range (same operations in the same order as the CPU's); `rate` is
// the step size lr / bc1, `extra` sqrt(bc2). Lanes past the parameter's end (its padding)
// keep their values.
fn adam_step(q: u32, st: Step, sp: StepParam, live: vec4<bool>) {
  let mo = st.first + q;
  let vo = st.second + q;
  let p = Params4[q];
  let m0 = State4[mo];
  let v0 = State4[vo];
  let d = Grads4[q] + st.b.y * p;
  let m = st.a.x * m0 + st.a.y * d;
  let v = st.a.z * v0 + st.a.w * d * d;
  State4[mo] = select(m0, m, live);
  State4[vo] = select(v0, v, live);
  Params4[q] = select(p, p - (sp.rate * m) / (sqrt(v) / bitcast<f32>(sp.extra) + st.b.x), live);
}

// SGD, plain or with momentum (plain SGD touches no state); `rate` is the learning rate,
// `extra` 1 when the momentum buffer starts now.
fn sgd_step(q: u32, st: Step, sp: StepParam, live: vec4<bool>) {
  let p = Params4[q];
  let d = Grads4[q] + st.a.z * p;
  if (!st.momentum_on) {
    Params4[q] = select(p, p - sp.rate * d, live);
    return;
  }
  let at = st.first + q;
  let b0 = State4[at];
  let buf = select(st.a.x * b0 + st.a.y * d, d, sp.extra != 0u);
  State4[at] = select(b0, buf, live);
  Params4[q] = select(p, p - sp.rate * select(buf, d + st.a.x * buf, st.nesterov), live);
}

// One vec4 by the optimizer the override OPT names (an OPT code); not 0 for no code, whose
// parameters become NaN.
fn step_vec4(q: u32, st: Step, sp: StepParam, live: vec4<bool>) -> f32 {
  switch OPT {
    case OPT_ADAM: {
      adam_step(q, st, sp, live);
      return 0.0;
    }
    case OPT_SGD: {
      sgd_step(q, st, sp, live);
      return 0.0;
    }
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn step_multi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let units = P[STEP_UNITS];
  let stride = nwg.x * WG;
  let st = step_words();
  var j = 0u;
  var sp = step_param(0u);
  for (var q = gid.x; q < units; q += stride) {
    while (q >= sp.next) {
      j++;
      sp = step_param(j);
    }
    let lane = 4u * (q - sp.start) + vec4<u32>(0u, 1u, 2u, 3u);
    let live = lane < vec4<u32>(sp.size);
    let none = step_vec4(q, st, sp, live);
    if (none != 0.0) { Params4[q] = vec4<f32>(none); }
  }
}
