// Batched state sampling: states (count, STATE_SIZE) of environments first_env .. first_env+count-1 at one slot.
#include "lib/megc.wgsl"

// struct Params (count, seed, stream, first_env, slot): declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> states: array<f32>;  // (count, STATE_SIZE)

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  let state = sample_state(scenario, params.seed, params.stream, params.first_env + i, params.slot);
  for (var k = 0u; k < STATE_SIZE; k++) { states[i * STATE_SIZE + k] = state[k]; }
}
