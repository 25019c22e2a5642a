// LARA actor chain on a world, backward: actor loss -mean(Q); dL/dz = -(1/B) (d features / d z)^T dQ/dfeatures for
// the groups of the row (from obs and z), dQ/dfeatures the critic's input gradient columns OBSERVATION_SIZE..; also
// sums -Q per workgroup for the actor loss metric. z: (B, LARA_ACTION_SIZE); obs_in: (B, OBSERVATION_SIZE);
// d_critic_input: (B, CRITIC_INPUT); q: (B, 1); d_z: (B, LARA_ACTION_SIZE); actor_partials: (updates per chunk, loss_partials)
#include "lib/lara_world.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> obs_in: array<f32>;
@group(0) @binding(3) var<storage, read> d_critic_input: array<f32>;
@group(0) @binding(4) var<storage, read> q: array<f32>;
@group(0) @binding(5) var<storage, read_write> d_z: array<f32>;
@group(0) @binding(6) var<storage, read_write> actor_partials: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let k = group * WORKGROUP_SIZE + ids.lid;
  var loss: array<f32, REDUCE_WIDTH>;  // 1
  world_set_loop_bounds(step.batch);
  if (k < step.batch) {
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) {
      lw_z[i] = z[k * LARA_ACTION_SIZE + i];
      lw_d_features[i] = d_critic_input[k * CRITIC_INPUT + OBSERVATION_SIZE + i];
    }
    for (var i = 0u; i < OBSERVATION_SIZE; i++) { lw_obs[i] = obs_in[k * OBSERVATION_SIZE + i]; }
    lw_groups_from_obs();
    lw_critic_features_vjp(step.share_floor);
    let scale = -1.0 / f32(step.batch);
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { d_z[k * LARA_ACTION_SIZE + i] = scale * lw_out[i]; }
    loss[0] = -q[k];
  }
  let sum = workgroup_sum(ids, loss);
  if (ids.lid == 0u && group < step.loss_partials) {
    actor_partials[step.chunk_update * step.loss_partials + group] = sum[0];
  }
}
