// The actor's tables in a kernel that takes it through whole (the fused and the lane updates, the fused act), as
// lib/critic_net_tables.wgsl's.
const ACTOR: u32 = 0u;
const A_LAYERS: u32 = ${A_LAYERS}u;
const A_SIZES = array<u32, A_LAYERS + 1u>(${A_SIZES});
const A_W = array<u32, A_LAYERS>(${A_W});
const A_B = array<u32, A_LAYERS>(${A_B});
const A_AT = array<u32, A_LAYERS + 1u>(${A_AT});
const A_PARAMS: u32 = ${A_PARAMS}u;
