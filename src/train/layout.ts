// LARA's data layouts, the one home of every size its shaders share with TypeScript (passed to them as LARA_DEFINES).
import { ACTION_SIZE, ENV_DEFINES, STATE_SIZE } from '../env/layout.js';
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

/** Workgroup of the kernels that sum per workgroup over the envs (act) or the batch (critic loss, actor chain). */
export const ACT_WORKGROUP = 256;
export const LOSS_WORKGROUP = 256;

/** Bytes of the GPU replay ring for `capacity` rows. */
export function replayBytes(capacity: number): number {
  return capacity * REPLAY_STRIDE * 4;
}

/** Defines of shaders/lib/lara.wgsl and lib/lara_step.wgsl (with the environment's). */
export const LARA_DEFINES = {
  ...ENV_DEFINES,
  OBSERVATION_SIZE, CRITIC_INPUT, REPLAY_STRIDE, REPLAY_OBS, REPLAY_FEATURES, REPLAY_REWARD, REPLAY_NEXT_OBS,
  ACT_METRICS, METRICS_STRIDE,
  STREAM_TRAIN_STATES: Stream.trainStates, STREAM_EXPLORATION_NOISE: Stream.explorationNoise, STREAM_MINIBATCH: Stream.minibatch,
} as const;
