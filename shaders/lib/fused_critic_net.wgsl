// The critic's forward and backward over a block in fm_mem (lib/fused_mlp.wgsl), for the fused update kernels, with
// its tables (lib/critic_net_tables.wgsl).
#include "lib/fused_mlp.wgsl"

#include "lib/critic_net_tables.wgsl"

// The critic's forward over the block, its input at C_AT[0]: each layer's output in its region, a barrier after each.
fn critic_forward(lid: u32) {
  for (var l = 0u; l < C_LAYERS; l++) {
    fm_forward(lid, CRITIC, C_AT[l], C_SIZES[l], C_SIZES[l + 1u], C_W[l], C_B[l], l + 1u < C_LAYERS, C_AT[l + 1u]);
    workgroupBarrier();
  }
}

// The critic's backward from dOutput in place of its output, top layer first: each layer's weight gradient (fm_grad;
// first: the workgroup's first block; with FM_WEIGHT_PASS its inputs and deltas of the rows below `batch` instead),
// then the delta below it in place of the activation below.
fn critic_backward(lid: u32, first: bool, batch: u32) {
  for (var l = C_LAYERS; l > 0u; l--) {
    let layer = l - 1u;
#if ${FM_WEIGHT_PASS}
    fm_store_layer(lid, CRITIC, C_AT[layer], C_SIZES[layer], C_AT[l], C_SIZES[l], batch, C_AT[0], C_AT[C_LAYERS] + ROWS * C_SIZES[C_LAYERS] - C_AT[0]);
#else
    fm_backward_weight(lid, CRITIC, C_AT[layer], C_SIZES[layer], C_SIZES[l], C_AT[l], C_W[layer], C_B[layer], first);
#endif
    if (layer > 0u) {
      workgroupBarrier();
      fm_backward_input(lid, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]);
    }
    workgroupBarrier();
  }
}
