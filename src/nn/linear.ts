// Linear-layer kernels (shaders/linear_forward.wgsl, linear_backward_input.wgsl, linear_backward_weight.wgsl,
// linear_backward_weight_sum.wgsl) declared once, with the dispatch of one layer of each.
import { createUniform } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, type Binding, type Dispatch, type Pipeline } from '../gpu/kernel.js';
import type { LayerLayout } from './layout.js';

/** Threads of a tiled-matmul workgroup; each thread computes 4 x 4 outputs, so the tile is (4 threadsY) x (4 threadsX). */
export interface TileShape {
  threadsX: number;
  threadsY: number;
  tileK: number;
}

/** Outputs per thread of the tiled kernels (rows x columns). */
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

export const tileRows = (t: TileShape) => t.threadsY * PER_THREAD;
export const tileColumns = (t: TileShape) => t.threadsX * PER_THREAD;

/** Checks a tile against the device's limits (invocations, workgroup memory of the largest kernel). */
export function validateTile(device: GPUDevice, t: TileShape): void {
  if (!(Number.isInteger(t.threadsX) && Number.isInteger(t.threadsY) && Number.isInteger(t.tileK) && t.threadsX >= 1 && t.threadsY >= 1 && t.tileK >= 1)) {
    throw new RangeError(`tile ${JSON.stringify(t)}: sizes must be positive integers`);
  }
  const threads = t.threadsX * t.threadsY;
  const bytes = 4 * t.tileK * (tileRows(t) + tileColumns(t) + 1);
  if (threads > device.limits.maxComputeInvocationsPerWorkgroup) throw new RangeError(`tile ${JSON.stringify(t)}: ${threads} threads exceed this GPU's ${device.limits.maxComputeInvocationsPerWorkgroup}`);
  if (bytes > device.limits.maxComputeWorkgroupStorageSize) throw new RangeError(`tile ${JSON.stringify(t)}: ${bytes} bytes of workgroup memory exceed this GPU's ${device.limits.maxComputeWorkgroupStorageSize}`);
}

const tileVariant = (t: TileShape) => ({
  constants: { THREADS_X: t.threadsX, THREADS_Y: t.threadsY, TILE_K: t.tileK },
  defines: { ROWS_PER_THREAD: PER_THREAD, COLS_PER_THREAD: PER_THREAD },
});
const tileWorkgroup = (t: TileShape) => [t.threadsX, t.threadsY] as const;

export const linearForwardKernel = defineKernel({
  shader: 'linear_forward.wgsl',
  bindings: { params: 'uniform', x: 'read', weights: 'read', y: 'read-write' },
  variant: (v: { tile: TileShape; relu: boolean }) => ({ ...tileVariant(v.tile), constants: { ...tileVariant(v.tile).constants, RELU: v.relu } }),
  workgroup: (v) => tileWorkgroup(v.tile),
});

export const linearBackwardInputKernel = defineKernel({
  shader: 'linear_backward_input.wgsl',
  bindings: { params: 'uniform', dy: 'read', weights: 'read', below: 'read', dx: 'read-write' },
  variant: (v: { tile: TileShape; masked: boolean }) => ({ ...tileVariant(v.tile), constants: { ...tileVariant(v.tile).constants, MASKED: v.masked } }),
  workgroup: (v) => tileWorkgroup(v.tile),
});

export const linearBackwardWeightKernel = defineKernel({
  shader: 'linear_backward_weight.wgsl',
  bindings: { params: 'uniform', x: 'read', dy: 'read', result: 'read-write' },
  variant: (v: { tile: TileShape }) => tileVariant(v.tile),
  workgroup: (v) => tileWorkgroup(v.tile),
});

const SUM_WORKGROUP = 256;
export const linearBackwardWeightSumKernel = defineKernel({
  shader: 'linear_backward_weight_sum.wgsl',
  bindings: { params: 'uniform', partials: 'read', grads: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: SUM_WORKGROUP } }),
  workgroup: () => [SUM_WORKGROUP],
});

/** Mirrors `struct Params` of shaders/linear_forward.wgsl. */
export function linearForwardParams(batch: number, layer: LayerLayout): ArrayBuffer {
  return new Uint32Array([batch, layer.inputs, layer.outputs, layer.weightOffset, layer.biasOffset, 0, 0, 0]).buffer;
}

/** Mirrors `struct Params` of shaders/linear_backward_input.wgsl. */
export function linearBackwardInputParams(batch: number, layer: LayerLayout): ArrayBuffer {
  return new Uint32Array([batch, layer.inputs, layer.outputs, layer.weightOffset]).buffer;
}

/** Mirrors `struct Params` of shaders/linear_backward_weight.wgsl. */
export function linearBackwardWeightParams(batch: number, layer: LayerLayout, rowsPerSplit: number, splitStride: number): ArrayBuffer {
  return new Uint32Array([batch, layer.inputs, layer.outputs, rowsPerSplit, layer.weightOffset, splitStride, 0, 0]).buffer;
}

/** Mirrors `struct Params` of shaders/linear_backward_weight_sum.wgsl. */
export function linearBackwardWeightSumParams(count: number, splits: number): ArrayBuffer {
  return new Uint32Array([count, splits, 0, 0]).buffer;
}

/** The (x, y) workgroups covering a (rows, columns) result with tile t. */
function tileGrid(t: TileShape, rows: number, columns: number, z = 1): [number, number, number] {
  return [Math.ceil(columns / tileColumns(t)), Math.ceil(rows / tileRows(t)), z];
}

/** y = act(x W + b) of one layer. x: (batch, in); y: (batch, out). */
export function linearForwardDispatch(device: GPUDevice, p: Pipeline<typeof linearForwardKernel.spec.bindings>, tile: TileShape,
  layer: LayerLayout, batch: number, b: { x: Binding; weights: GPUBuffer; y: GPUBuffer }, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  return dispatchOf(device, p, { params: createUniform(device, linearForwardParams(batch, layer), 'linearForward.params'), ...b },
    tileGrid(tile, batch, m), { op, cost: { flops: 2 * batch * n * m, bytes: 4 * (batch * n + n * m + m + batch * m) } });
}

/** dx = (dy W^T) * mask of one layer. dy: (batch, out); below: (batch, in) (read when masked); dx: (batch, in). */
export function linearBackwardInputDispatch(device: GPUDevice, p: Pipeline<typeof linearBackwardInputKernel.spec.bindings>, tile: TileShape,
  layer: LayerLayout, batch: number, b: { dy: GPUBuffer; weights: GPUBuffer; below: GPUBuffer; dx: GPUBuffer }, masked: boolean, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  return dispatchOf(device, p, { params: createUniform(device, linearBackwardInputParams(batch, layer), 'linearBackwardInput.params'), ...b },
    tileGrid(tile, batch, n), { op, cost: { flops: 2 * batch * n * m, bytes: 4 * (batch * m + n * m + batch * n * (masked ? 2 : 1)) } });
}

/**
 * [dW; db] = [x, 1]^T dy of one layer over `splits` batch splits of rowsPerSplit rows, into result (splits, stride)
 * at the layer's offset (stride 0 and splits 1: the gradient itself). x: (batch, in); dy: (batch, out).
 */
export function linearBackwardWeightDispatch(device: GPUDevice, p: Pipeline<typeof linearBackwardWeightKernel.spec.bindings>, tile: TileShape,
  layer: LayerLayout, batch: number, split: { splits: number; rowsPerSplit: number; stride: number },
  b: { x: Binding; dy: GPUBuffer; result: GPUBuffer }, op?: string): Dispatch {
  const { inputs: n, outputs: m } = layer;
  const params = createUniform(device, linearBackwardWeightParams(batch, layer, split.rowsPerSplit, split.stride), 'linearBackwardWeight.params');
  return dispatchOf(device, p, { params, ...b }, tileGrid(tile, n + 1, m, split.splits),
    { op, cost: { flops: 2 * batch * (n + 1) * m, bytes: 4 * (batch * (n + m) + split.splits * (n + 1) * m) } });
}

/** grads = the sum of `splits` partial gradients (splits, count). */
export function linearBackwardWeightSumDispatch(device: GPUDevice, p: Pipeline<typeof linearBackwardWeightSumKernel.spec.bindings>,
  count: number, splits: number, b: { partials: GPUBuffer; grads: GPUBuffer }, op?: string): Dispatch {
  const params = createUniform(device, linearBackwardWeightSumParams(count, splits), 'linearBackwardWeightSum.params');
  return dispatchOf(device, p, { params, ...b }, linearGrid(device, count, SUM_WORKGROUP),
    { op, cost: { flops: splits * count, bytes: 4 * (splits + 1) * count } });
}
