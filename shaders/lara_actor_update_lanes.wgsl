// LARA actor update (the lane variant of lara_actor_update_fused.wgsl, the same bindings): each invocation takes its
// LANE_ROWS minibatch rows through the actor, the critic's features, the critic and back (lib/lane_actor_update.wgsl)
// in its own memory and writes its split-K slice, summed by the Adam dispatch (one slice per invocation, or per
// workgroup with LANE_SUBGROUPS, as lara_critic_update_lanes.wgsl).
// replay: (capacity, REPLAY_STRIDE); actor, critic: flat params; grad_partials: (slices, A_PARAMS); loss_partials:
// (updates per chunk, step.loss_partials = slices) sums of -Q, one per slice.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read> actor: array<f32>;
@group(0) @binding(3) var<storage, read> critic: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss_partials: array<f32>;

#include "lib/lane_actor_update.wgsl"

// First float of this invocation's split-K slice.
var<private> slice_at: u32;

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor[i]; }
  return critic[i];
}
fn lane_store(net: u32, i: u32, value: f32) { grad_partials[slice_at + i] = value; }

#include "lib/lane_blocks.wgsl"

// The update of the invocation's rows `slice` into slice `out` (lane_blocks).
fn lane_block(net: u32, slice: u32, out: u32) {
  slice_at = out * A_PARAMS;
  let loss = lane_sum(actor_update_lane(slice, step));
  if (lane_writes()) { loss_partials[step.chunk_update * step.loss_partials + out] = loss; }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        ids: LaneIds) {
  lane_blocks(ACTOR, grid_group(wid, nwg), step.batch, ids);
}
