// The LARA trainer's own kernels (shaders/lara_*.wgsl) declared once: observe, act, minibatch, critic loss, actor chain
// forward and backward, chunk metrics. Each reads its per-(iteration, update) values from the host-written Step ring
// (binding 0, at a dynamic offset) and takes its sizes from LARA_DEFINES.
import { ROW_WORKGROUP } from '../env/gpu.js';
import { defineKernel, type Binding, type Bindings, type Kernel } from '../gpu/kernel.js';
import type { DerivedRun } from './derive.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';
import type { ShaderDefines } from '../gpu/shaders.js';
import {
  ACT_METRICS, ACT_WORKGROUP, ACTION_SIZE, CRITIC_INPUT, LARA_DEFINES, LOSS_WORKGROUP, OBSERVATION_SIZE, REPLAY_STRIDE, STEP_STRUCT, WORLD_ROW_WORKGROUP,
} from './layout.js';

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
  channelPrior: number;
  sharePrior: number;
  associationMoves: number;
}

/** The Step of update u of iteration t of a run, the iteration being `chunkIteration` of its submitted chunk. */
export function runStep(run: DerivedRun, t: number, u: number, chunkIteration: number): Step {
  const c = run.config;
  const s = run.schedule(t);
  return {
    iteration: t, update: u, filled: s.filled, writeRow: s.writeRow, sigma: s.sigma, useActor: s.useActor,
    chunkIteration, chunkUpdate: chunkIteration * c.updatesPerIteration + u,
    seed: c.seed, envs: c.envs, batch: c.batch, capacity: c.replayCapacity, gamma: c.gamma, shareFloor: c.shareFloor,
    rewardKind: c.reward, actPartials: run.actPartials, lossPartials: run.lossPartials, updates: c.updatesPerIteration, channelPrior: c.channelPrior, sharePrior: c.sharePrior, associationMoves: c.associationMoves,
  };
}

/** Writes one `struct Step` at byte `offset` of `data`. */
export function writeStep(data: ArrayBuffer, offset: number, s: Step): void {
  STEP_STRUCT.write(data, offset, { ...s, rewardKind: s.rewardKind === 'log' ? 0 : 1 });
}

/** The dynamic offset of Step ring entry `entry`. */
export const stepOffset = (entry: number): number[] => [entry * STEP_STRIDE];

type StepBindings<B extends Bindings> = { step: 'dynamic-uniform' } & B;

/** Work per item of a Step-ring kernel: floats read plus written, and FLOPs (the profile's GB/s, bench/predict.ts). */
interface ItemWork { floats: number; flops: number }
const itemCost = (w: ItemWork) => ({ flops: w.flops, bytes: 4 * w.floats });

/**
 * A kernel with the Step ring at binding 0, one invocation per item, `workgroup` per workgroup; `constants` and
 * `defines` of a variant (a generalised world's row sizes, shape.ts); `work` per item.
 */
function stepKernel<B extends Bindings, V = void>(shader: string, op: string, bindings: B, workgroup: number, work: (v: V) => ItemWork,
                                               constants: (v: V) => Record<string, number | boolean> = () => ({}),
                                               defines: (v: V) => ShaderDefines | undefined = () => undefined): Kernel<StepBindings<B>, V> {
  return defineKernel({
    shader, op, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) }, defines: defines(v) }), itemCost: (v) => itemCost(work(v)),
  });
}

/** Like stepKernel, summing `width` values per workgroup (shaders/lib/workgroup_reduce.wgsl). */
function reducingStepKernel<B extends Bindings, V extends ReduceVariant>(shader: string, op: string, bindings: B, workgroup: number, width: number,
                                                                        work: ItemWork, constants: (v: V) => Record<string, number | boolean> = () => ({})) {
  return defineKernel({
    shader, op, bindings: { step: 'dynamic-uniform', ...bindings } as StepBindings<B>, defines: LARA_DEFINES,
    variant: (v: V) => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants(v) }, defines: reduceDefines(width, v) }),
    features: reduceFeatures, itemCost: () => itemCost(work),
  });
}

/** FLOPs per row of the action head with its critic features (and of their vector-Jacobian product: twice). */
const FEATURE_FLOPS = 60;

// Each kernel's work per item: the floats it reads plus writes, and its FLOPs (estimates).
export const laraObserveKernel = stepKernel('lara_observe.wgsl', 'lara.observe', { scenario: 'uniform', norm: 'uniform', states: 'read-write', obs: 'read-write' },
  ROW_WORKGROUP, () => ({ floats: 2 * OBSERVATION_SIZE, flops: 300 }));
/** lara_act's work per env (lib/lara_act_row.wgsl), beside the actor's forward. */
export const ACT_ROW_WORK: ItemWork = { floats: 3 * OBSERVATION_SIZE + 2 * ACTION_SIZE + REPLAY_STRIDE, flops: 600 };
export const laraActKernel = reducingStepKernel('lara_act.wgsl', 'lara.act', {
  scenario: 'uniform', norm: 'uniform', actorZ: 'read', states: 'read-write', obs: 'read-write', replay: 'read-write', actPartials: 'read-write',
}, ACT_WORKGROUP, ACT_METRICS, ACT_ROW_WORK);
/**
 * gamma: whether next_obs is gathered (the critic target reads it only when gamma > 0). A replay row's obs, features
 * and reward are read and written (obs twice); next obs (read and written) only with gamma. sizes: a generalised
 * world's row sizes (shape.ts worldLaraDefines; absent: the letter's LARA_DEFINES), whose rows of thousands of floats
 * take WORLD_ROW_WORKGROUP rows a workgroup (more workgroups over a GPU's SMs).
 */
export const laraMinibatchKernel = stepKernel('lara_minibatch.wgsl', 'lara.minibatch', {
  replay: 'read', criticInput: 'read-write', obsBatch: 'read-write', reward: 'read-write', nextObs: 'read-write',
}, MINIBATCH_WORKGROUP, (v: { gamma: boolean; sizes?: ShaderDefines }) => {
  const obs = Number(v.sizes?.OBSERVATION_SIZE ?? OBSERVATION_SIZE), action = Number(v.sizes?.ACTION_SIZE ?? ACTION_SIZE);
  return { floats: 2 * (obs + action + 1) + (v.gamma ? 3 : 1) * obs, flops: 100 };
}, (v) => ({ GAMMA: v.gamma, ...(v.sizes ? { WORKGROUP_SIZE: WORLD_ROW_WORKGROUP } : {}) }), (v) => v.sizes);
/** world: on a generalised world, WORLD_ROW_WORKGROUP rows a workgroup (a loss partial each, as the world's kernels). */
export const laraCriticLossKernel = reducingStepKernel('lara_critic_loss.wgsl', 'lara.criticLoss', {
  q: 'read', reward: 'read', dQ: 'read-write', lossPartials: 'read-write', targetQ: 'read',
}, LOSS_WORKGROUP, 1, { floats: 3, flops: 5 },
(v: ReduceVariant & { gamma: boolean; world?: boolean }) => ({ GAMMA: v.gamma, ...(v.world ? { WORKGROUP_SIZE: WORLD_ROW_WORKGROUP } : {}) }));
export const laraActorChainKernel = stepKernel('lara_actor_chain.wgsl', 'lara.actorChain', { z: 'read', obs: 'read', criticInput: 'read-write' },
  ROW_WORKGROUP, () => ({ floats: ACTION_SIZE + OBSERVATION_SIZE + CRITIC_INPUT, flops: FEATURE_FLOPS }));
export const laraActorChainBackwardKernel = reducingStepKernel('lara_actor_chain_backward.wgsl', 'lara.actorChainBackward', {
  z: 'read', dCriticInput: 'read', q: 'read', dZ: 'read-write', actorPartials: 'read-write',
}, LOSS_WORKGROUP, 1, { floats: 2 * ACTION_SIZE + CRITIC_INPUT + 1, flops: 2 * FEATURE_FLOPS });
/** One workgroup per iteration of a chunk (withGrid); its work is not counted. */
export const laraMetricsKernel = reducingStepKernel('lara_metrics.wgsl', 'lara.metrics', {
  actPartials: 'read', criticPartials: 'read', actorPartials: 'read', metrics: 'read-write',
}, METRICS_WORKGROUP, ACT_METRICS + 2, { floats: 0, flops: 0 });

/** The Step ring as binding 0: one entry's bytes, read at the dynamic offset of the entry. */
export const stepBinding = (ring: GPUBuffer): Binding => ({ buffer: ring, size: STEP_STRUCT.size });
