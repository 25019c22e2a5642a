// Test kernel: evaluates every function of lib/lara.wgsl for a batch; out (count, 48) as documented in main().
#include "lib/philox.wgsl"
#include "lib/lara.wgsl"

// struct Params (count, share_floor, seed, t, filled, total, schedule_start, schedule_end, reward_kind, norm): declared in test/train_features.test.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> states: array<f32>;      // (count, 7)
@group(0) @binding(2) var<storage, read> pre: array<f32>;         // (count, 7) pre-activations z
@group(0) @binding(3) var<storage, read> d_features: array<f32>;  // (count, 7)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;   // (count, 48)

const OUT_WIDTH: u32 = 48u;

#include "lib/grid.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.count) { return; }
  var state: array<f32, 7>;
  var z: array<f32, 7>;
  var d: array<f32, 7>;
  for (var j = 0u; j < 7u; j++) {
    state[j] = states[i * 7u + j]; z[j] = pre[i * 7u + j]; d[j] = d_features[i * 7u + j];
  }
  let obs = lara_observation(state, params.norm);
  let action = lara_action_head(z, params.share_floor);
  let from_pre = lara_critic_features_from_pre(z, params.share_floor);
  let from_action = lara_critic_action_features(action, params.share_floor);
  let dz = lara_critic_features_vjp(z, params.share_floor, d);
  let normals = lara_exploration_normals(params.seed, i, params.t);
  let base = i * OUT_WIDTH;
  // [0, 7) obs, [7, 14) action, [14, 21) features from z, [21, 28) features from the action, [28, 35) dz,
  // [35, 43) normals, 43 schedule at t = i, 44 minibatch index k = i (bits), 45 learning reward of L = state[0] * 1e8.
  for (var j = 0u; j < 7u; j++) {
    out[base + j] = obs[j];
    out[base + 7u + j] = action[j];
    out[base + 14u + j] = from_pre[j];
    out[base + 21u + j] = from_action[j];
    out[base + 28u + j] = dz[j];
  }
  for (var j = 0u; j < 8u; j++) { out[base + 35u + j] = normals[j]; }
  out[base + 43u] = lara_cosine_schedule(params.schedule_start, params.schedule_end, i, params.total);
  out[base + 44u] = bitcast<f32>(lara_minibatch_index(params.seed, params.t, 3u, i, params.filled));
  out[base + 45u] = lara_learning_reward(state[0] * 1e8, params.reward_kind);
  out[base + 46u] = 0.0;
  out[base + 47u] = 0.0;
}
