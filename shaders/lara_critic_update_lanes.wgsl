// LARA critic update (the lane variant of lara_critic_update_fused.wgsl, the same bindings): each invocation takes its
// LANE_ROWS minibatch rows through the critic's forward, loss and backward in its own memory
// (lib/lane_critic_update.wgsl) and writes its own split-K slice, summed by the Adam dispatch; with LANE_SUBGROUPS the
// workgroup is one subgroup that adds up its invocations' sums (subgroupAdd) into one slice per workgroup.
// replay: (capacity, REPLAY_STRIDE); weights: the critic's flat params (C_PARAMS); grad_partials: (slices, C_SLICE),
// C_SLICE = C_PARAMS, or the fold buffer's slice stride for the folded update (src/train/foldLayout.ts);
// loss_partials: (updates per chunk, step.loss_partials = slices) sums of squared errors, one per slice.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad_partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;

#include "lib/lane_critic_update.wgsl"

// First float of this invocation's split-K slice.
var<private> slice_at: u32;
const C_SLICE: u32 = ${C_SLICE}u;

fn fm_weight(net: u32, i: u32) -> f32 { return weights[i]; }
fn lane_store(net: u32, i: u32, value: f32) { grad_partials[slice_at + i] = value; }

#include "lib/lane_blocks.wgsl"

// The update of the invocation's rows `slice` into slice `out` (lane_blocks).
fn lane_block(net: u32, slice: u32, out: u32) {
  slice_at = out * C_SLICE;
  let loss = lane_sum(critic_update_lane(slice, step));
  if (lane_writes()) { loss_partials[step.chunk_update * step.loss_partials + out] = loss; }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        ids: LaneIds) {
  lane_blocks(CRITIC, grid_group(wid, nwg), step.batch, ids);
}
