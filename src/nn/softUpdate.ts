// Soft target update (theta' = tau * theta + (1 - tau) * theta') on the GPU (shaders/soft_update.wgsl): one dispatch
// per network. The trainer fuses it into Adam (adam.ts); this stand-alone kernel serves GpuMlp.softUpdateDispatch.
import { defineKernel, ownedUniform, dispatchOf, linearGrid, type Dispatch, type PipelineOf } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';

const WORKGROUP = 256;
/** `struct Params` of shaders/soft_update.wgsl. */
export const SOFT_UPDATE_PARAMS = uniformStruct('Params', { count: 'u32', tau: 'f32' });

export const softUpdateKernel = defineKernel({
  shader: 'soft_update.wgsl',
  uniforms: [SOFT_UPDATE_PARAMS],
  bindings: { params: 'uniform', source: 'read', target: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: WORKGROUP } }),
});

export function softUpdateParams(count: number, tau: number): ArrayBuffer {
  return SOFT_UPDATE_PARAMS.pack({ count, tau });
}

/** target <- tau source + (1 - tau) target over `count` floats. */
export function softUpdateDispatch(device: GPUDevice, pipeline: PipelineOf<typeof softUpdateKernel>, source: GPUBuffer, target: GPUBuffer, count: number, tau: number,
                                   op?: string): Dispatch {
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
  if (source.size < count * 4 || target.size < count * 4) throw new RangeError(`soft update of ${count} floats exceeds a buffer`);
  return dispatchOf(device, pipeline, { params: ownedUniform(device, softUpdateParams(count, tau), 'softUpdate.params'), source, target },
    linearGrid(device, count, WORKGROUP), { op, cost: { flops: 3 * count, bytes: 12 * count } });
}
