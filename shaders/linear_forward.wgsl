// Linear layer forward, y = act(x W + b), fused bias + ReLU, in two code variants:
// - tiled (the default): workgroup (THREADS_X, THREADS_Y) computes a (THREADS_Y * ROWS_PER_THREAD) x
//   (THREADS_X * COLS_PER_THREAD) tile of y through workgroup-memory tiles of TILE_K; workgroup (i, j) of the grid covers
//   columns [i * TILE_COLS, ...) and rows [j * TILE_ROWS, ...);
// - REGISTER: each invocation computes a ROWS_PER_THREAD x COLS_PER_THREAD block straight from global memory, no
//   workgroup memory and no barriers (lib/register_block.wgsl; for adapters that run invocations as SIMD lanes of a
//   CPU, where every barrier costs);
// - SUBGROUP_MATRIX: f16 inputs, f32 sums on subgroup matrices (tensor cores), lib/matrix_tile.wgsl; workgroup (i, j)
//   covers columns [i * TILE_COLS, ...) and rows [j * TILE_ROWS, ...). Rounds x and W to f16 and sums in the hardware's
//   order: a mixed-precision variant.
// HEAD (tiled only, a tile spanning every column of y, TILE_ROWS <= TILE_K, f32): the network's next layer, linear, as
// the epilogue: head_y = y W_head + b_head from the tile's complete rows of y (kept in w_tile's memory), one dispatch
// and no re-read of y; each head output the same fma chain as its own linear_forward dispatch would compute.
// x: (B, in), W: (in, out) row-major at weights[weight_offset], b: (out) at weights[bias_offset]; y: (B, out)
// Any sizes: loads are zero-filled (tiled) or clamped (register) and stores bounds-checked. Both compute each output
// the same way in float32: fma over k = 0, 1, ... from 0, then + bias (SUBGROUP_MATRIX excepted).
#include "lib/grid.wgsl"

// struct Params (batch, inputs, outputs, weight_offset, bias_offset, head_outputs, head_weight_offset, head_bias_offset): declared in src/nn/linear.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override RELU: bool;
#if ${HEAD}
@group(0) @binding(4) var<storage, read_write> head_y: array<f32>;
#endif

#if ${REGISTER}
#include "lib/register_block.wgsl"
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  let block = register_block(i, params.batch, params.outputs);
  if (block.z == 0u) { return; }
  let row0 = block.x;
  let col0 = block.y;
  // Loads past the edge are clamped to the last row / column (in bounds, never stored): no branch in the loop.
  var x_row: array<u32, ROWS_PER_THREAD>;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) { x_row[r] = min(row0 + r, params.batch - 1u) * params.inputs; }
  var w_col: array<u32, COLS_PER_THREAD>;
  for (var c = 0u; c < COLS_PER_THREAD; c++) { w_col[c] = params.weight_offset + min(col0 + c, params.outputs - 1u); }
  var acc: array<f32, ROWS_PER_THREAD * COLS_PER_THREAD>;
  for (var k = 0u; k < params.inputs; k++) {
    var a: array<f32, ROWS_PER_THREAD>;
    var b: array<f32, COLS_PER_THREAD>;
    for (var r = 0u; r < ROWS_PER_THREAD; r++) { a[r] = x[x_row[r] + k]; }
    let w_row = k * params.outputs;
    for (var c = 0u; c < COLS_PER_THREAD; c++) { b[c] = weights[w_col[c] + w_row]; }
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      for (var c = 0u; c < COLS_PER_THREAD; c++) { acc[r * COLS_PER_THREAD + c] = fma(a[r], b[c], acc[r * COLS_PER_THREAD + c]); }
    }
  }
  for (var c = 0u; c < COLS_PER_THREAD; c++) {
    let col = col0 + c;
    if (col >= params.outputs) { continue; }
    let bias = weights[params.bias_offset + col];
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      let row = row0 + r;
      if (row >= params.batch) { continue; }
      var value = acc[r * COLS_PER_THREAD + c] + bias;
      if (RELU) { value = max(value, 0.0); }
      y[row * params.outputs + col] = value;
    }
  }
}
#elif ${SUBGROUP_MATRIX}
#include "lib/matrix_tile.wgsl"
const A_K_FASTEST = true;   // x[row][k]
const B_K_FASTEST = false;  // W[k][col]
fn load_a(row: u32, k: u32) -> f32 {
  if (row >= params.batch) { return 0.0; }
  return x[row * params.inputs + k];
}
fn load_b(k: u32, col: u32) -> f32 {
  if (col >= params.outputs) { return 0.0; }
  return weights[params.weight_offset + k * params.outputs + col];
}
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: MatrixIds) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  matrix_tile(ids, row0, col0, 0u, params.inputs);
  for (var e = ids.lid; e < TILE_ROWS * TILE_COLS; e += WORKGROUP_SIZE) {
    let row = row0 + e / TILE_COLS;
    let col = col0 + e % TILE_COLS;
    if (row >= params.batch || col >= params.outputs) { continue; }
    var value = c_tile[(e / TILE_COLS) * C_STRIDE + e % TILE_COLS] + weights[params.bias_offset + col];
    if (RELU) { value = max(value, 0.0); }
    y[row * params.outputs + col] = value;
  }
}
#else
#include "lib/workgroup_tile.wgsl"
const TILE_A_K_FASTEST = true;   // x[row][k]
const TILE_B_K_FASTEST = false;  // W[k][col]
const TILE_SUMS_B = false;
fn tile_load_a(row: u32, k: u32) -> f32 {
  if (row >= params.batch) { return 0.0; }
  return x[row * params.inputs + k];
}
fn tile_load_b(k: u32, col: u32) -> f32 {
  if (col >= params.outputs) { return 0.0; }
  return weights[params.weight_offset + k * params.outputs + col];
}

@compute @workgroup_size(THREADS_X, THREADS_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = wid.y * TILE_ROWS;
  let col0 = wid.x * TILE_COLS;
  let tx = local.x;
  let ty = local.y;
  let acc = tile_product(lid, local, row0, col0, 0u, params.inputs, false);

  for (var c = 0u; c < COLS_PER_THREAD; c++) {
    let col = col0 + tx + c * THREADS_X;
    if (col >= params.outputs) { continue; }
    let bias = weights[params.bias_offset + col];
    for (var r = 0u; r < ROWS_PER_THREAD; r++) {
      let row = row0 + ty + r * THREADS_Y;
      if (row >= params.batch) { continue; }
      var value = acc[r * COLS_PER_THREAD + c] + bias;
      if (RELU) { value = max(value, 0.0); }
      y[row * params.outputs + col] = value;
#if ${HEAD}
      b_tile[(ty + r * THREADS_Y) * B_STRIDE + tx + c * THREADS_X] = tile_t(value);
#endif
    }
  }
#if ${HEAD}
  // every column of rows [row0, row0 + TILE_ROWS) of y is in b_tile (tile_product's last barrier freed it)
  workgroupBarrier();
  for (var e = lid; e < TILE_ROWS * params.head_outputs; e += THREADS) {
    let r = e / params.head_outputs;
    let o = e % params.head_outputs;
    if (row0 + r >= params.batch) { continue; }
    var sum = 0.0;
    for (var k = 0u; k < params.outputs; k++) {
      sum = fma(f32(b_tile[r * B_STRIDE + k]), weights[params.head_weight_offset + k * params.head_outputs + o], sum);
    }
    head_y[(row0 + r) * params.head_outputs + o] = sum + weights[params.head_bias_offset + o];
  }
#endif
}
#endif
