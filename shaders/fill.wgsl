// Ops with no tensor inputs. Parameter block: element count, then the op's values (the FULL
// and RANGE layouts).

// full writes four words an item.
@group(0) @binding(1) var<storage, read_write> W4: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(1) var<storage, read_write> Oi: array<i32>;

// full: the value's bits (f32 or i32), computed on the host, so one kernel serves both.
@compute @workgroup_size(WG)
fn full(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[FULL_COUNT];
  let v = vec4<u32>(P[FULL_BITS]);
  for (var j = flat_index(gid, nwg); 4u * j < n; j += thread_count(nwg)) {
    if (4u * j + 4u <= n) {
      W4[j] = v;
    } else {
      W4[j] = select(W4[j], v, lanes(j, n));
    }
  }
}

// arange, f32: start + i * step. Exact while the values are integers below 2^24.
@compute @workgroup_size(WG)
fn arange_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[RANGE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    O[i] = pf(RANGE_START) + f32(i) * pf(RANGE_STEP);
  }
}

// arange, i32 with integer start and step (as i32): wraps like an Int32Array store.
@compute @workgroup_size(WG)
fn arange_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[RANGE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    Oi[i] = bitcast<i32>(P[RANGE_START]) + bitcast<i32>(i) * bitcast<i32>(P[RANGE_STEP]);
  }
}

// arange, i32 with a fractional start or step: computed in f32, truncated toward zero as an
// Int32Array store does.
@compute @workgroup_size(WG)
fn arange_i32_frac(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[RANGE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    Oi[i] = i32(pf(RANGE_START) + f32(i) * pf(RANGE_STEP));
  }
}

// linspace: start + i * step, the last element exactly end, as torch.
@compute @workgroup_size(WG)
fn linspace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[RANGE_COUNT];
  for (var i = flat_index(gid, nwg); i < n; i += thread_count(nwg)) {
    O[i] = select(pf(RANGE_START) + f32(i) * pf(RANGE_STEP), pf(RANGE_END), i == n - 1u && n > 1u);
  }
}
