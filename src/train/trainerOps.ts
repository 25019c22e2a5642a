// What the float64 reference trainer does per row that depends on the world: sample, observe, act (head, latencies,
// critic features), the features and their VJP for the actor step, the exploration normals. The letter's ops call
// features.ts and src/env/reference.ts exactly as before; a generalised world's call worldFeatures.ts and
// src/world/reference.ts (the float64 twins of the world's kernels).
import { latency, sampleStates } from '../env/reference.js';
import { STATE_SIZE } from '../env/layout.js';
import type { Scenario } from '../scenario.js';
import type { RewardKind } from './features.js';
import { worldModelRewardGradientInto } from './worldModelCritic.js';
import { sampleWorldStates, worldLatency } from '../world/reference.js';
import {
  actionHeadInto, criticFeaturesFromPreInto, criticFeaturesVjpInto, explorationNormalsInto, observationInto, observationNorm,
} from './features.js';
import { ACTION_SIZE, OBSERVATION_SIZE } from './layout.js';
import { laraShapeOf, type LaraShape } from './shape.js';
import { addWorldPriorsInto, type WorldPriorWeights } from './worldPriors.js';
import {
  worldActionHeadInto, worldCriticFeaturesInto, worldCriticFeaturesVjpInto, worldExplorationNormalsInto, worldGroupsFromObs, worldObservationInto,
  worldObservationNorm,
} from './worldFeatures.js';

export interface TrainerOps {
  shape: LaraShape;
  /** States (count, shape.state) of envs first.. at one slot. */
  sample(seed: number, stream: number, first: number, count: number, slot: number): Float64Array;
  /** Observation of the state at states[sOff..] into out[oOff..]. */
  observe(states: ArrayLike<number>, sOff: number, out: Float64Array, oOff: number): void;
  /** shape.action exploration normals of env e at iteration t into out[0..]. */
  normals(seed: number, env: number, t: number, out: Float64Array): void;
  /** The action of z (the row's obs gives the groups) into action[0..] (the world's or the letter's action row). */
  head(z: ArrayLike<number>, zOff: number, obs: ArrayLike<number>, oOff: number, floor: number, action: Float64Array): void;
  /** [comp, aigc, ve, total] of an action: per type the mean over the env's active users (0 without one). */
  latency(state: ArrayLike<number>, action: ArrayLike<number>): [number, number, number, number];
  /** Critic action features of z (shape.action) into out[fOff..]. */
  features(z: ArrayLike<number>, zOff: number, obs: ArrayLike<number>, oOff: number, floor: number, out: Float64Array, fOff: number): void;
  /** VJP of features: dL/dfeatures at dF[dOff..] -> dL/dz into dz[dzOff..]. */
  featuresVjp(z: ArrayLike<number>, zOff: number, obs: ArrayLike<number>, oOff: number, floor: number,
              dF: ArrayLike<number>, dOff: number, dz: Float64Array, dzOff: number): void;
  /**
   * The model critic (generalised worlds only): the learning reward of z's action under the world's latency, with
   * dReward/dz into dz[dzOff..] (worldModelCritic.ts).
   */
  modelReward(z: ArrayLike<number>, zOff: number, obs: ArrayLike<number>, oOff: number, floor: number, reward: RewardKind,
              dz: Float64Array, dzOff: number, moves: number): number;
  /** Adds the priors of `weights` to z (addWorldPriorsInto in worldPriors.ts; the letter: none). */
  priors(obs: ArrayLike<number>, oOff: number, weights: WorldPriorWeights, z: Float64Array, zOff: number): void;
  /** Size of an action row. */
  actionSize: number;
}

function letterOps(scenario: Scenario, shape: LaraShape): TrainerOps {
  const norm = observationNorm(scenario);
  const eight = new Float64Array(8);
  return {
    shape, actionSize: ACTION_SIZE,
    sample: (seed, stream, first, count, slot) => sampleStates(scenario, seed, stream, first, count, slot),
    observe: (states, sOff, out, oOff) => observationInto(norm, states, sOff, out, oOff),
    normals: (seed, env, t, out) => { explorationNormalsInto(seed, env, t, eight, 0); out.set(eight.subarray(0, ACTION_SIZE)); },
    head: (z, zOff, _obs, _oOff, floor, action) => actionHeadInto(z, zOff, floor, action, 0),
    latency: (state, action) => latency(scenario, state, action),
    features: (z, zOff, _obs, _oOff, floor, out, fOff) => criticFeaturesFromPreInto(z, zOff, floor, out, fOff),
    featuresVjp: (z, zOff, _obs, _oOff, floor, dF, dOff, dz, dzOff) => criticFeaturesVjpInto(z, zOff, floor, dF, dOff, dz, dzOff),
    modelReward: () => { throw new Error('trainerOps: the model critic needs a generalised world'); },
    priors: (_obs, _oOff, weights) => { if (weights.channelPrior !== 0 || weights.sharePrior !== 0) throw new Error('trainerOps: priors need a generalised world'); },
  };
}

function worldOps(shape: LaraShape): TrainerOps {
  const { world, lara } = shape.world!;
  const norm = worldObservationNorm(world);
  const groups = (z: ArrayLike<number>, zOff: number, obs: ArrayLike<number>, oOff: number) => worldGroupsFromObs(lara, obs, oOff, z, zOff);
  return {
    shape, actionSize: lara.world.action.size,
    sample: (seed, stream, first, count, slot) => sampleWorldStates(world, seed, stream, first, count, slot),
    observe: (states, sOff, out, oOff) => worldObservationInto(lara, norm, states, sOff, out, oOff),
    normals: (seed, env, t, out) => worldExplorationNormalsInto(seed, env, t, shape.action, out, 0),
    head: (z, zOff, obs, oOff, floor, action) => worldActionHeadInto(lara, z, zOff, groups(z, zOff, obs, oOff), floor, action, 0),
    latency: (state, action) => {
      const l = worldLatency(world, state, action);
      const mean = (t: number) => (l.counts[t] > 0 ? l.sums[t] / l.counts[t] : 0);
      return [mean(0), mean(1), mean(2), l.total];
    },
    features: (z, zOff, obs, oOff, floor, out, fOff) => worldCriticFeaturesInto(lara, z, zOff, groups(z, zOff, obs, oOff), floor, out, fOff),
    featuresVjp: (z, zOff, obs, oOff, floor, dF, dOff, dz, dzOff) => worldCriticFeaturesVjpInto(lara, z, zOff, groups(z, zOff, obs, oOff), floor, dF, dOff, dz, dzOff),
    modelReward: (z, zOff, obs, oOff, floor, reward, dz, dzOff, moves) => worldModelRewardGradientInto(world, lara, norm, obs, oOff, z, zOff, floor, reward, dz, dzOff, moves).reward,
    priors: (obs, oOff, weights, z, zOff) => { addWorldPriorsInto(world, lara, norm, obs, oOff, weights, z, zOff); },
  };
}

/** The ops of the world a scenario describes. */
export function trainerOps(scenario: Scenario): TrainerOps {
  const shape = laraShapeOf(scenario);
  if (!shape.world && (shape.observation !== OBSERVATION_SIZE || shape.state !== STATE_SIZE)) throw new Error('trainerOps: the letter\'s shape disagrees with layout.ts');
  return shape.world ? worldOps(shape) : letterOps(scenario, shape);
}
