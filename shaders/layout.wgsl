// Ops that move data without arithmetic. They copy raw 32-bit words, so f32 and i32
// tensors share every kernel (except the scatter-add of indexSelectBackward, which sums).

@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;

// copy: four words an item.
@group(0) @binding(1) var<storage, read> X4: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> O4: array<vec4<u32>>;

// indexSelect: rows of X picked by an int32 index.
@group(0) @binding(2) var<storage, read> Idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> OI: array<u32>;

// indexSelectBackward: gradient rows summed into their source rows.
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> OG: array<f32>;

// reshape, copy: O[i] = X[i], four words a load. P[COPY_COUNT] = element count.
@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = P[COPY_COUNT];
  for (var j = flat_index(gid, nwg); 4u * j < n; j += thread_count(nwg)) {
    if (4u * j + 4u <= n) {
      O4[j] = X4[j];
    } else {
      O4[j] = select(O4[j], X4[j], lanes(j, n));
    }
  }
}

// transpose: a gather through permuted strides (the GATHER layout: the strided layout of common.wgsl,
// whose stride list holds the input's strides reordered to the output's axes).
@compute @workgroup_size(WG)
fn gather_strided(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[GATHER_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    O[i] = X[strided_offset(i, GATHER_STRIDES, 0u)];
  }
}

// narrow and cat (the BLOCK_COPY layout): copy `count` words arranged as rows of `width`,
// from rows of `src_row` words starting at word `src_start` of each, into rows of `dst_row`
// words starting at word `dst_start` of each.
// narrow reads a window of each input row; cat writes each input into a window of the output
// rows (one dispatch per input).
@compute @workgroup_size(WG)
fn block_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[BLOCK_COPY_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let row = i / P[BLOCK_COPY_WIDTH];
    let col = i % P[BLOCK_COPY_WIDTH];
    O[row * P[BLOCK_COPY_DST_ROW] + P[BLOCK_COPY_DST_START] + col] = X[row * P[BLOCK_COPY_SRC_ROW] + P[BLOCK_COPY_SRC_START] + col];
  }
}

// indexSelect: the INDEX layout: element count, row width, input rows. An index out of
// range (which the CPU rejects) writes zeros instead of reading out of bounds.
@compute @workgroup_size(WG)
fn index_select(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[INDEX_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let w = P[INDEX_WIDTH];
    let r = Idx[i / w];
    var v = 0u;
    if (r >= 0 && u32(r) < P[INDEX_ROWS]) { v = X[u32(r) * w + i % w]; }
    OI[i] = v;
  }
}

// indexSelectBackward, few indices: one thread per OUTPUT element sums the gradient rows
// whose index is its row, in index order as the CPU does. WebGPU has no float atomics, so a
// scatter with repeated indices cannot write in parallel; this gathers instead. The
// INDEX_ADD layout: element count, row width, number of indices.
@compute @workgroup_size(WG)
fn index_add_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[INDEX_ADD_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let w = P[INDEX_ADD_WIDTH];
    let row = i32(i / w);
    let col = i % w;
    var acc = 0.0;
    for (var k = 0u; k < P[INDEX_ADD_INDICES]; k++) {
      if (Idx[k] == row) { acc += G[k * w + col]; }
    }
    OG[i] = acc;
  }
}

// indexSelectBackward, many indices: rather than every output element scanning every index,
// the positions k with Idx[k] == r are linked into one list per row r in increasing k, and
// each output element walks its row's list: the same additions in the same order as the CPU
// (and as index_add_rows), without atomics. Scratch (u32): head[R], tail[R], next[n], NONE
// ending a list. The INDEX_LISTS layout: rows R, number of indices n.
const NONE = 0xffffffffu;
@group(0) @binding(1) var<storage, read_write> Lists: array<u32>;
@group(0) @binding(2) var<storage, read> ListsIn: array<u32>;

var<workgroup> block_rows: array<i32, WG>;

// Every row's list starts empty.
@compute @workgroup_size(WG)
fn index_lists_init(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[INDEX_LISTS_ROWS];
  for (var r = flat_index(gid, nwg); r < count; r += thread_count(nwg)) {
    Lists[r] = NONE;
    Lists[P[INDEX_LISTS_ROWS] + r] = NONE;
  }
}

// One workgroup takes the positions WG at a time, in order. A position links from the
// nearest earlier position of its row in its block, or else from its row's tail (the last
// position of earlier blocks); the last of its row in the block becomes the tail. An index
// outside [0, R) (which the CPU rejects) joins no list, so its gradient row is dropped.
@compute @workgroup_size(WG)
fn index_lists_link(@builtin(local_invocation_index) t: u32) {
  let rows = P[INDEX_LISTS_ROWS];
  let n = P[INDEX_LISTS_INDICES];
  let next = 2u * rows;
  for (var k0 = 0u; k0 < n; k0 += WG) {
    let k = k0 + t;
    var r = -1;
    if (k < n && Idx[k] >= 0 && u32(Idx[k]) < rows) { r = Idx[k]; }
    block_rows[t] = r;
    workgroupBarrier();
    var last = r >= 0;
    if (r >= 0) {
      var prev = NONE;
      for (var j = t; j > 0u; j--) {
        if (block_rows[j - 1u] == r) { prev = k0 + j - 1u; break; }
      }
      for (var j = t + 1u; j < WG; j++) {
        if (block_rows[j] == r) { last = false; break; }
      }
      if (prev != NONE) {
        Lists[next + prev] = k;
      } else if (Lists[rows + u32(r)] == NONE) {
        Lists[u32(r)] = k;
      } else {
        Lists[next + Lists[rows + u32(r)]] = k;
      }
    }
    // Tails are read above and moved below: a barrier between.
    storageBarrier();
    if (last) {
      Lists[next + k] = NONE;
      Lists[rows + u32(r)] = k;
    }
    storageBarrier();
    workgroupBarrier();
  }
}

// One thread per output element: its row's gradient rows, in index order. The INDEX
// layout: element count, row width, rows R.
@compute @workgroup_size(WG)
fn index_add_listed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let count = P[INDEX_COUNT];
  for (var i = flat_index(gid, nwg); i < count; i += thread_count(nwg)) {
    let w = P[INDEX_WIDTH];
    let col = i % w;
    let next = 2u * P[INDEX_ROWS];
    var acc = 0.0;
    for (var k = ListsIn[i / w]; k != NONE; k = ListsIn[next + k]) { acc += G[k * w + col]; }
    OG[i] = acc;
  }
}
