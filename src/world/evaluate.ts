// Policy evaluation on a world's evaluation set (MODEL.md "Evaluation protocol"): streamed in chunks of slots, never
// all in memory, yielding to the event loop between chunks so that signals are handled; per-type and per-slot means.
import { UserError } from '../errors.js';
import { evaluationSetKey } from '../env/evaluate.js';
import { EVAL_SEED } from '../rng/streams.js';
import { fraWorldAction, layoutOf, rraWorldAction, sampleWorldStates, worldLatency, WorldLatencySums, type WorldMeans } from './reference.js';
import type { World } from './world.js';

/** The letter's evaluation set size, the most a world's default takes (MODEL.md "Evaluation protocol"). */
export const WORLD_EVAL_SLOTS = 65536;
/** User-slots a default evaluation scores: 2^21 (about 40 s of FRA or RRA on one CPU core). */
export const WORLD_EVAL_USER_SLOTS = 2 ** 21;

/**
 * Default evaluation set size of a world: 65,536 slots when it has at most 32 users, else the largest power of two
 * with at most 2^21 user-slots (96 users: 16,384), so that a CPU evaluation stays under a minute.
 */
export function worldEvalSlots(world: World): number {
  const users = world.users.comp.count + world.users.aigc.count + world.users.ve.count;
  return Math.min(WORLD_EVAL_SLOTS, 2 ** Math.floor(Math.log2(WORLD_EVAL_USER_SLOTS / users)));
}
/** Slots sampled, acted on and scored at a time. */
export const WORLD_EVAL_CHUNK = 4096;

export interface WorldEvaluationContext {
  world: World;
  /** Size of the evaluation set. */
  count: number;
  /** Evaluation set index (1 = the standard set). */
  seed: number;
}

/** A policy that can act in a world; other modules add theirs with registerWorldPolicy. */
export interface WorldPolicyProvider {
  name: string;
  /**
   * Actions (n, action.size) for the states (n, state.size) of evaluation-set indices first .. first + n - 1
   * (state i drawn at env i, slot seed - 1).
   */
  actionsCpu(ctx: WorldEvaluationContext, states: Float64Array, first: number): Float64Array | Promise<Float64Array>;
}

/** Per type the mean latency of an active user, the mean L_total per slot, and what they are averaged over. */
export interface WorldEvaluation extends WorldMeans {
  slots: number;
  /** Active users of each type summed over the slots. */
  requests: { comp: number; aigc: number; ve: number };
}

function baseline(name: 'fra' | 'rra'): WorldPolicyProvider {
  return {
    name,
    actionsCpu(ctx, states, first) {
      const layout = layoutOf(ctx.world), n = states.length / layout.state.size;
      const out = new Float64Array(n * layout.action.size);
      const { slot } = evaluationSetKey(ctx.seed);
      for (let i = 0; i < n; i++) {
        const state = states.subarray(i * layout.state.size, (i + 1) * layout.state.size);
        out.set(name === 'fra' ? fraWorldAction(ctx.world, state) : rraWorldAction(ctx.world, EVAL_SEED, first + i, slot, state), i * layout.action.size);
      }
      return out;
    },
  };
}

const policies = new Map<string, WorldPolicyProvider>([['fra', baseline('fra')], ['rra', baseline('rra')]]);

/** Adds a `--policy` value for worlds (e.g. opt, an association baseline, a trained actor). */
export function registerWorldPolicy(provider: WorldPolicyProvider): void {
  policies.set(provider.name.toLowerCase(), provider);
}

/** The world policy of that name, or a UserError naming --policy and what is accepted. */
export function resolveWorldPolicy(name: string): WorldPolicyProvider {
  const p = policies.get(name.toLowerCase());
  if (!p) throw new UserError(`--policy ${name}: unknown policy for this scenario's world (expected ${[...policies.keys()].join(', ')})`);
  return p;
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Scores a policy over the world's evaluation set: state i from key (EVAL_SEED, evalStates), counter
 * (i, seed - 1, g + G m, k), in chunks of `chunk` slots; float64 on the CPU.
 */
export async function evaluateWorldPolicy(policy: string | WorldPolicyProvider, ctx: WorldEvaluationContext, chunk = WORLD_EVAL_CHUNK): Promise<WorldEvaluation> {
  const provider = typeof policy === 'string' ? resolveWorldPolicy(policy) : policy;
  const key = evaluationSetKey(ctx.seed);
  const layout = layoutOf(ctx.world), sums = new WorldLatencySums();
  for (let first = 0; first < ctx.count; first += chunk) {
    const n = Math.min(chunk, ctx.count - first);
    const states = sampleWorldStates(ctx.world, key.stateSeed, key.stateStream, first, n, key.slot);
    const actions = await provider.actionsCpu(ctx, states, first);
    if (actions.length !== n * layout.action.size) throw new RangeError(`${provider.name}: ${actions.length} action values for ${n} states of ${layout.action.size}`);
    for (let i = 0; i < n; i++) {
      sums.add(worldLatency(ctx.world, states.subarray(i * layout.state.size, (i + 1) * layout.state.size),
        actions.subarray(i * layout.action.size, (i + 1) * layout.action.size)));
    }
    await nextMacrotask();
  }
  return { ...sums.means(), slots: sums.slots, requests: { comp: sums.counts[0], aigc: sums.counts[1], ve: sums.counts[2] } };
}
