// The WGSL tables of the fused kernels' dense layers (shaders/lib/fused_mlp.wgsl, lib/lane_mlp.wgsl): a network's layer
// sizes, offsets and activation regions, and the block shape's defines; shared by the fused update and the fused act.
import { mlpLayout } from '../nn/layout.js';

/** WGSL's limit on the variables of one function (a lane kernel's LaneMemory, one network's activations: lib/lane_mlp.wgsl). */
export const LANE_MEMORY_BYTES = 8192;

/** Weight rows per weight-gradient work item (lib/fused_mlp.wgsl FM_KB). */
export const FM_KB = 4;

/** Rows per register block of the forward and input-gradient items (divides rows). */
export const rowBlock = (rows: number) => (rows % 8 === 0 ? 8 : rows % 4 === 0 ? 4 : rows % 2 === 0 ? 2 : 1);

/** A network's WGSL tables (prefix_LAYERS, _SIZES, _W, _B, _AT, _PARAMS) with its activations from float `at` of fm_mem. */
export function netDefines(prefix: string, sizes: readonly number[], rows: number, at: number): { defines: Record<string, number | string>; end: number } {
  const layout = mlpLayout(sizes);
  const regions: number[] = [];
  for (const s of sizes) { regions.push(at); at += rows * s; }
  const list = (xs: readonly number[]) => xs.map((x) => `${x}u`).join(', ');
  return {
    defines: {
      [`${prefix}_LAYERS`]: layout.layers.length, [`${prefix}_SIZES`]: list(sizes), [`${prefix}_W`]: list(layout.layers.map((l) => l.weightOffset)),
      [`${prefix}_B`]: list(layout.layers.map((l) => l.biasOffset)), [`${prefix}_AT`]: list(regions), [`${prefix}_PARAMS`]: layout.parameterCount,
    },
    end: at,
  };
}

/**
 * lib/fused_mlp.wgsl's defines for blocks of `rows` rows, work items of `cols` columns and `floats` of fm_mem;
 * weightPass: the backward stores each layer's block inputs and deltas instead of its weight gradient.
 */
export function fusedMlpDefines(rows: number, cols: number | undefined, floats: number, weightPass = false): Record<string, number | boolean> {
  return { ROWS: rows, FM_RB: rowBlock(rows), FM_KB, FM_CB: cols ?? 1, FM_FLOATS: floats, FM_WEIGHT_PASS: weightPass };
}

/**
 * lib/lane_mlp.wgsl's defines: `rows` rows per invocation, `floats` of a LaneMemory, sums across the subgroup
 * (`subgroups`), shared weight loads (`share`), `columnsFloats` of workgroup memory for shared weight gradients (0:
 * none) and `blocks` blocks of rows per invocation.
 */
export function laneMlpDefines(l: { rows: number; floats: number; subgroups: boolean; share: boolean; columnsFloats: number; blocks: number }): Record<string, number | boolean> {
  return {
    LANE_ROWS: l.rows, LM_FLOATS: l.floats, LANE_SUBGROUPS: l.subgroups, LANE_SHARE: l.share, LANE_COLUMNS_FLOATS: l.columnsFloats, LANE_BLOCKS: l.blocks,
  };
}
