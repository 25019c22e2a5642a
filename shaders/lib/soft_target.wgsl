// The soft target update of one parameter and of four: target' = tau p + (1 - tau) target, from the new param p
// (soft_update.wgsl, and every Adam kernel that soft-updates its target after the step).
fn soft_target(tau: f32, p: f32, t: f32) -> f32 { return tau * p + (1.0 - tau) * t; }
fn soft_target4(tau: f32, p: vec4<f32>, t: vec4<f32>) -> vec4<f32> { return tau * p + (1.0 - tau) * t; }
