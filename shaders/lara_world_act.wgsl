// LARA act on a world: per env, the actor's pre-activations plus the priors (src/train/worldPriors.ts) and
// exploration noise -> groups (the rule's servers or the argmax of the association scores) -> feasible action -> true
// latencies -> learning reward; writes the replay row (obs, critic features, reward, next obs), advances the env to
// slot t + 1, and sums the iteration's metrics per workgroup: -L_total, the env's mean latency of an active user of each type (0 without one), L_total.
// actor_z: (N, LARA_ACTION_SIZE) actor output on obs (ignored in warm-up); states: (N, WORLD_STATE_SIZE), obs:
// (N, OBSERVATION_SIZE) at slot t in, t + 1 out; replay: (capacity, REPLAY_STRIDE);
// act_partials: (chunk iterations, act_partials, ACT_METRICS)
#include "lib/lara_world.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<storage, read> world: WorldParams;
@group(0) @binding(3) var<storage, read> lw_norm: array<f32>;
@group(0) @binding(4) var<storage, read> actor_z: array<f32>;
@group(0) @binding(5) var<storage, read_write> states: array<f32>;
@group(0) @binding(6) var<storage, read_write> obs: array<f32>;
@group(0) @binding(7) var<storage, read_write> replay: array<f32>;
@group(0) @binding(8) var<storage, read_write> act_partials: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let e = group * WORKGROUP_SIZE + ids.lid;
  var sums: array<f32, REDUCE_WIDTH>;  // ACT_METRICS
  world_set_loop_bounds(step.envs);
  if (e < step.envs) {
    for (var i = 0u; i < WORLD_STATE_SIZE; i++) { world_state_row[i] = states[e * WORLD_STATE_SIZE + i]; }
    for (var i = 0u; i < OBSERVATION_SIZE; i++) { lw_obs[i] = obs[e * OBSERVATION_SIZE + i]; }
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) {
      var mean = 0.0;
      if (step.use_actor != 0u) { mean = actor_z[e * LARA_ACTION_SIZE + i]; }
      lw_z[i] = mean;
    }
    lw_add_channel_prior(step.channel_prior);
    if (step.share_prior != 0.0) {
      lw_groups_from_obs();
      lw_add_share_prior(scenario, world, step.share_prior);
    }
    lw_add_exploration_noise(step.seed, e, step.iteration, step.sigma);
    lw_groups_from_obs();
    lw_action_head(step.share_floor);
    let l = world_latency(scenario, world);
    lw_critic_features(step.share_floor);
    let row = ((step.write_row + e) % step.capacity) * REPLAY_STRIDE;
    for (var i = 0u; i < OBSERVATION_SIZE; i++) { replay[row + REPLAY_OBS + i] = lw_obs[i]; }
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { replay[row + REPLAY_FEATURES + i] = lw_out[i]; }
    replay[row + REPLAY_REWARD] = lara_learning_reward(l.total, step.reward_kind);
    world_sample_state(scenario, world, step.seed, LARA_STREAM_TRAIN_STATES, e, step.iteration + 1u);
    lw_observation();
    for (var i = 0u; i < OBSERVATION_SIZE; i++) {
      replay[row + REPLAY_NEXT_OBS + i] = lw_obs[i];
      obs[e * OBSERVATION_SIZE + i] = lw_obs[i];
    }
    for (var i = 0u; i < WORLD_STATE_SIZE; i++) { states[e * WORLD_STATE_SIZE + i] = world_state_row[i]; }
    let means = select(vec3<f32>(0.0), l.sums / max(l.counts, vec3<f32>(1.0)), l.counts > vec3<f32>(0.0));
    sums = array<f32, REDUCE_WIDTH>(-l.total, means.x, means.y, means.z, l.total);
  }
  let total = workgroup_sum(ids, sums);
  if (ids.lid == 0u && group < step.act_partials) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.chunk_iteration * step.act_partials + group) * ACT_METRICS + m] = total[m];
    }
  }
}
