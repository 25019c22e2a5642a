// The block loop of the lane update kernels (lara_critic_update_lanes.wgsl, lara_actor_update_lanes.wgsl,
// lib/lane_pair.wgsl): needs lib/lane_mlp.wgsl and the including kernel's lane_block(net, slice, out).

// The blocks of rows of workgroup `group` of a network's dispatch at `batch` rows: LANE_BLOCKS blocks of LANE_ROWS rows
// per invocation, one after the other, block b of the workgroup writing slice group * LANE_BLOCKS + b (the slice a
// workgroup of its own would write), through the including kernel's lane_block(net, slice, out) (the invocation's rows
// `slice`, its split-K slice `out`); blocks past the batch are skipped.
fn lane_blocks(net: u32, group: u32, batch: u32, ids: LaneIds) {
  for (var b = 0u; b < LANE_BLOCKS; b++) {
    let block = group * LANE_BLOCKS + b;
    if (block * LANE_ROWS * WORKGROUP_SIZE >= batch) { break; }
    let slice = block * WORKGROUP_SIZE + ids.lid;
    let out = lane_slice(slice, block, batch, ids);
    if (out == NO_SLICE) { break; }
    lane_block(net, slice, out);
  }
}
