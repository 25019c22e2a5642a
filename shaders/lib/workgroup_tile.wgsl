// The tiled matmul of the linear kernels' default variant: workgroup (THREADS_X, THREADS_Y) computes a
// TILE_ROWS x TILE_COLS block of A B through workgroup-memory tiles of TILE_K, thread (tx, ty) owning rows
// row0 + ty + r * THREADS_Y and columns col0 + tx + c * THREADS_X (strided, so neighbouring threads read neighbouring
// workgroup words and write neighbouring global words). Every output is fma over k = k_begin, k_begin + 1, ... from 0.
// Overrides THREADS_X, THREADS_Y, TILE_K; defines ROWS_PER_THREAD, COLS_PER_THREAD, TILE_TYPE (f32, or f16: half the
// workgroup memory and its traffic; products and sums stay f32, so only the inputs are rounded). The including kernel
// declares:
//   fn tile_load_a(row: u32, k: u32) -> f32   A[row][k] for k < k_end (0 for a row past the edge)
//   fn tile_load_b(k: u32, col: u32) -> f32   B[k][col] for k < k_end (0 for a column past the edge)
//   const TILE_A_K_FASTEST: bool              stage A with k fastest (A's rows contiguous in k), else rows fastest
//   const TILE_B_K_FASTEST: bool              stage B with k fastest, else columns fastest
//   const TILE_SUMS_B: bool                   also sum B's columns over k (tile_product's sum_b; a bias gradient)
override THREADS_X: u32;
override THREADS_Y: u32;
override TILE_K: u32;
const ROWS_PER_THREAD = ${ROWS_PER_THREAD}u;
const COLS_PER_THREAD = ${COLS_PER_THREAD}u;
alias tile_t = ${TILE_TYPE};
override TILE_ROWS = THREADS_Y * ROWS_PER_THREAD;
override TILE_COLS = THREADS_X * COLS_PER_THREAD;
override THREADS = THREADS_X * THREADS_Y;
// Row stride of b_tile, padded by one so that stores with k fastest fall in different banks.
override B_STRIDE = TILE_COLS + 1u;

var<workgroup> a_tile: array<tile_t, TILE_ROWS * TILE_K>;  // [row][k]
var<workgroup> b_tile: array<tile_t, TILE_K * B_STRIDE>;   // [k][col]
// Thread's column sums of B (tile_product with sum_b, when TILE_SUMS_B).
var<private> tile_b_sums: array<f32, COLS_PER_THREAD>;

// The thread's ROWS_PER_THREAD x COLS_PER_THREAD block of A B over k in [k_begin, k_end) ([r * COLS_PER_THREAD + c]).
fn tile_product(lid: u32, local: vec3<u32>, row0: u32, col0: u32, k_begin: u32, k_end: u32, sum_b: bool)
    -> array<f32, ROWS_PER_THREAD * COLS_PER_THREAD> {
  let tx = local.x;
  let ty = local.y;
  var acc: array<f32, ROWS_PER_THREAD * COLS_PER_THREAD>;
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    for (var e = lid; e < TILE_ROWS * TILE_K; e += THREADS) {
      let r = select(e % TILE_ROWS, e / TILE_K, TILE_A_K_FASTEST);
      let k = select(e / TILE_ROWS, e % TILE_K, TILE_A_K_FASTEST);
      var value = 0.0;
      if (k0 + k < k_end) { value = tile_load_a(row0 + r, k0 + k); }
      a_tile[r * TILE_K + k] = tile_t(value);
    }
    for (var e = lid; e < TILE_K * TILE_COLS; e += THREADS) {
      let c = select(e % TILE_COLS, e / TILE_K, TILE_B_K_FASTEST);
      let k = select(e / TILE_COLS, e % TILE_K, TILE_B_K_FASTEST);
      var value = 0.0;
      if (k0 + k < k_end) { value = tile_load_b(k0 + k, col0 + c); }
      b_tile[k * B_STRIDE + c] = tile_t(value);
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      var a: array<f32, ROWS_PER_THREAD>;
      var b: array<f32, COLS_PER_THREAD>;
      for (var r = 0u; r < ROWS_PER_THREAD; r++) { a[r] = f32(a_tile[(ty + r * THREADS_Y) * TILE_K + k]); }
      for (var c = 0u; c < COLS_PER_THREAD; c++) { b[c] = f32(b_tile[k * B_STRIDE + tx + c * THREADS_X]); }
      for (var r = 0u; r < ROWS_PER_THREAD; r++) {
        for (var c = 0u; c < COLS_PER_THREAD; c++) { acc[r * COLS_PER_THREAD + c] = fma(a[r], b[c], acc[r * COLS_PER_THREAD + c]); }
      }
      if (TILE_SUMS_B && sum_b) {
        for (var c = 0u; c < COLS_PER_THREAD; c++) { tile_b_sums[c] = fma(1.0, b[c], tile_b_sums[c]); }
      }
    }
    workgroupBarrier();
  }
  return acc;
}
