// A trained LARA actor on a generalised world: its deterministic actions (float64, no noise) and the final evaluation
// of a world run against FRA, RRA and the per-slot optimum on the world's evaluation set.
import { mlpForward } from '../nn/reference/mlp.js';
import { EVAL_SEED, Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import { worldRolloutMeanGpu } from '../world/gpu.js';
import { rolloutMeanWorld, sampleWorldStates, WorldLatencySums, worldLatency, type WorldMeans } from '../world/reference.js';
import { worldOf, type World } from '../world/world.js';
import { associationBaseline, finishAssociation, optWorldAction, type AssociationRule } from '../world/opt/index.js';
import type { TrainConfig } from './config.js';
import type { LoadedPolicy } from './checkpointFormat.js';
import type { WorldPolicyProvider } from '../world/evaluate.js';
import { actorSizes } from './derive.js';
import { laraShapeOf } from './shape.js';
import { addWorldPriorsInto, type WorldPriorWeights } from './worldPriors.js';
import {
  worldActionHeadInto, worldLaraLayout, worldObservationInto, worldObservationNorm, type WorldObservationNorm,
} from './worldFeatures.js';

/** Actions (n, action.size) of the actor `params` (sizes [obs, ...hidden, z]) with its priors for world states (n, state.size). */
export function worldActorActions(world: World, sizes: readonly number[], params: ArrayLike<number>, config: Pick<TrainConfig, 'shareFloor'> & WorldPriorWeights,
                                  states: ArrayLike<number>, norm: WorldObservationNorm = worldObservationNorm(world)): Float64Array {
  const wl = worldLaraLayout(world);
  const S = wl.world.state.size, A = wl.world.action.size, O = wl.obs.size, Z = wl.z.size;
  const n = states.length / S;
  const actions = new Float64Array(n * A);
  const chunk = 4096;
  for (let first = 0; first < n; first += chunk) {
    const rows = Math.min(chunk, n - first);
    const obs = new Float64Array(rows * O);
    for (let r = 0; r < rows; r++) worldObservationInto(wl, norm, states, (first + r) * S, obs, r * O);
    const z = mlpForward(params, sizes, obs, rows).output;
    for (let r = 0; r < rows; r++) {
      const groups = addWorldPriorsInto(world, wl, norm, obs, r * O, config, z, r * Z);
      worldActionHeadInto(wl, z, r * Z, groups, config.shareFloor, actions, (first + r) * A);
    }
  }
  return actions;
}

/** How a hybrid finishes the actor's association: OPT's allocation, or a local search from it first (finishAssociation). */
export type ActorFinish = 'opt' | 'search';

/** The hybrid's actions: each row's association (the actor's, in `actions`) finished as `finish` says. */
export function finishActorActions(world: World, states: Float64Array, actions: Float64Array, finish: ActorFinish): Float64Array {
  const layout = worldLaraLayout(world).world;
  const S = layout.state.size, A = layout.action.size, K = layout.users, server = layout.action.server!;
  const out = new Float64Array(actions.length);
  for (let i = 0; i < states.length / S; i++) {
    const state = states.subarray(i * S, (i + 1) * S);
    out.set(finishAssociation(world, state, actions.subarray(i * A + server, i * A + server + K), finish === 'search').action, i * A);
  }
  return out;
}

/**
 * A trained actor of a world run as an evaluation policy of that world, float64, no noise: the actor itself ("lara"),
 * or where the policy associates a hybrid, its association finished by OPT's allocation ("lara assoc. + opt") or after
 * a local search ("lara assoc. + search + opt").
 */
export function worldActorPolicy(policy: LoadedPolicy, finish?: ActorFinish): WorldPolicyProvider {
  const world = worldOf(policy.scenario);
  const norm = worldObservationNorm(world);
  const actor = (states: Float64Array) => worldActorActions(world, policy.sizes, policy.actor, policy.config, states, norm);
  if (!finish) return { name: 'lara', actionsCpu: (_ctx, states) => actor(states) };
  return { name: finish === 'opt' ? 'lara assoc. + opt' : 'lara assoc. + search + opt', actionsCpu: (_ctx, states) => finishActorActions(world, states, actor(states), finish) };
}

/** The world's evaluation set: state i of set 1 is env i at slot 0 with key (EVAL_SEED, Stream.evalStates). */
export function worldEvaluationStates(world: World, count: number): Float64Array {
  return sampleWorldStates(world, EVAL_SEED, Stream.evalStates, 0, count, 0);
}

/** Means over states of actions (both (n, size) rows), as MODEL.md reports them. */
export function worldMeansOf(world: World, states: ArrayLike<number>, actions: ArrayLike<number>): WorldMeans {
  const wl = worldLaraLayout(world);
  const S = wl.world.state.size, A = wl.world.action.size;
  const sums = new WorldLatencySums();
  const n = states.length / S;
  for (let i = 0; i < n; i++) {
    sums.add(worldLatency(world, Array.prototype.slice.call(states, i * S, (i + 1) * S) as number[], Array.prototype.slice.call(actions, i * A, (i + 1) * A) as number[]));
  }
  return sums.means();
}

/** FRA or RRA on the world's evaluation set: on the GPU when given, else float64. */
export async function worldBaselineMeans(world: World, policy: 'fra' | 'rra', count: number, device?: GPUDevice): Promise<WorldMeans> {
  const r = { envs: count, slots: 1, firstEnv: 0, firstSlot: 0, stateSeed: EVAL_SEED, stateStream: Stream.evalStates, actionSeed: EVAL_SEED };
  return device ? worldRolloutMeanGpu(device, world, policy, r) : rolloutMeanWorld(world, policy, r);
}

/**
 * The LARA actor's means on the world's evaluation set (float64), and where the policy associates the hybrids': the
 * actor's association finished by OPT's allocation (solveServer per server), and the same after a local search from
 * it (finishAssociation's search: single-user moves and pair swaps).
 */
export function worldActorMeans(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>, states: Float64Array): { lara: WorldMeans; hybrid?: WorldMeans; searched?: WorldMeans } {
  const world = worldOf(scenario);
  const actions = worldActorActions(world, actorSizes(config, laraShapeOf(scenario)), actor, config, states);
  const lara = worldMeansOf(world, states, actions);
  if (worldLaraLayout(world).world.action.server === null) return { lara };
  const hybrid = (finish: ActorFinish) => worldMeansOf(world, states, finishActorActions(world, states, actions, finish));
  return { lara, hybrid: hybrid('opt'), searched: hybrid('search') };
}

/** OPT's means on the world's evaluation states (float64) and whether every slot's optimum was exact (else bounded). */
export function worldOptMeans(world: World, states: Float64Array): WorldMeans & { exact: boolean; lowerBound: number } {
  const S = worldLaraLayout(world).world.state.size, A = worldLaraLayout(world).world.action.size;
  const n = states.length / S;
  const actions = new Float64Array(n * A);
  let exact = true, bound = 0;
  for (let i = 0; i < n; i++) {
    const o = optWorldAction(world, states.subarray(i * S, (i + 1) * S));
    actions.set(o.action, i * A);
    exact &&= o.exact;
    bound += o.lowerBound;
  }
  return { ...worldMeansOf(world, states, actions), exact, lowerBound: bound / n };
}

/** An association baseline's means (the rule's association, OPT's allocation) on the evaluation states (float64). */
export function worldAssociationMeans(world: World, states: Float64Array, rule: AssociationRule): WorldMeans {
  const S = worldLaraLayout(world).world.state.size, A = worldLaraLayout(world).world.action.size;
  const n = states.length / S;
  const actions = new Float64Array(n * A);
  for (let i = 0; i < n; i++) actions.set(associationBaseline(world, states.subarray(i * S, (i + 1) * S), rule, EVAL_SEED, i, 0).action, i * A);
  return worldMeansOf(world, states, actions);
}
