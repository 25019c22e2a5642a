// f16 of an f32 value, clamped to f16's finite range (WGSL leaves an out-of-range conversion undefined). Needs
// `enable f16` (the including kernel's shader-f16 feature).
fn half_of(v: f32) -> f16 {
  return f16(clamp(v, -65504.0, 65504.0));
}
