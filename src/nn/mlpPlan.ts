// What an MLP runs at one batch size: the fused or per-layer forward and input-gradient chain, each layer's tile, and
// the split-K of the weight gradients. `defaultPlan` is the rule used with tuning off (and the tuner's baseline).
import { chooseTile, describeLinear, tiled, WIDE_TILE, type LinearVariant, type TileShape } from './linear.js';
import { mlpLayout } from './layout.js';
import { FUSED_BACKWARD_MAX_LAYERS, FUSED_FORWARD_MAX_LAYERS, fusible, fusedRows, type FusedVariant } from './mlpFused.js';

/**
 * A chain (forward, or backward to the input): the fused whole-network kernel (FusedVariant), or a variant per layer.
 * head (forward only, 2 layers or more): the last layer runs as the epilogue of the one before it with this tile
 * (linearForwardHeadKernel); the variants of those two layers are then unused.
 */
export type ChainPlan = ({ kind: 'fused' } & FusedVariant) | { kind: 'layers'; layers: LinearVariant[]; head?: TileShape };

export interface SplitPlan {
  /** Batch splits of the weight gradient (1: no split-K). */
  splits: number;
  /** Batch rows per split (a multiple of 16). */
  rowsPerSplit: number;
}

export interface MlpPlan {
  batch: number;
  forward: ChainPlan;
  /** Trainable networks only. */
  backwardInput?: ChainPlan;
  backwardWeight?: SplitPlan & { layers: LinearVariant[] };
}

/** Default largest batch of the fused whole-MLP kernels. */
export const FUSED_MAX_BATCH = 1024;
/** Default most batch splits of the weight gradient. */
export const MAX_SPLITS = 16;
/** Fewest batch rows per split of the default rule (below this, splitting costs more than it gains). */
const MIN_ROWS_PER_SPLIT = 256;

/** Bindings of the fused kernels (the device must allow that many storage buffers per stage). */
export const FUSED_FORWARD_STORAGE_BINDINGS = 6;
export const FUSED_BACKWARD_STORAGE_BINDINGS = 7;

export interface PlanOptions {
  /** Most batch splits of the weight gradient (default MAX_SPLITS; 1 disables split-K). */
  maxSplits?: number;
  /** Tile of the layers wider than 16 in both directions (default WIDE_TILE). */
  wideTile?: TileShape;
  /** Batches up to this many rows (default FUSED_MAX_BATCH, at most the network's largest batch) take the fused kernels; 0: never. */
  fusedMaxBatch?: number;
}

/** The split-K of a weight gradient over `batch` rows: about MIN_ROWS_PER_SPLIT rows per split, at most maxSplits. */
export function defaultSplits(batch: number, maxSplits = MAX_SPLITS): SplitPlan {
  if (maxSplits <= 1) return { splits: 1, rowsPerSplit: batch };
  const wanted = Math.min(maxSplits, Math.max(1, Math.floor(batch / MIN_ROWS_PER_SPLIT)));
  const rowsPerSplit = Math.ceil(Math.ceil(batch / wanted) / 16) * 16;
  return { splits: Math.ceil(batch / rowsPerSplit), rowsPerSplit };
}

/**
 * Today's rule: fused kernels for batches up to fusedMaxBatch (rows per workgroup from the largest of them) where the
 * network fits them, otherwise one tiled dispatch per layer; split-K by defaultSplits.
 */
export function defaultPlan(device: GPUDevice, sizes: readonly number[], batch: number, maxBatch: number, trainable: boolean,
                            options: PlanOptions = {}): MlpPlan {
  const { layers } = mlpLayout(sizes);
  const wide = options.wideTile ?? WIDE_TILE;
  const fusedMaxBatch = Math.min(maxBatch, options.fusedMaxBatch ?? FUSED_MAX_BATCH);
  const rows = fusedRows(fusedMaxBatch);
  const fuse = fusedMaxBatch >= 1 && batch <= fusedMaxBatch;
  const forward: ChainPlan = fuse && fusible(device, sizes, rows, FUSED_FORWARD_MAX_LAYERS, FUSED_FORWARD_STORAGE_BINDINGS)
    ? { kind: 'fused', rows } : { kind: 'layers', layers: layers.map((l) => tiled(chooseTile(null, l.outputs, wide))) };
  if (!trainable) return { batch, forward };
  const backwardInput: ChainPlan = fuse && fusible(device, sizes, rows, FUSED_BACKWARD_MAX_LAYERS, FUSED_BACKWARD_STORAGE_BINDINGS)
    ? { kind: 'fused', rows } : { kind: 'layers', layers: layers.map((l) => tiled(chooseTile(null, l.inputs, wide))) };
  const backwardWeight = { ...defaultSplits(batch, options.maxSplits), layers: layers.map((l) => tiled(chooseTile(l.inputs + 1, l.outputs, wide))) };
  return { batch, forward, backwardInput, backwardWeight };
}

/** A short name of a chain ("fused r4", "fused r2 s16", "layers tiled 16x16k16, ..."). */
export const describeChain = (c: ChainPlan): string =>
  (c.kind === 'fused' ? `fused r${c.rows}${c.stageK ? ` s${c.stageK}` : ''}`
    : `layers ${c.layers.map(describeLinear).join(', ')}${c.head ? `, head ${describeLinear(tiled(c.head))}` : ''}`);

/** A short name of a plan for logs ("forward fused r4; input layers tiled 16x16k16, ...; weight split 2 ..."). */
export function describePlan(p: MlpPlan): string {
  return [`forward ${describeChain(p.forward)}`, p.backwardInput ? `input ${describeChain(p.backwardInput)}` : '',
    p.backwardWeight ? `weight split ${p.backwardWeight.splits} ${p.backwardWeight.layers.map(describeLinear).join(', ')}` : ''].filter((x) => x).join('; ');
}
