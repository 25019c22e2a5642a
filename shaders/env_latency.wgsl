// Batched latencies: states (count, STATE_SIZE) and actions (count, STATE_SIZE) -> latencies (count, 4) = (comp, aigc, ve, total).
#include "lib/megc.wgsl"

// struct Params (count): declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> states: array<f32>;         // (count, STATE_SIZE)
@group(0) @binding(3) var<storage, read> actions: array<f32>;        // (count, STATE_SIZE)
@group(0) @binding(4) var<storage, read_write> latencies: array<vec4<f32>>;  // (count, 4)

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  var state: array<f32, STATE_SIZE>;
  var action: array<f32, ACTION_SIZE>;
  for (var k = 0u; k < STATE_SIZE; k++) { state[k] = states[i * STATE_SIZE + k]; }
  for (var k = 0u; k < ACTION_SIZE; k++) { action[k] = actions[i * ACTION_SIZE + k]; }
  latencies[i] = latency(scenario, state, action);
}
