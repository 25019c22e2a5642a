// The weight pass of the fused update: one network's weight gradient over the minibatch from the blocks of layer
// inputs and output deltas its row kernels stored (lib/fused_mlp.wgsl fm_store_layer), its Adam step and the soft
// update of its target, one invocation per parameter: gW[k][o] = sum over rows b of x[b][k] d[b][o] (fma from 0, b
// ascending), gb[o] = sum over b of d[b][o]. Split-K partials and their sum are not needed: each parameter's gradient is
// one invocation's.
// With HALF_WEIGHTS it also writes the f16 copy of the new parameters that the row kernels stream (to_half.wgsl's
// conversion; FusedVariant.halfWeights).
// acts: (blocks, 2, N_FLOATS): block b's inputs, then its deltas, each layer's region (ROWS, width) row-major at
// N_AT[l]; params, m, v, target, params16: (count).

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct WeightPass (batch, tau): declared in src/train/fusedWeightPass.ts
${WEIGHT_PASS_STRUCT}

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<uniform> weight_pass: WeightPass;
@group(0) @binding(2) var<storage, read> acts: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> target_params: array<f32>;
// f16 with HALF_WEIGHTS; else f32 and never touched (the binding a placeholder).
@group(0) @binding(7) var<storage, read_write> params16: array<${PARAMS16_TYPE}>;

#include "lib/grid.wgsl"
#include "lib/adam_step.wgsl"
#if ${HALF_WEIGHTS}
#include "lib/half.wgsl"
#endif

// The network's tables (src/train/fusedMlpDefines.ts netDefines at the row kernels' ROWS, regions from 0).
const ROWS: u32 = ${ROWS}u;
const N_LAYERS: u32 = ${N_LAYERS}u;
const N_SIZES = array<u32, N_LAYERS + 1u>(${N_SIZES});
const N_W = array<u32, N_LAYERS>(${N_W});
const N_B = array<u32, N_LAYERS>(${N_B});
const N_AT = array<u32, N_LAYERS + 1u>(${N_AT});
const N_FLOATS: u32 = ${N_FLOATS}u;

// Row b's entry `column` of region `at` in the stored inputs (delta false) or deltas of a region `width` wide.
fn stored(b: u32, delta: bool, at: u32, width: u32, column: u32) -> f32 {
  return acts[(2u * (b / ROWS) + select(0u, 1u, delta)) * N_FLOATS + at + (b % ROWS) * width + column];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= hyper.count) { return; }
  var l = 0u;
  for (var j = 1u; j < N_LAYERS; j++) { if (i >= N_W[j]) { l = j; } }
  let inputs = N_SIZES[l];
  let outputs = N_SIZES[l + 1u];
  var g = 0.0;
  if (i < N_B[l]) {
    let k = (i - N_W[l]) / outputs;
    let o = (i - N_W[l]) % outputs;
    for (var b = 0u; b < weight_pass.batch; b++) {
      g = fma(stored(b, false, N_AT[l], inputs, k), stored(b, true, N_AT[l + 1u], outputs, o), g);
    }
  } else {
    let o = i - N_B[l];
    for (var b = 0u; b < weight_pass.batch; b++) { g += stored(b, true, N_AT[l + 1u], outputs, o); }
  }
  let next = adam_step(hyper, params[i], g, m[i], v[i]);
  m[i] = next.y;
  v[i] = next.z;
  params[i] = next.x;
  target_params[i] = soft_target(weight_pass.tau, next.x, target_params[i]);
#if ${HALF_WEIGHTS}
  params16[i] = half_of(next.x);
#endif
}
