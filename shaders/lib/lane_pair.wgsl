// The lane pair's passes (lara_update_pair_lanes.wgsl, lara_update_fold_lanes.wgsl): workgroups [0, G) take the
// actor's gradient of update u (actor_step), [G, 2 G) the critic's of update u + 1 (critic_step), G = the workgroups of
// one network's dispatch; each invocation writes its split-K slice from float actor_at (critic_at) of its network's
// gradient buffer through the kernel's lane_store, and its loss partial. Needs the bindings actor_step, critic_step,
// actor_loss, critic_loss and the kernel's `var<private> slice_at`.

// G: the workgroups of the actor's half (each LANE_BLOCKS blocks of LANE_ROWS rows per invocation, one after the other,
// each block its own slice).
fn lane_actor_groups() -> u32 {
  let rows = LANE_ROWS * WORKGROUP_SIZE * LANE_BLOCKS;
  return (actor_step.batch + rows - 1u) / rows;
}

fn lane_pair(group: u32, ids: LaneIds, actor_at: u32, critic_at: u32) {
  let actor_groups = lane_actor_groups();
  for (var b = 0u; b < LANE_BLOCKS; b++) {
    if (group < actor_groups) {
      let block = group * LANE_BLOCKS + b;
      if (block * LANE_ROWS * WORKGROUP_SIZE >= actor_step.batch) { break; }
      let slice = block * WORKGROUP_SIZE + ids.lid;
      let out = lane_slice(slice, block, actor_step.batch, ids);
      if (out == NO_SLICE) { break; }
      slice_at = actor_at + out * A_PARAMS;
      let loss = lane_sum(actor_update_lane(slice, actor_step));
      if (lane_writes()) { actor_loss[actor_step.chunk_update * actor_step.loss_partials + out] = loss; }
    } else {
      let block = (group - actor_groups) * LANE_BLOCKS + b;
      if (block * LANE_ROWS * WORKGROUP_SIZE >= critic_step.batch) { break; }
      let slice = block * WORKGROUP_SIZE + ids.lid;
      let out = lane_slice(slice, block, critic_step.batch, ids);
      if (out == NO_SLICE) { break; }
      slice_at = critic_at + out * C_PARAMS;
      let loss = lane_sum(critic_update_lane(slice, critic_step));
      if (lane_writes()) { critic_loss[critic_step.chunk_update * critic_step.loss_partials + out] = loss; }
    }
  }
}
