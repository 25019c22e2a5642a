// The critic's tables in a fused update kernel: layer sizes, each layer's W and b offsets in its flat params, each
// activation's region in fm_mem (src/train/fusedMlpDefines.ts netDefines); its name for fm_weight / fm_grad; and its
// forward and backward over the block in fm_mem.
#include "lib/fused_mlp.wgsl"

const CRITIC: u32 = 1u;
const C_LAYERS: u32 = ${C_LAYERS}u;
const C_SIZES = array<u32, C_LAYERS + 1u>(${C_SIZES});
const C_W = array<u32, C_LAYERS>(${C_W});
const C_B = array<u32, C_LAYERS>(${C_B});
const C_AT = array<u32, C_LAYERS + 1u>(${C_AT});
const C_PARAMS: u32 = ${C_PARAMS}u;

// The critic's forward over the block, its input at C_AT[0]: each layer's output in its region, a barrier after each.
fn critic_forward(lid: u32) {
  for (var l = 0u; l < C_LAYERS; l++) {
    fm_forward(lid, CRITIC, C_AT[l], C_SIZES[l], C_SIZES[l + 1u], C_W[l], C_B[l], l + 1u < C_LAYERS, C_AT[l + 1u]);
    workgroupBarrier();
  }
}

// The critic's backward from dOutput in place of its output, top layer first: each layer's weight gradient (fm_grad;
// first: the workgroup's first block), then the delta below it in place of the activation below.
fn critic_backward(lid: u32, first: bool) {
  for (var l = C_LAYERS; l > 0u; l--) {
    let layer = l - 1u;
    fm_backward_weight(lid, CRITIC, C_AT[layer], C_SIZES[layer], C_SIZES[l], C_AT[l], C_W[layer], C_B[layer], first);
    if (layer > 0u) {
      workgroupBarrier();
      fm_backward_input(lid, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]);
    }
    workgroupBarrier();
  }
}
