// Batched world state sampling: states (count, WORLD_STATE_SIZE) of envs first_env .. first_env+count-1 at one slot.
#include "lib/world.wgsl"
#include "lib/grid.wgsl"

// struct Params (count, seed, stream, first_env, slot): the letter's, declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<storage, read> world: WorldParams;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read_write> states: array<f32>;  // (count, WORLD_STATE_SIZE)


@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  world_set_loop_bounds(params.count);
  world_sample_state(scenario, world, params.seed, params.stream, params.first_env + i, params.slot);
  for (var k = 0u; k < WORLD_STATE_SIZE; k++) { states[i * WORLD_STATE_SIZE + k] = world_state_row[k]; }
}
