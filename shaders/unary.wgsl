// Elementwise math, activations and their backward ops. One thread per element; the
// override OP picks the function, so each op is its own pipeline with no branching at run
// time. Parameter block: P[0] = element count, P[1] = leakyRelu's slope (f32).

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;

// Backward ops read (saved tensor, upstream gradient).
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> OG: array<f32>;

// unary: 0 neg, 1 exp, 2 log, 3 square, 4 abs, 5 sqrt, 6 sin, 7 cos, 8 sign, 9 sigmoid,
// 10 tanh, 11 relu, 12 leakyRelu. backward: 0 sigmoid, 1 tanh, 2 relu, 3 leakyRelu.
override OP: u32 = 0;

// sin and cos: WGSL's builtins promise only 2^-11 absolute error, on [-pi, pi] alone (and
// SwiftShader is that coarse), so they are computed here. x = q pi/2 + r with |r| <= pi/4,
// pi/2 subtracted in three parts (Cody-Waite: PIO2_A and PIO2_B have 8 and 11 mantissa bits,
// so q * PIO2_A and q * PIO2_B are exact for |q| < 2^13), then Cephes' sinf/cosf polynomials
// on r; the quadrant q mod 4 picks which one and its sign.
const PIO2_A: f32 = 1.5703125;
const PIO2_B: f32 = 4.837512969970703125e-4;
const PIO2_C: f32 = 7.549789948768648e-8;

fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}

// sin(x + shift * pi/2): shift 0 gives sin, 1 gives cos.
fn sin_quadrant(x: f32, shift: i32) -> f32 {
  let q = round(x * 0.63661977); // 2 / pi
  let r = ((x - q * PIO2_A) - q * PIO2_B) - q * PIO2_C;
  let k = (i32(q) + shift) & 3;
  let v = select(sin_poly(r), cos_poly(r), (k & 1) == 1);
  return select(v, -v, k >= 2);
}

fn apply_unary(x: f32) -> f32 {
  switch OP {
    case 0u: { return -x; }
    case 1u: { return exp(x); }
    case 2u: { return log(x); }
    case 3u: { return x * x; }
    case 4u: { return abs(x); }
    case 5u: { return sqrt(x); }
    case 6u: { return sin_quadrant(x, 0); }
    case 7u: { return sin_quadrant(x, 1); }
    case 8u: { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }
    case 9u: {
      // Stable for any x: exp only ever sees -|x|, so it never overflows.
      let e = exp(-abs(x));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
    }
    case 10u: {
      // Some drivers compute tanh as a ratio of exponentials that overflows to NaN for
      // large |x|; in f32 tanh(15) already rounds to 1, so clamping changes nothing else.
      return tanh(clamp(x, -15.0, 15.0));
    }
    // select, not max: the CPU maps NaN to 0, and WGSL's max may return either operand for NaN.
    case 11u: { return select(0.0, x, x > 0.0); }
    default: { return select(pf(1u) * x, x, x > 0.0); }
  }
}

@compute @workgroup_size(WG)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = apply_unary(X[i]);
}

// Same order of operations as the CPU kernels: (g * y) * (1 - y), g * (1 - y * y).
fn apply_backward(s: f32, g: f32) -> f32 {
  switch OP {
    case 0u: { return g * s * (1.0 - s); }
    case 1u: { return g * (1.0 - s * s); }
    // relu'(0) = 0, as PyTorch.
    case 2u: { return select(0.0, g, s > 0.0); }
    default: { return select(pf(1u) * g, g, s > 0.0); }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= P[0]) { return; }
  OG[i] = apply_backward(S[i], G[i]);
}
