// MSE loss gradient on the GPU (shaders/mse_loss.wgsl): dq = 2 (q - y) / B and partial sums of the loss.
import { createUniform } from '../gpu/buffers.js';
import { bindGroup, bufferId, createExplicitPipeline, type ExplicitPipeline } from './pipelines.js';

export const MSE_WORKGROUP_SIZE = 256;
export const MSE_ITEMS_PER_THREAD = 16;

/** Mirrors `struct Params` of shaders/mse_loss.wgsl. */
export function mseLossParams(batch: number, lossOffset: number): ArrayBuffer {
  return new Uint32Array([batch, lossOffset, 0, 0]).buffer;
}

/** Number of partial sums (floats written at lossOffset...) for a batch; their total is the loss. */
export function mseLossPartialCount(batch: number): number {
  return Math.ceil(batch / (MSE_WORKGROUP_SIZE * MSE_ITEMS_PER_THREAD));
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

export class MseLossKernel {
  private groups = new Map<string, { group: GPUBindGroup; workgroups: number }>();
  private constructor(private device: GPUDevice, private kernel: ExplicitPipeline) {}

  static async create(device: GPUDevice): Promise<MseLossKernel> {
    const kernel = await createExplicitPipeline(device, 'mse_loss.wgsl', ['uniform', 'read', 'read', 'read-write', 'read-write'],
      { WORKGROUP_SIZE: MSE_WORKGROUP_SIZE, ITEMS_PER_THREAD: MSE_ITEMS_PER_THREAD });
    return new MseLossKernel(device, kernel);
  }

  /** Encodes dq and the loss partials for `batch` rows (bind groups cached per buffers, batch and offset). */
  encode(pass: GPUComputePassEncoder, buffers: MseLossBuffers, batch: number, lossOffset = 0): void {
    const { q, target, dq, lossPartials } = buffers;
    const key = `${bufferId(q)} ${bufferId(target)} ${bufferId(dq)} ${bufferId(lossPartials)} ${batch} ${lossOffset}`;
    let entry = this.groups.get(key);
    if (!entry) {
      if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`MSE loss: batch must be a positive integer, got ${batch}`);
      const workgroups = mseLossPartialCount(batch);
      if (q.size < batch * 4 || target.size < batch * 4 || dq.size < batch * 4) throw new RangeError(`MSE loss: a buffer is smaller than the batch of ${batch}`);
      if (lossPartials.size < (lossOffset + workgroups) * 4) throw new RangeError(`MSE loss: lossPartials needs ${lossOffset + workgroups} floats`);
      const uniform = createUniform(this.device, mseLossParams(batch, lossOffset), 'mseLoss.params');
      entry = { group: bindGroup(this.device, this.kernel.layout, [uniform, q, target, dq, lossPartials], 'mseLoss'), workgroups };
      this.groups.set(key, entry);
    }
    pass.setPipeline(this.kernel.pipeline);
    pass.setBindGroup(0, entry.group);
    pass.dispatchWorkgroups(entry.workgroups);
  }
}
