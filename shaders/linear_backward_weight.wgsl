// Linear layer backward to the parameters, [dW; db] = [x, 1]^T dy, reducing over the batch with split-K, in two code
// variants (see linear_forward.wgsl): tiled, REGISTER (a block per invocation, no workgroup memory) and SUBGROUP_MATRIX
// (f16 inputs, f32 sums on subgroup matrices, lib/matrix_tile.wgsl: a mixed-precision variant).
// x: (B, in), dy: (B, out). The result is (in + 1, out): rows 0..in-1 are dW (in, out) and row `in` is db (out),
// which is exactly the flat layout of W followed by b. The tiled and REGISTER variants cover only the `in` rows of dW
// with their grid and take db apart: the invocations of the first row block also sum their columns of dy (the same fma
// chain as a row of ones would give), so no workgroup is spent on a tile that holds the bias row alone. Workgroup z takes batch rows [z * rows_per_split, ...) and
// writes its sum to result[z * split_stride + result_offset + row * out + col] (split_stride = 0 with one split: the
// gradient itself; otherwise partial sums that Adam or linear_backward_weight_sum.wgsl add up). Both compute each value
// the same way in float32: fma over the split's batch rows in order from 0 (SUBGROUP_MATRIX excepted).
#include "lib/grid.wgsl"

// struct Params (batch, inputs, outputs, rows_per_split, result_offset, split_stride): declared in src/nn/linear.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;

#if ${REGISTER}
#include "lib/register_block.wgsl"
// Workgroups (x, y) cover the result's blocks, z the batch splits.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  let block = register_block(i, params.inputs, params.outputs);
  if (block.z == 0u) { return; }
  let row0 = block.x;
  let col0 = block.y;
  let k_begin = wid.z * params.rows_per_split;
  let k_end = min(params.batch, k_begin + params.rows_per_split);
  let sums_bias = row0 == 0u;  // the first row block also sums db for its columns
  var x_col: array<u32, ROWS_PER_THREAD>;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) { x_col[r] = min(row0 + r, params.inputs - 1u); }
  var dy_col: array<u32, COLS_PER_THREAD>;
  for (var c = 0u; c < COLS_PER_THREAD; c++) { dy_col[c] = min(col0 + c, params.outputs - 1u); }
  var acc: array<f32, ROWS_PER_THREAD * COLS_PER_THREAD>;
  var bias: array<f32, COLS_PER_THREAD>;
  for (var k = k_begin; k < k_end; k++) {
    var a: array<f32, ROWS_PER_THREAD>;
    var b: array<f32, COLS_PER_THREAD>;
    for (var r = 0u; r < ROWS_PER_THREAD; r++) { a[r] = x[k * params.inputs + x_col[r]]; }
    for (var c = 0u; c < COLS_PER_THREAD; c++) { b[c] = dy[k * params.outputs + dy_col[c]]; }
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      for (var c = 0u; c < COLS_PER_THREAD; c++) { acc[r * COLS_PER_THREAD + c] = fma(a[r], b[c], acc[r * COLS_PER_THREAD + c]); }
    }
    if (sums_bias) {
      for (var c = 0u; c < COLS_PER_THREAD; c++) { bias[c] = fma(1.0, b[c], bias[c]); }
    }
  }
  let base = wid.z * params.split_stride + params.result_offset;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + r;
    if (row >= params.inputs) { continue; }
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + c;
      if (col >= params.outputs) { continue; }
      result[base + row * params.outputs + col] = acc[r * COLS_PER_THREAD + c];
    }
  }
  if (sums_bias) {
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + c;
      if (col < params.outputs) { result[base + params.inputs * params.outputs + col] = bias[c]; }
    }
  }
}
#elif ${SUBGROUP_MATRIX}
#include "lib/matrix_tile.wgsl"
const A_K_FASTEST = false;  // [x, 1]^T: x[k][row]
const B_K_FASTEST = false;  // dy[k][col]
fn load_a(row: u32, k: u32) -> f32 {
  if (row < params.inputs) { return x[k * params.inputs + row]; }
  return select(0.0, 1.0, row == params.inputs);
}
fn load_b(k: u32, col: u32) -> f32 {
  if (col >= params.outputs) { return 0.0; }
  return dy[k * params.outputs + col];
}
// Workgroups (x, y) cover the result's tiles, z the batch splits.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: MatrixIds) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  let k_begin = wid.z * params.rows_per_split;
  let k_end = min(params.batch, k_begin + params.rows_per_split);
  matrix_tile(ids, row0, col0, k_begin, k_end);
  let result_rows = params.inputs + 1u;
  let base = wid.z * params.split_stride + params.result_offset;
  for (var e = ids.lid; e < TILE_ROWS * TILE_COLS; e += WORKGROUP_SIZE) {
    let row = row0 + e / TILE_COLS;
    let col = col0 + e % TILE_COLS;
    if (row >= result_rows || col >= params.outputs) { continue; }
    result[base + row * params.outputs + col] = c_tile[(e / TILE_COLS) * C_STRIDE + e % TILE_COLS];
  }
}
#else
#include "lib/workgroup_tile.wgsl"
const TILE_A_K_FASTEST = false;  // x^T[row][k] = x[k][row]: rows (inputs) contiguous in x, k over the batch
const TILE_B_K_FASTEST = false;  // dy[k][col]
const TILE_SUMS_B = true;        // db: the column sums of dy
fn tile_load_a(row: u32, k: u32) -> f32 {
  if (row >= params.inputs) { return 0.0; }
  return x[k * params.inputs + row];
}
fn tile_load_b(k: u32, col: u32) -> f32 {
  if (col >= params.outputs) { return 0.0; }
  return dy[k * params.outputs + col];
}

@compute @workgroup_size(THREADS_X, THREADS_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  let k_begin = wid.z * params.rows_per_split;
  let k_end = min(params.batch, k_begin + params.rows_per_split);
  let tx = local.x;
  let ty = local.y;
  let sums_bias = wid.y == 0u && ty == 0u;  // the first row of threads of the first row tile also sums db
  let acc = tile_product(lid, local, row0, col0, k_begin, k_end, sums_bias);
  let bias = tile_b_sums;

  let base = wid.z * params.split_stride + params.result_offset;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + ty + r * THREADS_Y;
    if (row >= params.inputs) { continue; }
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + tx + c * THREADS_X;
      if (col >= params.outputs) { continue; }
      result[base + row * params.outputs + col] = acc[r * COLS_PER_THREAD + c];
    }
  }
  if (sums_bias) {
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + tx + c * THREADS_X;
      if (col < params.outputs) { result[base + params.inputs * params.outputs + col] = bias[c]; }
    }
  }
}
#endif
