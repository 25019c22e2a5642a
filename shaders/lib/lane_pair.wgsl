// The lane pair's passes (lara_update_pair_lanes.wgsl, lara_update_fold_lanes.wgsl): of a pair dispatch's 2 G
// workgroups (G = the workgroups of one network's dispatch) the even ones take the actor's gradient of update u
// (actor_step), the odd ones the critic's of update u + 1 (critic_step), so that the contiguous runs of workgroups
// llvmpipe gives its threads hold both halves alike (an actor's half takes about twice a critic's, bench/RESULTS.md);
// a dispatch of G workgroups is the actor's alone; each invocation writes its split-K slice from float actor_at (critic_at) of its network's
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

// Whether workgroup `group` of a dispatch of `groups` takes the actor's half, and its workgroup in that half.
struct PairHalf { actor: bool, group: u32 }
fn lane_pair_half(group: u32, groups: u32) -> PairHalf {
  if (groups > lane_actor_groups()) { return PairHalf(group % 2u == 0u, group / 2u); }
  return PairHalf(true, group);
}

fn lane_pair(group: u32, groups: u32, ids: LaneIds, actor_at: u32, critic_at: u32) {
  pair_actor_at = actor_at;
  pair_critic_at = critic_at;
  let half = lane_pair_half(group, groups);
  if (half.actor) {
    lane_blocks(ACTOR, half.group, actor_step.batch, ids);
  } else {
    lane_blocks(CRITIC, half.group, critic_step.batch, ids);
  }
}
