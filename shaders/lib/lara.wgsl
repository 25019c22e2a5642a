// LARA's shared functions in f32, twins of src/train/features.ts (observation, action head, critic action features and
// their vector-Jacobian product, schedules, learning reward, exploration normals, minibatch indices). No bindings.
// Needs the defines of LARA_DEFINES (src/train/layout.ts): OBSERVATION_SIZE, ACTION_SIZE and the stream ids.
#include "lib/philox.wgsl"

const OBSERVATION_SIZE: u32 = ${OBSERVATION_SIZE}u;
const LARA_ACTION_SIZE: u32 = ${ACTION_SIZE}u;

// struct LaraObservationNorm (log_mean_gain, data_low, data_span, channel_scale): declared in src/train/layout.ts
${LARA_OBSERVATION_NORM_STRUCT}

const LARA_MIN_GAIN: f32 = 1e-30;
const LARA_FEATURE_CLAMP: f32 = 30.0;

// obs[k] = scale * (ln h_k - log_mean_gain[k]) for the 4 gains; obs[4 + i] = 2 (d_i - low_i) / span_i - 1.
fn lara_observation(state: array<f32, OBSERVATION_SIZE>, norm: LaraObservationNorm) -> array<f32, OBSERVATION_SIZE> {
  var s = state;
  var obs: array<f32, OBSERVATION_SIZE>;
  for (var k = 0u; k < 4u; k++) {
    obs[k] = norm.channel_scale * (log(max(s[k], LARA_MIN_GAIN)) - norm.log_mean_gain[k]);
  }
  for (var i = 0u; i < 3u; i++) {
    let span = norm.data_span[i];
    obs[4u + i] = select(0.0, 2.0 * (s[4u + i] - norm.data_low[i]) / span - 1.0, span > 0.0);
  }
  return obs;
}

// Logistic sigmoid without overflow.
fn lara_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// One ratio of the action head, floor + (1 - 2 floor) sigmoid(z), each side from its own end, so a saturated sigmoid
// lands exactly on floor or 1 - floor (ratioHead in src/train/features.ts).
fn lara_ratio_head(z: f32, share_floor: f32) -> f32 {
  let ratio_span = 1.0 - 2.0 * share_floor;
  if (z >= 0.0) { return (1.0 - share_floor) - ratio_span * lara_sigmoid(-z); }
  return share_floor + ratio_span * lara_sigmoid(z);
}

// Action head: ratios floor + (1 - 2 floor) sigmoid(z_i), omegas floor + (1 - 3 floor) softmax(z_4..6) (floor = share_floor).
fn lara_action_head(z: array<f32, LARA_ACTION_SIZE>, share_floor: f32) -> array<f32, LARA_ACTION_SIZE> {
  var zz = z;
  var action: array<f32, LARA_ACTION_SIZE>;
  for (var i = 0u; i < 4u; i++) { action[i] = lara_ratio_head(zz[i], share_floor); }
  let m = max(zz[4], max(zz[5], zz[6]));
  let e = vec3<f32>(exp(zz[4] - m), exp(zz[5] - m), exp(zz[6] - m));
  let omega = share_floor + (1.0 - 3.0 * share_floor) * e / (e.x + e.y + e.z);
  action[4] = omega.x; action[5] = omega.y; action[6] = omega.z;
  return action;
}

// ln of the head's omegas (with the floor); exact log-softmax when share_floor = 0.
fn lara_log_omegas(z4: f32, z5: f32, z6: f32, share_floor: f32) -> vec3<f32> {
  let zv = vec3<f32>(z4, z5, z6);
  let m = max(z4, max(z5, z6));
  let e = exp(zv - m);
  let sum = e.x + e.y + e.z;
  if (share_floor > 0.0) { return log(share_floor + (1.0 - 3.0 * share_floor) * e / sum); }
  return zv - m - log(sum);
}

// Critic action features from pre-activations: z_i for the ratios (= logit((a - floor) / (1 - 2 floor))),
// centred ln(omega) for the omegas.
fn lara_critic_features_from_pre(z: array<f32, LARA_ACTION_SIZE>, share_floor: f32) -> array<f32, LARA_ACTION_SIZE> {
  var zz = z;
  var features: array<f32, LARA_ACTION_SIZE>;
  for (var i = 0u; i < 4u; i++) { features[i] = zz[i]; }
  let l = lara_log_omegas(zz[4], zz[5], zz[6], share_floor);
  let centred = l - (l.x + l.y + l.z) / 3.0;
  features[4] = centred.x; features[5] = centred.y; features[6] = centred.z;
  return features;
}

// Critic action features of a feasible action (clamped to +-LARA_FEATURE_CLAMP on the floor).
fn lara_critic_action_features(action: array<f32, LARA_ACTION_SIZE>, share_floor: f32) -> array<f32, LARA_ACTION_SIZE> {
  var a = action;
  var features: array<f32, LARA_ACTION_SIZE>;
  let ratio_span = 1.0 - 2.0 * share_floor;
  for (var i = 0u; i < 4u; i++) {
    let p = (a[i] - share_floor) / ratio_span;
    features[i] = clamp(log(p) - log(1.0 - p), -LARA_FEATURE_CLAMP, LARA_FEATURE_CLAMP);
  }
  let tiny = exp(-LARA_FEATURE_CLAMP);
  let l = log(max(vec3<f32>(a[4], a[5], a[6]), vec3<f32>(tiny)));
  let centred = l - (l.x + l.y + l.z) / 3.0;
  features[4] = centred.x; features[5] = centred.y; features[6] = centred.z;
  return features;
}

// dL/dz from dL/dfeatures through lara_critic_features_from_pre: identity for the ratios; for the omegas
// (p = softmax, g = dfeat - mean(dfeat), c_i = g_i p_i / w_i) dz_k = (1 - 3 floor) (c_k - p_k sum_i c_i).
fn lara_critic_features_vjp(z: array<f32, LARA_ACTION_SIZE>, share_floor: f32, d_features: array<f32, LARA_ACTION_SIZE>) -> array<f32, LARA_ACTION_SIZE> {
  var zz = z;
  var d = d_features;
  var dz: array<f32, LARA_ACTION_SIZE>;
  for (var i = 0u; i < 4u; i++) { dz[i] = d[i]; }
  let m = max(zz[4], max(zz[5], zz[6]));
  let e = exp(vec3<f32>(zz[4], zz[5], zz[6]) - m);
  let p = e / (e.x + e.y + e.z);
  let omega_span = 1.0 - 3.0 * share_floor;
  let g = vec3<f32>(d[4], d[5], d[6]);
  let floor_over_p = select(share_floor / p, vec3<f32>(0.0), share_floor == 0.0);  // 0 / 0 guarded
  let c = (g - (g.x + g.y + g.z) / 3.0) / (floor_over_p + omega_span);
  let dw = omega_span * (c - p * (c.x + c.y + c.z));
  dz[4] = dw.x; dz[5] = dw.y; dz[6] = dw.z;
  return dz;
}

// Cosine schedule from start (t = 0) to end (t = total - 1).
fn lara_cosine_schedule(start: f32, end: f32, t: u32, total: u32) -> f32 {
  var progress = 1.0;
  if (total > 1u) { progress = min(1.0, f32(t) / f32(total - 1u)); }
  return end + (start - end) * 0.5 * (1.0 + cos(3.141592653589793 * progress));
}

// Reward for learning: -ln(L_total) (kind 0, 'log') or -L_total (kind 1, 'linear').
fn lara_learning_reward(l_total: f32, kind: u32) -> f32 {
  if (kind == 0u) { return -log(l_total); }
  return -l_total;
}

const LARA_STREAM_TRAIN_STATES: u32 = ${STREAM_TRAIN_STATES}u;  // lara_observe, lara_act
const LARA_STREAM_EXPLORATION_NOISE: u32 = ${STREAM_EXPLORATION_NOISE}u;
const LARA_STREAM_MINIBATCH: u32 = ${STREAM_MINIBATCH}u;

// 8 standard normals of env e at iteration t (the trainer uses the first 7): key (seed, explorationNoise),
// counters (e, t, 0, 0) and (e, t, 0, 1), Box-Muller on words (0, 1) and (2, 3) of each.
fn lara_exploration_normals(seed: u32, env: u32, t: u32) -> array<f32, 8> {
  var normals: array<f32, 8>;
  for (var call = 0u; call < 2u; call++) {
    let u = uniform4(vec4<u32>(env, t, 0u, call), vec2<u32>(seed, LARA_STREAM_EXPLORATION_NOISE));
    let n01 = normal_pair(u.x, u.y);
    let n23 = normal_pair(u.z, u.w);
    normals[4u * call] = n01.x; normals[4u * call + 1u] = n01.y;
    normals[4u * call + 2u] = n23.x; normals[4u * call + 3u] = n23.y;
  }
  return normals;
}

// Row k of the minibatch of update u at iteration t: mulhi(word k & 3 of counter (t, u, k >> 2, 0), filled).
fn lara_minibatch_index(seed: u32, t: u32, u: u32, k: u32, filled: u32) -> u32 {
  let w = philox4x32(vec4<u32>(t, u, k >> 2u, 0u), vec2<u32>(seed, LARA_STREAM_MINIBATCH));
  return philox_mulhi(w[k & 3u], filled);
}

// Rows 4 k4 .. 4 k4 + 3 of that minibatch (lara_minibatch_index of each), from one Philox call.
fn lara_minibatch_index4(seed: u32, t: u32, u: u32, k4: u32, filled: u32) -> vec4<u32> {
  let w = philox4x32(vec4<u32>(t, u, k4, 0u), vec2<u32>(seed, LARA_STREAM_MINIBATCH));
  return vec4<u32>(philox_mulhi(w.x, filled), philox_mulhi(w.y, filled), philox_mulhi(w.z, filled), philox_mulhi(w.w, filled));
}
