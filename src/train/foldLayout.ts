// The folded update's fold buffer (src/train/fusedFold.ts): where a network's second state and its two slice regions
// lie, and the WGSL defines that say so (lib/adam_fold_one.wgsl, lara_update_fold_lanes.wgsl).

/** Floats from which a fold buffer's regions start: 256 bytes, the largest minStorageBufferOffsetAlignment. */
const FOLD_ALIGN = 64;
const aligned = (floats: number) => Math.ceil(floats / FOLD_ALIGN) * FOLD_ALIGN;

/**
 * A network's fold buffer of `count` parameters and `slices` split-K slices: state 1's params from float 0, its m and
 * v, then the slice regions of even and odd updates, (slices, count) each.
 */
export interface FoldLayout { m: number; v: number; slices: readonly [number, number]; floats: number }
export function foldLayout(count: number, slices: number): FoldLayout {
  const state = aligned(count), region = aligned(slices * count);
  return { m: state, v: 2 * state, slices: [3 * state, 3 * state + region], floats: 3 * state + 2 * region };
}

/** The defines `${prefix}FOLD_M`, `_V`, `_SLICES_0`, `_SLICES_1` of a fold buffer. */
export const foldDefines = (prefix: string, l: FoldLayout) => ({
  [`${prefix}FOLD_M`]: l.m, [`${prefix}FOLD_V`]: l.v, [`${prefix}FOLD_SLICES_0`]: l.slices[0], [`${prefix}FOLD_SLICES_1`]: l.slices[1],
});
