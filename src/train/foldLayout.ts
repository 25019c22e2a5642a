// The folded update's fold buffer (src/train/fusedFold.ts): where a network's second state and its two slice regions
// lie, and the WGSL defines that say so (lib/adam_fold_one.wgsl, lara_update_fold_lanes.wgsl).

/** Floats from which a fold buffer's regions start: 256 bytes, the largest minStorageBufferOffsetAlignment. */
const FOLD_ALIGN = 64;
const aligned = (floats: number) => Math.ceil(floats / FOLD_ALIGN) * FOLD_ALIGN;

/** The vectors of 4 floats that hold `count` parameters (lib/adam_fold.wgsl takes a network's Adam step by vectors). */
export const foldVectors = (count: number) => Math.ceil(count / 4);

/** Floats from one split-K slice of `count` parameters to the next in a fold buffer: whole vectors. */
export const foldStride = (count: number) => 4 * foldVectors(count);

/**
 * A network's fold buffer of `count` parameters and `slices` split-K slices: state 1's params from float 0, its m and
 * v, then the slice regions of even and odd updates, (slices, stride) each.
 */
export interface FoldLayout { m: number; v: number; slices: readonly [number, number]; stride: number; floats: number }
export function foldLayout(count: number, slices: number): FoldLayout {
  const stride = foldStride(count);
  const state = aligned(count), region = aligned(slices * stride);
  return { m: state, v: 2 * state, slices: [3 * state, 3 * state + region], stride, floats: 3 * state + 2 * region };
}

/** The defines `${prefix}FOLD_M`, `_V`, `_SLICES_0`, `_SLICES_1`, `_STRIDE` of a fold buffer. */
export const foldDefines = (prefix: string, l: FoldLayout) => ({
  [`${prefix}FOLD_M`]: l.m, [`${prefix}FOLD_V`]: l.v, [`${prefix}FOLD_SLICES_0`]: l.slices[0], [`${prefix}FOLD_SLICES_1`]: l.slices[1],
  [`${prefix}FOLD_STRIDE`]: l.stride,
});
