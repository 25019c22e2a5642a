// LARA act: per env, the actor's pre-activations plus exploration noise -> action -> true latency -> learning reward;
// writes the replay row (obs, critic features, reward, next obs), advances the env to slot t + 1, and sums the
// iteration's metrics per workgroup.
// actor_z: (N, 7) actor output on obs (ignored in warm-up); states, obs: (N, 7) at slot t in, slot t + 1 out;
// replay: (capacity, 22); act_partials: (chunk iterations, ceil(N / 256), 5) = -L_total, L_comp, L_aigc, L_ve, L_total
#include "lib/philox.wgsl"
#include "lib/scenario.wgsl"
#include "lib/megc.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read> actor_z: array<f32>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

const WORKGROUP_SIZE: u32 = 256u;
var<workgroup> partial: array<f32, 1280>;  // ACT_METRICS x WORKGROUP_SIZE

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let e = group * WORKGROUP_SIZE + lid;
  var sums = array<f32, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
  if (e < step.envs) {
    var state: array<f32, 7>;
    var z: array<f32, 7>;
    let normals = lara_exploration_normals(step.seed, e, step.iteration);
    for (var i = 0u; i < 7u; i++) {
      state[i] = states[e * 7u + i];
      var mean = 0.0;
      if (step.use_actor != 0u) { mean = actor_z[e * 7u + i]; }
      z[i] = mean + step.sigma * normals[i];
    }
    let action = lara_action_head(z, step.share_floor);
    let features = lara_critic_features_from_pre(z, step.share_floor);
    let l = latency(scenario, state, action);
    let next_state = sample_state(scenario, step.seed, LARA_STREAM_TRAIN_STATES, e, step.iteration + 1u);
    let next_obs = lara_observation(next_state, norm);
    let row = ((step.write_row + e) % step.capacity) * REPLAY_STRIDE;
    for (var i = 0u; i < 7u; i++) {
      replay[row + i] = obs[e * 7u + i];
      replay[row + REPLAY_FEATURES + i] = features[i];
      replay[row + REPLAY_NEXT_OBS + i] = next_obs[i];
      states[e * 7u + i] = next_state[i];
      obs[e * 7u + i] = next_obs[i];
    }
    replay[row + REPLAY_REWARD] = lara_learning_reward(l.w, step.reward_kind);
    sums = array<f32, 5>(-l.w, l.x, l.y, l.z, l.w);
  }
  for (var m = 0u; m < ACT_METRICS; m++) { partial[m * WORKGROUP_SIZE + lid] = sums[m]; }
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width = width / 2u) {
    if (lid < width) {
      for (var m = 0u; m < ACT_METRICS; m++) { partial[m * WORKGROUP_SIZE + lid] += partial[m * WORKGROUP_SIZE + lid + width]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u && group < step.act_partials) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.iteration_slot * step.act_partials + group) * ACT_METRICS + m] = partial[m * WORKGROUP_SIZE];
    }
  }
}
