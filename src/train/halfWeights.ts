// The f16 weight copies of the fused update's half-weight variant (FusedVariant.halfWeights): per network, a buffer of
// its parameters in f16 that the row kernels (and the act, the actor's) stream instead of the f32 ones, made from the
// f32 parameters by shaders/to_half.wgsl at the start of each submit (so whatever wrote the parameters before, an
// initialisation, a resume or the tuner, is taken) and kept by the weight pass beside each Adam step with the same
// conversion.
import { createStorage } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, releaseDispatches, type Dispatch, type Recorder } from '../gpu/kernel.js';

const WORKGROUP = 256;

export const toHalfKernel = defineKernel({
  shader: 'to_half.wgsl', op: 'fused.toHalf',
  bindings: { params: 'read', params16: 'read-write' },
  variant: (count: number) => ({ constants: { WORKGROUP_SIZE: WORKGROUP, COUNT: count } }),
  features: () => ['shader-f16'],
});

/** Bytes of an f16 copy of `count` parameters. */
export const halfBytes = (count: number) => 2 * count;

/** One network's f16 copy and the dispatch that makes it from its f32 parameters. */
export interface HalfCopy { buffer: GPUBuffer; refresh: Dispatch }

/** The f16 copy of a network of `count` parameters in `params` (f32), with its refresh dispatch. */
export async function halfCopy(device: GPUDevice, params: GPUBuffer, count: number, label: string): Promise<HalfCopy> {
  const buffer = createStorage(device, halfBytes(count), `${label}.params16`);
  const p = await toHalfKernel.pipeline(device, count);
  const refresh = dispatchOf(device, p, { params, params16: buffer }, linearGrid(device, count, WORKGROUP),
    { op: `${label}.toHalf`, cost: { flops: 0, bytes: 6 * count } });
  return { buffer, refresh };
}

/** Both networks' f16 copies: refresh() records their dispatches (at a submit's start), destroy() frees them. */
export class HalfWeights {
  private constructor(readonly actor: HalfCopy, readonly critic: HalfCopy) {}

  static async create(device: GPUDevice, actor: { params: GPUBuffer; parameterCount: number }, critic: { params: GPUBuffer; parameterCount: number }): Promise<HalfWeights> {
    const [a, c] = await Promise.all([halfCopy(device, actor.params, actor.parameterCount, 'actor'), halfCopy(device, critic.params, critic.parameterCount, 'critic')]);
    return new HalfWeights(a, c);
  }

  refresh(rec: Recorder): void {
    rec.dispatch(this.actor.refresh);
    rec.dispatch(this.critic.refresh);
  }

  destroy(): void {
    releaseDispatches([this.actor.refresh, this.critic.refresh]);
    this.actor.buffer.destroy();
    this.critic.buffer.destroy();
  }
}
