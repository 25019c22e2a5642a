// LARA act: per env, the actor's pre-activations plus exploration noise -> action -> true latency -> learning reward;
// writes the replay row (obs, critic features, reward, next obs), advances the env to slot t + 1, and sums the
// iteration's metrics per workgroup.
// actor_z: (N, ACTION_SIZE) actor output on obs (ignored in warm-up); states, obs: (N, STATE_SIZE) at slot t in, slot
// t + 1 out; replay: (capacity, REPLAY_STRIDE);
// act_partials: (chunk iterations, act_partials, ACT_METRICS) = -L_total, L_comp, L_aigc, L_ve, L_total
#include "lib/grid.wgsl"
#include "lib/megc.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read> actor_z: array<f32>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let e = group * WORKGROUP_SIZE + ids.lid;
  var sums: array<f32, REDUCE_WIDTH>;  // ACT_METRICS
  if (e < step.envs) {
    var state: array<f32, STATE_SIZE>;
    var z: array<f32, ACTION_SIZE>;
    let normals = lara_exploration_normals(step.seed, e, step.iteration);
    for (var i = 0u; i < STATE_SIZE; i++) { state[i] = states[e * STATE_SIZE + i]; }
    for (var i = 0u; i < ACTION_SIZE; i++) {
      var mean = 0.0;
      if (step.use_actor != 0u) { mean = actor_z[e * ACTION_SIZE + i]; }
      z[i] = mean + step.sigma * normals[i];
    }
    let action = lara_action_head(z, step.share_floor);
    let features = lara_critic_features_from_pre(z, step.share_floor);
    let l = latency(scenario, state, action);
    let next_state = sample_state(scenario, step.seed, LARA_STREAM_TRAIN_STATES, e, step.iteration + 1u);
    let next_obs = lara_observation(next_state, norm);
    let row = ((step.write_row + e) % step.capacity) * REPLAY_STRIDE;
    for (var i = 0u; i < OBSERVATION_SIZE; i++) {
      replay[row + REPLAY_OBS + i] = obs[e * OBSERVATION_SIZE + i];
      replay[row + REPLAY_NEXT_OBS + i] = next_obs[i];
      obs[e * OBSERVATION_SIZE + i] = next_obs[i];
    }
    for (var i = 0u; i < ACTION_SIZE; i++) { replay[row + REPLAY_FEATURES + i] = features[i]; }
    for (var i = 0u; i < STATE_SIZE; i++) { states[e * STATE_SIZE + i] = next_state[i]; }
    replay[row + REPLAY_REWARD] = lara_learning_reward(l.w, step.reward_kind);
    sums = array<f32, REDUCE_WIDTH>(-l.w, l.x, l.y, l.z, l.w);
  }
  let total = workgroup_sum(ids, sums);
  if (ids.lid == 0u && group < step.act_partials) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.chunk_iteration * step.act_partials + group) * ACT_METRICS + m] = total[m];
    }
  }
}
