// Copies `count` vec4 from source to destination (the bench's memory-bandwidth peak), ITEMS per invocation with a
// stride of all invocations (neighbouring invocations touch neighbouring words). source, destination: (count, 4)

// struct Params (count): declared in src/nn/peaks.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> destination: array<vec4<f32>>;

#include "lib/grid.wgsl"
override ITEMS: u32;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let first = grid_index(wid, nwg, lid);
  let stride = nwg.x * nwg.y * WORKGROUP_SIZE;
  for (var j = 0u; j < ITEMS; j++) {
    let i = first + j * stride;
    if (i < params.count) { destination[i] = source[i]; }
  }
}
