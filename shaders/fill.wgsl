// Ops with no tensor inputs. Parameter block: P[0] = element count, then the op's values.

@group(0) @binding(1) var<storage, read_write> W: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(1) var<storage, read_write> Oi: array<i32>;

// full: P[1] = the value's bits (f32 or i32), computed on the host, so one kernel serves both.
@compute @workgroup_size(WG)
fn full(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  W[i] = P[1];
}

// arange, f32: start + i * step (P[1], P[2]). Exact while the values are integers below 2^24.
@compute @workgroup_size(WG)
fn arange_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = pf(1u) + f32(i) * pf(2u);
}

// arange, i32 with integer start and step (P[1], P[2] as i32): wraps like an Int32Array store.
@compute @workgroup_size(WG)
fn arange_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Oi[i] = bitcast<i32>(P[1]) + bitcast<i32>(i) * bitcast<i32>(P[2]);
}

// arange, i32 with a fractional start or step: computed in f32, truncated toward zero as an
// Int32Array store does.
@compute @workgroup_size(WG)
fn arange_i32_frac(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  Oi[i] = i32(pf(1u) + f32(i) * pf(2u));
}

// linspace: start + i * step (P[1], P[2]), the last element exactly end (P[3]), as torch.
@compute @workgroup_size(WG)
fn linspace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let n = P[0];
  if (i >= n) { return; }
  O[i] = select(pf(1u) + f32(i) * pf(2u), pf(3u), i == n - 1u && n > 1u);
}
