// The actor's tables in a fused kernel (as lib/fused_critic_net.wgsl's; the fused update and the fused act).
const A_LAYERS: u32 = ${A_LAYERS}u;
const A_SIZES = array<u32, A_LAYERS + 1u>(${A_SIZES});
const A_W = array<u32, A_LAYERS>(${A_W});
const A_B = array<u32, A_LAYERS>(${A_B});
const A_AT = array<u32, A_LAYERS + 1u>(${A_AT});
const A_PARAMS: u32 = ${A_PARAMS}u;
