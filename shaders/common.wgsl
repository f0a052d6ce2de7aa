// Prepended to every kernel family. Binding 0 of every dispatch is its parameter block:
// sizes, strides and scalars as u32 words (f32 values stored as their bits).
@group(0) @binding(0) var<storage, read> P: array<u32>;

override WG: u32 = 64;

fn pf(i: u32) -> f32 {
  return bitcast<f32>(P[i]);
}

// The flat thread index; past 65535 workgroups the grid folds into a second dimension.
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Up to 6 dimensions: P[base] = ndim, P[base+1..] = output shape, then one stride list
// per input. Returns the flat offset of output element i in input k (broadcasting: a
// stretched dimension has stride 0).
fn strided_offset(i: u32, base: u32, k: u32) -> u32 {
  let nd = P[base];
  var r = i;
  var off = 0u;
  for (var d = 0u; d < nd; d++) {
    let axis = nd - 1u - d;
    let dim = P[base + 1u + axis];
    let idx = r % dim;
    r = r / dim;
    off += idx * P[base + 1u + 6u * (k + 1u) + axis];
  }
  return off;
}

// NaN-aware max and finiteness, by bits: WGSL leaves max(NaN, x), exp(NaN) and `v != v`
// to the implementation (SwiftShader's exp(inf - inf) is not NaN).
fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn is_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn max_nan(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), b, is_nan(b)), a, is_nan(a));
}
