// Elementwise ops with broadcasting. Parameter block: the ELEMENTWISE layout (element count,
// where's condition dtype, then the strided layout of common.wgsl: output shape, one stride
// list per input).
// An input with the output's shape is read at the element's own index (SAME_SHAPE).
// Every kernel is a grid-stride loop over its items (thread_count in common.wgsl): the grid
// follows the adapter, not the element count. `binary_vec4` takes four elements a load where
// every input has the output's shape or is one element.

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;

// binary_vec4: the same buffers, four elements an item.
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> O4: array<vec4<f32>>;

@group(0) @binding(1) var<storage, read> Ai: array<i32>;
@group(0) @binding(2) var<storage, read> Bi: array<i32>;
@group(0) @binding(3) var<storage, read_write> Oi: array<i32>;

// where(cond, a, b): selection moves bits, so one kernel serves f32 and i32 alike.
@group(0) @binding(1) var<storage, read> Cw: array<u32>;
@group(0) @binding(2) var<storage, read> Aw: array<u32>;
@group(0) @binding(3) var<storage, read> Bw: array<u32>;
@group(0) @binding(4) var<storage, read_write> Ow: array<u32>;

// Overrides (declared by the contract): OP, a BINARY code (binary, binary_i32); CMP, a
// COMPARE code; SAME_SHAPE, bit k set when input k has the output's shape (the op rule
// decides, per input), so element i reads its index i, not a div/mod per dimension; a
// broadcast operand keeps the strided path.

fn input_offset(i: u32, k: u32) -> u32 {
  if (((SAME_SHAPE >> k) & 1u) == 1u) { return i; }
  return strided_offset(i, ELEMENTWISE_STRIDES, k);
}

// Edge values (NaN, +-inf, +-0, subnormals, overflow) give the CPU reference's answer (IEEE
// arithmetic; pow as C and PyTorch) by construction: WGSL lets an implementation assume no
// NaN or infinity reaches float math, bounds division's error only for |divisor| in
// [2^-126, 2^126], leaves pow undefined for x < 0 and at x = 0, and GPUs (SwiftShader among
// them) flush subnormal operands to zero. So special cases are decided on the bits first,
// and subnormals are rebuilt from their bits (m * 2^-149, m < 2^23 an exact f32).
const ONE_BITS: u32 = 0x3f800000u;
const TWO_POW_M24: f32 = 5.9604644775390625e-8;



fn is_subnormal(bits: u32) -> bool {
  return (bits & INF_BITS) == 0u && (bits & ABS) != 0u;
}

// v * 2^24 for a finite v: exact for subnormals, which are rebuilt from their bits (m * 2^-125).
fn scale_up(v: f32) -> f32 {
  let b = bitcast<u32>(v);
  if ((b & INF_BITS) == 0u) {
    let m = f32(b & 0x7fffffu) * 2.350988701644575e-38;
    return bitcast<f32>(bitcast<u32>(m) | (b & SIGN));
  }
  return v * 16777216.0;
}

fn add_f32(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  let ab = bitcast<u32>(a);
  let bb = bitcast<u32>(b);
  let a_inf = (ab & ABS) == INF_BITS;
  let b_inf = (bb & ABS) == INF_BITS;
  if (a_inf && b_inf && ab != bb) { return nan_f32(); } // inf - inf
  if (a_inf) { return a; }
  if (b_inf) { return b; }
  return a + b;
}

fn mul_f32(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  let ab = bitcast<u32>(a);
  let bb = bitcast<u32>(b);
  let sign = (ab ^ bb) & SIGN;
  let am = ab & ABS;
  let bm = bb & ABS;
  if (am == INF_BITS || bm == INF_BITS) { return select(inf_f32(sign), nan_f32(), am == 0u || bm == 0u); }
  if (am == 0u || bm == 0u) { return bitcast<f32>(sign); }
  let a_sub = am < MIN_NORMAL_BITS;
  let b_sub = bm < MIN_NORMAL_BITS;
  // A subnormal times anything finite is below 2^-126 * 2^128: scaled up by 2^24 first, the
  // product cannot overflow and rounds once. Two subnormals round to zero.
  if (a_sub && b_sub) { return bitcast<f32>(sign); }
  if (a_sub) { return (scale_up(a) * b) * TWO_POW_M24; }
  if (b_sub) { return (a * scale_up(b)) * TWO_POW_M24; }
  return a * b;
}

fn div_f32(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  let ab = bitcast<u32>(a);
  let bb = bitcast<u32>(b);
  let sign = (ab ^ bb) & SIGN;
  let am = ab & ABS;
  let bm = bb & ABS;
  // x / +-0 = +-inf with the sign of x * b (so 1 / -0 = -inf), 0 / 0 = NaN.
  if (bm == 0u) { return select(inf_f32(sign), nan_f32(), am == 0u); }
  if (bm == INF_BITS) { return select(bitcast<f32>(sign), nan_f32(), am == INF_BITS); }
  if (am == INF_BITS) { return inf_f32(sign); }
  if (am == 0u) { return bitcast<f32>(sign); }
  // Finite and nonzero: divide the magnitudes with the divisor inside [2^-126, 2^126].
  let x = bitcast<f32>(am);
  let y = bitcast<f32>(bm);
  var q: f32;
  if (bm < MIN_NORMAL_BITS) {
    // x / y = (x / (y 2^24)) 2^24; if the quotient overflows, so does the true one.
    q = select((x / scale_up(y)) * 16777216.0, scale_up(x) / scale_up(y), am < MIN_NORMAL_BITS);
  } else if (am < MIN_NORMAL_BITS) {
    q = (scale_up(x) / y) * TWO_POW_M24;
  } else if (bm >= 0x7e800000u) {
    q = (x * 0.25) / (y * 0.25);
  } else {
    q = x / y;
  }
  return bitcast<f32>(bitcast<u32>(q) | sign);
}

// Whether a finite y is an integer, from its bits: 0 not an integer, 1 even, 2 odd. Every f32
// of magnitude 2^24 or more is an even integer; a subnormal is not an integer.
fn int_class(yb: u32) -> u32 {
  let ym = yb & ABS;
  if (ym == 0u) { return 1u; }
  let e = i32(ym >> 23u) - 127;
  if (e < 0) { return 0u; }
  if (e >= 24) { return 1u; }
  let significand = (ym & 0x7fffffu) | 0x800000u;
  let frac_bits = u32(23 - e);
  if ((significand & ((1u << frac_bits) - 1u)) != 0u) { return 0u; }
  return select(1u, 2u, ((significand >> frac_bits) & 1u) == 1u);
}

// ln x for finite x > 0, accurate to a few ulp relative to the result: WGSL's log2 promises
// only 2^-21 absolute error, which near x = 1 (where ln x is tiny) is no accuracy at all, and
// pow(0.99999994, 2^24) = e^-1 needs ln x to full relative precision. x = 2^e m with m in
// [sqrt(1/2), sqrt(2)) (a subnormal rebuilt from its bits: 2^-149 times an exact integer);
// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series to s^13; e ln 2 in two
// parts so the sum rounds once.
fn ln_positive(x: f32) -> f32 {
  var b = bitcast<u32>(x);
  var e = 0i;
  if (b < MIN_NORMAL_BITS) {
    b = bitcast<u32>(f32(b)); // the significand as an exact integer: x = that * 2^-149
    e = -149;
  }
  e += i32(b >> 23u) - 127;
  var m = bitcast<f32>((b & 0x7fffffu) | 0x3f800000u); // [1, 2)
  if (m > 1.4142135) {
    m *= 0.5;
    e += 1;
  }
  let f = m - 1.0; // exact (Sterbenz)
  let s = f / (2.0 + f);
  let z = s * s;
  let series = z * (0.6666666666666735 + z * (0.3999999999940942 + z * (0.2857142874366239 + z * (0.22222198432149784 + z * (0.1818357216161805 + z * 0.15384615384615385)))));
  let ln_m = 2.0 * s + s * series;
  let fe = f32(e);
  return fe * 0.693145751953125 + (fe * 1.4286068203094172e-6 + ln_m);
}

// x^y for finite x > 0 and finite y != 0, as e^(y ln x) with both parts accurate (see
// ln_positive): overflow and underflow are decided by exp_f32 (common.wgsl).
fn pow_positive(x: f32, y: f32) -> f32 {
  return exp_f32(y * ln_positive(x));
}

// pow as C's pow (and PyTorch's): x^0 = 1 and 1^y = 1 even for NaN; (-1)^+-inf = 1; a
// negative finite base takes integer exponents only (the sign from odd ones), NaN otherwise;
// 0^y and inf^y are 0 or inf by the sign of y, keeping a negative base's sign for odd y;
// |x| < 1 and |x| > 1 go to 0 or inf as y goes to +-inf; any other NaN propagates.
fn pow_f32(x: f32, y: f32) -> f32 {
  let xb = bitcast<u32>(x);
  let yb = bitcast<u32>(y);
  let xm = xb & ABS;
  let ym = yb & ABS;
  if (ym == 0u || xb == ONE_BITS) { return 1.0; }
  if (xm > INF_BITS || ym > INF_BITS) { return nan_f32(); }
  let y_negative = yb >= SIGN;
  if (ym == INF_BITS) {
    if (xm == ONE_BITS) { return 1.0; }
    return select(0.0, inf_f32(0u), (xm > ONE_BITS) != y_negative);
  }
  let y_class = int_class(yb);
  let sign = select(0u, xb & SIGN, y_class == 2u);
  if (xm == 0u || xm == INF_BITS) {
    let infinite = (xm == 0u) == y_negative;
    return select(bitcast<f32>(sign), inf_f32(sign), infinite);
  }
  if (xb >= SIGN && y_class == 0u) { return nan_f32(); }
  return bitcast<f32>(bitcast<u32>(pow_positive(bitcast<f32>(xm), y)) | sign);
}

fn apply_f32(a: f32, b: f32) -> f32 {
  switch OP {
    case BINARY_ADD: { return add_f32(a, b); }
    // a - b is a + (-b), signed zeros included.
    case BINARY_SUB: { return add_f32(a, bitcast<f32>(bitcast<u32>(b) ^ SIGN)); }
    case BINARY_MUL: { return mul_f32(a, b); }
    case BINARY_DIV: { return div_f32(a, b); }
    case BINARY_POW: { return pow_f32(a, b); }
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < n; i += thread_count(nwg)) {
    O[i] = apply_f32(A[input_offset(i, 0u)], B[input_offset(i, 1u)]);
  }
}

// Each input has the output's shape (SAME_SHAPE bit k: item j is its four elements) or is a
// single element (its one value in all four lanes); the rule checks. No strides, one vec4
// load per operand per four elements. SAME_SHAPE is an override, so the tests fold away.
@compute @workgroup_size(WG)
fn binary_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[ELEMENTWISE_COUNT];
  let a_whole = (SAME_SHAPE & 1u) == 1u;
  let b_whole = (SAME_SHAPE & 2u) == 2u;
  let a0 = vec4<f32>(A4[0].x);
  let b0 = vec4<f32>(B4[0].x);
  for (var j = flat_index(gid, nwg); 4u * j < n; j += thread_count(nwg)) {
    var a = a0;
    var b = b0;
    if (a_whole) { a = A4[j]; }
    if (b_whole) { b = B4[j]; }
    let r = vec4<f32>(apply_f32(a.x, b.x), apply_f32(a.y, b.y), apply_f32(a.z, b.z), apply_f32(a.w, b.w));
    if (4u * j + 4u <= n) {
      O4[j] = r;
    } else {
      O4[j] = select(O4[j], r, lanes(j, n));
    }
  }
}

@compute @workgroup_size(WG)
fn binary_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < n; i += thread_count(nwg)) {
    let a = Ai[input_offset(i, 0u)];
    let b = Bi[input_offset(i, 1u)];
    var r: i32;
    switch OP {
      case BINARY_ADD: { r = a + b; }
      case BINARY_SUB: { r = a - b; }
      case BINARY_MUL: { r = a * b; }
      // Not an int32 op (the host allows only BINARY_INT32 here); i32 has no NaN.
      default: { r = 0; }
    }
    Oi[i] = r;
  }
}

// A float's order as an i32: monotonic over non-NaN values, -0 equal to +0, and exact for
// subnormals (which a flushing comparison would call equal to zero).
fn order_key(v: f32) -> i32 {
  let i = bitcast<i32>(v);
  if ((i & 0x7fffffff) == 0) { return 0; }
  return select(i, i ^ 0x7fffffff, i < 0);
}

// IEEE comparisons: false whenever an operand is NaN.
fn compare(a: f32, b: f32) -> i32 {
  if (is_nan(a) || is_nan(b)) { return 0; }
  let ka = order_key(a);
  let kb = order_key(b);
  switch CMP {
    case COMPARE_EQ: { return select(0, 1, ka == kb); }
    case COMPARE_GT: { return select(0, 1, ka > kb); }
    case COMPARE_LT: { return select(0, 1, ka < kb); }
    // Not a comparison: neither true nor false, so a missing case shows.
    default: { return -1; }
  }
}

@compute @workgroup_size(WG)
fn compare_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    Oi[i] = compare(A[input_offset(i, 0u)], B[input_offset(i, 1u)]);
  }
}

@compute @workgroup_size(WG)
fn compare_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let a = Ai[input_offset(i, 0u)];
    let b = Bi[input_offset(i, 1u)];
    var r: i32;
    switch CMP {
      case COMPARE_EQ: { r = select(0, 1, a == b); }
      case COMPARE_GT: { r = select(0, 1, a > b); }
      case COMPARE_LT: { r = select(0, 1, a < b); }
      default: { r = -1; }
    }
    Oi[i] = r;
  }
}

// The condition's dtype is in P[ELEMENTWISE_COND_IS_FLOAT]: 1 when it is f32, true when
// nonzero by its bits (so a subnormal and NaN are true, -0 false, as on the CPU).
@compute @workgroup_size(WG)
fn where_select(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let c = Cw[input_offset(i, 0u)];
    let take_a = select(c != 0u, (c & ABS) != 0u, P[ELEMENTWISE_COND_IS_FLOAT] == 1u);
    Ow[i] = select(Bw[input_offset(i, 2u)], Aw[input_offset(i, 1u)], take_a);
  }
}

// Casts: one input, the output at binding 2.
@group(0) @binding(2) var<storage, read_write> CastI: array<i32>;
@group(0) @binding(2) var<storage, read_write> CastF: array<f32>;

@compute @workgroup_size(WG)
fn cast_to_i32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    // Truncation toward zero, saturating at the int32 range, NaN -> 0 (as the CPU's
    // castToInt32). Decided on the bits: WGSL's i32(f32) is only defined inside the range.
    let v = A[i];
    let b = bitcast<u32>(v);
    let m = b & ABS;
    var r: i32;
    if (m > INF_BITS) {
      r = 0;
    } else if (m >= 0x4f000000u) { // |v| >= 2^31
      r = select(2147483647, bitcast<i32>(SIGN), b >= SIGN);
    } else {
      r = i32(v);
    }
    CastI[i] = r;
  }
}

// An int32 as the nearest f32, ties to even (a Float32Array store, PyTorch): WGSL leaves
// the rounding of an integer past 2^24 to the implementation, so it is done here in
// integers, and the conversion left (24 significant bits, then a power of two) is exact.
fn i32_to_f32(v: i32) -> f32 {
  let m = select(u32(v), ~u32(v) + 1u, v < 0); // |v|, 2^31 included
  let shift = select(0u, 8u - countLeadingZeros(m), countLeadingZeros(m) < 8u);
  var q = m >> shift;
  if (shift > 0u) {
    let rest = m & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (q & 1u) == 1u)) { q += 1u; }
  }
  let r = ldexp(f32(q), i32(shift));
  return select(r, -r, v < 0);
}

@compute @workgroup_size(WG)
fn cast_to_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[ELEMENTWISE_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    CastF[i] = i32_to_f32(Ai[i]);
  }
}
