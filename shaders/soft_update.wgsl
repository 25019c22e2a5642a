// Soft target update over a flat parameter buffer: target = tau * source + (1 - tau) * target.
// source, target: (count,)

// struct Params (count, tau): declared in src/nn/softUpdate.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source: array<f32>;
@group(0) @binding(2) var<storage, read_write> target_params: array<f32>;

#include "lib/grid.wgsl"
#include "lib/soft_target.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  target_params[i] = soft_target(params.tau, source[i], target_params[i]);
}
