#include "lib/soft_target.wgsl"

// One parameter's Adam step (adam.wgsl, adam_pair.wgsl), with the Hyper of its ring entry: from the gradient g, the
// param p and the moments m, v, the new (p, m, v).
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / bc1) / (sqrt(v / bc2) + eps).
fn adam_step(h: Hyper, p: f32, g: f32, m: f32, v: f32) -> vec3<f32> {
  let s = adam_step4(h, AdamState4(vec4<f32>(p), vec4<f32>(m), vec4<f32>(v)), vec4<f32>(g));
  return vec3<f32>(s.p.x, s.m.x, s.v.x);
}

// Four parameters' params and moments (lib/adam_fold.wgsl's vectors of a network's flat buffers).
struct AdamState4 { p: vec4<f32>, m: vec4<f32>, v: vec4<f32> }

// adam_step of four parameters at once: the same operations on each component, so the same bits as adam_step.
fn adam_step4(h: Hyper, s: AdamState4, g: vec4<f32>) -> AdamState4 {
  let m_new = h.beta1 * s.m + h.one_minus_beta1 * g;
  let v_new = h.beta2 * s.v + h.one_minus_beta2 * g * g;
  return AdamState4(s.p - h.lr * (m_new / h.bias_correction1) / (sqrt(v_new / h.bias_correction2) + h.epsilon), m_new, v_new);
}
