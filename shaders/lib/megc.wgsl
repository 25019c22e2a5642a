// MEGC environment functions for kernels: state sampling, rates, latencies, FRA/RRA actions (float32, no bindings).
// Mirrors src/env/reference.ts draw for draw. Needs the defines of ENV_DEFINES (src/env/layout.ts): STATE_SIZE,
// ACTION_SIZE, STREAM_RRA_ACTIONS.
#include "lib/philox.wgsl"
#include "lib/megc_math.wgsl"

const STATE_SIZE: u32 = ${STATE_SIZE}u;
const ACTION_SIZE: u32 = ${ACTION_SIZE}u;
const MEGC_STREAM_RRA_ACTIONS: u32 = ${STREAM_RRA_ACTIONS}u;

// One state (h_comp_off, h_aigc_back, h_ve_off, h_ve_back, d_comp, d_ve, d_aigc). Philox key (seed, stream),
// counter (env, slot, 0, draw); draw 0 -> h_comp_off (w0, w1), h_aigc_back (w2, w3); draw 1 -> h_ve_off, h_ve_back;
// draw 2 -> d_comp (w0), d_ve (w1), d_aigc (w2). Same words as sampleState() in src/env/reference.ts.
fn sample_state(scenario: Scenario, seed: u32, stream: u32, env: u32, slot: u32) -> array<f32, STATE_SIZE> {
  let key = vec2<u32>(seed, stream);
  let u0 = uniform4(vec4<u32>(env, slot, 0u, 0u), key);
  let u1 = uniform4(vec4<u32>(env, slot, 0u, 1u), key);
  let u2 = uniform4(vec4<u32>(env, slot, 0u, 2u), key);
  var state: array<f32, STATE_SIZE>;
  state[0] = scenario.path_gain_comp * megc_rician_power(scenario, normal_pair(u0.x, u0.y));
  state[1] = scenario.path_gain_aigc * megc_rician_power(scenario, normal_pair(u0.z, u0.w));
  state[2] = scenario.path_gain_ve * megc_rician_power(scenario, normal_pair(u1.x, u1.y));
  state[3] = scenario.path_gain_ve * megc_rician_power(scenario, normal_pair(u1.z, u1.w));
  state[4] = scenario.d_comp_low + scenario.d_comp_span * u2.x;
  state[5] = scenario.d_ve_low + scenario.d_ve_span * u2.y;
  state[6] = scenario.d_aigc_low + scenario.d_aigc_span * u2.z;
  return state;
}

// Generation time G(D, w) = (xi chi D + zeta) genUnitCycles / (w fEs).
fn megc_generation_time(scenario: Scenario, bits: f32, share: f32) -> f32 {
  return megc_time(scenario.gen_cycles_per_bit * bits + scenario.gen_cycles_fixed, share * scenario.f_es);
}

// (L_comp, L_aigc, L_ve, L_total) in seconds for one state and action (MODEL.md eqs. 5-15).
fn latency(scenario: Scenario, state: array<f32, STATE_SIZE>, action: array<f32, ACTION_SIZE>) -> vec4<f32> {
  let alpha_off = action[0]; let alpha_back = action[1]; let beta = action[2]; let lambda = action[3];
  let d_comp = state[4]; let d_ve = state[5]; let d_aigc = state[6];
  let r_comp_off = megc_rate(alpha_off, scenario.power_comp, state[0], scenario.bandwidth_off, scenario.snr_scale_off);
  let r_ve_off = megc_rate(1.0 - alpha_off, scenario.power_ve, state[2], scenario.bandwidth_off, scenario.snr_scale_off);
  let r_aigc_back = megc_rate(alpha_back, beta * scenario.power_es, state[1], scenario.bandwidth_back, scenario.snr_scale_back);
  let r_ve_back = megc_rate(1.0 - alpha_back, (1.0 - beta) * scenario.power_es, state[3], scenario.bandwidth_back, scenario.snr_scale_back);

  let local_time = (1.0 - lambda) * d_comp * scenario.local_seconds_per_bit;
  let offload = megc_time(lambda * d_comp, r_comp_off) + megc_time(lambda * scenario.cycles_per_bit * d_comp, action[4] * scenario.f_es);
  let comp = max(local_time, offload);
  let aigc = megc_generation_time(scenario, d_aigc, action[5]) + megc_time(d_aigc, r_aigc_back);
  let ve_bits = scenario.psi * d_ve;
  let ve = megc_time(d_ve, r_ve_off) + megc_generation_time(scenario, ve_bits, action[6]) + megc_time(ve_bits, r_ve_back);
  return vec4<f32>(comp, aigc, ve, comp + aigc + ve);
}

// FRA: every split 0.5, compute shares 1/3.
fn fra_action() -> array<f32, ACTION_SIZE> {
  return array<f32, ACTION_SIZE>(0.5, 0.5, 0.5, 0.5, 0.33333334, 0.33333334, 0.3333333);
}

// RRA with floor eps: same draws as rraAction() in src/env/reference.ts (key (seed, Stream.rraActions),
// counter (env, slot, 0, draw); draw 0 -> four ratios, draw 1 -> Dirichlet(1,1,1) compute shares via -ln u).
fn rra_action(scenario: Scenario, seed: u32, env: u32, slot: u32) -> array<f32, ACTION_SIZE> {
  let key = vec2<u32>(seed, MEGC_STREAM_RRA_ACTIONS);
  let u0 = uniform4(vec4<u32>(env, slot, 0u, 0u), key);
  let u1 = uniform4(vec4<u32>(env, slot, 0u, 1u), key);
  let eps = scenario.rra_floor;
  let ratios = vec4<f32>(eps) + (1.0 - 2.0 * eps) * u0;
  // Exp(1) draws; a draw near 0 (u near 1) sets a share near the floor, so it must be accurate relative.
  let e = vec3<f32>(megc_neg_log(u1.x), megc_neg_log(u1.y), megc_neg_log(u1.z));
  let spread = (1.0 - 3.0 * eps) / (e.x + e.y + e.z);
  let omega_comp = eps + spread * e.x;
  let omega_aigc = eps + spread * e.y;
  return array<f32, ACTION_SIZE>(ratios.x, ratios.y, ratios.z, ratios.w, omega_comp, omega_aigc, 1.0 - omega_comp - omega_aigc);
}
