// `megc act`: a trained LARA actor's actions and latencies for each state of a CSV (streamed); also lets
// `megc eval --policy DIR` score it.
import type { Command } from 'commander';
import { registerPolicyResolver } from '../env/evaluate.js';
import { ACTION_COLUMNS, LATENCY_COLUMNS, STATE_COLUMNS } from '../env/layout.js';
import { latencies } from '../env/reference.js';
import { validateStates } from '../env/validate.js';
import type { CsvChunkOptions } from '../io/csvStream.js';
import { loadScenario } from '../scenario.js';
import { requireLetter } from '../world/world.js';
import { loadPolicy } from '../train/checkpoint.js';
import { actorActions, trainedActorResolver } from '../train/policy.js';
import { action, scenarioOption } from './common.js';
import { packColumns, transformCsv, unpackColumns } from './csvCommand.js';

registerPolicyResolver(trainedActorResolver);

export interface ActOptions { policy: string; input: string; output: string; scenario?: string }

/** The command's work (tests call it with small chunks). */
export async function runAct(opts: ActOptions, chunk?: CsvChunkOptions): Promise<void> {
  const policy = loadPolicy(opts.policy);
  // Latencies on the given scenario, or on the one the actor was trained on.
  const scenario = opts.scenario ? loadScenario(opts.scenario) : policy.scenario;
  requireLetter(scenario, opts.scenario ?? opts.policy, 'megc act');
  await transformCsv({
    input: opts.input, output: opts.output, label: 'act', chunk,
    read: { required: [...STATE_COLUMNS], allowUnknown: true, allowInfinity: false },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    compute({ columns, rows, firstRow }) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      const actions = actorActions(policy.scenario, policy.sizes, policy.actor, policy.config.shareFloor, states, rows);
      const l = latencies(scenario, states, actions, rows);
      return { ...columns, ...unpackColumns(actions, ACTION_COLUMNS, rows), ...unpackColumns(l, LATENCY_COLUMNS, rows) };
    },
  });
}

export function registerAct(program: Command): void {
  program
    .command('act')
    .description('apply a trained actor (no exploration noise) to the states of a CSV: writes its actions and latencies (any length)')
    .requiredOption('--policy <dir>', 'run directory of `megc train` (or its checkpoint.safetensors)')
    .requiredOption('--input <file>', 'CSV with the 7 state columns (MODEL.md); other columns are ignored')
    .requiredOption('--output <file>', 'CSV to write: state, action and latency columns')
    .addOption(scenarioOption())
    .action(action((opts: ActOptions) => runAct(opts)));
}
