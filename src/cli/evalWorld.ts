// `megc eval` on a world other than the letter's: per type the mean latency of an active user, the mean L_total per slot.
import { UserError } from '../errors.js';
import { formatTextTable } from '../textTable.js';
import { evaluateWorldPolicy, resolveWorldPolicy } from '../world/evaluate.js';
import { describeWorld, type World } from '../world/world.js';

export interface WorldEvalOptions { policy: string; slots: number; seed: number; scenario?: string; gap?: boolean; json?: boolean }

const fmt = (x: number) => (Number.isNaN(x) ? '-' : Number.isFinite(x) ? x.toFixed(4) : String(x));

/** Evaluates on the CPU in float64 (the world's policies have no GPU path here) and prints the table or one JSON object. */
export async function evalWorld(world: World, opts: WorldEvalOptions): Promise<void> {
  const provider = resolveWorldPolicy(opts.policy);
  if (opts.gap) throw new UserError(`--gap: ${opts.scenario}: ${describeWorld(world)}: megc eval has no OPT for this world; evaluate without --gap`);
  const result = await evaluateWorldPolicy(provider, { world, count: opts.slots, seed: opts.seed });
  const { comp, aigc, ve } = world.users;
  if (opts.json) {
    console.log(JSON.stringify({
      policy: provider.name, slots: opts.slots, seed: opts.seed, comp: result.comp, aigc: result.aigc, ve: result.ve, total: result.total,
      servers: world.servers.length, users: { comp: comp.count, aigc: aigc.count, ve: ve.count }, requests: result.requests,
    }));
    return;
  }
  console.log(`evaluation set ${opts.seed}, ${opts.slots} slots, cpu (float64), scenario ${opts.scenario}: ${describeWorld(world)}` +
    ` (comp ${comp.count}, aigc ${aigc.count}, ve ${ve.count}); L_comp, L_aigc, L_ve: mean latency of an active user, L_total: mean sum per slot, seconds`);
  const rows = [['policy', 'L_comp', 'L_aigc', 'L_ve', 'L_total'], [provider.name, fmt(result.comp), fmt(result.aigc), fmt(result.ve), fmt(result.total)]];
  console.log(formatTextTable(rows, [false, true, true, true, true]));
}
