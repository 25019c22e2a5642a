// `megc eval` on a world other than the letter's: per type the mean latency of an active user, the mean L_total per slot.
import { formatTextTable } from '../textTable.js';
import { evaluateWorldPolicy, resolveWorldPolicy, type WorldPolicyProvider } from '../world/evaluate.js';
import { optWorldPolicy, registerOptWorldPolicies, type OptWorldStats } from '../world/opt/policies.js';
import { describeWorld, type World } from '../index.js';

registerOptWorldPolicies();

export interface WorldEvalOptions { policy: string; provider?: WorldPolicyProvider; slots: number; seed: number; scenario?: string; gap?: boolean; json?: boolean }

const fmt = (x: number) => (Number.isNaN(x) ? '-' : Number.isFinite(x) ? x.toFixed(4) : String(x));

/**
 * Evaluates on the CPU in float64 (the world's policies have no GPU path here) and prints the table or one JSON object.
 * With --gap, OPT runs on the same states: the gap is to OPT when every slot's OPT is exact, else to the mean lower
 * bound (and the output says which).
 */
export async function evalWorld(world: World, opts: WorldEvalOptions): Promise<void> {
  const own = opts.policy.toLowerCase() === 'opt' ? optWorldPolicy('opt') : undefined;
  const provider = opts.provider ?? own?.provider ?? resolveWorldPolicy(opts.policy);
  const ctx = { world, count: opts.slots, seed: opts.seed };
  const result = await evaluateWorldPolicy(provider, ctx);
  let opt: { means: typeof result; stats: OptWorldStats } | undefined;
  if (opts.gap) {
    const o = own ?? optWorldPolicy('opt');
    opt = { means: own ? result : await evaluateWorldPolicy(o.provider, ctx), stats: o.stats };
  }
  const bound = opt ? opt.stats.lowerBound / opt.stats.slots : undefined;
  const gapTo: 'opt' | 'bound' | undefined = opt ? (opt.stats.exact ? 'opt' : 'bound') : undefined;
  const gap = opt ? result.total / (gapTo === 'opt' ? opt.means.total : bound!) - 1 : undefined;
  const { comp, aigc, ve } = world.users;
  if (opts.json) {
    console.log(JSON.stringify({
      policy: provider.name, slots: opts.slots, seed: opts.seed, comp: result.comp, aigc: result.aigc, ve: result.ve, total: result.total,
      servers: world.servers.length, users: { comp: comp.count, aigc: aigc.count, ve: ve.count }, requests: result.requests,
      ...(opt ? { gap, gapTo, opt: opt.means.total, lowerBound: bound, optExact: opt.stats.exact } : {}),
    }));
    return;
  }
  console.log(`evaluation set ${opts.seed}, ${opts.slots} slots, cpu (float64), scenario ${opts.scenario}: ${describeWorld(world)}` +
    ` (comp ${comp.count}, aigc ${aigc.count}, ve ${ve.count}); L_comp, L_aigc, L_ve: mean latency of an active user, L_total: mean sum per slot, seconds`);
  const row = (name: string, m: typeof result) => [name, fmt(m.comp), fmt(m.aigc), fmt(m.ve), fmt(m.total)];
  const rows = [['policy', 'L_comp', 'L_aigc', 'L_ve', 'L_total'], row(provider.name, result)];
  if (opt && provider.name !== 'opt') rows.push(row(opt.stats.exact ? 'opt' : 'opt (best found)', opt.means));
  if (opt && !opt.stats.exact) rows.push(['lower bound', '-', '-', '-', fmt(bound!)]);
  console.log(formatTextTable(rows, [false, true, true, true, true]));
  if (gap !== undefined) {
    console.log(gapTo === 'opt' ? `gap to OPT (exact): ${(gap * 100).toFixed(2)}%`
      : `gap to the lower bound (OPT not exact here: the association is bounded, not enumerated): ${(gap * 100).toFixed(2)}%` +
        ` (to OPT's best found: ${((result.total / opt!.means.total - 1) * 100).toFixed(2)}%)`);
  }
}
