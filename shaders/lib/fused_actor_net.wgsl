// The actor's tables in a fused kernel, its name and its forward and backward (as lib/fused_critic_net.wgsl's; the
// fused update and the fused act).
#include "lib/fused_mlp.wgsl"

#include "lib/actor_net_tables.wgsl"

// The actor's forward over the block, its input at A_AT[0]: each layer's output in its region, a barrier after each.
fn actor_forward(lid: u32) {
  for (var l = 0u; l < A_LAYERS; l++) {
    fm_forward(lid, ACTOR, A_AT[l], A_SIZES[l], A_SIZES[l + 1u], A_W[l], A_B[l], l + 1u < A_LAYERS, A_AT[l + 1u]);
    workgroupBarrier();
  }
}

// The actor's backward from dOutput in place of its output, as critic_backward.
fn actor_backward(lid: u32, first: bool, batch: u32) {
  for (var l = A_LAYERS; l > 0u; l--) {
    let layer = l - 1u;
#if ${FM_WEIGHT_PASS}
    fm_store_layer(lid, ACTOR, A_AT[layer], A_SIZES[layer], A_AT[l], A_SIZES[l], batch, A_AT[0], A_AT[A_LAYERS] + ROWS * A_SIZES[A_LAYERS] - A_AT[0]);
#else
    fm_backward_weight(lid, ACTOR, A_AT[layer], A_SIZES[layer], A_SIZES[l], A_AT[l], A_W[layer], A_B[layer], first);
#endif
    if (layer > 0u) {
      workgroupBarrier();
      fm_backward_input(lid, ACTOR, A_AT[l], A_SIZES[layer], A_SIZES[l], A_W[layer], 0u, true, A_AT[layer], A_AT[layer]);
    }
    workgroupBarrier();
  }
}
