// The generalised world (docs/MODEL.md "Many users, several edge servers"): its layout, states, per-user latencies and
// the FRA and RRA baselines' evaluation, float64 on the CPU.
import { evaluationSetKey } from '../env/evaluate.js';
import { UserError } from '../errors.js';
import { evaluateWorldPolicy, resolveWorldPolicy, worldEvalSlots, type WorldEvaluation } from '../world/evaluate.js';
import { layoutOf, sampleWorldStates as referenceWorldStates, worldLatency as referenceWorldLatency, type WorldLatency } from '../world/reference.js';
import type { WorldLayout } from '../world/layout.js';
import type { World } from '../world/world.js';
import { rowsOf } from './letter.js';
import type { EvaluationSetOptions } from './types.js';

/** Sizes, offsets and CSV column names of the world's state and action rows. */
export function worldLayout(world: World): WorldLayout {
  return layoutOf(world);
}

/** The first `count` states of the world's evaluation set `seed`, float64, (count, worldLayout(world).state.size). */
export function sampleWorldStates(world: World, count: number, options: { seed?: number } = {}): Float64Array {
  if (!Number.isInteger(count) || count < 1) throw new UserError(`count must be an integer >= 1, got ${count}`);
  const key = evaluationSetKey(options.seed ?? 1);
  return referenceWorldStates(world, key.stateSeed, key.stateStream, 0, count, key.slot);
}

/** Per-user latencies of one state and action of the world; a UserError when the rows are not the layout's sizes. */
export function worldLatency(world: World, state: ArrayLike<number>, action: ArrayLike<number>): WorldLatency {
  const layout = layoutOf(world);
  if (rowsOf(state, layout.state.size, 'state') !== 1) throw new UserError(`state: ${state.length} values, expected ${layout.state.size}`);
  if (rowsOf(action, layout.action.size, 'action') !== 1) throw new UserError(`action: ${action.length} values, expected ${layout.action.size}`);
  return referenceWorldLatency(world, state, action);
}

/**
 * FRA's or RRA's mean latencies over the world's evaluation set (default size: worldEvalSlots, 65,536 slots for at
 * most 32 users), per type the mean latency of an active user and the mean L_total per slot; float64 on the CPU.
 */
export async function evaluateWorldBaseline(world: World, baseline: 'fra' | 'rra', options: EvaluationSetOptions = {}): Promise<WorldEvaluation> {
  const count = options.slots ?? worldEvalSlots(world);
  if (!Number.isInteger(count) || count < 1) throw new UserError(`slots must be an integer >= 1, got ${count}`);
  return evaluateWorldPolicy(resolveWorldPolicy(baseline), { world, count, seed: options.seed ?? 1 });
}
