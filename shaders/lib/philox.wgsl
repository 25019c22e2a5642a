// Philox4x32-10 counter-based RNG, bit-identical to src/rng/philox.ts.

fn philox_mulhi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let t = a1 * b0 + ((a0 * b0) >> 16u);
  let w1 = (t & 0xffffu) + a0 * b1;
  return a1 * b1 + (t >> 16u) + (w1 >> 16u);
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let hi0 = philox_mulhi(0xd2511f53u, c.x); let lo0 = 0xd2511f53u * c.x;
    let hi1 = philox_mulhi(0xcd9e8d57u, c.z); let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}

// Uniform in (0, 1): (u >> 9) * 2^-23 + 2^-24, exact in f32.
fn uniform_from_u32(u: u32) -> f32 {
  return f32(u >> 9u) * 1.1920928955078125e-7 + 5.9604644775390625e-8;
}

fn uniform4(counter: vec4<u32>, key: vec2<u32>) -> vec4<f32> {
  let w = philox4x32(counter, key);
  return vec4<f32>(uniform_from_u32(w.x), uniform_from_u32(w.y), uniform_from_u32(w.z), uniform_from_u32(w.w));
}

// Two independent standard normals from two uniforms in (0, 1) (Box-Muller).
fn normal_pair(u1: f32, u2: f32) -> vec2<f32> {
  let r = sqrt(-2.0 * log(u1));
  let theta = 6.283185307179586 * u2;
  return vec2<f32>(r * cos(theta), r * sin(theta));
}
