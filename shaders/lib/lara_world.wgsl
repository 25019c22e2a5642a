// LARA on a generalised world in f32, twins of src/train/worldFeatures.ts: observation, groups (who is on which server,
// who is active), the feasible action head, critic action features in log-share coordinates and their vector-Jacobian
// product, exploration noise; and the model critic's reward and gradient (src/train/worldModelCritic.ts). No bindings:
// they work on private rows (lw_obs, lw_z, lw_out, lw_d_features and world.wgsl's world_state_row / world_action_row).
// With LW_OBSERVE the including kernel binds the observation's normalisation as `lw_norm` (worldObservationNormParams()).
// Sizes: the defines of worldLaraDefines().
// Over 300 lines: the f32 twin of src/train/worldFeatures.ts and worldModelCritic.ts, kept as one library as they are.
#include "lib/world.wgsl"
#include "lib/lara.wgsl"

const LW_GAINS: u32 = ${LW_GAINS}u;             // observed servers per link
const LW_USER_STRIDE: u32 = ${LW_USER_STRIDE}u; // observation values per user
const LW_USERS_OBS: u32 = WORLD_USERS * LW_USER_STRIDE;  // the rest of the row (padding) is 0
const LW_OBS_DATA: u32 = ${LW_OBS_DATA}u;
const LW_OBS_ACTIVE: u32 = ${LW_OBS_ACTIVE}u;   // meaningful only when WORLD_HAS_ACTIVE
const LW_OBS_SERVER: u32 = ${LW_OBS_SERVER}u;   // meaningful only when WORLD_STATE_SERVER
const LW_Z_ASSOCIATION: u32 = ${LW_Z_ASSOCIATION}u;  // meaningful only when WORLD_ACTION_SERVER
const LW_NORM_GAINS: u32 = WORLD_USERS * 2u * LW_GAINS;
const LW_MIN_GAIN: f32 = 1e-30;

var<private> lw_obs: array<f32, OBSERVATION_SIZE>;
var<private> lw_z: array<f32, LARA_ACTION_SIZE>;
var<private> lw_out: array<f32, LARA_ACTION_SIZE>;         // features, or dz
var<private> lw_d_features: array<f32, LARA_ACTION_SIZE>;  // the VJP's input
var<private> lw_server: array<u32, WORLD_USERS>;
var<private> lw_active: array<u32, WORLD_USERS>;
// Per-server statistics of one resource's groups.
var<private> lw_group_max: array<f32, WORLD_SERVERS>;
var<private> lw_group_sum: array<f32, WORLD_SERVERS>;
var<private> lw_group_count: array<f32, WORLD_SERVERS>;
var<private> lw_group_acc: array<f32, WORLD_SERVERS>;
var<private> lw_group_acc2: array<f32, WORLD_SERVERS>;

// Offset in the state row of user i's gains on link (0 up, 1 down) to server 0, or WORLD_NO_SHARE.
fn lw_gain_offset(i: u32, link: u32) -> u32 {
  let group = world_group_of(i);
  if (group == 0u) { return select(WORLD_NO_SHARE, WS_H_OFF_COMP + i * WORLD_SERVERS, link == 0u); }
  if (group == 1u) { return select(WS_H_BACK_VE, WS_H_OFF_VE, link == 0u) + (i - WORLD_COMP) * WORLD_SERVERS; }
  return select(WS_H_BACK_AIGC + (i - WORLD_COMP - WORLD_VE) * WORLD_SERVERS, WORLD_NO_SHARE, link == 0u);
}

#if ${LW_OBSERVE}
// Observation of world_state_row into lw_obs (worldObservationInto): per active user its normalised log gains, data,
// active flag and server one-hot; 0 for an inactive user and the padding.
fn lw_observation() {
  for (var k = 0u; k < OBSERVATION_SIZE; k++) { lw_obs[k] = 0.0; }
  for (var i = 0u; i < world_users_n; i++) {
    if (!world_active(i)) { continue; }
    let base = i * LW_USER_STRIDE;
    var own = 0u;
    if (WORLD_STATE_SERVER) { own = world_server_of(i); }
    for (var link = 0u; link < 2u; link++) {
      let offset = lw_gain_offset(i, link);
      if (offset == WORLD_NO_SHARE) { continue; }
      for (var s = 0u; s < LW_GAINS; s++) {
        let m = select(own, s, LW_GAINS > 1u);
        let k = (i * 2u + link) * LW_GAINS + s;
        lw_obs[base + link * LW_GAINS + s] = (log(max(world_state_row[offset + m], LW_MIN_GAIN)) - lw_norm[k]) * lw_norm[LW_NORM_GAINS + k];
      }
    }
    let group = world_group_of(i);
    let span = lw_norm[2u * LW_NORM_GAINS + 4u + group];
    let d = world_state_row[WS_DATA + i];
    lw_obs[base + LW_OBS_DATA] = select(0.0, 2.0 * (d - lw_norm[2u * LW_NORM_GAINS + group]) / span - 1.0, span > 0.0);
    if (WORLD_HAS_ACTIVE) { lw_obs[base + LW_OBS_ACTIVE] = 1.0; }
    if (WORLD_STATE_SERVER) { lw_obs[base + LW_OBS_SERVER + own] = 1.0; }
  }
}
#endif

// Argmax of user i's association scores in lw_z (ties: the lowest index).
fn lw_argmax_server(i: u32) -> u32 {
  var best = 0u;
  for (var m = 1u; m < world_servers_n; m++) {
    if (lw_z[LW_Z_ASSOCIATION + i * WORLD_SERVERS + m] > lw_z[LW_Z_ASSOCIATION + i * WORLD_SERVERS + best]) { best = m; }
  }
  return best;
}

// Groups from lw_obs and lw_z (worldGroupsFromObs): active from the obs flag, server from the obs one-hot, the
// association scores' argmax, or 0.
fn lw_groups_from_obs() {
  for (var i = 0u; i < world_users_n; i++) {
    let base = i * LW_USER_STRIDE;
    lw_active[i] = 1u;
    if (WORLD_HAS_ACTIVE) { lw_active[i] = select(0u, 1u, lw_obs[base + LW_OBS_ACTIVE] > 0.5); }
    var best = 0u;
    if (WORLD_STATE_SERVER) {
      for (var m = 1u; m < world_servers_n; m++) {
        if (lw_obs[base + LW_OBS_SERVER + m] > lw_obs[base + LW_OBS_SERVER + best]) { best = m; }
      }
    } else if (WORLD_ACTION_SERVER) {
      best = lw_argmax_server(i);
    }
    lw_server[i] = best;
  }
}

// Statistics of resource r's groups under lw_z: per server the members' count, max score and sum of exp(z - max).
fn lw_group_stats(r: u32) {
  for (var m = 0u; m < world_servers_n; m++) { lw_group_max[m] = -3.0e38; lw_group_sum[m] = 0.0; lw_group_count[m] = 0.0; }
  for (var i = 0u; i < world_users_n; i++) {
    let k = world_share_index(i, r);
    if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
    let m = lw_server[i];
    lw_group_max[m] = max(lw_group_max[m], lw_z[k]);
    lw_group_count[m] += 1.0;
  }
  for (var i = 0u; i < world_users_n; i++) {
    let k = world_share_index(i, r);
    if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
    let m = lw_server[i];
    lw_group_sum[m] += exp(lw_z[k] - lw_group_max[m]);
  }
}

// The floor of a group of n users: min(floor, 1 / (2 n)).
fn lw_group_floor(share_floor: f32, n: f32) -> f32 {
  return min(share_floor, 0.5 / n);
}

// Action head (worldActionHeadInto): world_action_row from lw_z and the groups.
fn lw_action_head(share_floor: f32) {
  for (var k = 0u; k < WORLD_ACTION_SIZE; k++) { world_action_row[k] = 0.0; }
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    lw_group_stats(r);
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      let n = lw_group_count[m];
      let f = lw_group_floor(share_floor, n);
      world_action_row[k] = f + (1.0 - n * f) * exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m];
    }
  }
  for (var i = 0u; i < world_comp_n; i++) { world_action_row[WA_LAMBDA + i] = lara_ratio_head(lw_z[WA_LAMBDA + i], share_floor); }
  if (WORLD_ACTION_SERVER) {
    for (var i = 0u; i < world_users_n; i++) { world_action_row[WA_SERVER + i] = f32(lw_server[i]); }
  }
}

// ln of user i's share of resource r (entry k) in its group, with the group's statistics in place.
fn lw_log_share(k: u32, m: u32, share_floor: f32) -> f32 {
  let n = lw_group_count[m];
  let f = lw_group_floor(share_floor, n);
  if (f > 0.0) { return log(f + (1.0 - n * f) * exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m]); }
  return lw_z[k] - lw_group_max[m] - log(lw_group_sum[m]);
}

// The softmax of user scores z[a .. a + M) over the servers, as (max, sum of exp(z - max)) (critic features and VJP).
fn lw_association_softmax(a: u32) -> vec2<f32> {
  var top = -3.0e38;
  for (var m = 0u; m < world_servers_n; m++) { top = max(top, lw_z[a + m]); }
  var sum = 0.0;
  for (var m = 0u; m < world_servers_n; m++) { sum += exp(lw_z[a + m] - top); }
  return vec2<f32>(top, sum);
}

// Critic action features (worldCriticFeaturesInto) of lw_z into lw_out.
fn lw_critic_features(share_floor: f32) {
  for (var k = 0u; k < LARA_ACTION_SIZE; k++) { lw_out[k] = 0.0; }
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    lw_group_stats(r);
    for (var m = 0u; m < world_servers_n; m++) { lw_group_acc[m] = 0.0; }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      lw_out[k] = lw_log_share(k, lw_server[i], share_floor);
      lw_group_acc[lw_server[i]] += lw_out[k];
    }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      lw_out[k] -= lw_group_acc[m] / lw_group_count[m];
    }
  }
  for (var i = 0u; i < world_comp_n; i++) {
    if (lw_active[i] != 0u) { lw_out[WA_LAMBDA + i] = lw_z[WA_LAMBDA + i]; }
  }
  if (WORLD_ACTION_SERVER) {
    for (var i = 0u; i < world_users_n; i++) {
      if (lw_active[i] == 0u) { continue; }
      let a = LW_Z_ASSOCIATION + i * WORLD_SERVERS;
      let stats = lw_association_softmax(a);
      let top = stats.x; let sum = stats.y;
      for (var m = 0u; m < world_servers_n; m++) { lw_out[a + m] = exp(lw_z[a + m] - top) / sum; }
    }
  }
}

// VJP of lw_critic_features for fixed groups (worldCriticFeaturesVjpInto): lw_d_features -> lw_out = dL/dz.
fn lw_critic_features_vjp(share_floor: f32) {
  for (var k = 0u; k < LARA_ACTION_SIZE; k++) { lw_out[k] = 0.0; }
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    lw_group_stats(r);
    for (var m = 0u; m < world_servers_n; m++) { lw_group_acc[m] = 0.0; lw_group_acc2[m] = 0.0; }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      lw_group_acc[lw_server[i]] += lw_d_features[k];
    }
    // c_i = (g_i - mean g) / (floor / p_i + span), kept in lw_out; then their sums per group.
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      let n = lw_group_count[m];
      let f = lw_group_floor(share_floor, n);
      let p = exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m];
      let floor_over_p = select(f / p, 0.0, f == 0.0);
      lw_out[k] = (lw_d_features[k] - lw_group_acc[m] / n) / (floor_over_p + (1.0 - n * f));
      lw_group_acc2[m] += lw_out[k];
    }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      let n = lw_group_count[m];
      let f = lw_group_floor(share_floor, n);
      let p = exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m];
      lw_out[k] = (1.0 - n * f) * (lw_out[k] - p * lw_group_acc2[m]);
    }
  }
  for (var i = 0u; i < world_comp_n; i++) {
    if (lw_active[i] != 0u) { lw_out[WA_LAMBDA + i] = lw_d_features[WA_LAMBDA + i]; }
  }
  if (WORLD_ACTION_SERVER) {
    for (var i = 0u; i < world_users_n; i++) {
      if (lw_active[i] == 0u) { continue; }
      let a = LW_Z_ASSOCIATION + i * WORLD_SERVERS;
      let stats = lw_association_softmax(a);
      let top = stats.x; let sum = stats.y;
      var dot = 0.0;
      for (var m = 0u; m < world_servers_n; m++) { dot += exp(lw_z[a + m] - top) / sum * lw_d_features[a + m]; }
      for (var m = 0u; m < world_servers_n; m++) { lw_out[a + m] = exp(lw_z[a + m] - top) / sum * (lw_d_features[a + m] - dot); }
    }
  }
}

#if ${LW_OBSERVE}
// ln of user i's gain on `link` to its s-th observed server, recovered from lw_obs (observedLogGain).
fn lw_observed_log_gain(i: u32, link: u32, s: u32) -> f32 {
  let k = (i * 2u + link) * LW_GAINS + s;
  return lw_obs[i * LW_USER_STRIDE + link * LW_GAINS + s] / lw_norm[LW_NORM_GAINS + k] + lw_norm[k];
}

// lw_z's association scores += weight * ln(gain) per active user and server (addChannelPriorInto): the gain recovered
// from lw_obs, comp uplink, aigc downlink, ve uplink + downlink. Call before lw_groups_from_obs.
fn lw_add_channel_prior(weight: f32) {
  if (!WORLD_ACTION_SERVER || weight == 0.0) { return; }
  for (var i = 0u; i < world_users_n; i++) {
    if (WORLD_HAS_ACTIVE && !(lw_obs[i * LW_USER_STRIDE + LW_OBS_ACTIVE] > 0.5)) { continue; }
    for (var m = 0u; m < world_servers_n; m++) {
      var top = -3.0e38;
      var logs = array<f32, 2>(-3.0e38, -3.0e38);
      for (var link = 0u; link < 2u; link++) {
        if (lw_gain_offset(i, link) == WORLD_NO_SHARE) { continue; }
        logs[link] = lw_observed_log_gain(i, link, m);
        top = max(top, logs[link]);
      }
      let log_gain_sum = top + log(exp(logs[0] - top) + exp(logs[1] - top));
      lw_z[LW_Z_ASSOCIATION + i * WORLD_SERVERS + m] += weight * log_gain_sum;
    }
  }
}

// The offload fraction the share prior assumes for a comp user (PRIOR_LAMBDA of src/train/worldPriors.ts).
const LW_PRIOR_LAMBDA: f32 = 0.5;

// lw_z's share scores += weight/2 ln(work) for the groups in place (addSharePriorInto), the gains and data taken from
// world_state_row: compute, the user's cycles; uplink, its bits over log2(1 + P_user h_up snr_scale_off); downlink and
// power, its bits over log2(1 + P_m h_down snr_scale_back), at its server m.
fn lw_add_share_prior(scenario: Scenario, world: WorldParams, weight: f32) {
  if (weight == 0.0) { return; }
  for (var i = 0u; i < world_users_n; i++) {
    if (lw_active[i] == 0u) { continue; }
    let m = lw_server[i];
    let server = world.servers[m];
    let group = world_group_of(i);  // 0 comp, 1 ve, 2 aigc
    let d = world_state_row[WS_DATA + i];
    var cycles = LW_PRIOR_LAMBDA * LW_PRIOR_LAMBDA * scenario.cycles_per_bit * d;
    if (group != 0u) { cycles = scenario.gen_cycles_per_bit * select(d, scenario.psi * d, group == 1u) + scenario.gen_cycles_fixed; }
    lw_z[world_share_index(i, 3u)] += weight * 0.5 * log(cycles);
    let up = lw_gain_offset(i, 0u);
    if (up != WORLD_NO_SHARE) {
      let power = select(scenario.power_ve, scenario.power_comp, group == 0u);
      let efficiency = megc_log2_one_plus(power * world_state_row[up + m] * server.snr_scale_off);
      lw_z[world_share_index(i, 0u)] += weight * 0.5 * log(select(1.0, LW_PRIOR_LAMBDA, group == 0u) * d / efficiency);
    }
    let down = lw_gain_offset(i, 1u);
    if (down != WORLD_NO_SHARE) {
      let efficiency = megc_log2_one_plus(server.power * world_state_row[down + m] * server.snr_scale_back);
      let prior = weight * 0.5 * log(select(d, scenario.psi * d, group == 1u) / efficiency);
      lw_z[world_share_index(i, 1u)] += prior;
      lw_z[world_share_index(i, 2u)] += prior;
    }
  }
}

// The state row behind lw_obs for the groups in place (worldFeatures.ts's observedGain and observedData: the inverse
// of lw_observation up to its normalisation): each active user's gains to its observed servers and its data; the
// active flags and the rule's servers; the rest 0.
fn lw_state_from_obs() {
  for (var k = 0u; k < WORLD_STATE_SIZE; k++) { world_state_row[k] = 0.0; }
  for (var i = 0u; i < world_users_n; i++) {
    if (WORLD_HAS_ACTIVE) { world_state_row[WS_ACTIVE + i] = f32(lw_active[i]); }
    if (WORLD_STATE_SERVER) { world_state_row[WS_SERVER + i] = f32(lw_server[i]); }
    if (lw_active[i] == 0u) { continue; }
    let base = i * LW_USER_STRIDE;
    for (var link = 0u; link < 2u; link++) {
      let offset = lw_gain_offset(i, link);
      if (offset == WORLD_NO_SHARE) { continue; }
      for (var s = 0u; s < LW_GAINS; s++) {
        let m = select(lw_server[i], s, LW_GAINS > 1u);
        world_state_row[offset + m] = exp(lw_observed_log_gain(i, link, s));
      }
    }
    let group = world_group_of(i);
    world_state_row[WS_DATA + i] = lw_norm[2u * LW_NORM_GAINS + group] + (lw_obs[base + LW_OBS_DATA] + 1.0) / 2.0 * lw_norm[2u * LW_NORM_GAINS + 4u + group];
  }
}

// L_total of the head's action for the groups in place (lw_server, lw_active) on the state row.
fn lw_head_latency(scenario: Scenario, world: WorldParams, share_floor: f32) -> f32 {
  lw_action_head(share_floor);
  return world_latency(scenario, world).total;
}

// Each server's latency sum of the current groups (the best responses' baseline), and the active users grouped by
// server: those of server m are lw_members[lw_member_start[m] .. lw_member_start[m + 1]).
var<private> lw_server_sum: array<f32, WORLD_SERVERS>;
var<private> lw_members: array<u32, WORLD_USERS>;
var<private> lw_member_start: array<u32, WORLD_SERVERS + 1u>;
// Each active user's best response and how much that move lowers L_total (0: it stays).
var<private> lw_label: array<u32, WORLD_USERS>;
var<private> lw_move_gain: array<f32, WORLD_USERS>;

// Groups the active users by server (lw_server, lw_active) into lw_members, in data order within a server.
fn lw_group_members() {
  for (var m = 0u; m <= world_servers_n; m++) { lw_member_start[m] = 0u; }
  for (var i = 0u; i < world_users_n; i++) { if (lw_active[i] != 0u) { lw_member_start[lw_server[i] + 1u] += 1u; } }
  for (var m = 0u; m < world_servers_n; m++) { lw_member_start[m + 1u] += lw_member_start[m]; }
  var next: array<u32, WORLD_SERVERS>;
  for (var m = 0u; m < world_servers_n; m++) { next[m] = lw_member_start[m]; }
  for (var i = 0u; i < world_users_n; i++) {
    if (lw_active[i] == 0u) { continue; }
    lw_members[next[lw_server[i]]] = i;
    next[lw_server[i]] += 1u;
  }
}

// The t-th user of server m were user `mover` on server `destination` (t runs to the server's count plus one; the
// last is the mover when it joins m), or WORLD_USERS for none.
fn lw_member(m: u32, t: u32, mover: u32, destination: u32) -> u32 {
  let end = lw_member_start[m + 1u];
  if (lw_member_start[m] + t == end) { return select(WORLD_USERS, mover, destination == m && mover < WORLD_USERS); }
  let j = lw_members[lw_member_start[m] + t];
  return select(j, WORLD_USERS, j == mover && destination != m);
}

// Latency sum of server m's active users were user `mover` on server `destination` (mover WORLD_USERS: nobody moves;
// destination WORLD_SERVERS: the mover is on no server), each with the head's share of its group on m (serverLatency of
// src/train/worldModelCritic.ts). Writes those users' shares into world_action_row; the lambdas there are the head's.
fn lw_server_latency(scenario: Scenario, world: WorldParams, share_floor: f32, m: u32, mover: u32, destination: u32) -> f32 {
  let count = lw_member_start[m + 1u] - lw_member_start[m] + 1u;
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    var top = -3.0e38;
    var n = 0.0;
    for (var t = 0u; t < count; t++) {
      let j = lw_member(m, t, mover, destination);
      if (j == WORLD_USERS) { continue; }
      let k = world_share_index(j, r);
      if (k == WORLD_NO_SHARE) { continue; }
      top = max(top, lw_z[k]);
      n += 1.0;
    }
    if (n == 0.0) { continue; }
    var sum = 0.0;
    for (var t = 0u; t < count; t++) {
      let j = lw_member(m, t, mover, destination);
      if (j == WORLD_USERS) { continue; }
      let k = world_share_index(j, r);
      if (k != WORLD_NO_SHARE) { sum += exp(lw_z[k] - top); }
    }
    let f = lw_group_floor(share_floor, n);
    for (var t = 0u; t < count; t++) {
      let j = lw_member(m, t, mover, destination);
      if (j == WORLD_USERS) { continue; }
      let k = world_share_index(j, r);
      if (k != WORLD_NO_SHARE) { world_action_row[k] = f + (1.0 - n * f) * exp(lw_z[k] - top) / sum; }
    }
  }
  var latency = 0.0;
  for (var t = 0u; t < count; t++) {
    let j = lw_member(m, t, mover, destination);
    if (j != WORLD_USERS) { latency += world_latency_of(scenario, world, j, m); }
  }
  return latency;
}

// The model critic of the row in lw_obs and lw_z (worldModelRewardGradientInto): returns the learning reward of the
// head's action under the world's latency, and writes the actor's ascent direction into lw_out: dReward/dz for the
// shares (through each group's softmax) and lambdas (through the ratio head); where the policy associates,
// onehot(best response) - softmax(scores) for each active user's scores, the best response being the server of the
// lowest L_total when that user alone moves (ties: its server now). Inactive users' entries are 0.
fn lw_model_reward_gradient(scenario: Scenario, world: WorldParams, share_floor: f32, reward_kind: u32, share_prior: f32, moves: u32) -> f32 {
  lw_groups_from_obs();
  lw_state_from_obs();
  lw_add_share_prior(scenario, world, share_prior);
  let l_total = lw_head_latency(scenario, world, share_floor);
  for (var k = 0u; k < WORLD_ACTION_SIZE; k++) { world_d_action[k] = 0.0; }
  for (var i = 0u; i < world_users_n; i++) {
    if (lw_active[i] != 0u) { world_latency_vjp_of(scenario, world, i, world_server_of(i)); }
  }
  let d_reward = select(-1.0, -1.0 / l_total, reward_kind == 0u);  // dReward / dL_total

  // Through the head: dz_k = span p_k (g_k - sum_j p_j g_j) per group; lambda: (1 - 2 floor) s (1 - s) g.
  for (var k = 0u; k < LARA_ACTION_SIZE; k++) { lw_out[k] = 0.0; }
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    lw_group_stats(r);
    for (var m = 0u; m < world_servers_n; m++) { lw_group_acc[m] = 0.0; }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      lw_group_acc[m] += exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m] * world_d_action[k];
    }
    for (var i = 0u; i < world_users_n; i++) {
      let k = world_share_index(i, r);
      if (lw_active[i] == 0u || k == WORLD_NO_SHARE) { continue; }
      let m = lw_server[i];
      let n = lw_group_count[m];
      let p = exp(lw_z[k] - lw_group_max[m]) / lw_group_sum[m];
      lw_out[k] = d_reward * (1.0 - n * lw_group_floor(share_floor, n)) * p * (world_d_action[k] - lw_group_acc[m]);
    }
  }
  for (var i = 0u; i < world_comp_n; i++) {
    if (lw_active[i] == 0u) { continue; }
    let s = lara_sigmoid(lw_z[WA_LAMBDA + i]);
    lw_out[WA_LAMBDA + i] = d_reward * (1.0 - 2.0 * share_floor) * s * (1.0 - s) * world_d_action[WA_LAMBDA + i];
  }

  // The association scores: each active user's best response as the label of a cross-entropy. A move changes only
  // the two servers' sums (lw_server_latency), as in associationLabels of worldModelCritic.ts.
  if (WORLD_ACTION_SERVER) {
    lw_group_members();
    var total = 0.0;
    for (var m = 0u; m < world_servers_n; m++) { lw_server_sum[m] = lw_server_latency(scenario, world, share_floor, m, WORLD_USERS, 0u); total += lw_server_sum[m]; }
    for (var i = 0u; i < world_users_n; i++) {
      if (lw_active[i] == 0u) { continue; }
      let now = lw_server[i];
      let without = lw_server_latency(scenario, world, share_floor, now, i, WORLD_SERVERS) - lw_server_sum[now];
      var best = now;
      var best_l = total;
      for (var m = 0u; m < world_servers_n; m++) {
        if (m == now) { continue; }
        let l = total + without + lw_server_latency(scenario, world, share_floor, m, i, m) - lw_server_sum[m];
        if (l < best_l) { best = m; best_l = l; }
      }
      lw_label[i] = best;
      lw_move_gain[i] = total - best_l;
    }
    for (var i = 0u; i < world_users_n; i++) {
      if (lw_active[i] == 0u) { continue; }
      // With `moves` > 0 a mover keeps its label only when fewer than `moves` movers gain more (ties: the lower index).
      if (moves > 0u && lw_label[i] != lw_server[i]) {
        var ahead = 0u;
        for (var j = 0u; j < world_users_n; j++) {
          if (lw_active[j] == 0u || lw_label[j] == lw_server[j]) { continue; }
          if (lw_move_gain[j] > lw_move_gain[i] || (lw_move_gain[j] == lw_move_gain[i] && j < i)) { ahead++; }
        }
        if (ahead >= moves) { continue; }
      }
      let a = LW_Z_ASSOCIATION + i * WORLD_SERVERS;
      let stats = lw_association_softmax(a);
      for (var m = 0u; m < world_servers_n; m++) { lw_out[a + m] = select(0.0, 1.0, m == lw_label[i]) - exp(lw_z[a + m] - stats.x) / stats.y; }
    }
  }
  return lara_learning_reward(l_total, reward_kind);
}
#endif

// lw_z += sigma * normals of env e at iteration t (worldExplorationNormalsInto): counters (e, t, 0, c), 4 per call.
fn lw_add_exploration_noise(seed: u32, env: u32, t: u32, sigma: f32) {
  let calls = select(0u, (LARA_ACTION_SIZE + 3u) / 4u, world_users_n > 0u);  // runtime bound, as world_set_loop_bounds
  for (var c = 0u; c < calls; c++) {
    let u = uniform4(vec4<u32>(env, t, 0u, c), vec2<u32>(seed, LARA_STREAM_EXPLORATION_NOISE));
    let n01 = normal_pair(u.x, u.y);
    let n23 = normal_pair(u.z, u.w);
    let n = array<f32, 4>(n01.x, n01.y, n23.x, n23.y);
    for (var j = 0u; j < 4u; j++) {
      if (4u * c + j < LARA_ACTION_SIZE) { lw_z[4u * c + j] += sigma * n[j]; }
    }
  }
}
