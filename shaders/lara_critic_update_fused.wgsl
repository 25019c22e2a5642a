// LARA critic update, fused: each workgroup takes its minibatch rows through the critic's forward, loss and backward
// (lib/fused_critic_update.wgsl) into its own split-K slice, summed by the Adam dispatch.
// replay: (capacity, REPLAY_STRIDE); weights: the critic's flat params (C_PARAMS), of WEIGHT_TYPE (f32, or the f16 copy of
// FusedVariant.halfWeights, to_half.wgsl); grad_partials: (workgroups, C_PARAMS);
// loss_partials: (updates per chunk, step.loss_partials = workgroups) sums of squared errors, one per workgroup.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<${WEIGHT_TYPE}>;
@group(0) @binding(3) var<storage, read_write> grad_partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;

#include "lib/fused_critic_update.wgsl"

// First float of this workgroup's split-K slice.
var<private> slice: u32;

fn fm_weight(net: u32, i: u32) -> f32 { return f32(weights[i]); }

fn fm_grad(net: u32, i: u32, value: f32, first: bool) {
  if (first) { grad_partials[slice + i] = value; } else { grad_partials[slice + i] += value; }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = grid_group(wid, nwg);
  slice = fm_slice(group, C_PARAMS);
  let loss = critic_update_group(group, lid, step);
  if (lid == 0u) { loss_partials[step.chunk_update * step.loss_partials + group] = loss; }
}
