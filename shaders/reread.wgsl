// Every workgroup reads all `count` vec4 of source (a buffer small enough for any GPU's L2: the bench's re-read
// bandwidth, what the fused kernels pay when each workgroup streams a network's weights); each invocation writes the
// sum of the vectors it read. source: (count, 4); partials: (workgroups x WORKGROUP_SIZE, 4)

// struct Params (count): declared in src/nn/peaks.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec4<f32>>;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  var sum = vec4<f32>(0.0);
  for (var i = lid; i < params.count; i += WORKGROUP_SIZE) { sum += source[i]; }
  partials[grid_index(wid, nwg, lid)] = sum;
}
