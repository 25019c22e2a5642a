// Whole-MLP forward in one dispatch for small batches: each workgroup takes ROWS rows through every layer, the
// activations kept in workgroup memory, the weights streamed from global memory; every layer's output is also written
// to its global activation buffer (the backward reads them). Hidden layers ReLU, the last linear.
// x: (B, inputs of layer 0); weights: flat W (in, out) row-major then b (out) per layer; y_l: (B, outputs of layer l)
// for l < layers (y_l of absent layers are bound to dummies). Widths <= MAX_WIDTH, layers <= MAX_LAYERS.
// Each output is the same float32 computation as linear_forward.wgsl's: fma over k = 0, 1, ... from 0, then + bias.
// STAGE_K > 0 (a variant for GPUs): each layer's W goes through workgroup memory STAGE_K rows at a time, every invocation
// loading consecutive words of the contiguous block (all loads of a step in flight at once, not one per k and thread);
// the sums are unchanged.
#include "lib/grid.wgsl"

// struct Layer (inputs, outputs, weight_offset, bias_offset): declared in src/nn/mlpFused.ts
${LAYER_STRUCT}

// struct Params (batch, layers, layer): declared in src/nn/mlpFused.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> y0: array<f32>;
@group(0) @binding(4) var<storage, read_write> y1: array<f32>;
@group(0) @binding(5) var<storage, read_write> y2: array<f32>;
@group(0) @binding(6) var<storage, read_write> y3: array<f32>;

const MAX_LAYERS: u32 = ${MAX_LAYERS}u;
const MAX_WIDTH: u32 = ${MAX_WIDTH}u;
const ROWS: u32 = ${ROWS}u;
override THREADS: u32;
// Rows per workgroup; workgroup memory is 2 * ROWS * MAX_WIDTH floats.
const HALF: u32 = ROWS * MAX_WIDTH;

// Two halves [row][k]: layer l reads half l % 2 and writes the other.
var<workgroup> activation: array<f32, 2u * HALF>;
const STAGE_K: u32 = ${STAGE_K}u;
#if ${STAGED}
// W rows [k0, k0 + STAGE_K) of the layer: [k][o], row stride = the layer's outputs.
var<workgroup> w_stage: array<f32, STAGE_K * MAX_WIDTH>;
#endif

fn store(l: u32, index: u32, value: f32) {
  switch l {
    case 0u: { y0[index] = value; }
    case 1u: { y1[index] = value; }
    case 2u: { y2[index] = value; }
    default: { y3[index] = value; }
  }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = grid_group(wid, nwg) * ROWS;
  let inputs0 = params.layer[0].inputs;
  for (var e = lid; e < ROWS * inputs0; e += THREADS) {
    let r = e / inputs0;
    let k = e % inputs0;
    var value = 0.0;
    if (row0 + r < params.batch) { value = x[(row0 + r) * inputs0 + k]; }
    activation[r * MAX_WIDTH + k] = value;
  }
  workgroupBarrier();
  for (var l = 0u; l < params.layers; l++) {
    let layer = params.layer[l];
    let source = (l % 2u) * HALF;
    let destination = HALF - source;
    let relu = l + 1u < params.layers;
    // thread o computes column o of the layer for the ROWS rows (outputs <= MAX_WIDTH = THREADS); acc zeroed here: a
    // declaration in a loop is not reliably zeroed again on each pass on every driver
    let o = lid;
    var acc: array<f32, ROWS>;
    for (var r = 0u; r < ROWS; r++) { acc[r] = 0.0; }
#if ${STAGED}
    for (var k0 = 0u; k0 < layer.inputs; k0 += STAGE_K) {
      let steps = min(STAGE_K, layer.inputs - k0);
      let block = layer.weight_offset + k0 * layer.outputs;
      for (var e = lid; e < steps * layer.outputs; e += THREADS) { w_stage[e] = weights[block + e]; }
      workgroupBarrier();
      if (o < layer.outputs) {
        for (var k = 0u; k < steps; k++) {
          let w = w_stage[k * layer.outputs + o];
          for (var r = 0u; r < ROWS; r++) { acc[r] = fma(activation[source + r * MAX_WIDTH + k0 + k], w, acc[r]); }
        }
      }
      workgroupBarrier();
    }
#else
    // weight loads coalesced over o, activations broadcast
    if (o < layer.outputs) {
      for (var k = 0u; k < layer.inputs; k++) {
        let w = weights[layer.weight_offset + k * layer.outputs + o];
        for (var r = 0u; r < ROWS; r++) { acc[r] = fma(activation[source + r * MAX_WIDTH + k], w, acc[r]); }
      }
    }
#endif
    if (o < layer.outputs) {
      let bias = weights[layer.bias_offset + o];
      for (var r = 0u; r < ROWS; r++) {
        var value = acc[r] + bias;
        if (relu) { value = max(value, 0.0); }
        activation[destination + r * MAX_WIDTH + o] = value;
        if (row0 + r < params.batch) { store(l, (row0 + r) * layer.outputs + o, value); }
      }
    }
    // the next layer reads what this one wrote, and overwrites what this one read
    workgroupBarrier();
  }
}
