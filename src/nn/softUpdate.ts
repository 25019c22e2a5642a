// Soft target update (theta' = tau * theta + (1 - tau) * theta') on the GPU: one dispatch per network.
import { bindBuffers, createUniform, dispatch1d } from '../gpu/buffers.js';
import { createPipeline } from '../gpu/shaders.js';

const WORKGROUP_SIZE = 256;

/** Mirrors `struct Params` of shaders/soft_update.wgsl. */
export function softUpdateParams(count: number, tau: number): ArrayBuffer {
  const data = new ArrayBuffer(16);
  new Uint32Array(data, 0, 1)[0] = count;
  new Float32Array(data, 4, 1)[0] = tau;
  return data;
}

export class SoftUpdateKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline) {}

  static async create(device: GPUDevice): Promise<SoftUpdateKernel> {
    const pipeline = await createPipeline(device, { shader: 'soft_update.wgsl', constants: { WORKGROUP_SIZE } });
    return new SoftUpdateKernel(device, pipeline);
  }

  /** Binds source and target (count floats each) once; the returned function encodes one update. */
  prepare(source: GPUBuffer, target: GPUBuffer, count: number, tau: number): (pass: GPUComputePassEncoder) => void {
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
    if (source.size < count * 4 || target.size < count * 4) throw new RangeError(`soft update of ${count} floats exceeds a buffer`);
    const uniform = createUniform(this.device, softUpdateParams(count, tau), 'softUpdate.params');
    const bindGroup = bindBuffers(this.device, this.pipeline, [uniform, source, target], 'softUpdate');
    return (pass) => {
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, bindGroup);
      dispatch1d(this.device, pass, count, WORKGROUP_SIZE);
    };
  }
}
