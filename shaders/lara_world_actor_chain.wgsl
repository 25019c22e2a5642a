// LARA actor chain on a world, forward: the actor's pre-activations z -> critic input obs || features(z), the groups
// from obs (and z's association scores). z: (B, LARA_ACTION_SIZE); obs_in: (B, OBSERVATION_SIZE);
// critic_input: (B, CRITIC_INPUT)
#include "lib/lara_world.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> obs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> critic_input: array<f32>;


@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = grid_index(wid, nwg, lid);
  if (k >= step.batch) { return; }
  world_set_loop_bounds(step.batch);
  for (var i = 0u; i < LARA_ACTION_SIZE; i++) { lw_z[i] = z[k * LARA_ACTION_SIZE + i]; }
  for (var i = 0u; i < OBSERVATION_SIZE; i++) { lw_obs[i] = obs_in[k * OBSERVATION_SIZE + i]; }
  lw_groups_from_obs();
  lw_critic_features(step.share_floor);
  for (var i = 0u; i < OBSERVATION_SIZE; i++) { critic_input[k * CRITIC_INPUT + i] = lw_obs[i]; }
  for (var i = 0u; i < LARA_ACTION_SIZE; i++) { critic_input[k * CRITIC_INPUT + OBSERVATION_SIZE + i] = lw_out[i]; }
}
