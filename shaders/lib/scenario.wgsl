// The scenario as one uniform struct (all scalars, 16-byte multiple), mirrored by scenarioUniform() in src/env/scenarioUniform.ts.
// Derived values are precomputed in float64 on the host so the kernels' float32 math stays accurate.

struct Scenario {
  path_gain_comp: f32,        // g0 * distance.comp^-exp
  path_gain_aigc: f32,        // g0 * distance.aigc^-exp
  path_gain_ve: f32,          // g0 * distance.ve^-exp (both ve links)
  rician_los: f32,            // sqrt(K / (K + 1))
  rician_scatter: f32,        // sqrt(1 / (K + 1)) / sqrt(2)
  bandwidth_off: f32,         // Hz
  bandwidth_back: f32,        // Hz
  snr_scale_off: f32,         // 1 / (bandwidth_off * N0), 1/W: snr = p * h * snr_scale / share
  snr_scale_back: f32,        // 1 / (bandwidth_back * N0)
  power_comp: f32,            // W
  power_ve: f32,              // W
  power_es: f32,              // W
  d_comp_low: f32,            // bits
  d_comp_span: f32,           // high - low, bits
  d_ve_low: f32,
  d_ve_span: f32,
  d_aigc_low: f32,
  d_aigc_span: f32,
  local_seconds_per_bit: f32, // cyclesPerBit / fLocal
  cycles_per_bit: f32,        // chi
  f_es: f32,                  // cycles/s
  gen_cycles_per_bit: f32,    // xi * chi * genUnitCycles
  gen_cycles_fixed: f32,      // zeta * genUnitCycles
  psi: f32,
  rra_floor: f32,
  slots_per_episode: u32,
  _pad0: u32,
  _pad1: u32,
}
