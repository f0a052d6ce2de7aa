// Elementwise math, activations and their backward ops. Four elements an item (vec4 loads and
// stores), each thread looping over items i, i + thread_count, ... (the grid follows the
// adapter, src/ops/define.ts strideGrid); the override OP picks the function, so each op is its own pipeline with no branching at run
// time. Parameter block: the UNARY layout (element count, leakyRelu's slope as f32).
//
// Edge values (NaN, +-inf, +-0, subnormals, overflow) give the CPU reference's answer, by
// construction rather than by luck: WGSL leaves the builtins undefined outside their domain
// (on SwiftShader log(-1) and log(0) come back finite, exp(NaN) infinite, tanh(NaN) -1, sin
// of 1e30 infinite), lets `v != v`, min, max and
// clamp do anything with NaN, and GPUs (SwiftShader among them) flush subnormal operands to
// zero. So every special case is decided on the bits before any float math runs, and a
// subnormal is rebuilt from its bits (m * 2^-149, with m < 2^23 an exact f32) where flushing
// it would change the answer's class.

@group(0) @binding(1) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> O: array<vec4<f32>>;

// Backward ops read (saved tensor, upstream gradient).
@group(0) @binding(1) var<storage, read> S: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> OG: array<vec4<f32>>;

// The override OP (declared by the contract, default NO_OP): unary: a UNARY code; backward:
// an ACT_BWD code (act_backward in common.wgsl).

fn sqrt_f32(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if (is_nan(x) || (b & ABS) == 0u) { return x; } // NaN, and sqrt(-0) = -0
  if (b >= SIGN) { return nan_f32(); }
  if (b == INF_BITS) { return x; }
  // Subnormal: sqrt(m * 2^-149) = sqrt(2m) * 2^-75.
  if (b < MIN_NORMAL_BITS) { return sqrt(f32(b) * 2.0) * 2.6469779601696886e-23; }
  return sqrt(x);
}

// sin and cos: WGSL's builtins promise only 2^-11 absolute error, on [-pi, pi] alone (and
// SwiftShader is that coarse), so they are computed here: x = q pi/2 + r with |r| <= pi/4,
// then Cephes' sinf/cosf polynomials on r, the quadrant q mod 4 picking which one and its
// sign. For |x| < 8192, pi/2 is subtracted in three parts (Cody-Waite: PIO2_A and PIO2_B
// have 8 and 11 mantissa bits, so q * PIO2_A and q * PIO2_B are exact for |q| < 2^13).
// Larger x (up to FLT_MAX) take the Payne-Hanek reduction below: its remainder is off by
// about 2^-61 before it is rounded to f32, so sin and cos stay as accurate as for small x.
const PIO2_A: f32 = 1.5703125;
const PIO2_B: f32 = 4.837512969970703125e-4;
const PIO2_C: f32 = 7.549789948768648e-8;

// Bits of 2/pi: entry k is floor(2/pi * 2^(8k + 8)) mod 2^32.
const TWO_OVER_PI = array<u32, 24>(
  0xa2u, 0xa2f9u, 0xa2f983u, 0xa2f9836eu, 0xf9836e4eu, 0x836e4e44u, 0x6e4e4415u, 0x4e441529u,
  0x441529fcu, 0x1529fc27u, 0x29fc2757u, 0xfc2757d1u, 0x2757d1f5u, 0x57d1f534u, 0xd1f534ddu, 0xf534ddc0u,
  0x34ddc0dbu, 0xddc0db62u, 0xc0db6295u, 0xdb629599u, 0x6295993cu, 0x95993c43u, 0x993c4390u, 0x3c439041u,
);

struct Reduced {
  q: u32, // quadrant, mod 4
  r: f32, // remainder in [-pi/4, pi/4]
}

// Payne-Hanek for |x| >= 2 given as its bits (sign cleared), after ARM's optimized-routines
// sinf: |x| = m 2^(8j - 22) with m the 24-bit significand shifted by the exponent's low 3
// bits, so x * 2/pi mod 4 is m times 96 bits of 2/pi starting at byte j (higher bits only add
// multiples of 4), in fixed point with 62 fraction bits. The quadrant is its rounded top; the
// signed rest times pi/2 * 2^-62 is r (at most 29 leading zero bits for any f32, so the
// conversion keeps full f32 precision).
fn reduce_large(xm: u32) -> Reduced {
  let j = (xm >> 26u) & 15u;
  let m = ((xm & 0x7fffffu) | 0x800000u) << ((xm >> 23u) & 7u);
  let top = m * TWO_OVER_PI[j]; // only its low word matters (mod 4 after the scaling)
  let mid = mul_wide(m, TWO_OVER_PI[j + 4u]);
  let low = mul_wide(m, TWO_OVER_PI[j + 8u]);
  var lo = low.y + mid.x;
  var hi = top + mid.y + select(0u, 1u, lo < low.y);
  let q = (hi + 0x20000000u) >> 30u;
  hi -= q << 30u;
  let negative = hi >= SIGN;
  if (negative) {
    lo = ~lo + 1u;
    hi = ~hi + select(0u, 1u, lo == 0u);
  }
  let r = (f32(hi) * 4294967296.0 + f32(lo)) * 3.4061215800865545e-19;
  return Reduced(q & 3u, select(r, -r, negative));
}

fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}

// sin(x + shift * pi/2): shift 0 gives sin, 1 gives cos.
fn sin_quadrant(x: f32, shift: u32) -> f32 {
  let b = bitcast<u32>(x);
  let xm = b & ABS;
  if (xm >= INF_BITS) { return nan_f32(); } // NaN and +-inf
  // |x| < 2^-12: sin x rounds to x (keeping -0 and subnormals), cos x to 1.
  if (xm < 0x39800000u) { return select(x, 1.0, shift == 1u); }
  var red: Reduced;
  if (xm < 0x46000000u) { // |x| < 8192
    let q = round(x * 0.63661977); // 2 / pi
    red = Reduced(u32(i32(q)) & 3u, ((x - q * PIO2_A) - q * PIO2_B) - q * PIO2_C);
  } else {
    red = reduce_large(xm);
    // sin(-x) = -sin(x): the quadrant and the remainder change sign.
    if (b >= SIGN) { red = Reduced((4u - red.q) & 3u, -red.r); }
  }
  let k = (red.q + shift) & 3u;
  let v = select(sin_poly(red.r), cos_poly(red.r), (k & 1u) == 1u);
  return select(v, -v, k >= 2u);
}

fn apply_unary(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  switch OP {
    case UNARY_NEG: { return bitcast<f32>(b ^ SIGN); }
    case UNARY_EXP: { return exp_f32(x); }
    case UNARY_LOG: { return log_f32(x); }
    case UNARY_SQUARE: { return select(x * x, x, is_nan(x)); }
    case UNARY_ABS: { return bitcast<f32>(b & ABS); }
    case UNARY_SQRT: { return sqrt_f32(x); }
    case UNARY_SIN: { return sin_quadrant(x, 0u); }
    case UNARY_COS: { return sin_quadrant(x, 1u); }
    // sign(NaN) = 0 and sign(-0) = 0, as PyTorch; subnormals keep their sign.
    case UNARY_SIGN: {
      if (is_nan(x) || (b & ABS) == 0u) { return 0.0; }
      return select(1.0, -1.0, b >= SIGN);
    }
    case UNARY_SIGMOID: { return sigmoid_f32(x); }
    case UNARY_TANH: { return tanh_f32(x); }
    case UNARY_RELU: { return relu_f32(x); }
    case UNARY_LEAKY_RELU: { return leaky_relu_f32(x, pf(UNARY_SLOPE)); }
    default: { return nan_f32(); }
  }
}

// The last item may be partial: its lanes past the count keep what the output held (lanes()
// in common.wgsl); the extra lanes compute on whatever the padding holds, unused.
@compute @workgroup_size(WG)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[UNARY_COUNT];
  for (var j = flat_index(gid, nwg); 4u * j < n; j += thread_count(nwg)) {
    let x = X[j];
    let r = vec4<f32>(apply_unary(x.x), apply_unary(x.y), apply_unary(x.z), apply_unary(x.w));
    if (4u * j + 4u <= n) {
      O[j] = r;
    } else {
      O[j] = select(O[j], r, lanes(j, n));
    }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[UNARY_COUNT];
  let slope = pf(UNARY_SLOPE);
  for (var j = flat_index(gid, nwg); 4u * j < n; j += thread_count(nwg)) {
    let s = S[j];
    let g = G[j];
    let r = vec4<f32>(act_backward(OP, s.x, g.x, slope), act_backward(OP, s.y, g.y, slope), act_backward(OP, s.z, g.z, slope), act_backward(OP, s.w, g.w, slope));
    if (4u * j + 4u <= n) {
      OG[j] = r;
    } else {
      OG[j] = select(OG[j], r, lanes(j, n));
    }
  }
}
