// LARA actor update, fused: each workgroup takes its minibatch rows through the actor, the critic and back to the
// actor's weight gradient (lib/fused_actor_update.wgsl) into its own split-K slice, summed by the Adam dispatch.
// replay: (capacity, REPLAY_STRIDE); actor, critic: flat params (A_PARAMS, the critic's), of WEIGHT_TYPE (f32, or the
// f16 copies of FusedVariant.halfWeights, to_half.wgsl); grad_partials: (workgroups, A_PARAMS); loss_partials: (updates per chunk, step.loss_partials = workgroups) sums of -Q, one per workgroup.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read> actor: array<${WEIGHT_TYPE}>;
@group(0) @binding(3) var<storage, read> critic: array<${WEIGHT_TYPE}>;
@group(0) @binding(4) var<storage, read_write> grad_partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss_partials: array<f32>;

#include "lib/fused_actor_update.wgsl"

// First float of this workgroup's split-K slice.
var<private> slice: u32;

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return f32(actor[i]); }
  return f32(critic[i]);
}

fn fm_grad(net: u32, i: u32, value: f32, first: bool) {
  if (first) { grad_partials[slice + i] = value; } else { grad_partials[slice + i] += value; }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = grid_group(wid, nwg);
  slice = fm_slice(group, A_PARAMS);
  let loss = actor_update_group(group, lid, step);
  if (lid == 0u) { loss_partials[step.chunk_update * step.loss_partials + group] = loss; }
}
