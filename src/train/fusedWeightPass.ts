// The fused update's weight pass (FusedVariant.weightPass, shaders/mlp_weight_adam.wgsl): the row kernels store each
// layer's block inputs and output deltas instead of writing split-K slices of the weight gradient, and one dispatch
// per network computes every parameter's gradient over the minibatch in one invocation, with its Adam step and soft
// target update (and, with half weights, the f16 copy the row kernels stream: halfWeights.ts). For wide networks at
// small batches: the row kernels no longer write a slice of all the weights per workgroup, and the weight gradient runs
// on as many invocations as there are parameters.
import { defineKernel, dispatchOf, linearGrid, ownedUniform, type Dispatch, type Pipeline } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import { ADAM_HYPER, type AdamSchedule } from '../nn/adam.js';
import { mlpLayout } from '../nn/layout.js';
import { netDefines } from './fusedMlpDefines.js';

/** `struct WeightPass` of shaders/mlp_weight_adam.wgsl: the minibatch rows stored and the soft update's tau. */
export const WEIGHT_PASS_STRUCT = uniformStruct('WeightPass', { batch: 'u32', tau: 'f32' });

const WORKGROUP = 256;

/** The weight pass's compile-time shape: the network's sizes, the row kernels' block rows, whether it keeps an f16 copy. */
export interface WeightPassShape { sizes: readonly number[]; rows: number; halfWeights?: boolean }

/** Floats of one block's copy of a network's regions (inputs or deltas), as the row kernels lay them out. */
const regionFloats = (s: WeightPassShape) => netDefines('N', s.sizes, s.rows, 0).end;

export const mlpWeightAdamKernel = defineKernel({
  shader: 'mlp_weight_adam.wgsl', op: 'mlp.weightAdam',
  uniforms: [ADAM_HYPER, WEIGHT_PASS_STRUCT],
  bindings: {
    hyper: 'dynamic-uniform', weightPass: 'uniform', acts: 'read', params: 'read-write', m: 'read-write', v: 'read-write', target: 'read-write',
    params16: 'read-write',
  },
  variant: (s: WeightPassShape) => ({
    constants: { WORKGROUP_SIZE: WORKGROUP },
    defines: {
      ...netDefines('N', s.sizes, s.rows, 0).defines, ROWS: s.rows, N_FLOATS: regionFloats(s),
      HALF_WEIGHTS: s.halfWeights === true, PARAMS16_TYPE: s.halfWeights ? 'f16' : 'f32',
    },
  }),
  features: (s: WeightPassShape) => (s.halfWeights ? ['shader-f16'] : []),
});

/** Floats a network's stored blocks take at `batch` rows: each block's inputs and deltas. */
export const weightPassFloats = (s: WeightPassShape, batch: number) => Math.ceil(batch / s.rows) * 2 * regionFloats(s);

/**
 * One network's weight pass bound: its stored blocks, its Adam ring and state, its target, and its f16 copy with half
 * weights (else any small buffer, never touched).
 */
export function weightPassDispatch(device: GPUDevice, p: Pipeline<typeof mlpWeightAdamKernel.spec.bindings>, s: WeightPassShape, schedule: AdamSchedule,
  b: { acts: GPUBuffer; params: GPUBuffer; m: GPUBuffer; v: GPUBuffer; target: GPUBuffer; params16: GPUBuffer }, batch: number, tau: number, op: string): Dispatch {
  const count = schedule.count;
  const weights = mlpLayout(s.sizes).layers.reduce((t, l) => t + l.inputs * l.outputs, 0);
  const weightPass = ownedUniform(device, WEIGHT_PASS_STRUCT.pack({ batch, tau }), 'weightPass');
  return dispatchOf(device, p, {
    hyper: { buffer: schedule.buffer, size: ADAM_HYPER.size }, weightPass, acts: b.acts, params: b.params, m: b.m, v: b.v, target: b.target,
    params16: b.params16,
  }, linearGrid(device, count, WORKGROUP), { op, cost: { flops: 2 * batch * weights + 16 * count, bytes: 4 * (weightPassFloats(s, batch) + 7 * count) + (s.halfWeights ? 2 * count : 0) } });
}
