// LARA actor chain, forward: the actor's pre-activations z -> critic input obs || features(z) (log-share coordinates).
// z: (B, ACTION_SIZE); obs_in: (B, OBSERVATION_SIZE); critic_input: (B, CRITIC_INPUT)
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> obs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> critic_input: array<f32>;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = grid_index(wid, nwg, lid);
  if (k >= step.batch) { return; }
  var zk: array<f32, LARA_ACTION_SIZE>;
  for (var i = 0u; i < LARA_ACTION_SIZE; i++) { zk[i] = z[k * LARA_ACTION_SIZE + i]; }
  let features = lara_critic_features_from_pre(zk, step.share_floor);
  for (var i = 0u; i < OBSERVATION_SIZE; i++) { critic_input[k * CRITIC_INPUT + i] = obs_in[k * OBSERVATION_SIZE + i]; }
  for (var i = 0u; i < LARA_ACTION_SIZE; i++) { critic_input[k * CRITIC_INPUT + OBSERVATION_SIZE + i] = features[i]; }
}
