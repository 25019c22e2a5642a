// The critic's forward and backward over an invocation's rows in a LaneMemory (lib/lane_mlp.wgsl), for the lane
// update kernels, with its tables (lib/critic_net_tables.wgsl); as lib/fused_critic_net.wgsl's over a workgroup's block.
#include "lib/lane_mlp.wgsl"
#include "lib/critic_net_tables.wgsl"

// The critic's forward over the rows, its input at C_AT[0]: each layer's output in its region; the last hidden layer and
// the one-output head in one loop (lm_forward_head1).
fn critic_forward_lane(m: ptr<function, LaneMemory>) {
  let top = C_LAYERS - 1u;
  for (var l = 0u; l + 1u < top; l++) {
    lm_forward(m, CRITIC, C_AT[l], C_SIZES[l], C_SIZES[l + 1u], C_W[l], C_B[l], true, C_AT[l + 1u]);
  }
  lm_forward_head1(m, CRITIC, C_AT[top - 1u], C_SIZES[top - 1u], C_SIZES[top], C_W[top - 1u], C_B[top - 1u], C_AT[top],
                   C_W[top], C_B[top], C_AT[C_LAYERS]);
}

// The critic's backward from dOutput in place of its output, top layer first: the head's weight gradient and the delta
// below it (lm_backward_head1), then each layer's weight gradient (lane_grad) and the delta below it in place of the
// activation below.
fn critic_backward_lane(m: ptr<function, LaneMemory>) {
  let top = C_LAYERS - 1u;
  lm_backward_head1(m, CRITIC, C_AT[top], C_SIZES[top], C_AT[C_LAYERS], C_W[top], C_B[top], true);
  for (var l = top; l > 0u; l--) {
    let layer = l - 1u;
    lm_backward_weight(m, CRITIC, C_AT[layer], C_SIZES[layer], C_SIZES[l], C_AT[l], C_W[layer], C_B[layer]);
    if (layer > 0u) { lm_backward_input(m, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]); }
  }
}
