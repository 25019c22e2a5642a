// One workgroup's tile of a matmul on subgroup matrices (tensor cores): C = A B over k in [k_begin, k_end), A and B
// staged through workgroup memory as f16 (zero-padded past the edges), products summed in f32 by
// subgroupMatrixMultiplyAccumulate, the f32 result left in c_tile for the kernel's epilogue (bias, ReLU, mask, stores).
// The including kernel defines fn load_a(row: u32, k: u32) -> f32 (0 past its rows) and fn load_b(k: u32, col: u32)
// -> f32 (0 past its columns), and the consts A_K_FASTEST / B_K_FASTEST (whether k runs along contiguous memory of A /
// B, so that the staging loops read consecutive addresses with consecutive invocations).
// Defines: SG_M, SG_N, SG_K (a subgroup-matrix configuration of the device: left M x K, right K x N, result M x N),
// FRAG_ROWS x FRAG_COLS (result matrices per subgroup), SUBGROUP_ROWS x SUBGROUP_COLS (subgroups per workgroup),
// MATRIX_TILE_K (k per staged tile, a multiple of SG_K), MATRIX_EMULATED. Override WORKGROUP_SIZE: SUBGROUP_ROWS *
// SUBGROUP_COLS times the adapter's largest subgroup size (the feature requires a multiple of it). Subgroups are consecutive runs of
// local_invocation_index; subgroups past the SUBGROUP_ROWS * SUBGROUP_COLS that own a block of results only stage.
// MATRIX_EMULATED replaces the three subgroup-matrix builtins with plain WGSL over the same workgroup-memory offsets and
// strides (each "subgroup" a run of WORKGROUP_SIZE / SUBGROUPS invocations), so that an adapter without the feature
// (lavapipe) tests the staging, the tile offsets and the epilogues; only the builtins themselves are left untested there.

const SG_M = ${SG_M}u;
const SG_N = ${SG_N}u;
const SG_K = ${SG_K}u;
const FRAG_ROWS = ${FRAG_ROWS}u;
const FRAG_COLS = ${FRAG_COLS}u;
const SUBGROUP_ROWS = ${SUBGROUP_ROWS}u;
const SUBGROUP_COLS = ${SUBGROUP_COLS}u;
const SUBGROUPS = SUBGROUP_ROWS * SUBGROUP_COLS;
const TILE_K = ${MATRIX_TILE_K}u;
const TILE_ROWS = SUBGROUP_ROWS * FRAG_ROWS * SG_M;
const TILE_COLS = SUBGROUP_COLS * FRAG_COLS * SG_N;
// Row strides padded by 16 bytes (fewer bank conflicts); every matrix offset stays a multiple of 16 bytes.
const A_STRIDE = TILE_K + 8u;     // f16 a_tile[row][k]
const B_STRIDE = TILE_COLS + 8u;  // f16 b_tile[k][col]
const C_STRIDE = TILE_COLS + 4u;  // f32 c_tile[row][col]
#include "lib/grid.wgsl"
#include "lib/half.wgsl"

var<workgroup> a_tile: array<f16, TILE_ROWS * A_STRIDE>;
var<workgroup> b_tile: array<f16, TILE_K * B_STRIDE>;
var<workgroup> c_tile: array<f32, TILE_ROWS * C_STRIDE>;

struct MatrixIds {
  @builtin(local_invocation_index) lid: u32,
#if ${MATRIX_EMULATED}
#else
  @builtin(subgroup_size) sg_size: u32,
#endif
}

fn stage(lid: u32, row0: u32, col0: u32, k0: u32, k_end: u32) {
  for (var e = lid; e < TILE_ROWS * TILE_K; e += WORKGROUP_SIZE) {
    var r = e / TILE_K;
    var k = e % TILE_K;
    if (!A_K_FASTEST) { r = e % TILE_ROWS; k = e / TILE_ROWS; }
    var value = 0.0;
    if (k0 + k < k_end) { value = load_a(row0 + r, k0 + k); }
    a_tile[r * A_STRIDE + k] = half_of(value);
  }
  for (var e = lid; e < TILE_K * TILE_COLS; e += WORKGROUP_SIZE) {
    var k = e / TILE_COLS;
    var c = e % TILE_COLS;
    if (B_K_FASTEST) { k = e % TILE_K; c = e / TILE_K; }
    var value = 0.0;
    if (k0 + k < k_end) { value = load_b(k0 + k, col0 + c); }
    b_tile[k * B_STRIDE + c] = half_of(value);
  }
}

// c_tile = A[row0 .., k_begin .. k_end) B[k_begin .. k_end), col0 ..); every invocation of the workgroup calls it
// (workgroup-uniform arguments). Ends with a barrier: c_tile is then readable by every invocation.
fn matrix_tile(ids: MatrixIds, row0: u32, col0: u32, k_begin: u32, k_end: u32) {
#if ${MATRIX_EMULATED}
  let lanes = WORKGROUP_SIZE / SUBGROUPS;
#else
  let lanes = ids.sg_size;
#endif
  let sg = ids.lid / lanes;
  let lane = ids.lid % lanes;
  // The subgroup's block of FRAG_ROWS x FRAG_COLS result matrices.
  let block_row = (sg / SUBGROUP_COLS) * FRAG_ROWS * SG_M;
  let block_col = (sg % SUBGROUP_COLS) * FRAG_COLS * SG_N;
  let owner = sg < SUBGROUPS;
#if ${MATRIX_EMULATED}
  for (var e = ids.lid; e < TILE_ROWS * C_STRIDE; e += WORKGROUP_SIZE) { c_tile[e] = 0.0; }
  workgroupBarrier();
#else
  var acc: array<subgroup_matrix_result<f32, SG_N, SG_M>, FRAG_ROWS * FRAG_COLS>;
  for (var f = 0u; f < FRAG_ROWS * FRAG_COLS; f++) { acc[f] = subgroup_matrix_result<f32, SG_N, SG_M>(); }
#endif
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    stage(ids.lid, row0, col0, k0, k_end);
    workgroupBarrier();
    if (owner) {
      for (var kk = 0u; kk < TILE_K; kk += SG_K) {
#if ${MATRIX_EMULATED}
        for (var i = 0u; i < FRAG_ROWS; i++) {
          for (var j = 0u; j < FRAG_COLS; j++) {
            let a_offset = (block_row + i * SG_M) * A_STRIDE + kk;
            let b_offset = kk * B_STRIDE + block_col + j * SG_N;
            let c_offset = (block_row + i * SG_M) * C_STRIDE + block_col + j * SG_N;
            for (var e = lane; e < SG_M * SG_N; e += lanes) {
              let r = e / SG_N;
              let c = e % SG_N;
              var sum = c_tile[c_offset + r * C_STRIDE + c];
              for (var t = 0u; t < SG_K; t++) { sum = fma(f32(a_tile[a_offset + r * A_STRIDE + t]), f32(b_tile[b_offset + t * B_STRIDE + c]), sum); }
              c_tile[c_offset + r * C_STRIDE + c] = sum;
            }
          }
        }
#else
        var right: array<subgroup_matrix_right<f16, SG_N, SG_K>, FRAG_COLS>;
        for (var j = 0u; j < FRAG_COLS; j++) {
          right[j] = subgroupMatrixLoad<subgroup_matrix_right<f16, SG_N, SG_K>, row_major>(&b_tile, kk * B_STRIDE + block_col + j * SG_N, B_STRIDE);
        }
        for (var i = 0u; i < FRAG_ROWS; i++) {
          let left = subgroupMatrixLoad<subgroup_matrix_left<f16, SG_K, SG_M>, row_major>(&a_tile, (block_row + i * SG_M) * A_STRIDE + kk, A_STRIDE);
          for (var j = 0u; j < FRAG_COLS; j++) {
            acc[i * FRAG_COLS + j] = subgroupMatrixMultiplyAccumulate(left, right[j], acc[i * FRAG_COLS + j]);
          }
        }
#endif
      }
    }
    workgroupBarrier();
  }
#if ${MATRIX_EMULATED}
#else
  if (owner) {
    for (var i = 0u; i < FRAG_ROWS; i++) {
      for (var j = 0u; j < FRAG_COLS; j++) {
        subgroupMatrixStore<row_major>(&c_tile, (block_row + i * SG_M) * C_STRIDE + block_col + j * SG_N, acc[i * FRAG_COLS + j], C_STRIDE);
      }
    }
  }
  workgroupBarrier();
#endif
}
