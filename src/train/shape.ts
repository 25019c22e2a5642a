// The sizes LARA's networks, replay rows and kernels take from the world it trains on: the letter's constants
// (layout.ts, LARA_DEFINES) for the letter's world, or those of worldLaraLayout() for a generalised one.
import type { ShaderDefines } from '../gpu/shaders.js';
import { Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import { worldGpuDefines } from '../world/gpu.js';
import { isLetter, worldOf, type World } from '../world/world.js';
import { ACT_METRICS, ACTION_SIZE, CRITIC_INPUT, LARA_DEFINES, METRICS_STRIDE, OBSERVATION_SIZE, REPLAY_STRIDE } from './layout.js';
import { STATE_SIZE } from '../env/layout.js';
import { worldLaraLayout, type WorldLaraLayout } from './worldFeatures.js';

export interface LaraShape {
  /** Observation, pre-activation (= critic action features), critic input, replay row and state sizes. */
  observation: number;
  action: number;
  criticInput: number;
  replayStride: number;
  state: number;
  /** Defines of lib/lara.wgsl and lib/lara_step.wgsl (and, for a world, lib/lara_world.wgsl). */
  defines: ShaderDefines;
  /** The generalised world, absent for the letter's. */
  world?: { world: World; lara: WorldLaraLayout };
}

export const LETTER_SHAPE: LaraShape = {
  observation: OBSERVATION_SIZE, action: ACTION_SIZE, criticInput: CRITIC_INPUT, replayStride: REPLAY_STRIDE, state: STATE_SIZE, defines: LARA_DEFINES,
};

/** Defines of the world's LARA kernels: the world's (worldGpuDefines), the row sizes and the observation's offsets. */
export function worldLaraDefines(lara: WorldLaraLayout): ShaderDefines {
  const observation = lara.obs.size, action = lara.z.size;
  const features = observation, reward = features + action, next = reward + 1;
  return {
    ...LARA_DEFINES,
    ...worldGpuDefines(lara.world),
    OBSERVATION_SIZE: observation, ACTION_SIZE: action, CRITIC_INPUT: observation + action,
    REPLAY_STRIDE: next + observation, REPLAY_OBS: 0, REPLAY_FEATURES: features, REPLAY_REWARD: reward, REPLAY_NEXT_OBS: next,
    ACT_METRICS, METRICS_STRIDE,
    STREAM_TRAIN_STATES: Stream.trainStates, STREAM_EXPLORATION_NOISE: Stream.explorationNoise, STREAM_MINIBATCH: Stream.minibatch,
    LW_GAINS: lara.gainsPerLink, LW_USER_STRIDE: lara.userStride, LW_OBS_DATA: lara.obs.data, LW_OBS_ACTIVE: lara.obs.active ?? 0,
    LW_OBS_SERVER: lara.obs.server ?? 0, LW_Z_ASSOCIATION: lara.z.association ?? 0, LW_OBSERVE: false,
  };
}

/** The shape of a generalised world. */
export function worldShape(world: World): LaraShape {
  const lara = worldLaraLayout(world);
  const observation = lara.obs.size, action = lara.z.size;
  return {
    observation, action, criticInput: observation + action, replayStride: 2 * observation + action + 1, state: lara.world.state.size,
    defines: worldLaraDefines(lara), world: { world, lara },
  };
}

const shapes = new WeakMap<Scenario, LaraShape>();

/** The shape LARA trains with on a scenario: the letter's for a world of the letter's shape. */
export function laraShapeOf(scenario: Scenario): LaraShape {
  let shape = shapes.get(scenario);
  if (!shape) {
    const world = worldOf(scenario);
    shape = isLetter(world) ? LETTER_SHAPE : worldShape(world);
    shapes.set(scenario, shape);
  }
  return shape;
}
