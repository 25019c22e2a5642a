// OPT and the association baselines as world policies of `megc eval` (opt, maxsnr, random-assoc, lagrangian), each
// recording the per-slot totals and bounds it computed, so that --gap can say whether it measured against the optimum
// or against a lower bound.
import { evaluationSetKey } from '../../env/evaluate.js';
import { UserError } from '../../errors.js';
import { EVAL_SEED } from '../../rng/streams.js';
import { registerWorldPolicy, type WorldPolicyProvider } from '../evaluate.js';
import { layoutOf } from '../reference.js';
import { describeWorld, type World } from '../world.js';
import { associationBaseline, optWorldAction, type AssociationRule, type SlotOptimum } from './slot.js';

/** `--policy` names of this module and the association rule each stands for (opt: the optimum). */
export const OPT_WORLD_POLICIES: Record<string, AssociationRule | 'opt'> = { opt: 'opt', maxsnr: 'maxSnr', 'random-assoc': 'random', lagrangian: 'lagrangian' };

/** Sums over the slots scored: L_total, the lower bound, and whether every slot's total was the exact optimum. */
export interface OptWorldStats { slots: number; total: number; lowerBound: number; exact: boolean }

/**
 * A world policy by OPT or an association baseline, with the statistics of the slots it acted on. The random
 * association draws the server RRA draws on the same evaluation state (key (EVAL_SEED, rraActions), env = index).
 */
export function optWorldPolicy(name: string): { provider: WorldPolicyProvider; stats: OptWorldStats } {
  const rule = Object.hasOwn(OPT_WORLD_POLICIES, name) ? OPT_WORLD_POLICIES[name] : undefined;
  if (!rule) throw new UserError(`--policy ${name}: not one of ${Object.keys(OPT_WORLD_POLICIES).join(', ')}`);
  const stats: OptWorldStats = { slots: 0, total: 0, lowerBound: 0, exact: true };
  const provider: WorldPolicyProvider = {
    name,
    actionsCpu(ctx, states, first) {
      const world = ctx.world, layout = layoutOf(world), n = states.length / layout.state.size;
      if (rule !== 'opt' && layout.action.server === null) {
        throw new UserError(`--policy ${name}: ${describeWorld(world)} associated by the scenario's rule; an association baseline needs "association": "policy" and more than one server`);
      }
      const { slot } = evaluationSetKey(ctx.seed);
      const out = new Float64Array(n * layout.action.size);
      for (let i = 0; i < n; i++) {
        const state = states.subarray(i * layout.state.size, (i + 1) * layout.state.size);
        const r: SlotOptimum = rule === 'opt' ? optWorldAction(world, state) : associationBaseline(world, state, rule, EVAL_SEED, first + i, slot);
        out.set(r.action, i * layout.action.size);
        stats.slots++; stats.total += r.total; stats.lowerBound += r.lowerBound; stats.exact &&= r.exact;
      }
      return out;
    },
  };
  return { provider, stats };
}

/** Makes opt, maxsnr, random-assoc and lagrangian known to resolveWorldPolicy. */
export function registerOptWorldPolicies(): void {
  for (const name of Object.keys(OPT_WORLD_POLICIES)) registerWorldPolicy(optWorldPolicy(name).provider);
}

/**
 * Default evaluation set size of a world for OPT and its baselines (per slot, OPT solves every server once with the
 * association given, every subset of users per server when it enumerates, hundreds of servers when it bounds):
 * 4,096 slots with the association given, 256 when enumerated, 16 when bounded.
 */
export function worldOptEvalSlots(world: World): number {
  const layout = layoutOf(world);
  if (layout.action.server === null) return 4096;
  return Math.pow(layout.servers, layout.users) <= 10_000 ? 256 : 16;
}
