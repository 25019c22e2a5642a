// LARA on a world with the model critic: the actor's gradient through the world's own latency (actorModelLossGradient
// of src/train/reference.ts). Per minibatch row, the learning reward r of the head's action for z (plus the priors)
// under the state behind the observation, and dL/dz = -(1/B) times its ascent direction (lw_model_reward_gradient);
// also sums -r per workgroup for the actor loss metric (-mean r). z: (B, LARA_ACTION_SIZE); obs_in: (B, OBSERVATION_SIZE);
// d_z: (B, LARA_ACTION_SIZE); actor_partials: (updates per chunk, loss_partials)
#include "lib/lara_world.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<storage, read> world: WorldParams;
@group(0) @binding(3) var<storage, read> lw_norm: array<f32>;
@group(0) @binding(4) var<storage, read> z: array<f32>;
@group(0) @binding(5) var<storage, read> obs_in: array<f32>;
@group(0) @binding(6) var<storage, read_write> d_z: array<f32>;
@group(0) @binding(7) var<storage, read_write> actor_partials: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let k = group * WORKGROUP_SIZE + ids.lid;
  var loss: array<f32, REDUCE_WIDTH>;  // 1
  world_set_loop_bounds(step.batch);
  if (k < step.batch) {
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { lw_z[i] = z[k * LARA_ACTION_SIZE + i]; }
    for (var i = 0u; i < OBSERVATION_SIZE; i++) { lw_obs[i] = obs_in[k * OBSERVATION_SIZE + i]; }
    lw_add_channel_prior(step.channel_prior);
    let reward = lw_model_reward_gradient(scenario, world, step.share_floor, step.reward_kind, step.share_prior, step.association_moves);
    let scale = -1.0 / f32(step.batch);
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { d_z[k * LARA_ACTION_SIZE + i] = scale * lw_out[i]; }
    loss[0] = -reward;
  }
  let sum = workgroup_sum(ids, loss);
  if (ids.lid == 0u && group < step.loss_partials) {
    actor_partials[step.chunk_update * step.loss_partials + group] = sum[0];
  }
}
