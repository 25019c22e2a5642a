// One env's act step (lara_act.wgsl, lara_act_forward.wgsl): the actor's mean pre-activations plus exploration noise ->
// action -> true latency -> learning reward; writes its replay row (obs, critic features, reward, next obs) and
// advances the env to slot t + 1. Returns its metrics: -L_total, L_comp, L_aigc, L_ve, L_total. Needs the bindings
// step, scenario, norm, states, obs and replay of those kernels.
#include "lib/megc.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

fn lara_act_row(e: u32, mean: array<f32, ACTION_SIZE>) -> array<f32, ACT_METRICS> {
  var state: array<f32, STATE_SIZE>;
  var z: array<f32, ACTION_SIZE>;
  let normals = lara_exploration_normals(step.seed, e, step.iteration);
  for (var i = 0u; i < STATE_SIZE; i++) { state[i] = states[e * STATE_SIZE + i]; }
  for (var i = 0u; i < ACTION_SIZE; i++) { z[i] = mean[i] + step.sigma * normals[i]; }
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
  return array<f32, ACT_METRICS>(-l.w, l.x, l.y, l.z, l.w);
}
