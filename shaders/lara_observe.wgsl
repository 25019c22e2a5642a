// LARA observe: the training state of every env at slot t (Stream.trainStates) and its normalised observation.
// states: (N, STATE_SIZE); obs: (N, OBSERVATION_SIZE)
#include "lib/megc.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read_write> states: array<f32>;
@group(0) @binding(4) var<storage, read_write> obs: array<f32>;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let e = grid_index(wid, nwg, lid);
  if (e >= step.envs) { return; }
  let state = sample_state(scenario, step.seed, LARA_STREAM_TRAIN_STATES, e, step.iteration);
  let o = lara_observation(state, norm);
  for (var i = 0u; i < STATE_SIZE; i++) { states[e * STATE_SIZE + i] = state[i]; }
  for (var i = 0u; i < OBSERVATION_SIZE; i++) { obs[e * OBSERVATION_SIZE + i] = o[i]; }
}
