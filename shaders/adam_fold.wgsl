// The Adam step of one network between its two states (src/train/fusedFold.ts): the actor's last step of a submit's
// last iteration on the folded update, from state 1 and the odd updates' slice region to the network's own buffers
// (state 0), one vector of four parameters per invocation (lib/adam_fold.wgsl, the same sums and step as adam.wgsl).
// fold_params, fold_m, fold_v, fold_target: (count rounded up to 4), the network's own; fold: its fold buffer
// (lib/adam_fold_one.wgsl).

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct PairFused (splits, tau): declared in src/nn/adam.ts
${PAIR_FUSED_STRUCT}

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<uniform> fused: PairFused;
@group(0) @binding(2) var<storage, read_write> fold_params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> fold_m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> fold_v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> fold_target: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> fold: array<vec4<f32>>;

#include "lib/grid.wgsl"

// The new params go to state 0 only.
fn fold_keep(net: u32, j: u32, p: vec4<f32>) {}

#include "lib/adam_fold_one.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // One vector per invocation: the stride past every vector.
  fold_adam(0u, hyper, 1u, fused.splits, fused.tau, grid_index(wid, nwg, lid), fold_vectors(hyper.count), true);
}
