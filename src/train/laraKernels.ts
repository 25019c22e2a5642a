// The LARA trainer's own kernels (shaders/lara_*.wgsl) declared once: observe, act, minibatch, critic loss, actor chain
// forward and backward, chunk metrics. Each reads its per-(iteration, update) values from the host-written Step ring
// (binding 0, at a dynamic offset) and takes its sizes from LARA_DEFINES.
import { defineKernel, dispatchOf, linearGrid, type Binding, type Bindings, type Dispatch, type Kernel } from '../gpu/kernel.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';
import type { ShaderDefines } from '../gpu/shaders.js';
import { ACT_METRICS, ACT_WORKGROUP, ACTION_SIZE, CRITIC_INPUT, LARA_DEFINES, LOSS_WORKGROUP, OBSERVATION_SIZE, REPLAY_STRIDE } from './layout.js';

/** Bytes per Step ring entry (a multiple of minUniformBufferOffsetAlignment, which is at most 256). */
export const STEP_STRIDE = 256;
/** Bytes of `struct Step` in shaders/lib/lara_step.wgsl (18 four-byte fields). */
export const STEP_BYTES = 72;
/** Workgroup of the metrics kernel (one workgroup per iteration of a chunk). */
const METRICS_WORKGROUP = 64;
const ROW_WORKGROUP = 64;
const MINIBATCH_WORKGROUP = 256;

/** Mirrors `struct Step` of shaders/lib/lara_step.wgsl. */
export interface Step {
  iteration: number;
  update: number;
  filled: number;
  writeRow: number;
  sigma: number;
  useActor: boolean;
  chunkIteration: number;
  chunkUpdate: number;
  seed: number;
  envs: number;
  batch: number;
  capacity: number;
  gamma: number;
  shareFloor: number;
  rewardKind: 'log' | 'linear';
  actPartials: number;
  lossPartials: number;
  updates: number;
}

/** Writes one `struct Step` at byte `offset` of `data`. */
export function writeStep(data: ArrayBuffer, offset: number, s: Step): void {
  const u = new Uint32Array(data, offset, STEP_BYTES / 4);
  const f = new Float32Array(data, offset, STEP_BYTES / 4);
  u[0] = s.iteration; u[1] = s.update; u[2] = s.filled; u[3] = s.writeRow;
  f[4] = s.sigma; u[5] = s.useActor ? 1 : 0; u[6] = s.chunkIteration; u[7] = s.chunkUpdate;
  u[8] = s.seed; u[9] = s.envs; u[10] = s.batch; u[11] = s.capacity;
  f[12] = s.gamma; f[13] = s.shareFloor; u[14] = s.rewardKind === 'log' ? 0 : 1; u[15] = s.actPartials;
  u[16] = s.lossPartials; u[17] = s.updates;
}

/** The dynamic offset of Step ring entry `entry`. */
export const stepOffset = (entry: number): number[] => [entry * STEP_STRIDE];

type StepBindings<B extends Bindings> = { step: 'dynamic-uniform' } & B;

/** A kernel with the Step ring at binding 0, one invocation per item, `workgroup` per workgroup; `constants` of a variant. */
function stepKernel<B extends Bindings, V = void>(shader: string, bindings: B, workgroup: number,
                                               constants: (v: V) => Record<string, number | boolean> = () => ({}),
                                               defines: (v: V) => ShaderDefines | undefined = () => undefined): Kernel<StepBindings<B>, V> {
  return defineKernel({
    shader, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) }, defines: defines(v) }), workgroup: () => [workgroup],
  });
}

/** Like stepKernel, summing `width` values per workgroup (shaders/lib/workgroup_reduce.wgsl). */
function reducingStepKernel<B extends Bindings, V extends ReduceVariant>(shader: string, bindings: B, workgroup: number, width: number,
                                                                        constants: (v: V) => Record<string, number | boolean> = () => ({})) {
  return defineKernel({
    shader, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) }, defines: reduceDefines(width, v) }),
    features: reduceFeatures, workgroup: () => [workgroup],
  });
}

export const laraObserveKernel = stepKernel('lara_observe.wgsl', { scenario: 'uniform', norm: 'uniform', states: 'read-write', obs: 'read-write' }, ROW_WORKGROUP);
export const laraActKernel = reducingStepKernel('lara_act.wgsl', {
  scenario: 'uniform', norm: 'uniform', actorZ: 'read', states: 'read-write', obs: 'read-write', replay: 'read-write', actPartials: 'read-write',
}, ACT_WORKGROUP, ACT_METRICS);
/**
 * gamma: whether next_obs is gathered (the critic target reads it only when gamma > 0); sizes: a generalised world's
 * row sizes (shape.ts worldLaraDefines; absent: the letter's LARA_DEFINES).
 */
export const laraMinibatchKernel = stepKernel('lara_minibatch.wgsl', {
  replay: 'read', criticInput: 'read-write', obsBatch: 'read-write', reward: 'read-write', nextObs: 'read-write',
}, MINIBATCH_WORKGROUP, (v: { gamma: boolean; sizes?: ShaderDefines }) => ({ GAMMA: v.gamma }), (v) => v.sizes);
export const laraCriticLossKernel = reducingStepKernel('lara_critic_loss.wgsl', {
  q: 'read', reward: 'read', dQ: 'read-write', lossPartials: 'read-write', targetQ: 'read',
}, LOSS_WORKGROUP, 1, (v: ReduceVariant & { gamma: boolean }) => ({ GAMMA: v.gamma }));
export const laraActorChainKernel = stepKernel('lara_actor_chain.wgsl', { z: 'read', obs: 'read', criticInput: 'read-write' }, ROW_WORKGROUP);
export const laraActorChainBackwardKernel = reducingStepKernel('lara_actor_chain_backward.wgsl', {
  z: 'read', dCriticInput: 'read', q: 'read', dZ: 'read-write', actorPartials: 'read-write',
}, LOSS_WORKGROUP, 1);
export const laraMetricsKernel = reducingStepKernel('lara_metrics.wgsl', {
  actPartials: 'read', criticPartials: 'read', actorPartials: 'read', metrics: 'read-write',
}, METRICS_WORKGROUP, ACT_METRICS + 2);

/** The Step ring as binding 0: one entry's bytes, read at the dynamic offset of the entry. */
export const stepBinding = (ring: GPUBuffer): Binding => ({ buffer: ring, size: STEP_BYTES });

/**
 * Floats each kernel reads plus writes per item, for the profile's GB/s and the predicted times (bench/predict.ts). The
 * minibatch reads a replay row's obs, features and reward and writes them (obs twice); next obs (read and written)
 * only with gamma > 0: minibatchTarget.
 */
export function itemFloats(observation: number, action: number) {
  const criticInput = observation + action, replayStride = 2 * observation + action + 1;
  return {
    observe: 2 * observation, act: 3 * observation + 2 * action + replayStride,
    minibatch: 2 * (observation + action + 1) + observation, minibatchTarget: 2 * (observation + action + 1) + 3 * observation,
    criticLoss: 3, actorChain: action + observation + criticInput, actorChainBackward: 2 * action + criticInput + 1, metrics: 0,
  } as const;
}
const ITEM_FLOATS = itemFloats(OBSERVATION_SIZE, ACTION_SIZE);
if (ITEM_FLOATS.act !== 3 * OBSERVATION_SIZE + 2 * ACTION_SIZE + REPLAY_STRIDE || ITEM_FLOATS.actorChain !== ACTION_SIZE + OBSERVATION_SIZE + CRITIC_INPUT) {
  throw new Error('laraKernels: the replay row and critic input sizes disagree with layout.ts');
}

/** A dispatch of a Step-ring kernel over `items` (envs or batch rows; the metrics kernel: one workgroup per iteration), with a cost estimate per item. */
export function stepDispatch<B extends Bindings>(device: GPUDevice, p: Parameters<typeof dispatchOf<B>>[1], buffers: Parameters<typeof dispatchOf<B>>[2],
                                                 items: number, kind: keyof typeof ITEM_FLOATS, flopsPerItem: number, floatsPerItem = ITEM_FLOATS[kind]): Dispatch {
  return dispatchOf(device, p, buffers, linearGrid(device, items, p.workgroup[0]), {
    op: `lara.${kind === 'minibatchTarget' ? 'minibatch' : kind}`, cost: { flops: flopsPerItem * items, bytes: 4 * floatsPerItem * items },
  });
}
