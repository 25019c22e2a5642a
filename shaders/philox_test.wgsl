// Test kernel: writes philox4x32(counter = (i, c1, c2, c3), key) for i in [0, count) to out (count, 4).
#include "lib/philox.wgsl"

// struct Params (count, c1, c2, c3, k0, k1): declared in test/philox.test.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<u32>>;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.count) { return; }
  out[i] = philox4x32(vec4<u32>(i, params.c1, params.c2, params.c3), vec2<u32>(params.k0, params.k1));
}
