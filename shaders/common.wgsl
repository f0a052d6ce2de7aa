// Prepended to every kernel family, after the declarations generated from src/ops/contract.ts
// (op codes, parameter-block offsets, MAX_DIMS, MAX_WORDS, NO_OP, and every override constant
// with its type and default: WG, OP, ACT, TILE_K, ...). Binding 0 of every dispatch is its
// parameter block: sizes, strides and scalars as u32 words (f32 values stored as their bits),
// at the offsets the contract's layouts give.
@group(0) @binding(0) var<storage, read> P: array<u32, MAX_WORDS>;

fn pf(i: u32) -> f32 {
  return bitcast<f32>(P[i]);
}

// The flat thread index; past 65535 workgroups the grid folds into a second dimension.
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Threads in the dispatch: the step of a per-element kernel's grid-stride loop. The grid
// is sized to the adapter (src/ops/define.ts strideGrid), not to the element count, so
// each thread takes items i, i + thread_count, ... until the count.
fn thread_count(nwg: vec3<u32>) -> u32 {
  return nwg.x * nwg.y * WG;
}

// The lanes of vec4 item j (elements 4j .. 4j+3) that lie below n: a kernel over vec4s
// stores its last, partial item through this mask, keeping the words past n (bindings are
// whole 16-byte units, so the item's loads stay inside them; its extra lanes are unused).
fn lanes(j: u32, n: u32) -> vec4<bool> {
  return vec4<u32>(4u * j) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(n);
}

// The strided layout at word `base` (src/ops/gpu.ts layoutWords): up to MAX_DIMS output
// dims, then one stride list per input. Returns the flat offset of output element i in
// input k (broadcasting: a stretched dimension has stride 0).
fn strided_offset(i: u32, base: u32, k: u32) -> u32 {
  let nd = P[base + STRIDED_NDIM];
  let strides = base + STRIDED_STRIDES + MAX_DIMS * k;
  var r = i;
  var off = 0u;
  for (var d = 0u; d < nd; d++) {
    let axis = nd - 1u - d;
    let dim = P[base + STRIDED_DIMS + axis];
    let idx = r % dim;
    r = r / dim;
    off += idx * P[strides + axis];
  }
  return off;
}

// The full 64-bit product a * b as (low word, high word): WGSL has no 64-bit integers, and
// 16-bit halves keep every partial sum below 2^32 (as mulhi32 in src/random.ts).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
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

// Bit patterns of f32 values: special cases are decided on the bits, since WGSL lets an
// implementation assume no NaN or infinity reaches float math, and GPUs (SwiftShader among
// them) flush subnormal operands to zero.
const SIGN: u32 = 0x80000000u;
const ABS: u32 = 0x7fffffffu;
const INF_BITS: u32 = 0x7f800000u;
const MIN_NORMAL_BITS: u32 = 0x00800000u;

// NaN and infinity must be made at run time: as const-expressions they fail to compile.
// A zero the compiler cannot fold (a parameter word masked away) makes them run-time values.
fn runtime_zero() -> u32 {
  return P[0] & 0u;
}

fn nan_f32() -> f32 {
  return bitcast<f32>(0x7fc00000u | runtime_zero());
}

fn inf_f32(sign: u32) -> f32 {
  return bitcast<f32>(INF_BITS | sign | runtime_zero());
}

// The first stride of a tree reduction over WG slots (the workgroup kernels of reduce.wgsl
// and softmax.wgsl): half of WG rounded up to a power of two.
fn tree_start() -> u32 {
  var s = 1u;
  while (s < WG) { s <<= 1u; }
  return s >> 1u;
}

// x > 0, by bits: true for a positive subnormal even where the hardware flushes it to 0;
// false for +-0 and NaN.
fn is_positive(x: f32) -> bool {
  let b = bitcast<u32>(x);
  return b < SIGN && b != 0u && !is_nan(x);
}

// exp for any x: +inf past the largest x with a finite result (88.72283172607422, the f32
// below ln(FLT_MAX)), 0 below -104 (where the true value rounds to 0), NaN for NaN. Near the
// top, exp(x - 1) * e keeps drivers whose exp(x) is exp2(x * log2(e)) from rounding the
// exponent up to 128 and overflowing; the result there is finite, so any infinity from the
// product is rounding, clamped to FLT_MAX.
fn exp_f32(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283172607422) { return inf_f32(0u); }
  if (x < -104.0) { return 0.0; }
  if (x > 88.0) {
    let r = exp(x - 1.0) * 2.7182817459106445;
    return select(3.40282346638528859812e38, r, is_finite(r));
  }
  return exp(x);
}

fn log_f32(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if (is_nan(x)) { return x; }
  if ((b & ABS) == 0u) { return inf_f32(SIGN); } // log(+-0) = -inf
  if (b >= SIGN) { return nan_f32(); } // negative, -inf included
  if (b == INF_BITS) { return x; }
  // Subnormal: log(m * 2^-149) = log(m) - 149 ln 2.
  if (b < MIN_NORMAL_BITS) { return log(f32(b)) - 103.27892990343184; }
  return log(x);
}

// Activations, shared by their own kernels (unary.wgsl) and the fused linear epilogue
// (matmul.wgsl), so a fused layer gives exactly what the separate ops give.

// Stable for any x: exp only ever sees -|x|, so it never overflows. sigmoid(NaN) = NaN.
fn sigmoid_f32(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if (is_nan(x)) { return x; }
  let e = exp_f32(bitcast<f32>(b | SIGN));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), b < SIGN);
}

// |x| < 2^-12: tanh x rounds to x (keeping -0 and subnormals). |x| > 15: tanh x rounds to
// +-1 in f32, and some drivers compute tanh as a ratio of exponentials that overflows to NaN
// for large |x|. tanh(NaN) = NaN.
fn tanh_f32(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if (is_nan(x)) { return x; }
  let xm = b & ABS;
  if (xm < 0x39800000u) { return x; }
  if (xm > 0x41700000u) { return bitcast<f32>(0x3f800000u | (b & SIGN)); }
  return tanh(x);
}

// relu(NaN) = NaN, as PyTorch (select, not max: WGSL's max may return either for NaN).
fn relu_f32(x: f32) -> f32 {
  return select(0.0, x, is_positive(x) || is_nan(x));
}

fn leaky_relu_f32(x: f32, slope: f32) -> f32 {
  return select(slope * x, x, is_positive(x) || is_nan(x));
}

// An activation by its ACT code (leaky relu with `slope`): the epilogue of the fused linear kernels (matmul.wgsl, matmul_sum.wgsl), the same functions
// as the separate activation ops, edge values included.
fn act_forward(op: u32, z: f32, slope: f32) -> f32 {
  switch op {
    case ACT_NONE: { return z; }
    case ACT_RELU: { return relu_f32(z); }
    case ACT_SIGMOID: { return sigmoid_f32(z); }
    case ACT_TANH: { return tanh_f32(z); }
    case ACT_LEAKY_RELU: { return leaky_relu_f32(z, slope); }
    default: { return nan_f32(); }
  }
}

// An activation's backward by its ACT_BWD code, from its saved value s (sigmoid, tanh: the
// output; relu, leaky relu: input or output, positive at the same places), shared by the backward
// kernels (unary.wgsl) and the matmul that folds it in (matmul.wgsl). Same order of
// operations as the CPU kernels: (g * y) * (1 - y), g * (1 - y * y).
fn act_backward(op: u32, s: f32, g: f32, slope: f32) -> f32 {
  let sb = bitcast<u32>(s);
  switch op {
    case ACT_BWD_SIGMOID: {
      if (is_nan(s) || is_nan(g)) { return nan_f32(); }
      // A subnormal y (sigmoid of x < -87) would be flushed, turning g * y into 0 and inf * y
      // into NaN: g * y is (g * (y 2^24)) 2^-24 with y 2^24 rebuilt from its bits (at most
      // 2^-102, so the product cannot overflow), and 1 - y rounds to 1.
      if ((sb & ABS) != 0u && (sb & ABS) < MIN_NORMAL_BITS) {
        let scaled = bitcast<f32>(bitcast<u32>(f32(sb & 0x7fffffu) * 2.350988701644575e-38) | (sb & SIGN));
        return (g * scaled) * 5.9604644775390625e-8;
      }
      return g * s * (1.0 - s);
    }
    case ACT_BWD_TANH: { return select(g * (1.0 - s * s), nan_f32(), is_nan(s) || is_nan(g)); }
    // PyTorch's threshold_backward: 0 where s <= 0 (relu'(0) = 0), g elsewhere, NaN included.
    case ACT_BWD_RELU: { return select(0.0, g, is_positive(s) || is_nan(s)); }
    // leaky_relu_backward: g where s > 0, slope * g elsewhere (s = NaN included).
    case ACT_BWD_LEAKY_RELU: { return select(slope * g, g, is_positive(s) || is_nan(g)); }
    default: { return nan_f32(); }
  }
}

// A product's sizes (the MATMUL layout, shaders/matmul.wgsl and matmul_reg.wgsl): in a
// shape-specialised pipeline (SHAPED) the DIM_* overrides, constants the compiler folds into
// the index arithmetic, bounds tests and loop counts; otherwise the parameter block's words,
// so one pipeline serves every shape. The rules (src/ops/matmul.ts) set both to the same
// values, so a kernel reads the same sizes either way.
fn mm_m() -> u32 {
  if (SHAPED) { return DIM_M; }
  return P[MATMUL_M];
}

fn mm_n() -> u32 {
  if (SHAPED) { return DIM_N; }
  return P[MATMUL_N];
}

fn mm_k() -> u32 {
  if (SHAPED) { return DIM_K; }
  return P[MATMUL_K];
}

fn mm_k_chunk() -> u32 {
  if (SHAPED) { return DIM_K_CHUNK; }
  return P[MATMUL_K_CHUNK];
}

fn mm_a_batch_stride() -> u32 {
  if (SHAPED) { return DIM_A_BATCH_STRIDE; }
  return P[MATMUL_A_BATCH_STRIDE];
}

fn mm_b_batch_stride() -> u32 {
  if (SHAPED) { return DIM_B_BATCH_STRIDE; }
  return P[MATMUL_B_BATCH_STRIDE];
}

fn mm_batch() -> u32 {
  if (SHAPED) { return DIM_BATCH; }
  return P[MATMUL_BATCH];
}
