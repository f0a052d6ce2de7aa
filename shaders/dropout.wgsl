// Inverted dropout with the mask drawn from Philox4x32-10, the same generator and the same
// element-to-word mapping as PhiloxStream.uniform in src/random.ts, so CPU and GPU drop the
// same elements: element i uses word (i mod 4) of block start + floor(i / 4).
//
// Parameter block: the DROPOUT layout: element count, the key and the start block (each as
// lo, hi words), the drop threshold T = ceil(p * 2^24), the scale 1 / (1 - p) (f32).
// u = (w >> 8) * 2^-24 < p exactly when (w >> 8) < T, so the test is an integer compare
// and no f32 rounding of p can move it.

// Block b's four elements are vec4 item b.
@group(0) @binding(1) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> O: array<vec4<f32>>;

const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;

// High word of the 32x32 -> 64-bit product (mul_wide in common.wgsl), as mulhi32 in src/random.ts.
fn mulhi32(a: u32, b: u32) -> u32 {
  return mul_wide(a, b).y;
}

// Philox4x32-10 (Random123): the key is bumped between rounds, not before the first.
fn philox4x32(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) {
      k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    let hi0 = mulhi32(PHILOX_M0, c.x);
    let lo0 = PHILOX_M0 * c.x;
    let hi1 = mulhi32(PHILOX_M1, c.z);
    let lo1 = PHILOX_M1 * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// One Philox evaluation serves a block of four elements, read and written as one vec4;
// threads loop over blocks b, b + thread_count, ... (the grid follows the adapter).
@compute @workgroup_size(WG)
fn dropout(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[DROPOUT_COUNT];
  let key = vec2<u32>(P[DROPOUT_KEY_LO], P[DROPOUT_KEY_HI]);
  let threshold = P[DROPOUT_THRESHOLD];
  let scale = pf(DROPOUT_SCALE);
  for (var b = flat_index(gid, nwg); 4u * b < n; b += thread_count(nwg)) {
    // The 64-bit block index start + b, with the carry into the high word.
    let lo = P[DROPOUT_START_LO] + b;
    let hi = P[DROPOUT_START_HI] + select(0u, 1u, lo < b);
    let words = philox4x32(vec4<u32>(lo, hi, 0u, 0u), key);
    let r = select(X[b] * scale, vec4<f32>(0.0), (words >> vec4<u32>(8u)) < vec4<u32>(threshold));
    if (4u * b + 4u <= n) {
      O[b] = r;
    } else {
      O[b] = select(O[b], r, lanes(b, n));
    }
  }
}
