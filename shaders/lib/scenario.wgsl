// The scenario as one uniform struct (all scalars, 16-byte multiple), mirrored by scenarioUniform() in src/env/scenarioUniform.ts.
// Derived values are precomputed in float64 on the host so the kernels' float32 math stays accurate.

// struct Scenario (path_gain_comp, path_gain_aigc, path_gain_ve, rician_los, rician_scatter, bandwidth_off, bandwidth_back, snr_scale_off, W, snr_scale_back, power_comp, power_ve, power_es, d_comp_low, d_comp_span, d_ve_low, d_ve_span, d_aigc_low, d_aigc_span, local_seconds_per_bit, cycles_per_bit, f_es, gen_cycles_per_bit, gen_cycles_fixed, psi, rra_floor, slots_per_episode): declared in src/env/layout.ts
${SCENARIO_STRUCT}
