// Adam over two networks in one dispatch (the fused update's optimiser step: the actor of update u beside the critic
// of update u + 1): indices [0, a_hyper.count) step network a, the next b_hyper.count network b, each with its own
// ring entry; each adds its split-K partials first and soft-updates its target after, exactly as adam.wgsl does.
// a_params, a_m, a_v, a_target: (a count); a_gradients: (splits, a count); b_* likewise.

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct PairFused (splits, tau): declared in src/nn/adam.ts
${PAIR_FUSED_STRUCT}

@group(0) @binding(0) var<uniform> a_hyper: Hyper;
@group(0) @binding(1) var<uniform> b_hyper: Hyper;
@group(0) @binding(2) var<uniform> fused: PairFused;
@group(0) @binding(3) var<storage, read_write> a_params: array<f32>;
@group(0) @binding(4) var<storage, read> a_gradients: array<f32>;
@group(0) @binding(5) var<storage, read_write> a_m: array<f32>;
@group(0) @binding(6) var<storage, read_write> a_v: array<f32>;
@group(0) @binding(7) var<storage, read_write> a_target: array<f32>;
@group(0) @binding(8) var<storage, read_write> b_params: array<f32>;
@group(0) @binding(9) var<storage, read> b_gradients: array<f32>;
@group(0) @binding(10) var<storage, read_write> b_m: array<f32>;
@group(0) @binding(11) var<storage, read_write> b_v: array<f32>;
@group(0) @binding(12) var<storage, read_write> b_target: array<f32>;

#include "lib/grid.wgsl"
#include "lib/adam_step.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = grid_index(wid, nwg, lid);
  if (index < a_hyper.count) {
    let i = index;
    var g = 0.0;
    for (var s = 0u; s < fused.splits; s++) { g += a_gradients[s * a_hyper.count + i]; }
    let next = adam_step(a_hyper, a_params[i], g, a_m[i], a_v[i]);
    a_m[i] = next.y;
    a_v[i] = next.z;
    a_params[i] = next.x;
    a_target[i] = soft_target(fused.tau, next.x, a_target[i]);
  } else if (index - a_hyper.count < b_hyper.count) {
    let i = index - a_hyper.count;
    var g = 0.0;
    for (var s = 0u; s < fused.splits; s++) { g += b_gradients[s * b_hyper.count + i]; }
    let next = adam_step(b_hyper, b_params[i], g, b_m[i], b_v[i]);
    b_m[i] = next.y;
    b_v[i] = next.z;
    b_params[i] = next.x;
    b_target[i] = soft_target(fused.tau, next.x, b_target[i]);
  }
}
