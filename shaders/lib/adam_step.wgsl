// One parameter's Adam step (adam.wgsl, adam_pair.wgsl), with the Hyper of its ring entry: from the gradient g, the
// param p and the moments m, v, the new (p, m, v).
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / bc1) / (sqrt(v / bc2) + eps).
fn adam_step(h: Hyper, p: f32, g: f32, m: f32, v: f32) -> vec3<f32> {
  let m_new = h.beta1 * m + h.one_minus_beta1 * g;
  let v_new = h.beta2 * v + h.one_minus_beta2 * g * g;
  return vec3<f32>(p - h.lr * (m_new / h.bias_correction1) / (sqrt(v_new / h.bias_correction2) + h.epsilon), m_new, v_new);
}
