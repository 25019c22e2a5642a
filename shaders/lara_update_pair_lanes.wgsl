// Two steps of the lane update in one dispatch (the lane variant of lara_update_pair_fused.wgsl, the same bindings):
// the actor's gradient of update u (lib/lane_actor_update.wgsl) beside the critic's gradient of update u + 1
// (lib/lane_critic_update.wgsl), lib/lane_pair.wgsl's passes. The even workgroups hold the actor's slices, the odd ones
// the critic's (G of each, G = the workgroups of one network's dispatch); each invocation does what it does in its own kernel, so the
// sums are the same bit for bit.
// replay: (capacity, REPLAY_STRIDE); actor, critic: flat params; actor_grads: (slices, A_PARAMS); critic_grads:
// (slices, C_PARAMS); actor_loss, critic_loss: (updates per chunk, slices) as the two kernels' loss_partials.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> actor_step: Step;
@group(0) @binding(1) var<uniform> critic_step: Step;
@group(0) @binding(2) var<storage, read> replay: array<f32>;
@group(0) @binding(3) var<storage, read> actor: array<f32>;
@group(0) @binding(4) var<storage, read> critic: array<f32>;
@group(0) @binding(5) var<storage, read_write> actor_grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> critic_grads: array<f32>;
@group(0) @binding(7) var<storage, read_write> actor_loss: array<f32>;
@group(0) @binding(8) var<storage, read_write> critic_loss: array<f32>;

#include "lib/lane_actor_update.wgsl"
#include "lib/lane_critic_update.wgsl"

// First float of this invocation's split-K slice (in actor_grads or critic_grads); the slices one network's
// parameters apart (lib/lane_pair.wgsl).
var<private> slice_at: u32;
const A_SLICE: u32 = A_PARAMS;
const C_SLICE: u32 = C_PARAMS;

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor[i]; }
  return critic[i];
}

fn lane_store(net: u32, i: u32, value: f32) {
  if (net == ACTOR) { actor_grads[slice_at + i] = value; } else { critic_grads[slice_at + i] = value; }
}

#include "lib/lane_pair.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        ids: LaneIds) {
  lane_pair(grid_group(wid, nwg), nwg.x * nwg.y, ids, 0u, 0u);
}
