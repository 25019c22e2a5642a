// The critic's forward and backward over an invocation's rows in a LaneMemory (lib/lane_mlp.wgsl), for the lane
// update kernels, with its tables (lib/critic_net_tables.wgsl); as lib/fused_critic_net.wgsl's over a workgroup's block.
#include "lib/lane_mlp.wgsl"
#include "lib/critic_net_tables.wgsl"

// The critic's forward over the rows, its input at C_AT[0]: each layer's output in its region.
fn critic_forward_lane(m: ptr<function, LaneMemory>) {
  for (var l = 0u; l < C_LAYERS; l++) {
    lm_forward(m, CRITIC, C_AT[l], C_SIZES[l], C_SIZES[l + 1u], C_W[l], C_B[l], l + 1u < C_LAYERS, C_AT[l + 1u]);
  }
}

// The critic's backward from dOutput in place of its output, top layer first: each layer's weight gradient
// (lane_grad), then the delta below it in place of the activation below.
fn critic_backward_lane(m: ptr<function, LaneMemory>) {
  for (var l = C_LAYERS; l > 0u; l--) {
    let layer = l - 1u;
    lm_backward_weight(m, CRITIC, C_AT[layer], C_SIZES[layer], C_SIZES[l], C_AT[l], C_W[layer], C_B[layer]);
    if (layer > 0u) { lm_backward_input(m, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]); }
  }
}
