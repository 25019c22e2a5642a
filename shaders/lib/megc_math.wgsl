// The MEGC formulas every environment kernel shares, free of row sizes (float32, no bindings): +infinity, an accurate
// log2(1 + x), Rician power, the Shannon rate and load / capacity with MODEL.md's zero rules. Included by
// lib/megc.wgsl (the letter's world) and lib/world.wgsl (the generalised world).
#include "lib/scenario.wgsl"

// +infinity without a constant expression (WGSL rejects an infinite const-expression at shader creation).
fn megc_infinity() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

// log2(1 + x) for x >= 0, accurate to a few ulp relative also for tiny x (no 1 + x rounding).
fn megc_log2_one_plus(x: f32) -> f32 {
  if (x < 0.25) {
    // ln(1 + x) = 2 atanh(s), s = x / (2 + x) <= 1/9; the series to s^9 leaves < 3e-11 relative.
    let s = x / (2.0 + x);
    let s2 = s * s;
    let ln = 2.0 * s * (1.0 + s2 * (0.3333333333 + s2 * (0.2 + s2 * (0.1428571429 + s2 * 0.1111111111))));
    return ln * 1.4426950408889634;
  }
  return log2(1.0 + x);
}

// -ln(u) for u in (0, 1), accurate to a few ulp relative also for u near 1 (where log(u) is accurate only absolutely):
// there -ln(1 - x) = 2 atanh(s), s = x / (2 - x) <= 1/7, with x = 1 - u exact; the series to s^9 leaves < 1e-9 relative.
fn megc_neg_log(u: f32) -> f32 {
  if (u < 0.75) { return -log(u); }
  let x = 1.0 - u;
  let s = x / (2.0 - x);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (0.3333333333 + s2 * (0.2 + s2 * (0.1428571429 + s2 * 0.1111111111))));
}

// Rician |x|^2 from two standard normals.
fn megc_rician_power(scenario: Scenario, n: vec2<f32>) -> f32 {
  let re = scenario.rician_los + scenario.rician_scatter * n.x;
  let im = scenario.rician_scatter * n.y;
  return re * re + im * im;
}

// Shannon rate share * B * log2(1 + p h snr_scale / share) in bit/s; 0 when share = 0.
fn megc_rate(share: f32, power: f32, gain: f32, bandwidth: f32, snr_scale: f32) -> f32 {
  if (share <= 0.0) { return 0.0; }
  let c = power * gain * snr_scale;  // snr at share 1, scaled on the host so nothing underflows
  let x = c / share;
  var lg: f32;
  if (x > 1e30) { lg = log2(c) - log2(share); } else { lg = megc_log2_one_plus(x); }
  return share * bandwidth * lg;
}

// load / capacity; 0 for no load (0 * inf = 0), +inf for a zero capacity with load.
fn megc_time(load: f32, capacity: f32) -> f32 {
  if (load == 0.0) { return 0.0; }
  if (capacity <= 0.0) { return megc_infinity(); }
  return load / capacity;
}
