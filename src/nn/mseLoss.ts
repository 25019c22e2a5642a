// MSE loss gradient on the GPU (shaders/mse_loss.wgsl): dq = 2 (q - y) / B and partial sums of the loss.
import { defineKernel, ownedUniform, dispatchOf, type Dispatch, type PipelineOf } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';

const WORKGROUP = 256;
/** `struct Params` of shaders/mse_loss.wgsl. */
export const MSE_LOSS_PARAMS = uniformStruct('Params', { batch: 'u32', lossOffset: 'u32' });
const ITEMS_PER_THREAD = 16;

export const mseLossKernel = defineKernel({
  shader: 'mse_loss.wgsl',
  uniforms: [MSE_LOSS_PARAMS],
  bindings: { params: 'uniform', q: 'read', target: 'read', dq: 'read-write', lossPartials: 'read-write' },
  variant: (v: ReduceVariant) => ({ constants: { WORKGROUP_SIZE: WORKGROUP, ITEMS_PER_THREAD }, defines: reduceDefines(1, v) }),
  features: reduceFeatures,
});

export function mseLossParams(batch: number, lossOffset: number): ArrayBuffer {
  return MSE_LOSS_PARAMS.pack({ batch, lossOffset });
}

/** Number of partial sums (floats written at lossOffset...) for a batch; their total is the loss. */
export function mseLossPartialCount(batch: number): number {
  return Math.ceil(batch / (WORKGROUP * ITEMS_PER_THREAD));
}

export interface MseLossBuffers {
  /** (B) predictions, e.g. a critic's output buffer */
  q: GPUBuffer;
  /** (B) regression targets */
  target: GPUBuffer;
  /** (B) written: 2 (q - y) / B */
  dq: GPUBuffer;
  /** written: mseLossPartialCount(batch) floats from lossOffset */
  lossPartials: GPUBuffer;
}

/** dq and the loss partials for `batch` rows. */
export function mseLossDispatch(device: GPUDevice, pipeline: PipelineOf<typeof mseLossKernel>, buffers: MseLossBuffers, batch: number, lossOffset = 0): Dispatch {
  const { q, target, dq, lossPartials } = buffers;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`MSE loss: batch must be a positive integer, got ${batch}`);
  const workgroups = mseLossPartialCount(batch);
  if (q.size < batch * 4 || target.size < batch * 4 || dq.size < batch * 4) throw new RangeError(`MSE loss: a buffer is smaller than the batch of ${batch}`);
  if (lossPartials.size < (lossOffset + workgroups) * 4) throw new RangeError(`MSE loss: lossPartials needs ${lossOffset + workgroups} floats`);
  return dispatchOf(device, pipeline, { params: ownedUniform(device, mseLossParams(batch, lossOffset), 'mseLoss.params'), q, target, dq, lossPartials },
    [workgroups], { cost: { flops: 4 * batch, bytes: 12 * batch } });
}
