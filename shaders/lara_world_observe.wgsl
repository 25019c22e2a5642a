// LARA observe on a world: the training state of every env at slot t (Stream.trainStates) and its observation.
// states: (N, WORLD_STATE_SIZE); obs: (N, OBSERVATION_SIZE)
#include "lib/lara_world.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<storage, read> world: WorldParams;
@group(0) @binding(3) var<storage, read> lw_norm: array<f32>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;


@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = grid_index(wid, nwg, lid);
  if (e >= step.envs) { return; }
  world_set_loop_bounds(step.envs);
  world_sample_state(scenario, world, step.seed, LARA_STREAM_TRAIN_STATES, e, step.iteration);
  lw_observation();
  for (var i = 0u; i < WORLD_STATE_SIZE; i++) { states[e * WORLD_STATE_SIZE + i] = world_state_row[i]; }
  for (var i = 0u; i < OBSERVATION_SIZE; i++) { obs[e * OBSERVATION_SIZE + i] = lw_obs[i]; }
}
