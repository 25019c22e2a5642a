// The lane pair's passes (lara_update_pair_lanes.wgsl, lara_update_fold_lanes.wgsl): workgroups [0, G) take the
// actor's gradient of update u (actor_step), [G, 2 G) the critic's of update u + 1 (critic_step), G = the workgroups of
// one network's dispatch; each invocation writes its split-K slice from float actor_at (critic_at) of its network's
// gradient buffer through the kernel's lane_store, and its loss partial. Needs the bindings actor_step, critic_step,
// actor_loss, critic_loss, the kernel's `var<private> slice_at`, and its A_SLICE and C_SLICE, the floats from one slice
// of a network to the next.
#include "lib/lane_blocks.wgsl"

// G: the workgroups of the actor's half (each LANE_BLOCKS blocks of LANE_ROWS rows per invocation, one after the other,
// each block its own slice).
fn lane_actor_groups() -> u32 {
  let rows = LANE_ROWS * WORKGROUP_SIZE * LANE_BLOCKS;
  return (actor_step.batch + rows - 1u) / rows;
}

// The first floats of the slices' regions in each network's gradient buffer (lane_pair's actor_at and critic_at).
var<private> pair_actor_at: u32;
var<private> pair_critic_at: u32;

// The actor's gradient of update u (net ACTOR) or the critic's of update u + 1 on the invocation's rows `slice` into
// slice `out` (lane_blocks).
fn lane_block(net: u32, slice: u32, out: u32) {
  if (net == ACTOR) {
    slice_at = pair_actor_at + out * A_SLICE;
    let loss = lane_sum(actor_update_lane(slice, actor_step));
    if (lane_writes()) { actor_loss[actor_step.chunk_update * actor_step.loss_partials + out] = loss; }
  } else {
    slice_at = pair_critic_at + out * C_SLICE;
    let loss = lane_sum(critic_update_lane(slice, critic_step));
    if (lane_writes()) { critic_loss[critic_step.chunk_update * critic_step.loss_partials + out] = loss; }
  }
}

fn lane_pair(group: u32, ids: LaneIds, actor_at: u32, critic_at: u32) {
  pair_actor_at = actor_at;
  pair_critic_at = critic_at;
  let actor_groups = lane_actor_groups();
  if (group < actor_groups) {
    lane_blocks(ACTOR, group, actor_step.batch, ids);
  } else {
    lane_blocks(CRITIC, group - actor_groups, critic_step.batch, ids);
  }
}
