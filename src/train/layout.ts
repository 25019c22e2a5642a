// LARA's data layouts, the one home of every size its shaders share with TypeScript (passed to them as LARA_DEFINES).
import { ACTION_SIZE, ENV_DEFINES, STATE_SIZE } from '../env/layout.js';
import { structDefines, uniformStruct } from '../gpu/uniforms.js';
import { Stream } from '../rng/streams.js';

export { ACTION_SIZE } from '../env/layout.js';
/** The observation: one normalised value per state entry. */
export const OBSERVATION_SIZE = STATE_SIZE;
/** The critic's input row: obs | critic action features. */
export const CRITIC_INPUT = OBSERVATION_SIZE + ACTION_SIZE;

/** One replay row: obs | critic action features | learning reward (1) | next obs. */
export const REPLAY_OBS = 0;
export const REPLAY_FEATURES = REPLAY_OBS + OBSERVATION_SIZE;
export const REPLAY_REWARD = REPLAY_FEATURES + ACTION_SIZE;
export const REPLAY_NEXT_OBS = REPLAY_REWARD + 1;
export const REPLAY_STRIDE = REPLAY_NEXT_OBS + OBSERVATION_SIZE;

/** Floats per workgroup partial of the act metrics: -L_total, L_comp, L_aigc, L_ve, L_total. */
export const ACT_METRICS = 5;
/** Floats per iteration row of the chunk metrics: ACT_METRICS, critic loss, actor loss, padding. */
export const METRICS_STRIDE = 8;
/** Columns of a chunk metrics row (shaders/lara_metrics.wgsl): the act metrics (means over the envs), then the losses. */
export const METRIC = { reward: 0, lComp: 1, lAigc: 2, lVe: 3, lTotal: 4, criticLoss: ACT_METRICS, actorLoss: ACT_METRICS + 1 } as const;

/** Workgroup of the kernels that sum per workgroup over the envs (act) or the batch (critic loss, actor chain). */
export const ACT_WORKGROUP = 256;
export const LOSS_WORKGROUP = 256;
/**
 * Workgroup of a generalised world's per-row kernels: those that sum per workgroup (act, actor chain backward, model
 * gradient, and the critic loss there, so that every loss partial is a workgroup's) and the minibatch gather. A row's work there grows with the users and servers (the model gradient's best
 * responses: O(users^2); a `large` replay row is 4,545 floats), so few rows a workgroup spread a batch over more compute
 * units: a GPU's SMs (256 rows of 256 would be one), a CPU adapter's threads (each runs whole workgroups).
 */
export const WORLD_ROW_WORKGROUP = 32;

/** Bytes of the GPU replay ring for `capacity` rows. */
export function replayBytes(capacity: number): number {
  return capacity * REPLAY_STRIDE * 4;
}

/**
 * `struct Step` of shaders/lib/lara_step.wgsl: the trainer's per-(iteration, update) values, one entry of the Step ring
 * (writeStep in src/train/laraKernels.ts).
 */
export const STEP_STRUCT = uniformStruct('Step', {
  iteration: 'u32',       // t: the slot every env steps in this iteration
  update: 'u32',          // u in [0, updates)
  filled: 'u32',          // replay rows filled (after this iteration's act)
  writeRow: 'u32',        // ring row of env 0 in this iteration: (t * envs) mod capacity
  sigma: 'f32',           // exploration noise scale at t
  useActor: 'u32',        // 0 during warm-up: act with z = 0 (noise only)
  chunkIteration: 'u32',  // index of this iteration within the submitted chunk (metrics partials)
  chunkUpdate: 'u32',     // chunk_iteration * updates + u (loss partials)
  seed: 'u32',
  envs: 'u32',
  batch: 'u32',
  capacity: 'u32',
  gamma: 'f32',
  shareFloor: 'f32',
  rewardKind: 'u32',      // 0: learn from -ln(L_total); 1: from -L_total (lara_learning_reward)
  actPartials: 'u32',     // workgroup partials per iteration in the act metrics (ceil(envs / act workgroup))
  lossPartials: 'u32',    // workgroup partials per update in each loss (ceil(batch / loss workgroup))
  updates: 'u32',         // updates per iteration
  channelPrior: 'f32',    // weight of the association scores' channel prior (lw_add_channel_prior; 0: none)
  sharePrior: 'f32',      // weight of the share scores' prior (lw_add_share_prior; 0: none)
  associationMoves: 'u32',  // most association labels per row that are moves (0: every user's best response)
});

/** `struct LaraObservationNorm` of shaders/lib/lara.wgsl (observationNormParams in src/train/features.ts). */
export const OBSERVATION_NORM_STRUCT = uniformStruct('LaraObservationNorm', {
  logMeanGain: 'vec4<f32>',  // ln(g0 * distance^-exponent) of h_comp_off, h_aigc_back, h_ve_off, h_ve_back
  dataLow: 'vec4<f32>',      // xyz: low end of the d_comp, d_ve, d_aigc intervals
  dataSpan: 'vec4<f32>',     // xyz: high - low (0: a fixed size, observed as 0)
  channelScale: 'f32',
});

/** Defines of shaders/lib/lara.wgsl and lib/lara_step.wgsl (with the environment's). */
export const LARA_DEFINES = {
  ...ENV_DEFINES,
  ...structDefines([STEP_STRUCT, OBSERVATION_NORM_STRUCT]),
  OBSERVATION_SIZE, CRITIC_INPUT, REPLAY_STRIDE, REPLAY_OBS, REPLAY_FEATURES, REPLAY_REWARD, REPLAY_NEXT_OBS,
  ACT_METRICS, METRICS_STRIDE, METRIC_CRITIC_LOSS: METRIC.criticLoss, METRIC_ACTOR_LOSS: METRIC.actorLoss,
  STREAM_TRAIN_STATES: Stream.trainStates, STREAM_EXPLORATION_NOISE: Stream.explorationNoise, STREAM_MINIBATCH: Stream.minibatch,
} as const;
