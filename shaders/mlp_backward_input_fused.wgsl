// Whole-MLP backward input-gradient chain in one dispatch for small batches: each workgroup takes ROWS rows from the
// output gradient down through the layers, the gradients kept in workgroup memory, the weights read from global memory.
// For layer l = layers-1 down to `lowest`: dx = (dy W_l^T) masked by ReLU (activation l-1 > 0) for l > 0, unmasked for
// l = 0; written to delta_{l-1} (l > 0, for the weight gradients) or d_input (l = 0).
// d_output: (B, outputs of the last layer); a_l: (B, outputs of layer l), the forward's activations (mask of layer
// l + 1); delta_l: (B, outputs of layer l), the gradient at layer l's pre-activation; d_input: (B, inputs of layer 0).
// Absent buffers are bound to dummies. Widths <= MAX_WIDTH, layers <= 3. Each value is the same float32 computation as
// linear_backward_input.wgsl's: fma over the outputs in order from 0, then the mask.
// STAGE_K > 0 (a variant for GPUs): W's columns [k0, k0 + STAGE_K) of every row go through workgroup memory transposed,
// loaded along W's contiguous rows (thread i reading W[i][k] from global memory touches a cache line per thread); the
// sums are unchanged.
#include "lib/grid.wgsl"

// struct Layer (inputs, outputs, weight_offset, bias_offset): declared in src/nn/mlpFused.ts
${LAYER_STRUCT}

// struct Params (batch, layers, lowest, layer): declared in src/nn/mlpFused.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> d_output: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> a0: array<f32>;
@group(0) @binding(4) var<storage, read> a1: array<f32>;
@group(0) @binding(5) var<storage, read_write> delta0: array<f32>;
@group(0) @binding(6) var<storage, read_write> delta1: array<f32>;
@group(0) @binding(7) var<storage, read_write> d_input: array<f32>;

const MAX_LAYERS: u32 = ${MAX_LAYERS}u;
const MAX_WIDTH: u32 = ${MAX_WIDTH}u;
const ROWS: u32 = ${ROWS}u;
override THREADS: u32;
const HALF: u32 = ROWS * MAX_WIDTH;

// Two halves [row][column]: step s reads half s % 2 and writes the other.
var<workgroup> gradient: array<f32, 2u * HALF>;
const STAGE_K: u32 = ${STAGE_K}u;
#if ${STAGED}
// W^T block [k][i] = W[i][k0 + k]; the row stride padded by one so that the transposing stores spread over banks.
const STAGE_STRIDE: u32 = MAX_WIDTH + 1u;
var<workgroup> w_stage: array<f32, STAGE_K * STAGE_STRIDE>;
#endif

// ReLU output that fed layer l (> 0), i.e. activation l - 1, at `index`.
fn below(l: u32, index: u32) -> f32 {
  if (l == 1u) { return a0[index]; }
  return a1[index];
}

fn store(l: u32, index: u32, value: f32) {
  switch l {
    case 0u: { d_input[index] = value; }
    case 1u: { delta0[index] = value; }
    default: { delta1[index] = value; }
  }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = grid_group(wid, nwg) * ROWS;
  let top = params.layers - 1u;
  let outputs_top = params.layer[top].outputs;
  for (var e = lid; e < ROWS * outputs_top; e += THREADS) {
    let r = e / outputs_top;
    let k = e % outputs_top;
    var value = 0.0;
    if (row0 + r < params.batch) { value = d_output[(row0 + r) * outputs_top + k]; }
    gradient[r * MAX_WIDTH + k] = value;
  }
  workgroupBarrier();
  for (var s = 0u; s + params.lowest < params.layers; s++) {
    let l = top - s;
    let layer = params.layer[l];
    let source = (s % 2u) * HALF;
    let destination = HALF - source;
    // thread i computes input column i of the layer for the ROWS rows (inputs <= MAX_WIDTH = THREADS); acc zeroed here:
    // a declaration in a loop is not reliably zeroed again on each pass on every driver
    let i = lid;
    var acc: array<f32, ROWS>;
    for (var r = 0u; r < ROWS; r++) { acc[r] = 0.0; }
#if ${STAGED}
    for (var k0 = 0u; k0 < layer.outputs; k0 += STAGE_K) {
      let steps = min(STAGE_K, layer.outputs - k0);
      for (var e = lid; e < layer.inputs * steps; e += THREADS) {
        w_stage[(e % steps) * STAGE_STRIDE + e / steps] = weights[layer.weight_offset + (e / steps) * layer.outputs + k0 + e % steps];
      }
      workgroupBarrier();
      if (i < layer.inputs) {
        for (var k = 0u; k < steps; k++) {
          let w = w_stage[k * STAGE_STRIDE + i];
          for (var r = 0u; r < ROWS; r++) { acc[r] = fma(gradient[source + r * MAX_WIDTH + k0 + k], w, acc[r]); }
        }
      }
      workgroupBarrier();
    }
#else
    if (i < layer.inputs) {
      for (var k = 0u; k < layer.outputs; k++) {
        let w = weights[layer.weight_offset + i * layer.outputs + k];
        for (var r = 0u; r < ROWS; r++) { acc[r] = fma(gradient[source + r * MAX_WIDTH + k], w, acc[r]); }
      }
    }
#endif
    if (i < layer.inputs) {
      for (var r = 0u; r < ROWS; r++) {
        let row = row0 + r;
        var value = acc[r];
        if (l > 0u && row < params.batch) { value = select(0.0, value, below(l, row * layer.inputs + i) > 0.0); }
        gradient[destination + r * MAX_WIDTH + i] = value;
        if (row < params.batch) { store(l, row * layer.inputs + i, value); }
      }
    }
    workgroupBarrier();
  }
}
