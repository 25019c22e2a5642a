// The critic's tables in a kernel that takes it through whole (the fused and the lane updates): layer sizes, each
// layer's W and b offsets in its flat params, each activation's region in the kernel's activation memory
// (src/train/fusedMlpDefines.ts netDefines), and its name for fm_weight and the gradient writes.
const CRITIC: u32 = 1u;
const C_LAYERS: u32 = ${C_LAYERS}u;
const C_SIZES = array<u32, C_LAYERS + 1u>(${C_SIZES});
const C_W = array<u32, C_LAYERS>(${C_W});
const C_B = array<u32, C_LAYERS>(${C_B});
const C_AT = array<u32, C_LAYERS + 1u>(${C_AT});
const C_PARAMS: u32 = ${C_PARAMS}u;
