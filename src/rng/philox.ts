// Philox4x32-10 counter-based RNG (Salmon et al., SC'11), bit-identical to shaders/lib/philox.wgsl.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (exact: every partial product stays below 2^53). */
function mulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w1 = (t & 0xffff) + a0 * b1;
  return (a1 * b1 + Math.floor(t / 65536) + Math.floor(w1 / 65536)) >>> 0;
}

/** Four u32 words for counter (c0..c3) and key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0; c1 = lo1; c2 = (hi0 ^ c3 ^ k1) >>> 0; c3 = lo0;
    k0 = (k0 + W0) >>> 0; k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Uniform in (0, 1) from one u32: (u >> 9) * 2^-23 + 2^-24, exactly representable in float32. */
export function uniformFromU32(u: number): number {
  return (u >>> 9) * 1.1920928955078125e-7 + 5.9604644775390625e-8;
}

/** Two independent standard normals from two uniforms in (0, 1) (Box-Muller). */
export function normalPair(u1: number, u2: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * u2;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** Four uniforms in (0, 1) for one counter. */
export function uniform4(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  const w = philox4x32(c0, c1, c2, c3, k0, k1);
  return [uniformFromU32(w[0]), uniformFromU32(w[1]), uniformFromU32(w[2]), uniformFromU32(w[3])];
}
