// Linear-layer kernels declared once, with the dispatch of one layer of each: forward, backward to the input and to the
// parameters (shaders/linear_*.wgsl, each in three code variants: workgroup-memory tiles, register blocks without
// workgroup memory, f16 subgroup-matrix tiles), and the split-K sum (linear_backward_weight_sum.wgsl).
// Over 300 lines: the three kernels share one variant type, its defines and its grids; apart, each would import them.
import { defineKernel, ownedUniform, dispatchOf, linearGrid, type Binding, type Dispatch, type Pipeline, type PipelineOf } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import type { LayerLayout } from './layout.js';

/**
 * A tiled-matmul workgroup: threadsX x threadsY threads, each computing rowsPerThread x colsPerThread outputs (default
 * 4 x 4), so the tile is (rowsPerThread threadsY) x (colsPerThread threadsX), stepping tileK along the reduction.
 * f16: the workgroup tiles hold f16 (inputs rounded; products and sums in f32; needs shader-f16).
 */
export interface TileShape {
  threadsX: number;
  threadsY: number;
  tileK: number;
  rowsPerThread?: number;
  colsPerThread?: number;
  f16?: boolean;
}

/** Outputs per thread of the tiled kernels (rows x columns) unless the tile says otherwise. */
const PER_THREAD = 4;

/** 64 x 64 outputs per workgroup of 256 threads: the general case (hidden widths 64 and up). */
export const WIDE_TILE: TileShape = { threadsX: 16, threadsY: 16, tileK: 16 };
/**
 * 64 rows x 16 columns, 64 threads: a result with at most 16 columns (the heads, the first layer's dInput). These
 * layers are memory bound (each row of the input is read once whatever the tile), so small tiles cost no traffic
 * and give enough workgroups: 64 at batch 4,096 where 256-row tiles would give 16 for 132 SMs.
 */
export const NARROW_COLUMNS_TILE: TileShape = { threadsX: 4, threadsY: 16, tileK: 16 };
/** 16 rows x 64 columns, 64 threads: a result with at most 16 rows (dW of the first layer: inputs + 1 rows). */
export const NARROW_ROWS_TILE: TileShape = { threadsX: 16, threadsY: 4, tileK: 16 };

/** The tile for a (rows, columns) result; rows are the batch for forward and backward-input. */
export function chooseTile(rows: number | null, columns: number, wide: TileShape = WIDE_TILE): TileShape {
  if (columns <= 16) return NARROW_COLUMNS_TILE;
  if (rows !== null && rows <= 16) return NARROW_ROWS_TILE;
  return wide;
}

export const tileRows = (t: TileShape) => t.threadsY * (t.rowsPerThread ?? PER_THREAD);
export const tileColumns = (t: TileShape) => t.threadsX * (t.colsPerThread ?? PER_THREAD);

/** Checks a tile against the device's limits (invocations, workgroup memory of the largest kernel). */
export function validateTile(device: GPUDevice, t: TileShape): void {
  if (!(Number.isInteger(t.threadsX) && Number.isInteger(t.threadsY) && Number.isInteger(t.tileK) && t.threadsX >= 1 && t.threadsY >= 1 && t.tileK >= 1)) {
    throw new RangeError(`tile ${JSON.stringify(t)}: sizes must be positive integers`);
  }
  const threads = t.threadsX * t.threadsY;
  const bytes = (t.f16 ? 2 : 4) * t.tileK * (tileRows(t) + tileColumns(t) + 1);
  if (t.f16 && !device.features.has('shader-f16')) throw new RangeError(`tile ${JSON.stringify(t)}: this GPU lacks shader-f16`);
  if (threads > device.limits.maxComputeInvocationsPerWorkgroup) throw new RangeError(`tile ${JSON.stringify(t)}: ${threads} threads exceed this GPU's ${device.limits.maxComputeInvocationsPerWorkgroup}`);
  if (bytes > device.limits.maxComputeWorkgroupStorageSize) throw new RangeError(`tile ${JSON.stringify(t)}: ${bytes} bytes of workgroup memory exceed this GPU's ${device.limits.maxComputeWorkgroupStorageSize}`);
}

/**
 * Register-blocked, barrier-free: each invocation computes rows x cols outputs from global memory; lanesOverRows puts
 * consecutive invocations on consecutive row blocks (else column blocks).
 */
export interface RegisterBlock {
  rows: number;
  cols: number;
  lanesOverRows: boolean;
  workgroup: number;
}

/**
 * Subgroup matrices (tensor cores, `chromium-experimental-subgroup-matrix`): f16 inputs staged through workgroup memory,
 * f32 sums (shaders/lib/matrix_tile.wgsl). m x n x k is one of the device's f16 -> f32 configurations; each of the
 * subgroupRows x subgroupCols subgroups computes fragRows x fragCols result matrices; tileK inputs per staging step.
 * emulated: plain WGSL in place of the subgroup-matrix builtins (tests on adapters without the feature; never tuned).
 */
export interface MatrixTile {
  m: number;
  n: number;
  k: number;
  fragRows: number;
  fragCols: number;
  subgroupRows: number;
  subgroupCols: number;
  tileK: number;
  /** Invocations per subgroup in the workgroup: the adapter's largest subgroup size. */
  subgroupSize: number;
  emulated?: boolean;
}

/** How one layer's matmul runs: a workgroup tile, a register block, or subgroup-matrix tiles. */
export type LinearVariant = { kind: 'tiled'; tile: TileShape } | ({ kind: 'register' } & RegisterBlock) | ({ kind: 'matrix' } & MatrixTile);

export const matrixTileRows = (t: MatrixTile) => t.subgroupRows * t.fragRows * t.m;
export const matrixTileColumns = (t: MatrixTile) => t.subgroupCols * t.fragCols * t.n;
export const matrixWorkgroup = (t: MatrixTile) => t.subgroupRows * t.subgroupCols * t.subgroupSize;
/** Workgroup memory of a matrix tile (mirrors lib/matrix_tile.wgsl: f16 A and B tiles, f32 result, padded strides). */
export const matrixTileBytes = (t: MatrixTile) =>
  2 * matrixTileRows(t) * (t.tileK + 8) + 2 * t.tileK * (matrixTileColumns(t) + 8) + 4 * matrixTileRows(t) * (matrixTileColumns(t) + 4);

/** Whether a variant rounds its inputs (f16 tiles, subgroup matrices): it may differ from the f32 variants by ~1e-2. */
export const mixedPrecision = (v: LinearVariant) => (v.kind === 'tiled' && v.tile.f16 === true) || v.kind === 'matrix';

/**
 * How far a result of inputs rounded to f16 (11 significant bits) may be from f32's, relative to its largest value:
 * what the tuner allows the mixed-precision variants (f16 tiles, subgroup matrices, the fused update's half weights).
 */
export const MIXED_PRECISION_TOLERANCE = 2e-2;

export const tiled = (tile: TileShape): LinearVariant => ({ kind: 'tiled', tile });

/** A short name of a variant ("tiled 16x16k16", "register 4x8 rows wg64"). */
export function describeLinear(v: LinearVariant): string {
  if (v.kind === 'matrix') {
    return `matrix ${v.m}x${v.n}x${v.k} ${v.fragRows}x${v.fragCols} sg${v.subgroupRows}x${v.subgroupCols} k${v.tileK}${v.emulated ? ' emulated' : ''}`;
  }
  const t = v.kind === 'tiled' ? v.tile : undefined;
  return t ? `tiled ${t.threadsX}x${t.threadsY}k${t.tileK}${t.rowsPerThread ? ` ${t.rowsPerThread}x${t.colsPerThread ?? PER_THREAD}` : ''}${t.f16 ? ' f16' : ''}`
    : `register ${(v as RegisterBlock).rows}x${(v as RegisterBlock).cols} ${(v as RegisterBlock).lanesOverRows ? 'rows' : 'cols'} wg${(v as RegisterBlock).workgroup}`;
}

/** Defines of the subgroup-matrix code (every variant gives them: the preprocessor needs each name). */
const NO_MATRIX = { SUBGROUP_MATRIX: false, SG_M: 0, SG_N: 0, SG_K: 0, FRAG_ROWS: 0, FRAG_COLS: 0, SUBGROUP_ROWS: 0, SUBGROUP_COLS: 0, MATRIX_TILE_K: 0, MATRIX_EMULATED: false };
/** Defines of the other code variants, for a matrix variant. */
const NO_TILE = { REGISTER: false, ROWS_PER_THREAD: 1, COLS_PER_THREAD: 1, LANES_OVER_ROWS: false, TILE_TYPE: 'f32' };

/** Overrides and defines of a variant in the linear_*.wgsl kernels (each has all three code variants). */
function linearVariant(v: LinearVariant): { constants: Record<string, number>; defines: Record<string, number | boolean | string> } {
  if (v.kind === 'register') {
    return { constants: { WORKGROUP_SIZE: v.workgroup }, defines: { ...NO_MATRIX, REGISTER: true, ROWS_PER_THREAD: v.rows, COLS_PER_THREAD: v.cols, LANES_OVER_ROWS: v.lanesOverRows, TILE_TYPE: 'f32' } };
  }
  if (v.kind === 'matrix') {
    return {
      constants: { WORKGROUP_SIZE: matrixWorkgroup(v) },
      defines: {
        ...NO_TILE, SUBGROUP_MATRIX: true, SG_M: v.m, SG_N: v.n, SG_K: v.k, FRAG_ROWS: v.fragRows, FRAG_COLS: v.fragCols,
        SUBGROUP_ROWS: v.subgroupRows, SUBGROUP_COLS: v.subgroupCols, MATRIX_TILE_K: v.tileK, MATRIX_EMULATED: v.emulated === true,
      },
    };
  }
  const t = v.tile;
  return {
    constants: { THREADS_X: t.threadsX, THREADS_Y: t.threadsY, TILE_K: t.tileK },
    defines: { ...NO_MATRIX, REGISTER: false, ROWS_PER_THREAD: t.rowsPerThread ?? PER_THREAD, COLS_PER_THREAD: t.colsPerThread ?? PER_THREAD, LANES_OVER_ROWS: false, TILE_TYPE: t.f16 ? 'f16' : 'f32' },
  };
}
/** The features the subgroup-matrix code enables (the emulated one needs only f16). */
export const MATRIX_FEATURES = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'] as const;
const linearFeatures = (v: LinearVariant): readonly string[] => {
  if (v.kind === 'matrix') return v.emulated ? ['shader-f16'] : MATRIX_FEATURES;
  return v.kind === 'tiled' && v.tile.f16 ? ['shader-f16'] : [];
};

/** `struct Params` of shaders/linear_forward.wgsl (the head's fields 0 without one). */
export const LINEAR_FORWARD_PARAMS = uniformStruct('Params', {
  batch: 'u32', inputs: 'u32', outputs: 'u32', weightOffset: 'u32', biasOffset: 'u32',
  headOutputs: 'u32', headWeightOffset: 'u32', headBiasOffset: 'u32', // HEAD: the head layer's width, its W (out, head_outputs) and b offsets
});
/** `struct Params` of shaders/linear_backward_input.wgsl. */
export const LINEAR_BACKWARD_INPUT_PARAMS = uniformStruct('Params', { batch: 'u32', inputs: 'u32', outputs: 'u32', weightOffset: 'u32' });
/** `struct Params` of shaders/linear_backward_weight.wgsl. */
export const LINEAR_BACKWARD_WEIGHT_PARAMS = uniformStruct('Params', {
  batch: 'u32', inputs: 'u32', outputs: 'u32', rowsPerSplit: 'u32', resultOffset: 'u32', splitStride: 'u32',
});
/** `struct Params` of shaders/linear_backward_weight_sum.wgsl. */
export const LINEAR_BACKWARD_WEIGHT_SUM_PARAMS = uniformStruct('Params', { count: 'u32', splits: 'u32' });

export const linearForwardKernel = defineKernel({
  shader: 'linear_forward.wgsl',
  uniforms: [LINEAR_FORWARD_PARAMS],
  bindings: { params: 'uniform', x: 'read', weights: 'read', y: 'read-write' },
  variant: (v: { linear: LinearVariant; relu: boolean }) => {
    const l = linearVariant(v.linear);
    return { constants: { ...l.constants, RELU: v.relu }, defines: { ...l.defines, HEAD: false } };
  },
  features: (v) => linearFeatures(v.linear),
});

/**
 * A hidden layer (ReLU) with the network's last layer as its epilogue (linear_forward.wgsl's HEAD): a tile spanning
 * every column of the hidden layer (headTile), writing the hidden activation and the head's output.
 */
export const linearForwardHeadKernel = defineKernel({
  shader: 'linear_forward.wgsl',
  uniforms: [LINEAR_FORWARD_PARAMS],
  bindings: { params: 'uniform', x: 'read', weights: 'read', y: 'read-write', headY: 'read-write' },
  variant: (tile: TileShape) => {
    const l = linearVariant(tiled(tile));
    return { constants: { ...l.constants, RELU: true }, defines: { ...l.defines, HEAD: true } };
  },
});

/** The head tile for a hidden layer `width` wide: 16 rows (4 per thread) by every column (4 per thread), tileK 16. */
export function headTile(width: number): TileShape {
  return { threadsX: 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(width / PER_THREAD)))), threadsY: 4, tileK: 16 };
}

/** Whether `tile` can carry a head after a hidden layer `width` wide (every column in one tile, rows <= tileK, f32). */
export const headFits = (tile: TileShape, width: number) => tileColumns(tile) >= width && tileRows(tile) <= tile.tileK && !tile.f16;

export const linearBackwardInputKernel = defineKernel({
  shader: 'linear_backward_input.wgsl',
  uniforms: [LINEAR_BACKWARD_INPUT_PARAMS],
  bindings: { params: 'uniform', dy: 'read', weights: 'read', below: 'read', dx: 'read-write' },
  variant: (v: { linear: LinearVariant; masked: boolean }) => { const l = linearVariant(v.linear); return { ...l, constants: { ...l.constants, MASKED: v.masked } }; },
  features: (v) => linearFeatures(v.linear),
});

export const linearBackwardWeightKernel = defineKernel({
  shader: 'linear_backward_weight.wgsl',
  uniforms: [LINEAR_BACKWARD_WEIGHT_PARAMS],
  bindings: { params: 'uniform', x: 'read', dy: 'read', result: 'read-write' },
  variant: (v: LinearVariant) => linearVariant(v),
  features: linearFeatures,
});

type ForwardPipeline = PipelineOf<typeof linearForwardKernel>;
type BackwardInputPipeline = PipelineOf<typeof linearBackwardInputKernel>;
type BackwardWeightPipeline = PipelineOf<typeof linearBackwardWeightKernel>;

/** The forward pipeline of a variant. */
export function linearForwardPipeline(device: GPUDevice, v: LinearVariant, relu: boolean): Promise<ForwardPipeline> {
  return linearForwardKernel.pipeline(device, { linear: v, relu });
}

export function linearBackwardInputPipeline(device: GPUDevice, v: LinearVariant, masked: boolean): Promise<BackwardInputPipeline> {
  return linearBackwardInputKernel.pipeline(device, { linear: v, masked });
}

export function linearBackwardWeightPipeline(device: GPUDevice, v: LinearVariant): Promise<BackwardWeightPipeline> {
  return linearBackwardWeightKernel.pipeline(device, v);
}

const SUM_WORKGROUP = 256;
export const linearBackwardWeightSumKernel = defineKernel({
  shader: 'linear_backward_weight_sum.wgsl',
  uniforms: [LINEAR_BACKWARD_WEIGHT_SUM_PARAMS],
  bindings: { params: 'uniform', partials: 'read', grads: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: SUM_WORKGROUP } }),
});

/** The forward's parameters of one layer (and the head after it). */
export function linearForwardParams(batch: number, layer: LayerLayout, head?: LayerLayout): ArrayBuffer {
  return LINEAR_FORWARD_PARAMS.pack({ batch, inputs: layer.inputs, outputs: layer.outputs, weightOffset: layer.weightOffset, biasOffset: layer.biasOffset,
    headOutputs: head?.outputs ?? 0, headWeightOffset: head?.weightOffset ?? 0, headBiasOffset: head?.biasOffset ?? 0 });
}

export function linearBackwardInputParams(batch: number, layer: LayerLayout): ArrayBuffer {
  return LINEAR_BACKWARD_INPUT_PARAMS.pack({ batch, inputs: layer.inputs, outputs: layer.outputs, weightOffset: layer.weightOffset });
}

export function linearBackwardWeightParams(batch: number, layer: LayerLayout, rowsPerSplit: number, splitStride: number): ArrayBuffer {
  return LINEAR_BACKWARD_WEIGHT_PARAMS.pack({ batch, inputs: layer.inputs, outputs: layer.outputs, rowsPerSplit, resultOffset: layer.weightOffset, splitStride });
}

export function linearBackwardWeightSumParams(count: number, splits: number): ArrayBuffer {
  return LINEAR_BACKWARD_WEIGHT_SUM_PARAMS.pack({ count, splits });
}

/** The workgroups covering a (rows, columns) result: tiles in (x, y), or register blocks over a linear grid; z splits. */
function variantGrid(device: GPUDevice, v: LinearVariant, rows: number, columns: number, z = 1): [number, number, number] {
  if (v.kind === 'tiled') return [Math.ceil(columns / tileColumns(v.tile)), Math.ceil(rows / tileRows(v.tile)), z];
  if (v.kind === 'matrix') return [Math.ceil(columns / matrixTileColumns(v)), Math.ceil(rows / matrixTileRows(v)), z];
  const [x, y] = linearGrid(device, Math.ceil(rows / v.rows) * Math.ceil(columns / v.cols), v.workgroup);
  return [x, y, z];
}

/** y = act(x W + b) of one layer. x: (batch, in); y: (batch, out). */
export function linearForwardDispatch(device: GPUDevice, p: ForwardPipeline, v: LinearVariant,
  layer: LayerLayout, batch: number, b: { x: Binding; weights: GPUBuffer; y: GPUBuffer }, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  return dispatchOf(device, p, { params: ownedUniform(device, linearForwardParams(batch, layer), 'linearForward.params'), ...b },
    variantGrid(device, v, batch, m), { op, cost: { flops: 2 * batch * n * m, bytes: 4 * (batch * n + n * m + m + batch * m) } });
}

/**
 * y = relu(x W + b) of a hidden layer and headY = y W_head + b_head of the next (last) layer in one dispatch.
 * x: (batch, in); y: (batch, out); headY: (batch, head outputs).
 */
export function linearForwardHeadDispatch(device: GPUDevice, p: PipelineOf<typeof linearForwardHeadKernel>, tile: TileShape, layer: LayerLayout, head: LayerLayout,
  batch: number, b: { x: Binding; weights: GPUBuffer; y: GPUBuffer; headY: GPUBuffer }, op?: string): Dispatch {
  if (!headFits(tile, layer.outputs) || head.inputs !== layer.outputs) throw new RangeError(`head tile ${JSON.stringify(tile)} cannot follow a layer ${layer.outputs} wide`);
  const { inputs: n, outputs: m } = layer;
  const h = head.outputs;
  return dispatchOf(device, p, { params: ownedUniform(device, linearForwardParams(batch, layer, head), 'linearForwardHead.params'), ...b },
    [1, Math.ceil(batch / tileRows(tile)), 1],
    { op, cost: { flops: 2 * batch * (n * m + m * h), bytes: 4 * (batch * n + n * m + m + batch * m + m * h + h + batch * h) } });
}

/** dx = (dy W^T) * mask of one layer. dy: (batch, out); below: (batch, in) (read when masked); dx: (batch, in). */
export function linearBackwardInputDispatch(device: GPUDevice, p: BackwardInputPipeline, v: LinearVariant,
  layer: LayerLayout, batch: number, b: { dy: GPUBuffer; weights: GPUBuffer; below: GPUBuffer; dx: GPUBuffer }, masked: boolean, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  return dispatchOf(device, p, { params: ownedUniform(device, linearBackwardInputParams(batch, layer), 'linearBackwardInput.params'), ...b },
    variantGrid(device, v, batch, n), { op, cost: { flops: 2 * batch * n * m, bytes: 4 * (batch * m + n * m + batch * n * (masked ? 2 : 1)) } });
}

/**
 * [dW; db] = [x, 1]^T dy of one layer over `splits` batch splits of rowsPerSplit rows, into result (splits, stride)
 * at the layer's offset (stride 0 and splits 1: the gradient itself). x: (batch, in); dy: (batch, out).
 */
export function linearBackwardWeightDispatch(device: GPUDevice, p: BackwardWeightPipeline, v: LinearVariant,
  layer: LayerLayout, batch: number, split: { splits: number; rowsPerSplit: number; stride: number },
  b: { x: Binding; dy: GPUBuffer; result: GPUBuffer }, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  const params = ownedUniform(device, linearBackwardWeightParams(batch, layer, split.rowsPerSplit, split.stride), 'linearBackwardWeight.params');
  // The tiled and register variants sum db beside the first row block (linear_backward_weight.wgsl): n rows of blocks.
  const rows = v.kind === 'matrix' ? n + 1 : n;
  return dispatchOf(device, p, { params, ...b }, variantGrid(device, v, rows, m, split.splits),
    { op, cost: { flops: 2 * batch * (n + 1) * m, bytes: 4 * (batch * (n + m) + split.splits * (n + 1) * m) } });
}

/** grads = the sum of `splits` partial gradients (splits, count). */
export function linearBackwardWeightSumDispatch(device: GPUDevice, p: Pipeline<typeof linearBackwardWeightSumKernel.spec.bindings>,
  count: number, splits: number, b: { partials: GPUBuffer; grads: GPUBuffer }, op?: string): Dispatch {
  const params = ownedUniform(device, linearBackwardWeightSumParams(count, splits), 'linearBackwardWeightSum.params');
  return dispatchOf(device, p, { params, ...b }, linearGrid(device, count, SUM_WORKGROUP),
    { op, cost: { flops: splits * count, bytes: 4 * (splits + 1) * count } });
}
