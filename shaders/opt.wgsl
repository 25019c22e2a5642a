// OPT on the GPU: per-state minimiser of L_total, the algorithm of src/env/opt.ts in float32 with the same iteration
// counts (nested golden sections over (alpha_back, beta) and (alpha_off, omega_comp), closed forms for lambda and the
// other compute shares). states: (count, STATE_SIZE) -> actions: (count, ACTION_SIZE), latencies: (count, 4).
#include "lib/megc.wgsl"

// struct Params (count): declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> states: array<f32>;                 // (count, STATE_SIZE)
@group(0) @binding(3) var<storage, read_write> actions: array<f32>;          // (count, ACTION_SIZE)
@group(0) @binding(4) var<storage, read_write> latencies: array<vec4<f32>>;  // (count, 4)

#include "lib/grid.wgsl"
override OUTER_ITERATIONS: u32;
override INNER_ITERATIONS: u32;
const INVPHI: f32 = 0.6180339887498949;

fn backhaul_time(state: array<f32, STATE_SIZE>, alpha_back: f32, beta: f32) -> f32 {
  let r_aigc = megc_rate(alpha_back, beta * scenario.power_es, state[1], scenario.bandwidth_back, scenario.snr_scale_back);
  let r_ve = megc_rate(1.0 - alpha_back, (1.0 - beta) * scenario.power_es, state[3], scenario.bandwidth_back, scenario.snr_scale_back);
  return megc_time(state[6], r_aigc) + megc_time(scenario.psi * state[5], r_ve);
}

// min over beta of backhaul_time: vec2(best beta, value).
fn best_beta(state: array<f32, STATE_SIZE>, alpha_back: f32) -> vec2<f32> {
  var a = 0.0; var b = 1.0;
  var x1 = b - INVPHI * (b - a); var x2 = a + INVPHI * (b - a);
  var f1 = backhaul_time(state, alpha_back, x1); var f2 = backhaul_time(state, alpha_back, x2);
  for (var i = 0u; i < INNER_ITERATIONS; i++) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - INVPHI * (b - a); f1 = backhaul_time(state, alpha_back, x1); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + INVPHI * (b - a); f2 = backhaul_time(state, alpha_back, x2); }
  }
  return select(vec2<f32>(x2, f2), vec2<f32>(x1, f1), f1 <= f2);
}

// L_comp* = T_loc T_off / (T_loc + T_off); T_off = inf gives T_loc; no load (both 0) gives 0. As the smaller time
// times a ratio <= 1, so no product overflows.
fn comp_time(t_local: f32, t_off: f32) -> f32 {
  if (t_off > 3.0e38) { return t_local; }
  let sum = t_local + t_off;
  if (sum == 0.0) { return 0.0; }
  if (t_local <= t_off) { return t_local * (t_off / sum); }
  return t_off * (t_local / sum);
}

fn compute_time(t_local: f32, k_comp: f32, gen_shared: f32, uplink: f32, w: f32) -> f32 {
  return comp_time(t_local, uplink + megc_time(k_comp, w)) + megc_time(gen_shared, 1.0 - w);
}

// min over omega_comp for a given uplink time: vec2(best omega_comp, value).
fn best_omega(t_local: f32, k_comp: f32, gen_shared: f32, uplink: f32) -> vec2<f32> {
  var a = 0.0; var b = 1.0;
  var x1 = b - INVPHI * (b - a); var x2 = a + INVPHI * (b - a);
  var f1 = compute_time(t_local, k_comp, gen_shared, uplink, x1); var f2 = compute_time(t_local, k_comp, gen_shared, uplink, x2);
  for (var i = 0u; i < INNER_ITERATIONS; i++) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - INVPHI * (b - a); f1 = compute_time(t_local, k_comp, gen_shared, uplink, x1); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + INVPHI * (b - a); f2 = compute_time(t_local, k_comp, gen_shared, uplink, x2); }
  }
  return select(vec2<f32>(x2, f2), vec2<f32>(x1, f1), f1 <= f2);
}

fn uplink_time(state: array<f32, STATE_SIZE>, alpha_off: f32) -> f32 {
  return megc_time(state[4], megc_rate(alpha_off, scenario.power_comp, state[0], scenario.bandwidth_off, scenario.snr_scale_off));
}

fn offload_objective(state: array<f32, STATE_SIZE>, t_local: f32, k_comp: f32, gen_shared: f32, alpha_off: f32) -> f32 {
  let ve_up = megc_time(state[5], megc_rate(1.0 - alpha_off, scenario.power_ve, state[2], scenario.bandwidth_off, scenario.snr_scale_off));
  return best_omega(t_local, k_comp, gen_shared, uplink_time(state, alpha_off)).y + ve_up;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = grid_index(wid, nwg, lid);
  if (n >= params.count) { return; }
  var state: array<f32, STATE_SIZE>;
  for (var k = 0u; k < STATE_SIZE; k++) { state[k] = states[n * STATE_SIZE + k]; }

  // (1) backhaul: golden section over alpha_back around best_beta.
  var a = 0.0; var b = 1.0;
  var x1 = b - INVPHI * (b - a); var x2 = a + INVPHI * (b - a);
  var f1 = best_beta(state, x1).y; var f2 = best_beta(state, x2).y;
  for (var i = 0u; i < OUTER_ITERATIONS; i++) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - INVPHI * (b - a); f1 = best_beta(state, x1).y; }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + INVPHI * (b - a); f2 = best_beta(state, x2).y; }
  }
  let alpha_back = select(x2, x1, f1 <= f2);
  let beta = best_beta(state, alpha_back).x;

  // (2) offload + compute.
  let t_local = state[4] * scenario.local_seconds_per_bit;
  let k_comp = scenario.cycles_per_bit * state[4] / scenario.f_es;
  let k_aigc = (scenario.gen_cycles_per_bit * state[6] + scenario.gen_cycles_fixed) / scenario.f_es;
  let k_ve = (scenario.gen_cycles_per_bit * scenario.psi * state[5] + scenario.gen_cycles_fixed) / scenario.f_es;
  let sqrt_a = sqrt(k_aigc); let sqrt_v = sqrt(k_ve);
  let gen_shared = (sqrt_a + sqrt_v) * (sqrt_a + sqrt_v);
  a = 0.0; b = 1.0;
  x1 = b - INVPHI * (b - a); x2 = a + INVPHI * (b - a);
  f1 = offload_objective(state, t_local, k_comp, gen_shared, x1); f2 = offload_objective(state, t_local, k_comp, gen_shared, x2);
  for (var i = 0u; i < OUTER_ITERATIONS; i++) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - INVPHI * (b - a); f1 = offload_objective(state, t_local, k_comp, gen_shared, x1); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + INVPHI * (b - a); f2 = offload_objective(state, t_local, k_comp, gen_shared, x2); }
  }
  let alpha_off = select(x2, x1, f1 <= f2);
  let uplink = uplink_time(state, alpha_off);
  let omega_comp = best_omega(t_local, k_comp, gen_shared, uplink).x;
  let t_off = uplink + megc_time(k_comp, omega_comp);
  // lambda* balances the local and offloaded parts; 0 without load (MODEL.md's zero-load rule) or offload.
  var lambda = 0.0;
  if (t_off <= 3.0e38 && t_local + t_off > 0.0) { lambda = t_local / (t_local + t_off); }
  let rest = 1.0 - omega_comp;
  var omega_aigc = rest * 0.5;
  if (sqrt_a + sqrt_v > 0.0) { omega_aigc = rest * sqrt_a / (sqrt_a + sqrt_v); }
  let action = array<f32, ACTION_SIZE>(alpha_off, alpha_back, beta, lambda, omega_comp, omega_aigc, rest - omega_aigc);
  for (var k = 0u; k < ACTION_SIZE; k++) { actions[n * ACTION_SIZE + k] = action[k]; }
  // L_comp at lambda* itself (comp_time), not through the float32 lambda: where lambda* is within float32's spacing of 1
  // (a slow local CPU), 1 - lambda keeps few correct bits and the local part would be off by percents.
  let l = latency(scenario, state, action);
  let comp = comp_time(t_local, t_off);
  latencies[n] = vec4<f32>(comp, l.y, l.z, comp + l.y + l.z);
}
