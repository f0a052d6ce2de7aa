// The second pass of a split-K product (matmul.wgsl's matmul_partial): adds up the SPLIT_K
// partial tiles of each output element in chunk order (so the result is the same every run)
// and applies the entry point's epilogue, each thread looping over elements on the adapter's
// per-element grid (src/ops/define.ts strideGrid). Same parameter block as
// matmul.wgsl (the MATMUL layout).
// The partials W are [batch, SPLIT_K, M, N (+ 1 with ONES_COL)].

@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> E: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<storage, read_write> Z: array<f32>;

// Overrides (declared by the contract): SPLIT_K, and the epilogue's ACT or ACT_BWD code.

// The sum over chunks of element (b, r, c) of partials NP columns wide.
fn chunk_sum(b: u32, r: u32, c: u32, NP: u32) -> f32 {
  let M = P[MATMUL_M];
  var s = 0.0;
  for (var i = 0u; i < SPLIT_K; i++) { s += W[((b * SPLIT_K + i) * M + r) * NP + c]; }
  return s;
}

// Output element i of [batch, M, N]: its batch entry, row and column.
fn element(i: u32) -> vec3<u32> {
  let MN = P[MATMUL_M] * P[MATMUL_N];
  let rc = i % MN;
  return vec3<u32>(i / MN, rc / P[MATMUL_N], rc % P[MATMUL_N]);
}

@compute @workgroup_size(WG)
fn sum_matmul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let total = P[MATMUL_M] * P[MATMUL_N] * P[MATMUL_BATCH];
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let x = element(i);
    C[i] = chunk_sum(x.x, x.y, x.z, P[MATMUL_N]);
  }
}

@compute @workgroup_size(WG)
fn sum_linear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let total = P[MATMUL_M] * P[MATMUL_N] * P[MATMUL_BATCH];
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let x = element(i);
    Y[i] = act_forward(ACT, chunk_sum(x.x, x.y, x.z, P[MATMUL_N]) + E[x.z], pf(MATMUL_SLOPE));
  }
}

@compute @workgroup_size(WG)
fn sum_linear_pre(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let total = P[MATMUL_M] * P[MATMUL_N] * P[MATMUL_BATCH];
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let x = element(i);
    let z = chunk_sum(x.x, x.y, x.z, P[MATMUL_N]) + E[x.z];
    Z[i] = z;
    Y[i] = act_forward(ACT, z, pf(MATMUL_SLOPE));
  }
}

@compute @workgroup_size(WG)
fn sum_act_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let total = P[MATMUL_M] * P[MATMUL_N] * P[MATMUL_BATCH];
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let x = element(i);
    Y[i] = act_backward(ACT_BWD, E[i], chunk_sum(x.x, x.y, x.z, P[MATMUL_N]), pf(MATMUL_SLOPE));
  }
}

// Each element of C [M, N] and each row sum (the partials' column N): M x (N + 1) items.
@compute @workgroup_size(WG)
fn sum_colsum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let N = P[MATMUL_N];
  let total = P[MATMUL_M] * (N + 1u);
  for (var i = flat_index(gid, nwg); i < total; i += thread_count(nwg)) {
    let r = i / (N + 1u);
    let c = i % (N + 1u);
    let s = chunk_sum(0u, r, c, N + 1u);
    if (c < N) { C[r * N + c] = s; } else { Y[r] = s; }
  }
}
