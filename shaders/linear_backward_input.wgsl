// Linear layer backward to the input, dx = (dy W^T) * mask, ReLU mask fused, in two code variants (see
// linear_forward.wgsl): tiled (workgroup (i, j) covers columns (inputs) [i * TILE_COLS, ...) and rows
// [j * TILE_ROWS, ...)), REGISTER (a block per invocation, no workgroup memory) and SUBGROUP_MATRIX (f16 inputs, f32
// sums on subgroup matrices, lib/matrix_tile.wgsl: a mixed-precision variant, tiles as the tiled one's).
// dy: (B, out), W: (in, out) row-major at weights[weight_offset], below: (B, in) the ReLU output that fed the layer
// (mask = below > 0, only when MASKED); dx: (B, in). Any sizes. Both compute each value the same way in float32: fma
// over the outputs k = 0, 1, ... from 0, then the mask (SUBGROUP_MATRIX excepted).
#include "lib/grid.wgsl"

// struct Params (batch, inputs, outputs, weight_offset): declared in src/nn/linear.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> below: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

override MASKED: bool;

#if ${REGISTER}
#include "lib/register_block.wgsl"
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  let block = register_block(i, params.batch, params.inputs);
  if (block.z == 0u) { return; }
  let row0 = block.x;
  let col0 = block.y;
  var dy_row: array<u32, ROWS_PER_THREAD>;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) { dy_row[r] = min(row0 + r, params.batch - 1u) * params.outputs; }
  var w_row: array<u32, COLS_PER_THREAD>;
  for (var c = 0u; c < COLS_PER_THREAD; c++) { w_row[c] = params.weight_offset + min(col0 + c, params.inputs - 1u) * params.outputs; }
  var acc: array<f32, ROWS_PER_THREAD * COLS_PER_THREAD>;
  for (var k = 0u; k < params.outputs; k++) {
    var a: array<f32, ROWS_PER_THREAD>;
    var b: array<f32, COLS_PER_THREAD>;
    for (var r = 0u; r < ROWS_PER_THREAD; r++) { a[r] = dy[dy_row[r] + k]; }
    for (var c = 0u; c < COLS_PER_THREAD; c++) { b[c] = weights[w_row[c] + k]; }
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      for (var c = 0u; c < COLS_PER_THREAD; c++) { acc[r * COLS_PER_THREAD + c] = fma(a[r], b[c], acc[r * COLS_PER_THREAD + c]); }
    }
  }
  for (var c = 0u; c < COLS_PER_THREAD; c++) {
    let col = col0 + c;
    if (col >= params.inputs) { continue; }
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      let row = row0 + r;
      if (row >= params.batch) { continue; }
      var value = acc[r * COLS_PER_THREAD + c];
      if (MASKED) { value = select(0.0, value, below[row * params.inputs + col] > 0.0); }
      dx[row * params.inputs + col] = value;
    }
  }
}
#elif ${SUBGROUP_MATRIX}
#include "lib/matrix_tile.wgsl"
const A_K_FASTEST = true;  // dy[row][k]
const B_K_FASTEST = true;  // W^T: W[col][k]
fn load_a(row: u32, k: u32) -> f32 {
  if (row >= params.batch) { return 0.0; }
  return dy[row * params.outputs + k];
}
fn load_b(k: u32, col: u32) -> f32 {
  if (col >= params.inputs) { return 0.0; }
  return weights[params.weight_offset + col * params.outputs + k];
}
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: MatrixIds) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  matrix_tile(ids, row0, col0, 0u, params.outputs);
  for (var e = ids.lid; e < TILE_ROWS * TILE_COLS; e += WORKGROUP_SIZE) {
    let row = row0 + e / TILE_COLS;
    let col = col0 + e % TILE_COLS;
    if (row >= params.batch || col >= params.inputs) { continue; }
    var value = c_tile[(e / TILE_COLS) * C_STRIDE + e % TILE_COLS];
    if (MASKED) { value = select(0.0, value, below[row * params.inputs + col] > 0.0); }
    dx[row * params.inputs + col] = value;
  }
}
#else
#include "lib/workgroup_tile.wgsl"
const TILE_A_K_FASTEST = true;   // dy[row][k], k over outputs
const TILE_B_K_FASTEST = true;   // W^T[k][col] = W[col][k]: k runs along W's contiguous rows
const TILE_SUMS_B = false;
fn tile_load_a(row: u32, k: u32) -> f32 {
  if (row >= params.batch) { return 0.0; }
  return dy[row * params.outputs + k];
}
fn tile_load_b(k: u32, col: u32) -> f32 {
  if (col >= params.inputs) { return 0.0; }
  return weights[params.weight_offset + col * params.outputs + k];
}

@compute @workgroup_size(THREADS_X, THREADS_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  let tx = local.x;
  let ty = local.y;
  let acc = tile_product(lid, local, row0, col0, 0u, params.outputs, false);

  for (var c = 0u; c < COLS_PER_THREAD; c++) {
    let col = col0 + tx + c * THREADS_X;
    if (col >= params.inputs) { continue; }
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      let row = row0 + ty + r * THREADS_Y;
      if (row >= params.batch) { continue; }
      var value = acc[r * COLS_PER_THREAD + c];
      if (MASKED) { value = select(0.0, value, below[row * params.inputs + col] > 0.0); }
      dx[row * params.inputs + col] = value;
    }
  }
}
#endif
