// Whole-MLP kernels for small batches (shaders/mlp_forward_fused.wgsl, mlp_backward_input_fused.wgsl): the forward of
// every layer, or the backward input-gradient chain, in one dispatch; declared once, with their dispatches.
import { defineKernel, ownedUniform, dispatchOf, linearGrid, type Dispatch, type Pipeline } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import type { LayerLayout } from './layout.js';

/** Widest layer of the fused kernels (the workgroup's threads: one per column). */
export const FUSED_MAX_WIDTH = 256;
/** Most layers of the fused forward (its y0..y3 bindings) and of the fused backward (its a0, a1, delta0, delta1). */
export const FUSED_FORWARD_MAX_LAYERS = 4;
export const FUSED_BACKWARD_MAX_LAYERS = 3;

/**
 * The variant of both fused kernels: rows per workgroup, and stageK (0 or absent: none) weight rows (forward) or
 * columns (backward) staged through workgroup memory per step, a variant for GPUs with the same sums.
 */
export interface FusedVariant { rows: number; stageK?: number }

/** The staging step of the GPU variants the tuner tries. */
export const FUSED_STAGE_K = 16;

const fusedVariant = (maxLayers: number) => (v: FusedVariant) => ({
  constants: { THREADS: FUSED_MAX_WIDTH },
  defines: { ROWS: v.rows, MAX_WIDTH: FUSED_MAX_WIDTH, MAX_LAYERS: maxLayers, STAGE_K: v.stageK ?? 0, STAGED: (v.stageK ?? 0) > 0 },
});

/** `struct Layer` of both fused kernels (the backward reads no bias offset). */
export const MLP_LAYER = uniformStruct('Layer', { inputs: 'u32', outputs: 'u32', weightOffset: 'u32', biasOffset: 'u32' });
/** `struct Params` of shaders/mlp_forward_fused.wgsl: batch, layer count, every layer. */
export const MLP_FORWARD_FUSED_PARAMS = uniformStruct('Params', {
  batch: 'u32', layers: 'u32', layer: { element: MLP_LAYER, length: FUSED_FORWARD_MAX_LAYERS },
});
/**
 * `struct Params` of shaders/mlp_backward_input_fused.wgsl: batch, layer count, the lowest layer whose input gradient
 * is computed (0: down to dInput, 1: down to delta 0), every layer.
 */
export const MLP_BACKWARD_INPUT_FUSED_PARAMS = uniformStruct('Params', {
  batch: 'u32', layers: 'u32', lowest: 'u32', layer: { element: MLP_LAYER, length: FUSED_BACKWARD_MAX_LAYERS },
});

export const mlpForwardFusedKernel = defineKernel({
  shader: 'mlp_forward_fused.wgsl',
  uniforms: [MLP_LAYER, MLP_FORWARD_FUSED_PARAMS],
  bindings: { params: 'uniform', x: 'read', weights: 'read', y0: 'read-write', y1: 'read-write', y2: 'read-write', y3: 'read-write' },
  variant: fusedVariant(FUSED_FORWARD_MAX_LAYERS),
});

export const mlpBackwardInputFusedKernel = defineKernel({
  shader: 'mlp_backward_input_fused.wgsl',
  uniforms: [MLP_LAYER, MLP_BACKWARD_INPUT_FUSED_PARAMS],
  bindings: {
    params: 'uniform', dOutput: 'read', weights: 'read', a0: 'read', a1: 'read', delta0: 'read-write', delta1: 'read-write', dInput: 'read-write',
  },
  variant: fusedVariant(FUSED_BACKWARD_MAX_LAYERS),
});

/**
 * Rows per workgroup of the fused kernels for batches up to `batch`: about 64 workgroups (enough to spread over the
 * GPU while each weight read from L2 still feeds several rows), 1 to 8 rows, a power of two.
 */
export function fusedRows(batch: number): number {
  let rows = 1;
  while (rows < 8 && rows * 64 < batch) rows *= 2;
  return rows;
}

/**
 * Whether a network of these sizes fits the fused kernels on this device, with `rows` rows per workgroup and `stageK`
 * staged weight rows (workgroup memory: two halves of activations, and the staged block with its padded stride).
 */
export function fusible(device: GPUDevice, sizes: readonly number[], rows: number, maxLayers: number, bindings: number, stageK = 0): boolean {
  const l = device.limits;
  return sizes.length - 1 <= maxLayers && sizes.every((s) => s <= FUSED_MAX_WIDTH)
    && 4 * (2 * rows * FUSED_MAX_WIDTH + stageK * (FUSED_MAX_WIDTH + 1)) <= l.maxComputeWorkgroupStorageSize
    && l.maxComputeInvocationsPerWorkgroup >= FUSED_MAX_WIDTH && l.maxComputeWorkgroupSizeX >= FUSED_MAX_WIDTH
    && l.maxStorageBuffersPerShaderStage >= bindings;
}

const layerValues = (l: LayerLayout) => ({ inputs: l.inputs, outputs: l.outputs, weightOffset: l.weightOffset, biasOffset: l.biasOffset });

export function mlpForwardFusedParams(batch: number, layers: readonly LayerLayout[]): ArrayBuffer {
  if (layers.length > FUSED_FORWARD_MAX_LAYERS) throw new RangeError(`fused forward: ${layers.length} layers, at most ${FUSED_FORWARD_MAX_LAYERS}`);
  return MLP_FORWARD_FUSED_PARAMS.pack({ batch, layers: layers.length, layer: layers.map(layerValues) });
}

export function mlpBackwardInputFusedParams(batch: number, layers: readonly LayerLayout[], lowest: 0 | 1): ArrayBuffer {
  if (layers.length > FUSED_BACKWARD_MAX_LAYERS) throw new RangeError(`fused backward: ${layers.length} layers, at most ${FUSED_BACKWARD_MAX_LAYERS}`);
  return MLP_BACKWARD_INPUT_FUSED_PARAMS.pack({ batch, layers: layers.length, lowest, layer: layers.map(layerValues) });
}

const layerFlops = (layers: readonly LayerLayout[], batch: number) => layers.reduce((s, l) => s + 2 * batch * l.inputs * l.outputs, 0);

/** The whole forward: y_l (batch, out_l) for every layer l; `ys` past the network's layers are unused dummies. */
export function mlpForwardFusedDispatch(device: GPUDevice, p: Pipeline<typeof mlpForwardFusedKernel.spec.bindings>, rows: number,
  layers: readonly LayerLayout[], batch: number, b: { x: GPUBuffer; weights: GPUBuffer; ys: GPUBuffer[] }, parameterCount: number, op?: string): Dispatch {
  const [y0, y1, y2, y3] = b.ys;
  const written = layers.reduce((s, l) => s + batch * l.outputs, 0);
  return dispatchOf(device, p, { params: ownedUniform(device, mlpForwardFusedParams(batch, layers), 'mlpForwardFused.params'), x: b.x, weights: b.weights, y0, y1, y2, y3 },
    linearGrid(device, batch, rows), { op, cost: { flops: layerFlops(layers, batch), bytes: 4 * (batch * layers[0].inputs + parameterCount + written) } });
}

/**
 * The input-gradient chain from dOutput down to delta_0 (lowest 1) or dInput (lowest 0); absent activations and
 * deltas are bound to dummies.
 */
export function mlpBackwardInputFusedDispatch(device: GPUDevice, p: Pipeline<typeof mlpBackwardInputFusedKernel.spec.bindings>, rows: number,
  layers: readonly LayerLayout[], batch: number, lowest: 0 | 1,
  b: { dOutput: GPUBuffer; weights: GPUBuffer; a0: GPUBuffer; a1: GPUBuffer; delta0: GPUBuffer; delta1: GPUBuffer; dInput: GPUBuffer }, op?: string): Dispatch {
  const chain = layers.slice(lowest);
  const weights = chain.reduce((s, l) => s + l.inputs * l.outputs, 0);
  const moved = chain.reduce((s, l, i) => s + batch * l.inputs * (i + lowest > 0 ? 2 : 1), 0);
  return dispatchOf(device, p, { params: ownedUniform(device, mlpBackwardInputFusedParams(batch, layers, lowest), 'mlpBackwardInputFused.params'), ...b },
    linearGrid(device, batch, rows), { op, cost: { flops: layerFlops(chain, batch), bytes: 4 * (batch * layers[layers.length - 1].outputs + weights + moved) } });
}
