// `megc eval`: mean L_comp, L_aigc, L_ve, L_total of a policy on the evaluation set, optionally its gap to OPT.
import { Option, type Command } from 'commander';
import { createGpu, type Gpu } from '../gpu/runtime.js';
import { checkScenarioForGpu } from '../env/scenarioUniform.js';
import { EVAL_SLOTS, evaluatePolicy, resolvePolicy } from '../env/evaluate.js';
import { describeWorld, isLetter, UserError, worldLayout, worldOf, worldOptEvalSlots, type LatencyMeans } from '../index.js';
import { formatTextTable } from '../textTable.js';
import { actorPolicy, trainedActorAt } from '../train/policy.js';
import { worldActorPolicy, type ActorFinish } from '../train/worldActor.js';
import { worldEvalSlots } from '../world/evaluate.js';
import { OPT_WORLD_POLICIES } from '../world/opt/policies.js';
import { evalWorld } from './evalWorld.js';
import { refuseEmptyPath } from '../io/outputs.js';
import { action, adapterOption, deviceOption, integerOption, scenarioOf, scenarioOption, type DeviceKind } from './common.js';

interface EvalOptions { policy: string; slots: number; seed: number; scenario?: string; device: DeviceKind; adapter?: string; gap?: boolean; json?: boolean; finish?: ActorFinish }

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a policy (fra, rra, opt) on the fixed evaluation set: mean latencies in seconds (a world of many users: fra, rra, opt, maxsnr, random-assoc, lagrangian on the CPU)')
    .requiredOption('--policy <name>', 'fra | rra | opt (or a trained actor directory); a world also maxsnr | random-assoc | lagrangian')
    .addOption(new Option('--slots <n>', 'evaluation set size (a world of many users: 65536 up to 32 users, fewer above; with OPT 4096, 256 enumerated, 16 bounded)').argParser(integerOption(1, 2 ** 31)).default(EVAL_SLOTS))
    .addOption(new Option('--seed <n>', 'evaluation set index (1 = the standard set)').argParser(integerOption(1, 2 ** 32)).default(1))
    .addOption(scenarioOption())
    .addOption(deviceOption())
    .addOption(adapterOption())
    .addOption(new Option('--finish <how>', 'a trained actor on a world where the policy associates: its association finished by OPT\'s allocation (opt), or first improved by a local search (search: single-user moves and pair swaps)').choices(['opt', 'search']))
    .option('--gap', 'also run OPT on the same states and print the gap mean L_total / mean L_total(OPT) - 1')
    .option('--json', 'print one JSON object')
    .action(action(async (opts: EvalOptions, command: Command) => {
      refuseEmptyPath('--policy', opts.policy);
      // A trained actor of a generalised world brings its scenario (used when --scenario is not given); an actor's world
      // must be the scenario's.
      const trained = trainedActorAt(opts.policy);
      const own = trained && worldOf(trained.scenario);
      const ownWorld = own && !isLetter(own);
      const scenario = opts.scenario === undefined && ownWorld ? trained.scenario : scenarioOf(opts.scenario);
      const world = worldOf(scenario);
      if (own) {
        if (isLetter(own) !== isLetter(world) || (!isLetter(world) && JSON.stringify(worldLayout(own)) !== JSON.stringify(worldLayout(world)))) {
          throw new UserError(`--policy ${opts.policy}: the actor was trained on ${isLetter(own) ? "the letter's world" : describeWorld(own)}, ` +
            `not on ${isLetter(world) ? "the letter's world" : describeWorld(world)} of this scenario${ownWorld ? " (drop --scenario to use the actor's own)" : ''}`);
        }
      }
      if (opts.finish !== undefined && !(trained && !isLetter(world) && worldLayout(world).action.server !== null)) {
        throw new UserError(`--finish ${opts.finish}: needs a trained actor (--policy DIR) of a world where the policy associates users with servers` +
          (trained ? `; ${isLetter(world) ? "the letter's world" : describeWorld(world)} has no association to finish` : `; --policy ${opts.policy} is not one`));
      }
      if (!isLetter(world)) {
        const withOpt = opts.gap || opts.finish !== undefined || Object.hasOwn(OPT_WORLD_POLICIES, opts.policy.toLowerCase());
        const slots = command.getOptionValueSource('slots') !== 'default' ? opts.slots : withOpt ? worldOptEvalSlots(world) : worldEvalSlots(world);
        await evalWorld(world, { ...opts, slots, scenario: opts.scenario ?? (ownWorld ? `${opts.policy} (the actor's)` : undefined), provider: trained ? worldActorPolicy(trained, opts.finish) : undefined });
        return;
      }
      // The checkpoint already read above, not read a second time through the resolver.
      const provider = trained ? actorPolicy(trained, 'lara') : await resolvePolicy(opts.policy);
      const ctx = { scenario, count: opts.slots, seed: opts.seed };
      // The GPU computes this policy (or OPT for --gap): a scenario outside its float32 range is refused first.
      if (opts.device === 'gpu' && (provider.evaluateGpu || opts.gap)) checkScenarioForGpu(scenario, opts.scenario ?? 'scenario');
      let gpu: Gpu | undefined;
      // The heading first: it says what is being computed while it is (minutes for a large set).
      if (!opts.json) console.log(`evaluation set ${opts.seed}, ${opts.slots} slots, ${opts.device}${opts.scenario ? `, scenario ${opts.scenario}` : ''}; mean latency in seconds`);
      try {
        if (opts.device === 'gpu') gpu = await createGpu({ adapter: opts.adapter });
        const result = await evaluatePolicy(provider, ctx, gpu?.device);
        const opt: LatencyMeans | undefined = opts.gap ? (provider.name === 'opt' ? result : await evaluatePolicy('opt', ctx, gpu?.device)) : undefined;
        gpu?.checkErrors();
        const gap = opt ? result.total / opt.total - 1 : undefined;
        if (opts.json) {
          console.log(JSON.stringify({ policy: provider.name, slots: opts.slots, seed: opts.seed, ...result, ...(gap !== undefined ? { gap } : {}) }));
          return;
        }
        // Column widths from the values, so that no value (1e300 included) runs into the next one.
        const row = (name: string, m: LatencyMeans) => [name, fmt(m.comp), fmt(m.aigc), fmt(m.ve), fmt(m.total)];
        const rows = [['policy', 'L_comp', 'L_aigc', 'L_ve', 'L_total'], row(provider.name, result)];
        if (opt && provider.name !== 'opt') rows.push(row('opt', opt));
        console.log(formatTextTable(rows, [false, true, true, true, true]));
        if (gap !== undefined) console.log(`gap to OPT: ${(gap * 100).toFixed(2)}%`);
      } finally {
        gpu?.destroy();
      }
    }));
}
