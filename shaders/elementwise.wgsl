// Elementwise ops with broadcasting. Parameter block: P[0] = element count, then the
// strided layout of common.wgsl at base 1 (output shape, one stride list per input).

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;

@group(0) @binding(1) var<storage, read> Ai: array<i32>;
@group(0) @binding(2) var<storage, read> Bi: array<i32>;
@group(0) @binding(3) var<storage, read_write> Oi: array<i32>;

// where(cond, a, b): selection moves bits, so one kernel serves f32 and i32 alike.
@group(0) @binding(1) var<storage, read> Cw: array<u32>;
@group(0) @binding(2) var<storage, read> Aw: array<u32>;
@group(0) @binding(3) var<storage, read> Bw: array<u32>;
@group(0) @binding(4) var<storage, read_write> Ow: array<u32>;

// 0 add, 1 sub, 2 mul, 3 div, 4 pow
override OP: u32 = 0;
// 0 eq, 1 gt, 2 lt
override CMP: u32 = 0;

fn apply_f32(a: f32, b: f32) -> f32 {
  switch OP {
    case 0u: { return a + b; }
    case 1u: { return a - b; }
    case 2u: { return a * b; }
    case 3u: { return a / b; }
    default: {
      // WGSL's pow is undefined for a negative base; follow Math.pow for integer exponents.
      if (a < 0.0 && b == round(b)) {
        let m = pow(-a, b);
        return select(m, -m, (i32(b) & 1) == 1);
      }
      if (a == 0.0 && b == 0.0) { return 1.0; }
      return pow(a, b);
    }
  }
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = apply_f32(A[strided_offset(i, 1u, 0u)], B[strided_offset(i, 1u, 1u)]);
}

@compute @workgroup_size(WG)
fn binary_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let a = Ai[strided_offset(i, 1u, 0u)];
  let b = Bi[strided_offset(i, 1u, 1u)];
  var r: i32;
  switch OP {
    case 0u: { r = a + b; }
    case 1u: { r = a - b; }
    default: { r = a * b; }
  }
  Oi[i] = r;
}

fn compare(a: f32, b: f32) -> i32 {
  switch CMP {
    case 0u: { return select(0, 1, a == b); }
    case 1u: { return select(0, 1, a > b); }
    default: { return select(0, 1, a < b); }
  }
}

@compute @workgroup_size(WG)
fn compare_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Oi[i] = compare(A[strided_offset(i, 1u, 0u)], B[strided_offset(i, 1u, 1u)]);
}

@compute @workgroup_size(WG)
fn compare_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let a = Ai[strided_offset(i, 1u, 0u)];
  let b = Bi[strided_offset(i, 1u, 1u)];
  var r: i32;
  switch CMP {
    case 0u: { r = select(0, 1, a == b); }
    case 1u: { r = select(0, 1, a > b); }
    default: { r = select(0, 1, a < b); }
  }
  Oi[i] = r;
}

// The condition's dtype is in P[26]: 1 when it is f32 (nonzero test on the float value).
@compute @workgroup_size(WG)
fn where_select(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let c = Cw[strided_offset(i, 1u, 0u)];
  let take_a = select(c != 0u, bitcast<f32>(c) != 0.0, P[26] == 1u);
  Ow[i] = select(Bw[strided_offset(i, 1u, 2u)], Aw[strided_offset(i, 1u, 1u)], take_a);
}

// Casts: one input, the output at binding 2.
@group(0) @binding(2) var<storage, read_write> CastI: array<i32>;
@group(0) @binding(2) var<storage, read_write> CastF: array<f32>;

@compute @workgroup_size(WG)
fn cast_to_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  // Truncation toward zero, as PyTorch's .int().
  CastI[i] = i32(A[i]);
}

@compute @workgroup_size(WG)
fn cast_to_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  CastF[i] = f32(Ai[i]);
}
