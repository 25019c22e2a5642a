// The generalised world's functions for kernels, float32 twins of src/world/reference.ts: state sampling by MODEL.md's
// draw table, per-user latencies with the per-type sums, FRA and RRA actions. No bindings: they work on the private
// rows `world_state_row` and `world_action_row`, which the including kernel fills from (or copies to) its buffers, and
// read the world's servers and user groups from the `WorldParams` the kernel binds as `world`.
// Sizes and offsets: the defines of worldGpuDefines() (src/world/gpu.ts), built from worldLayout().
// Over 300 lines: the f32 twin of src/world/reference.ts, function for function, as that file is one.
#include "lib/philox.wgsl"
#include "lib/megc_math.wgsl"

const WORLD_SERVERS: u32 = ${WORLD_SERVERS}u;
const WORLD_COMP: u32 = ${WORLD_COMP}u;
const WORLD_AIGC: u32 = ${WORLD_AIGC}u;
const WORLD_VE: u32 = ${WORLD_VE}u;
const WORLD_USERS: u32 = ${WORLD_USERS}u;
const WORLD_TRIPLES: u32 = ${WORLD_TRIPLES}u;
const WORLD_STATE_SIZE: u32 = ${WORLD_STATE_SIZE}u;
const WORLD_ACTION_SIZE: u32 = ${WORLD_ACTION_SIZE}u;
// State offsets (MODEL.md "State"): gains user-major, servers inner; then data, active, server (data order).
const WS_H_OFF_COMP: u32 = ${WS_H_OFF_COMP}u;
const WS_H_BACK_AIGC: u32 = ${WS_H_BACK_AIGC}u;
const WS_H_OFF_VE: u32 = ${WS_H_OFF_VE}u;
const WS_H_BACK_VE: u32 = ${WS_H_BACK_VE}u;
const WS_DATA: u32 = ${WS_DATA}u;
const WS_ACTIVE: u32 = ${WS_ACTIVE}u;          // meaningful only when WORLD_HAS_ACTIVE
const WS_SERVER: u32 = ${WS_SERVER}u;          // meaningful only when WORLD_STATE_SERVER
const WORLD_HAS_ACTIVE: bool = ${WORLD_HAS_ACTIVE};
const WORLD_STATE_SERVER: bool = ${WORLD_STATE_SERVER};
// Action offsets (MODEL.md "Action"): up (comp, ve), down (aigc, ve), power (aigc, ve), lambda (comp),
// compute (comp, aigc, ve), server (data order).
const WA_UP: u32 = ${WA_UP}u;
const WA_DOWN: u32 = ${WA_DOWN}u;
const WA_POWER: u32 = ${WA_POWER}u;
const WA_LAMBDA: u32 = ${WA_LAMBDA}u;
const WA_COMPUTE: u32 = ${WA_COMPUTE}u;
const WA_SERVER: u32 = ${WA_SERVER}u;          // meaningful only when WORLD_ACTION_SERVER
const WORLD_ACTION_SERVER: bool = ${WORLD_ACTION_SERVER};
const WORLD_STREAM_RRA_ACTIONS: u32 = ${STREAM_RRA_ACTIONS}u;

// Mirrors worldParams() in src/world/gpu.ts.
struct WorldServer {
  x: f32, y: f32,
  bandwidth_off: f32, bandwidth_back: f32,   // Hz
  snr_scale_off: f32, snr_scale_back: f32,   // 1 / (bandwidth * N0)
  power: f32,                                // W, the server's transmit power
  f_es: f32,                                 // cycles/s
}

// A group of users of one service (data order: comp, ve, aigc).
struct WorldGroup {
  placement: u32,   // 0 fixed distance, 1 distance drawn in [low, high], 2 fixed positions, 3 position drawn in the area
  activity: f32,
  low: f32, high: f32,        // distance interval, or the area's x interval
  y_low: f32, y_high: f32,    // the area's y interval
  _pad0: f32, _pad1: f32,
}

struct WorldParams {
  g0: f32,
  path_loss_exponent: f32,
  min_distance: f32,
  _pad: f32,
  servers: array<WorldServer, WORLD_SERVERS>,
  groups: array<WorldGroup, 3>,
  // Fixed placements (placement 0, 2), computed in float64 on the host: g0 dist^-n to each server (user-major) and
  // the nearest server of each user (data order).
  fixed_gain: array<f32, WORLD_USERS * WORLD_SERVERS>,
  fixed_nearest: array<u32, WORLD_USERS>,
}

// Loop bounds as runtime values, set by world_set_loop_bounds at the start of every invocation: with compile-time trip
// counts the shader compiler unrolls every loop over users, triples and servers, and a large world then takes minutes
// to compile on a software adapter (lavapipe).
var<private> world_users_n: u32;
var<private> world_comp_n: u32;
var<private> world_triples_n: u32;
var<private> world_servers_n: u32;

// `runtime`: any value the compiler cannot know (a uniform's); the bounds are the world's sizes unless it is 2^32 - 1.
fn world_set_loop_bounds(runtime: u32) {
  let keep = runtime != 0xffffffffu;
  world_users_n = select(0u, WORLD_USERS, keep);
  world_comp_n = select(0u, WORLD_COMP, keep);
  world_triples_n = select(0u, WORLD_TRIPLES, keep);
  world_servers_n = select(0u, WORLD_SERVERS, keep);
}

// The current rows of the including kernel.
var<private> world_state_row: array<f32, WORLD_STATE_SIZE>;
var<private> world_action_row: array<f32, WORLD_ACTION_SIZE>;
// Latency of each user (data order) after world_latency(); 0 for an inactive user.
var<private> world_user_latency: array<f32, WORLD_USERS>;

// Type of user i (data order): 0 comp, 1 ve, 2 aigc (its group).
fn world_group_of(i: u32) -> u32 {
  if (i < WORLD_COMP) { return 0u; }
  if (i < WORLD_COMP + WORLD_VE) { return 1u; }
  return 2u;
}

// Where user i of a triple is this slot: (distance or x, y, 1 for a drawn or fixed position, 0 for a distance).
// u: the two uniforms of its placement draw.
fn world_place(world_group: WorldGroup, i: u32, u: vec2<f32>) -> vec3<f32> {
  switch (world_group.placement) {
    case 1u: { return vec3<f32>(world_group.low + (world_group.high - world_group.low) * u.x, 0.0, 0.0); }
    case 3u: { return vec3<f32>(world_group.low + (world_group.high - world_group.low) * u.x,
                                world_group.y_low + (world_group.y_high - world_group.y_low) * u.y, 1.0); }
    default: { return vec3<f32>(0.0); }
  }
}

// g0 dist^-n of user i (placed at `where_`) to server m; a distance from positions is at least min_distance, a drawn
// distance is used as drawn.
fn world_path_gain(world: WorldParams, i: u32, placement: u32, where_: vec3<f32>, m: u32) -> f32 {
  if (placement == 0u || placement == 2u) { return world.fixed_gain[i * WORLD_SERVERS + m]; }
  var distance = where_.x;
  if (placement == 3u) {
    let d = where_.xy - vec2<f32>(world.servers[m].x, world.servers[m].y);
    distance = max(sqrt(dot(d, d)), world.min_distance);
  }
  return world.g0 * pow(distance, -world.path_loss_exponent);
}

// Nearest server of user i at `where_` (distances at least min_distance; ties: the lowest index).
fn world_nearest(world: WorldParams, i: u32, placement: u32, where_: vec3<f32>) -> u32 {
  if (placement != 3u) { return world.fixed_nearest[i]; }
  var best = 0u;
  var best_distance = 3.0e38;
  for (var m = 0u; m < world_servers_n; m++) {
    let d = where_.xy - vec2<f32>(world.servers[m].x, world.servers[m].y);
    let distance = max(sqrt(dot(d, d)), world.min_distance);
    if (distance < best_distance) { best_distance = distance; best = m; }
  }
  return best;
}

// The state of (env, slot) into world_state_row, MODEL.md's draw table: key (seed, stream), counter
// (env, slot, g + G m, k) for triple g and server m. Same words as sampleWorldStates() in src/world/reference.ts.
fn world_sample_state(scenario: Scenario, world: WorldParams, seed: u32, stream: u32, env: u32, slot: u32) {
  let key = vec2<u32>(seed, stream);
  let lows = vec3<f32>(scenario.d_comp_low, scenario.d_ve_low, scenario.d_aigc_low);
  let spans = vec3<f32>(scenario.d_comp_span, scenario.d_ve_span, scenario.d_aigc_span);
  for (var g = 0u; g < world_triples_n; g++) {
    let has = vec3<bool>(g < WORLD_COMP, g < WORLD_VE, g < WORLD_AIGC);
    // Data order indices of comp_g, ve_g, aigc_g.
    let index = vec3<u32>(g, WORLD_COMP + g, WORLD_COMP + WORLD_VE + g);
    let u_data = uniform4(vec4<u32>(env, slot, g, 2u), key);
    let u_active = uniform4(vec4<u32>(env, slot, g, 3u), key);
    let u_place = uniform4(vec4<u32>(env, slot, g, 4u), key);
    let u_place_ve = uniform4(vec4<u32>(env, slot, g, 5u), key);
    let where_comp = world_place(world.groups[0], index.x, u_place.xy);
    let where_ve = world_place(world.groups[1], index.y, u_place_ve.xy);
    let where_aigc = world_place(world.groups[2], index.z, u_place.zw);
    let placement = vec3<u32>(world.groups[0].placement, world.groups[1].placement, world.groups[2].placement);
    for (var t = 0u; t < 3u; t++) {
      if (!has[t]) { continue; }
      world_state_row[WS_DATA + index[t]] = lows[t] + spans[t] * u_data[t];
      if (WORLD_HAS_ACTIVE) { world_state_row[WS_ACTIVE + index[t]] = select(0.0, 1.0, u_active[t] < world.groups[t].activity); }
    }
    if (WORLD_STATE_SERVER) {
      if (has.x) { world_state_row[WS_SERVER + index.x] = f32(world_nearest(world, index.x, placement.x, where_comp)); }
      if (has.y) { world_state_row[WS_SERVER + index.y] = f32(world_nearest(world, index.y, placement.y, where_ve)); }
      if (has.z) { world_state_row[WS_SERVER + index.z] = f32(world_nearest(world, index.z, placement.z, where_aigc)); }
    }
    for (var m = 0u; m < world_servers_n; m++) {
      let counter_word = g + WORLD_TRIPLES * m;
      let u0 = uniform4(vec4<u32>(env, slot, counter_word, 0u), key);
      let u1 = uniform4(vec4<u32>(env, slot, counter_word, 1u), key);
      if (has.x) {
        world_state_row[WS_H_OFF_COMP + g * WORLD_SERVERS + m] =
          world_path_gain(world, index.x, placement.x, where_comp, m) * megc_rician_power(scenario, normal_pair(u0.x, u0.y));
      }
      if (has.z) {
        world_state_row[WS_H_BACK_AIGC + g * WORLD_SERVERS + m] =
          world_path_gain(world, index.z, placement.z, where_aigc, m) * megc_rician_power(scenario, normal_pair(u0.z, u0.w));
      }
      if (has.y) {
        let gain = world_path_gain(world, index.y, placement.y, where_ve, m);
        world_state_row[WS_H_OFF_VE + g * WORLD_SERVERS + m] = gain * megc_rician_power(scenario, normal_pair(u1.x, u1.y));
        world_state_row[WS_H_BACK_VE + g * WORLD_SERVERS + m] = gain * megc_rician_power(scenario, normal_pair(u1.z, u1.w));
      }
    }
  }
}

// Whether user i (data order) is active in the current state.
fn world_active(i: u32) -> bool {
  if (WORLD_HAS_ACTIVE) { return world_state_row[WS_ACTIVE + i] > 0.5; }
  return true;
}

// Server of user i: the state's (nearest), the action's (policy), or 0 with one server.
fn world_server_of(i: u32) -> u32 {
  if (WORLD_STATE_SERVER) { return min(u32(world_state_row[WS_SERVER + i]), WORLD_SERVERS - 1u); }
  if (WORLD_ACTION_SERVER) { return min(u32(max(world_action_row[WA_SERVER + i], 0.0)), WORLD_SERVERS - 1u); }
  return 0u;
}

// Generation time on server m: (xi chi D + zeta) genUnitCycles / (w f_ES_m).
fn world_generation_time(scenario: Scenario, server: WorldServer, bits: f32, share: f32) -> f32 {
  return megc_time(scenario.gen_cycles_per_bit * bits + scenario.gen_cycles_fixed, share * server.f_es);
}

// Latency of user i (data order) with its shares in world_action_row, on server m (MODEL.md "Latencies").
fn world_latency_of(scenario: Scenario, world: WorldParams, i: u32, m: u32) -> f32 {
  let server = world.servers[m];
  let d = world_state_row[WS_DATA + i];
  if (i < WORLD_COMP) {
    let lambda = world_action_row[WA_LAMBDA + i];
    let r_up = megc_rate(world_action_row[WA_UP + i], scenario.power_comp, world_state_row[WS_H_OFF_COMP + i * WORLD_SERVERS + m],
                         server.bandwidth_off, server.snr_scale_off);
    let local_time = (1.0 - lambda) * d * scenario.local_seconds_per_bit;
    let offload = megc_time(lambda * d, r_up) + megc_time(lambda * scenario.cycles_per_bit * d, world_action_row[WA_COMPUTE + i] * server.f_es);
    return max(local_time, offload);
  }
  if (i < WORLD_COMP + WORLD_VE) {
    let j = i - WORLD_COMP;
    let r_up = megc_rate(world_action_row[WA_UP + WORLD_COMP + j], scenario.power_ve, world_state_row[WS_H_OFF_VE + j * WORLD_SERVERS + m],
                         server.bandwidth_off, server.snr_scale_off);
    let r_down = megc_rate(world_action_row[WA_DOWN + WORLD_AIGC + j], world_action_row[WA_POWER + WORLD_AIGC + j] * server.power,
                           world_state_row[WS_H_BACK_VE + j * WORLD_SERVERS + m], server.bandwidth_back, server.snr_scale_back);
    let bits = scenario.psi * d;
    return megc_time(d, r_up) + world_generation_time(scenario, server, bits, world_action_row[WA_COMPUTE + WORLD_COMP + WORLD_AIGC + j])
      + megc_time(bits, r_down);
  }
  let j = i - WORLD_COMP - WORLD_VE;
  let r_down = megc_rate(world_action_row[WA_DOWN + j], world_action_row[WA_POWER + j] * server.power,
                         world_state_row[WS_H_BACK_AIGC + j * WORLD_SERVERS + m], server.bandwidth_back, server.snr_scale_back);
  return world_generation_time(scenario, server, d, world_action_row[WA_COMPUTE + WORLD_COMP + j]) + megc_time(d, r_down);
}

// The rate megc_rate with its derivatives in the share and the power: (r, dr/dshare, dr/dpower), share > 0. With
// x = p h snr_scale / share: dr/dshare = B (log2(1 + x) - x / ((1 + x) ln 2)), dr/dpower = B h snr_scale / ((1 + x) ln 2)
// (rateWithGradient in src/train/worldModelCritic.ts).
fn world_rate_gradient(share: f32, power: f32, gain: f32, bandwidth: f32, snr_scale: f32) -> vec3<f32> {
  let r = megc_rate(share, power, gain, bandwidth, snr_scale);
  let x = power * gain * snr_scale / share;
  let k = 1.4426950408889634 / (1.0 + x);  // d log2(1 + x) / dx
  return vec3<f32>(r, r / share - bandwidth * (x / (1.0 + x)) * 1.4426950408889634, bandwidth * gain * snr_scale * k);
}

// dL/d(action) of the current rows, where world_latency_vjp_of adds a user's derivatives.
var<private> world_d_action: array<f32, WORLD_ACTION_SIZE>;

// Adds the derivative of world_latency_of(i, m) with respect to user i's action entries into world_d_action (a comp
// user's max takes its larger branch, the local one on a tie). Its shares are > 0.
fn world_latency_vjp_of(scenario: Scenario, world: WorldParams, i: u32, m: u32) {
  let server = world.servers[m];
  let d = world_state_row[WS_DATA + i];
  let group = world_group_of(i);
  let k_up = world_share_index(i, 0u);
  let k_down = world_share_index(i, 1u);
  let k_power = world_share_index(i, 2u);
  let k_compute = world_share_index(i, 3u);
  let share = world_action_row[k_compute];
  if (group == 0u) {
    let k_lambda = WA_LAMBDA + i;
    let lambda = world_action_row[k_lambda];
    let up = world_rate_gradient(world_action_row[k_up], scenario.power_comp, world_state_row[WS_H_OFF_COMP + i * WORLD_SERVERS + m],
                                 server.bandwidth_off, server.snr_scale_off);
    let local_time = (1.0 - lambda) * d * scenario.local_seconds_per_bit;
    let off_up = lambda * d / up.x;
    let off_compute = lambda * scenario.cycles_per_bit * d / (share * server.f_es);
    if (local_time >= off_up + off_compute) {
      world_d_action[k_lambda] += -d * scenario.local_seconds_per_bit;
    } else {
      world_d_action[k_lambda] += d / up.x + scenario.cycles_per_bit * d / (share * server.f_es);
      world_d_action[k_up] += -off_up / up.x * up.y;
      world_d_action[k_compute] += -off_compute / share;
    }
    return;
  }
  // ve: d / r_up + G(psi d, w) + psi d / r_down; aigc: G(d, w) + d / r_down.
  var bits = d;
  var gain_down: f32;
  if (group == 2u) { gain_down = world_state_row[WS_H_BACK_AIGC + (i - WORLD_COMP - WORLD_VE) * WORLD_SERVERS + m]; }
  else {
    let j = i - WORLD_COMP;
    bits = scenario.psi * d;
    gain_down = world_state_row[WS_H_BACK_VE + j * WORLD_SERVERS + m];
    let up = world_rate_gradient(world_action_row[k_up], scenario.power_ve, world_state_row[WS_H_OFF_VE + j * WORLD_SERVERS + m],
                                 server.bandwidth_off, server.snr_scale_off);
    world_d_action[k_up] += -d / (up.x * up.x) * up.y;
  }
  world_d_action[k_compute] += -world_generation_time(scenario, server, bits, share) / share;
  let power = world_action_row[k_power];
  let down = world_rate_gradient(world_action_row[k_down], power * server.power, gain_down, server.bandwidth_back, server.snr_scale_back);
  let t = bits / down.x;
  world_d_action[k_down] += -t / down.x * down.y;
  world_d_action[k_power] += -t / down.x * down.z * server.power;
}

// Per-type sums and counts of the active users' latencies (type order comp, aigc, ve) and the slot's total.
struct WorldLatency {
  sums: vec3<f32>,
  counts: vec3<f32>,
  total: f32,
}

// Latencies of world_state_row under world_action_row: world_user_latency per user, and the sums.
fn world_latency(scenario: Scenario, world: WorldParams) -> WorldLatency {
  var out: WorldLatency;
  for (var i = 0u; i < world_users_n; i++) {
    var l = 0.0;
    if (world_active(i)) {
      l = world_latency_of(scenario, world, i, world_server_of(i));
      // data order group (comp, ve, aigc) -> type order (comp, aigc, ve)
      let t = array<u32, 3>(0u, 2u, 1u)[world_group_of(i)];
      out.sums[t] += l;
      out.counts[t] += 1.0;
      out.total += l;
    }
    world_user_latency[i] = l;
  }
  return out;
}

// Resources a share is given of: 0 uplink, 1 downlink, 2 power, 3 compute.
const WORLD_RESOURCES: u32 = 4u;
const WORLD_NO_SHARE: u32 = 0xffffffffu;

// Index in the action row of user i's share of resource r, or WORLD_NO_SHARE when its service does not use r.
fn world_share_index(i: u32, r: u32) -> u32 {
  let group = world_group_of(i);
  if (r == 3u) {
    // compute is in type order: comp, aigc, ve
    if (group == 0u) { return WA_COMPUTE + i; }
    if (group == 2u) { return WA_COMPUTE + WORLD_COMP + (i - WORLD_COMP - WORLD_VE); }
    return WA_COMPUTE + WORLD_COMP + WORLD_AIGC + (i - WORLD_COMP);
  }
  if (r == 0u) {
    if (group == 2u) { return WORLD_NO_SHARE; }
    return WA_UP + i;  // comp users, then ve users: data order
  }
  if (group == 0u) { return WORLD_NO_SHARE; }
  let base = select(WA_POWER, WA_DOWN, r == 1u);
  if (group == 2u) { return base + (i - WORLD_COMP - WORLD_VE); }
  return base + WORLD_AIGC + (i - WORLD_COMP);
}

// Per-server count and total weight of each resource's active users, for the FRA and RRA splits.
var<private> world_split_count: array<array<f32, WORLD_SERVERS>, 4>;
var<private> world_split_total: array<array<f32, WORLD_SERVERS>, 4>;
// Each user's weight per resource (RRA: its Exp(1) draws; FRA: 1).
var<private> world_split_weight: array<vec4<f32>, WORLD_USERS>;
// Each user's server under the action being built.
var<private> world_split_server: array<u32, WORLD_USERS>;

// Splits each server's resources among its active users (world_split_server, world_split_weight): a resource's n users
// get floor_n + (1 - n floor_n) w / sum w with floor_n = min(share_floor, 1 / (2 n)); inactive users 0.
fn world_split_shares(share_floor: f32) {
  for (var r = 0u; r < WORLD_RESOURCES; r++) {
    for (var m = 0u; m < world_servers_n; m++) { world_split_count[r][m] = 0.0; world_split_total[r][m] = 0.0; }
  }
  for (var i = 0u; i < world_users_n; i++) {
    if (!world_active(i)) { continue; }
    for (var r = 0u; r < WORLD_RESOURCES; r++) {
      if (world_share_index(i, r) == WORLD_NO_SHARE) { continue; }
      world_split_count[r][world_split_server[i]] += 1.0;
      world_split_total[r][world_split_server[i]] += world_split_weight[i][r];
    }
  }
  for (var i = 0u; i < world_users_n; i++) {
    let is_active = world_active(i);
    for (var r = 0u; r < WORLD_RESOURCES; r++) {
      let k = world_share_index(i, r);
      if (k == WORLD_NO_SHARE) { continue; }
      let m = world_split_server[i];
      let n = world_split_count[r][m];
      let f = min(share_floor, 0.5 / n);
      world_action_row[k] = select(0.0, f + (1.0 - n * f) * (world_split_weight[i][r] / world_split_total[r][m]), is_active);
    }
  }
}

// The server of the largest gain to user i (comp: uplink, aigc: downlink, ve: uplink + downlink; ties: lowest index).
fn world_strongest_server(i: u32) -> u32 {
  let group = world_group_of(i);
  var best = 0u;
  var best_gain = -1.0;
  for (var m = 0u; m < world_servers_n; m++) {
    var gain: f32;
    if (group == 0u) { gain = world_state_row[WS_H_OFF_COMP + i * WORLD_SERVERS + m]; }
    else if (group == 1u) {
      let j = i - WORLD_COMP;
      gain = world_state_row[WS_H_OFF_VE + j * WORLD_SERVERS + m] + world_state_row[WS_H_BACK_VE + j * WORLD_SERVERS + m];
    } else { gain = world_state_row[WS_H_BACK_AIGC + (i - WORLD_COMP - WORLD_VE) * WORLD_SERVERS + m]; }
    if (gain > best_gain) { best_gain = gain; best = m; }
  }
  return best;
}

// The rule's server of user i in world_state_row (nearest), or 0.
fn world_state_server(i: u32) -> u32 {
  if (WORLD_STATE_SERVER) { return min(u32(world_state_row[WS_SERVER + i]), WORLD_SERVERS - 1u); }
  return 0u;
}

// FRA into world_action_row (fraWorldAction): 1 / n of each resource per server, lambda 0.5; where the policy
// associates, the server of the largest gain.
fn world_fra_action() {
  for (var k = 0u; k < WORLD_ACTION_SIZE; k++) { world_action_row[k] = 0.0; }
  for (var i = 0u; i < world_users_n; i++) {
    world_split_weight[i] = vec4<f32>(1.0);
    world_split_server[i] = world_state_server(i);
    if (WORLD_ACTION_SERVER) {
      world_split_server[i] = world_strongest_server(i);
      world_action_row[WA_SERVER + i] = f32(world_split_server[i]);
    }
  }
  for (var i = 0u; i < world_comp_n; i++) { world_action_row[WA_LAMBDA + i] = 0.5; }
  world_split_shares(0.0);
}

// RRA into world_action_row (rraWorldAction): key (seed, Stream.rraActions), counter (env, slot, i, k) for user i
// (data order); k = 0: -ln u of its four shares' weights; k = 1: lambda from w0, the server floor(u(w1) M) from w1.
fn world_rra_action(scenario: Scenario, seed: u32, env: u32, slot: u32) {
  for (var k = 0u; k < WORLD_ACTION_SIZE; k++) { world_action_row[k] = 0.0; }
  let key = vec2<u32>(seed, WORLD_STREAM_RRA_ACTIONS);
  let eps = scenario.rra_floor;
  for (var i = 0u; i < world_users_n; i++) {
    world_split_weight[i] = -log(uniform4(vec4<u32>(env, slot, i, 0u), key));
    world_split_server[i] = world_state_server(i);
    if (i < WORLD_COMP || WORLD_ACTION_SERVER) {
      let u1 = uniform4(vec4<u32>(env, slot, i, 1u), key);
      if (i < WORLD_COMP) { world_action_row[WA_LAMBDA + i] = eps + (1.0 - 2.0 * eps) * u1.x; }
      if (WORLD_ACTION_SERVER) {
        world_split_server[i] = min(u32(floor(u1.y * f32(WORLD_SERVERS))), WORLD_SERVERS - 1u);
        world_action_row[WA_SERVER + i] = f32(world_split_server[i]);
      }
    }
  }
  world_split_shares(eps);
}
