// The f16 copy of a network's parameters that the fused update's row kernels stream (FusedVariant.halfWeights), made
// from its f32 parameters at the start of each submit (the weight pass keeps it after each Adam step, with the same
// conversion). params: (COUNT) f32; params16: (COUNT) f16.

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> params16: array<f16>;

#include "lib/grid.wgsl"
#include "lib/half.wgsl"
override COUNT: u32;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= COUNT) { return; }
  params16[i] = half_of(params[i]);
}
