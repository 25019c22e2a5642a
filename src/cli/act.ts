// `megc act`: a trained LARA actor's actions and latencies for each state of a CSV (streamed); also lets
// `megc eval --policy DIR` score it.
import type { Command } from 'commander';
import { registerPolicyResolver } from '../env/evaluate.js';
import { validateStates } from '../env/validate.js';
import { act, ACTION_COLUMNS, latencies, LATENCY_COLUMNS, loadScenarioFile, STATE_COLUMNS } from '../index.js';
import type { CsvChunkOptions } from '../io/csvStream.js';
import { requireLetter } from '../world/world.js';
import { checkpointPath, loadPolicy } from '../train/checkpoint.js';
import { trainedActorResolver } from '../train/policy.js';
import { action, scenarioOption } from './common.js';
import { checkCsvOutput, inSlices, packColumns, transformCsv, unpackColumns } from './csvCommand.js';

registerPolicyResolver(trainedActorResolver);

export interface ActOptions { policy: string; input: string; output: string; scenario?: string }

/** The command's work (tests call it with small chunks). */
export async function runAct(opts: ActOptions, chunk?: CsvChunkOptions): Promise<void> {
  checkCsvOutput(opts.output, [
    { flag: '--input', path: opts.input }, { flag: '--policy', path: checkpointPath(opts.policy) },
    opts.scenario !== undefined ? { flag: '--scenario', path: opts.scenario } : undefined,
  ]);
  const policy = loadPolicy(opts.policy);
  // The letter's actor (it acts on the 7 state columns); latencies on the given scenario, or on the actor's own.
  requireLetter(policy.scenario, opts.policy, 'megc act');
  const scenario = opts.scenario ? loadScenarioFile(opts.scenario) : policy.scenario;
  requireLetter(scenario, opts.scenario ?? opts.policy, 'megc act');
  const [stateSize, actionSize] = [STATE_COLUMNS.length, ACTION_COLUMNS.length];
  await transformCsv({
    input: opts.input, output: opts.output, label: 'act', chunk,
    read: { required: [...STATE_COLUMNS], allowUnknown: true, allowInfinity: false },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    async compute({ columns, rows, firstRow }) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      // In slices of about 2^23 multiply-adds of the actor, yielding to signals between them.
      const actions = new Float64Array(rows * actionSize);
      await inSlices(rows, 2 ** 23 / policy.actor.length, (first, count) => {
        actions.set(act(policy, states.subarray(first * stateSize, (first + count) * stateSize)), first * actionSize);
      });
      const l = await latencies(scenario, states, actions);
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
    .requiredOption('--output <file>', 'CSV to write (- for stdout): state, action and latency columns')
    .addOption(scenarioOption())
    .action(action((opts: ActOptions) => runAct(opts)));
}
