// The LARA trainer's own kernels (shaders/lara_*.wgsl) declared once: observe, act, minibatch, critic loss, actor chain
// forward and backward, chunk metrics. Each reads its per-(iteration, update) values from the host-written Step ring
// (binding 0, at a dynamic offset) and takes its sizes from LARA_DEFINES.
import { ROW_WORKGROUP } from '../env/gpu.js';
import { defineKernel, dispatchOf, linearGrid, type Binding, type Bindings, type Dispatch, type Kernel } from '../gpu/kernel.js';
import type { DerivedRun } from './derive.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';
import { ACT_METRICS, ACT_WORKGROUP, ACTION_SIZE, CRITIC_INPUT, LARA_DEFINES, LOSS_WORKGROUP, OBSERVATION_SIZE, REPLAY_STRIDE, STEP_STRUCT } from './layout.js';

/** Bytes per Step ring entry (a multiple of minUniformBufferOffsetAlignment, which is at most 256). */
export const STEP_STRIDE = 256;
/** Workgroup of the metrics kernel (one workgroup per iteration of a chunk). */
const METRICS_WORKGROUP = 64;
const MINIBATCH_WORKGROUP = 256;

/** One Step ring entry (`struct Step`, STEP_STRUCT of src/train/layout.ts) as the trainer states it. */
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

/** The Step of update u of iteration t of a run, the iteration being `chunkIteration` of its submitted chunk. */
export function runStep(run: DerivedRun, t: number, u: number, chunkIteration: number): Step {
  const c = run.config;
  const s = run.schedule(t);
  return {
    iteration: t, update: u, filled: s.filled, writeRow: s.writeRow, sigma: s.sigma, useActor: s.useActor,
    chunkIteration, chunkUpdate: chunkIteration * c.updatesPerIteration + u,
    seed: c.seed, envs: c.envs, batch: c.batch, capacity: c.replayCapacity, gamma: c.gamma, shareFloor: c.shareFloor,
    rewardKind: c.reward, actPartials: run.actPartials, lossPartials: run.lossPartials, updates: c.updatesPerIteration,
  };
}

/** Writes one `struct Step` at byte `offset` of `data`. */
export function writeStep(data: ArrayBuffer, offset: number, s: Step): void {
  STEP_STRUCT.write(data, offset, { ...s, rewardKind: s.rewardKind === 'log' ? 0 : 1 });
}

/** The dynamic offset of Step ring entry `entry`. */
export const stepOffset = (entry: number): number[] => [entry * STEP_STRIDE];

type StepBindings<B extends Bindings> = { step: 'dynamic-uniform' } & B;

/** A kernel with the Step ring at binding 0, one invocation per item, `workgroup` per workgroup; `constants` of a variant. */
function stepKernel<B extends Bindings, V = void>(shader: string, bindings: B, workgroup: number,
                                               constants: (v: V) => Record<string, number | boolean> = () => ({})): Kernel<StepBindings<B>, V> {
  return defineKernel({
    shader, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) } }),
  });
}

/** Like stepKernel, summing `width` values per workgroup (shaders/lib/workgroup_reduce.wgsl). */
function reducingStepKernel<B extends Bindings, V extends ReduceVariant>(shader: string, bindings: B, workgroup: number, width: number,
                                                                        constants: (v: V) => Record<string, number | boolean> = () => ({})) {
  return defineKernel({
    shader, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) }, defines: reduceDefines(width, v) }),
    features: reduceFeatures,
  });
}

export const laraObserveKernel = stepKernel('lara_observe.wgsl', { scenario: 'uniform', norm: 'uniform', states: 'read-write', obs: 'read-write' }, ROW_WORKGROUP);
export const laraActKernel = reducingStepKernel('lara_act.wgsl', {
  scenario: 'uniform', norm: 'uniform', actorZ: 'read', states: 'read-write', obs: 'read-write', replay: 'read-write', actPartials: 'read-write',
}, ACT_WORKGROUP, ACT_METRICS);
/** gamma: whether next_obs is gathered (the critic target reads it only when gamma > 0). */
export const laraMinibatchKernel = stepKernel('lara_minibatch.wgsl', {
  replay: 'read', criticInput: 'read-write', obsBatch: 'read-write', reward: 'read-write', nextObs: 'read-write',
}, MINIBATCH_WORKGROUP, (v: { gamma: boolean }) => ({ GAMMA: v.gamma }));
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
export const stepBinding = (ring: GPUBuffer): Binding => ({ buffer: ring, size: STEP_STRUCT.size });

/**
 * Floats each kernel reads plus writes per item, for the profile's GB/s and the predicted times (bench/predict.ts). The
 * minibatch reads a replay row's obs, features and reward and writes them (obs twice); next obs (read and written)
 * only with gamma > 0: minibatchTarget.
 */
const ITEM_FLOATS = {
  observe: 2 * OBSERVATION_SIZE, act: 3 * OBSERVATION_SIZE + 2 * ACTION_SIZE + REPLAY_STRIDE,
  minibatch: 2 * (OBSERVATION_SIZE + ACTION_SIZE + 1) + OBSERVATION_SIZE, minibatchTarget: 2 * (OBSERVATION_SIZE + ACTION_SIZE + 1) + 3 * OBSERVATION_SIZE,
  criticLoss: 3, actorChain: ACTION_SIZE + OBSERVATION_SIZE + CRITIC_INPUT, actorChainBackward: 2 * ACTION_SIZE + CRITIC_INPUT + 1, metrics: 0,
} as const;

/** A dispatch of a Step-ring kernel over `items` (envs or batch rows; the metrics kernel: one workgroup per iteration), with a cost estimate per item. */
export function stepDispatch<B extends Bindings>(device: GPUDevice, p: Parameters<typeof dispatchOf<B>>[1], buffers: Parameters<typeof dispatchOf<B>>[2],
                                                 items: number, kind: keyof typeof ITEM_FLOATS, flopsPerItem: number): Dispatch {
  return dispatchOf(device, p, buffers, linearGrid(device, items, p.workgroup[0]), {
    op: `lara.${kind === 'minibatchTarget' ? 'minibatch' : kind}`, cost: { flops: flopsPerItem * items, bytes: 4 * ITEM_FLOATS[kind] * items },
  });
}
