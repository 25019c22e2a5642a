// Split-K reduction of linear_backward_weight.wgsl: grads[i] = sum over s of partials[s * count + i], i < count.
// partials: (splits, count); grads: (count). One dispatch covers every layer of a network (flat layout).

// struct Params (count, splits): declared in src/nn/linear.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  var sum = 0.0;
  for (var s = 0u; s < params.splits; s++) { sum += partials[s * params.count + i]; }
  grads[i] = sum;
}
