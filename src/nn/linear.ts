// Linear-layer kernels on the GPU: forward (shaders/linear_forward.wgsl), backward to the input
// (linear_backward_input.wgsl), backward to the parameters (linear_backward_weight.wgsl + linear_backward_weight_sum.wgsl).
import { createExplicitPipeline, type ExplicitPipeline } from './pipelines.js';

/** Threads of a tiled-matmul workgroup; each thread computes 4 x 4 outputs, so the tile is (4 threadsY) x (4 threadsX). */
export interface TileShape {
  threadsX: number;
  threadsY: number;
  tileK: number;
}

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

/** The tile for a (rows, columns) result; rows are the batch for forward and backward-input (not known when building). */
export function chooseTile(rows: number | null, columns: number, wide: TileShape = WIDE_TILE): TileShape {
  if (columns <= 16) return NARROW_COLUMNS_TILE;
  if (rows !== null && rows <= 16) return NARROW_ROWS_TILE;
  return wide;
}

/** Checks a tile against the device's limits (invocations, workgroup memory of the largest kernel). */
export function validateTile(device: GPUDevice, t: TileShape): void {
  const threads = t.threadsX * t.threadsY;
  const bytes = 4 * t.tileK * (tileRows(t) + tileColumns(t) + 1);
  if (!(Number.isInteger(t.threadsX) && Number.isInteger(t.threadsY) && Number.isInteger(t.tileK) && t.threadsX >= 1 && t.threadsY >= 1 && t.tileK >= 1)) {
    throw new RangeError(`tile ${JSON.stringify(t)}: sizes must be positive integers`);
  }
  if (threads > device.limits.maxComputeInvocationsPerWorkgroup) throw new RangeError(`tile ${JSON.stringify(t)}: ${threads} threads exceed this GPU's ${device.limits.maxComputeInvocationsPerWorkgroup}`);
  if (bytes > device.limits.maxComputeWorkgroupStorageSize) throw new RangeError(`tile ${JSON.stringify(t)}: ${bytes} bytes of workgroup memory exceed this GPU's ${device.limits.maxComputeWorkgroupStorageSize}`);
}

export const tileRows = (t: TileShape) => t.threadsY * 4;
export const tileColumns = (t: TileShape) => t.threadsX * 4;

function tileConstants(t: TileShape): Record<string, number> {
  return { THREADS_X: t.threadsX, THREADS_Y: t.threadsY, TILE_K: t.tileK };
}

/** Mirrors `struct Params` of shaders/linear_forward.wgsl. */
export function linearForwardParams(batch: number, inputs: number, outputs: number, weightOffset: number, biasOffset: number): ArrayBuffer {
  return new Uint32Array([batch, inputs, outputs, weightOffset, biasOffset, 0, 0, 0]).buffer;
}

/** Mirrors `struct Params` of shaders/linear_backward_input.wgsl. */
export function linearBackwardInputParams(batch: number, inputs: number, outputs: number, weightOffset: number): ArrayBuffer {
  return new Uint32Array([batch, inputs, outputs, weightOffset]).buffer;
}

/** Mirrors `struct Params` of shaders/linear_backward_weight.wgsl. */
export function linearBackwardWeightParams(
  batch: number, inputs: number, outputs: number, rowsPerSplit: number, resultOffset: number, splitStride: number,
): ArrayBuffer {
  return new Uint32Array([batch, inputs, outputs, rowsPerSplit, resultOffset, splitStride, 0, 0]).buffer;
}

/** Widest layer, most layers and most rows per workgroup of shaders/mlp_forward_fused.wgsl. */
export const FUSED_MAX_WIDTH = 256;
export const FUSED_MAX_LAYERS = 4;
export const FUSED_MAX_ROWS = 16;

/** Mirrors `struct Params` of shaders/mlp_forward_fused.wgsl: batch, layer count, then (in, out, W offset, b offset) per layer. */
export function mlpForwardFusedParams(batch: number, layers: readonly { inputs: number; outputs: number; weightOffset: number; biasOffset: number }[]): ArrayBuffer {
  if (layers.length > FUSED_MAX_LAYERS) throw new RangeError(`fused forward: ${layers.length} layers, at most ${FUSED_MAX_LAYERS}`);
  const data = new Uint32Array(4 + 4 * FUSED_MAX_LAYERS);
  data.set([batch, layers.length]);
  layers.forEach((l, i) => data.set([l.inputs, l.outputs, l.weightOffset, l.biasOffset], 4 + 4 * i));
  return data.buffer;
}

/** Most layers of shaders/mlp_backward_input_fused.wgsl. */
export const FUSED_BACKWARD_MAX_LAYERS = 3;

/**
 * Mirrors `struct Params` of shaders/mlp_backward_input_fused.wgsl: batch, layer count, the lowest layer whose input
 * gradient is computed (0: down to dInput, 1: down to delta 0), then (in, out, W offset, 0) per layer.
 */
export function mlpBackwardInputFusedParams(batch: number, layers: readonly { inputs: number; outputs: number; weightOffset: number }[], lowest: 0 | 1): ArrayBuffer {
  if (layers.length > FUSED_BACKWARD_MAX_LAYERS) throw new RangeError(`fused backward: ${layers.length} layers, at most ${FUSED_BACKWARD_MAX_LAYERS}`);
  const data = new Uint32Array(4 + 4 * FUSED_BACKWARD_MAX_LAYERS);
  data.set([batch, layers.length, lowest]);
  layers.forEach((l, i) => data.set([l.inputs, l.outputs, l.weightOffset, 0], 4 + 4 * i));
  return data.buffer;
}

/**
 * Rows per workgroup of the fused forward and backward for batches up to `batch`: about 64 workgroups (enough to spread over the
 * GPU while each weight read from L2 still feeds several rows), 1 to 8 rows, a power of two.
 */
export function fusedForwardRows(batch: number): number {
  let rows = 1;
  while (rows < 8 && rows * 64 < batch) rows *= 2;
  return rows;
}

/** Mirrors `struct Params` of shaders/linear_backward_weight_sum.wgsl. */
export function linearBackwardWeightSumParams(count: number, splits: number): ArrayBuffer {
  return new Uint32Array([count, splits, 0, 0]).buffer;
}

/** Every pipeline the MLP needs, built once per device and tile/activation variant. */
export class LinearKernels {
  private cache = new Map<string, Promise<ExplicitPipeline>>();
  private constructor(readonly device: GPUDevice) {}

  static create(device: GPUDevice): LinearKernels {
    return new LinearKernels(device);
  }

  private get(key: string, make: () => Promise<ExplicitPipeline>): Promise<ExplicitPipeline> {
    let p = this.cache.get(key);
    if (!p) { p = make(); p.catch(() => this.cache.delete(key)); this.cache.set(key, p); }
    return p;
  }

  /** bindings: params, x, weights (flat params), y */
  forward(tile: TileShape, relu: boolean): Promise<ExplicitPipeline> {
    return this.get(`forward ${JSON.stringify(tile)} ${relu}`, () => createExplicitPipeline(this.device, 'linear_forward.wgsl',
      ['uniform', 'read', 'read', 'read-write'], { ...tileConstants(tile), RELU: relu }));
  }

  /** bindings: params, dy, weights, below (ReLU output feeding the layer), dx */
  backwardInput(tile: TileShape, masked: boolean): Promise<ExplicitPipeline> {
    return this.get(`input ${JSON.stringify(tile)} ${masked}`, () => createExplicitPipeline(this.device, 'linear_backward_input.wgsl',
      ['uniform', 'read', 'read', 'read', 'read-write'], { ...tileConstants(tile), MASKED: masked }));
  }

  /** bindings: params, x, dy, result */
  backwardWeight(tile: TileShape): Promise<ExplicitPipeline> {
    return this.get(`weight ${JSON.stringify(tile)}`, () => createExplicitPipeline(this.device, 'linear_backward_weight.wgsl',
      ['uniform', 'read', 'read', 'read-write'], tileConstants(tile)));
  }

  /** bindings: params, x, weights, y0 .. y3 (shaders/mlp_forward_fused.wgsl; `rows` rows per workgroup) */
  forwardFused(rows: number): Promise<ExplicitPipeline> {
    return this.get(`fused ${rows}`, () => createExplicitPipeline(this.device, 'mlp_forward_fused.wgsl',
      ['uniform', 'read', 'read', 'read-write', 'read-write', 'read-write', 'read-write'], { ROWS: rows }));
  }

  /** bindings: params, dOutput, weights, a0, a1, delta0, delta1, dInput (shaders/mlp_backward_input_fused.wgsl) */
  backwardInputFused(rows: number): Promise<ExplicitPipeline> {
    return this.get(`fused input ${rows}`, () => createExplicitPipeline(this.device, 'mlp_backward_input_fused.wgsl',
      ['uniform', 'read', 'read', 'read', 'read', 'read-write', 'read-write', 'read-write'], { ROWS: rows }));
  }

  /** bindings: params, partials, grads */
  backwardWeightSum(): Promise<ExplicitPipeline> {
    return this.get('sum', () => createExplicitPipeline(this.device, 'linear_backward_weight_sum.wgsl',
      ['uniform', 'read', 'read-write'], { WORKGROUP_SIZE: 256 }));
  }
}
