// A trained LARA actor as an evaluation policy: deterministic actions (no noise) from its weights, float64 on the CPU.
// No file access (Node and the web page); src/train/policy.ts resolves `--policy DIR` to one.
import type { PolicyProvider } from '../env/evaluate.js';
import { mlpForward } from '../nn/reference/mlp.js';
import type { Scenario } from '../scenario.js';
import type { LoadedPolicy } from './checkpointFormat.js';
import { STATE_SIZE } from '../env/layout.js';
import { actionHeadInto, observationInto, observationNorm } from './features.js';
import { ACTION_SIZE, OBSERVATION_SIZE } from './layout.js';

/**
 * Actions (n, 7) of the actor `params` (flat layout, sizes [7, ...hidden, 7]) for states (n, 7): obs = observation(s),
 * z = actor(obs), action = head(z, floor). The scenario sets the observation's normalisation.
 */
export function actorActions(scenario: Scenario, sizes: readonly number[], params: ArrayLike<number>, shareFloor: number,
                             states: ArrayLike<number>, n = states.length / STATE_SIZE): Float64Array {
  const norm = observationNorm(scenario);
  const actions = new Float64Array(n * ACTION_SIZE);
  const chunk = 4096;
  for (let first = 0; first < n; first += chunk) {
    const rows = Math.min(chunk, n - first);
    const obs = new Float64Array(rows * OBSERVATION_SIZE);
    for (let r = 0; r < rows; r++) observationInto(norm, states, (first + r) * STATE_SIZE, obs, r * OBSERVATION_SIZE);
    const z = mlpForward(params, sizes, obs, rows).output;
    for (let r = 0; r < rows; r++) actionHeadInto(z, r * ACTION_SIZE, shareFloor, actions, (first + r) * ACTION_SIZE);
  }
  return actions;
}

/** The actor of a loaded checkpoint as a PolicyProvider (named "lara"). Observations use the checkpoint's scenario. */
export function actorPolicy(policy: LoadedPolicy, name = 'lara'): PolicyProvider {
  return {
    name,
    actionsCpu: (_ctx, states) => actorActions(policy.scenario, policy.sizes, policy.actor, policy.config.shareFloor, states),
    // About 2^23 multiply-adds per evaluation step, so that a large network's steps stay short too.
    cpuStep: Math.max(1, Math.floor(2 ** 23 / policy.actor.length)),
  };
}
