// Ops that move data without arithmetic. They copy raw 32-bit words, so f32 and i32
// tensors share every kernel (except the scatter-add of indexSelectBackward, which sums).

@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;

// indexSelect: rows of X picked by an int32 index.
@group(0) @binding(2) var<storage, read> Idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> OI: array<u32>;

// indexSelectBackward: gradient rows summed into their source rows.
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> OG: array<f32>;

// reshape, copy: O[i] = X[i]. P[0] = element count.
@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = X[i];
}

// transpose: a gather through permuted strides (the strided layout of common.wgsl at base 1,
// whose stride list holds the input's strides reordered to the output's axes).
@compute @workgroup_size(WG)
fn gather_strided(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = X[strided_offset(i, 1u, 0u)];
}

// narrow and cat: copy P[0] words arranged as rows of width P[1], from rows of P[2] words
// starting at word P[3] of each, into rows of P[4] words starting at word P[5] of each.
// narrow reads a window of each input row; cat writes each input into a window of the output
// rows (one dispatch per input).
@compute @workgroup_size(WG)
fn block_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let row = i / P[1];
  let col = i % P[1];
  O[row * P[4] + P[5] + col] = X[row * P[2] + P[3] + col];
}

// indexSelect: P[0] = element count, P[1] = row width, P[2] = input rows. An index out of
// range (which the CPU rejects) writes zeros instead of reading out of bounds.
@compute @workgroup_size(WG)
fn index_select(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let w = P[1];
  let r = Idx[i / w];
  var v = 0u;
  if (r >= 0 && u32(r) < P[2]) { v = X[u32(r) * w + i % w]; }
  OI[i] = v;
}

// indexSelectBackward: one thread per OUTPUT element sums the gradient rows whose index is
// its row, in index order as the CPU does. WebGPU has no float atomics, so a scatter with
// repeated indices cannot write in parallel; this gathers instead. P[0] = element count,
// P[1] = row width, P[2] = number of indices.
@compute @workgroup_size(WG)
fn index_add_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  let w = P[1];
  let row = i32(i / w);
  let col = i % w;
  var acc = 0.0;
  for (var k = 0u; k < P[2]; k++) {
    if (Idx[k] == row) { acc += G[k * w + col]; }
  }
  OG[i] = acc;
}
