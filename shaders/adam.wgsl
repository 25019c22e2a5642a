// Adam over a flat parameter buffer, one dispatch per network; the step's hyperparameters come from a uniform ring.
// params, m, v: (count); gradients: (splits, count), the gradient being the sum over splits (splits = 1: the gradient
// itself; more: the split-K partials of linear_backward_weight.wgsl, added up here in the order
// linear_backward_weight_sum.wgsl uses, so no separate reduction dispatch). target: (count), soft-updated with the new
// params when fused.soft_update != 0 (target = tau p + (1 - tau) target), else a dummy that is not touched.
// The step is lib/adam_step.wgsl's; bc1 = 1 - b1^t and bc2 = 1 - b2^t are computed on the host (one ring entry per
// step, bound with a dynamic offset), and 1 - b1, 1 - b2 too: float32(1 - 0.999) is exact to 6e-8 where 1 - float32(0.999) is off by 1.3e-5.

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// What is fused into the step (fixed per bind group).
// struct Fused (splits, soft_update, tau): declared in src/nn/adam.ts
${FUSED_STRUCT}

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> gradients: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<uniform> fused: Fused;
@group(0) @binding(6) var<storage, read_write> target_params: array<f32>;

#include "lib/grid.wgsl"
#include "lib/adam_step.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= hyper.count) { return; }
  var g = 0.0;
  for (var s = 0u; s < fused.splits; s++) { g += gradients[s * hyper.count + i]; }
  let next = adam_step(hyper, params[i], g, m[i], v[i]);
  m[i] = next.y;
  v[i] = next.z;
  params[i] = next.x;
  if (fused.soft_update != 0u) { target_params[i] = soft_target(fused.tau, next.x, target_params[i]); }
}
