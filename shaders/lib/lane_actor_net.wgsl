// The actor's forward and backward over an invocation's rows in a LaneMemory (lib/lane_mlp.wgsl), for the lane
// update kernels, with its tables (lib/actor_net_tables.wgsl); as lib/fused_actor_net.wgsl's over a workgroup's block.
#include "lib/lane_mlp.wgsl"
#include "lib/actor_net_tables.wgsl"

// The actor's forward over the rows, its input at A_AT[0]: each layer's output in its region.
fn actor_forward_lane(m: ptr<function, LaneMemory>) {
  for (var l = 0u; l < A_LAYERS; l++) {
    lm_forward(m, ACTOR, A_AT[l], A_SIZES[l], A_SIZES[l + 1u], A_W[l], A_B[l], l + 1u < A_LAYERS, A_AT[l + 1u]);
  }
}

// The actor's backward from dOutput in place of its output, as critic_backward_lane.
fn actor_backward_lane(m: ptr<function, LaneMemory>) {
  for (var l = A_LAYERS; l > 0u; l--) {
    let layer = l - 1u;
    lm_backward_weight(m, ACTOR, A_AT[layer], A_SIZES[layer], A_SIZES[l], A_AT[l], A_W[layer], A_B[layer]);
    if (layer > 0u) { lm_backward_input(m, ACTOR, A_AT[l], A_SIZES[layer], A_SIZES[l], A_W[layer], 0u, true, A_AT[layer], A_AT[layer]); }
  }
}
