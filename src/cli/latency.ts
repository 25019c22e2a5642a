// `megc latency`: state + action columns in, the same rows with l_comp, l_aigc, l_ve, l_total added out (streamed).
import type { Command } from 'commander';
import { loadScenario } from '../scenario.js';
import { requireLetter } from '../world/world.js';
import { latenciesGpu } from '../env/gpu.js';
import { ACTION_COLUMNS, LATENCY_COLUMNS, STATE_COLUMNS } from '../env/layout.js';
import { latencies as referenceLatencies } from '../env/reference.js';
import { validateActions, validateStates } from '../env/validate.js';
import { action, adapterOption, deviceOption, scenarioOption, type DeviceKind } from './common.js';
import { packColumns, transformCsv, unpackColumns } from './csvCommand.js';
import type { CsvChunkOptions } from '../io/csvStream.js';

export interface LatencyOptions { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }

/** The command's work (tests call it with small chunks). */
export async function runLatency(opts: LatencyOptions, chunk?: CsvChunkOptions): Promise<void> {
  const scenario = loadScenario(opts.scenario);
  requireLetter(scenario, opts.scenario ?? 'defaults', 'megc latency');
  await transformCsv({
    input: opts.input, output: opts.output, label: 'latency', chunk,
    gpu: opts.device === 'gpu' ? { adapter: opts.adapter } : undefined,
    // Latency columns already there (e.g. golden-latency.csv) are accepted and replaced.
    read: { required: [...STATE_COLUMNS, ...ACTION_COLUMNS], optional: [...LATENCY_COLUMNS], allowInfinity: [...LATENCY_COLUMNS] },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    async compute({ columns, rows, firstRow }, gpu) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      validateActions(columns, rows, opts.input, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      const actions = packColumns(columns, ACTION_COLUMNS, rows);
      const result = gpu ? await latenciesGpu(gpu.device, scenario, states, actions) : referenceLatencies(scenario, states, actions);
      return { ...columns, ...unpackColumns(result, LATENCY_COLUMNS, rows) };
    },
  });
}

export function registerLatency(program: Command): void {
  program
    .command('latency')
    .description('compute latencies for the state and action columns of a CSV (any length: read and written in chunks)')
    .requiredOption('--input <file>', 'CSV with the 7 state and 7 action columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write: the input columns plus l_comp, l_aigc, l_ve, l_total')
    .addOption(scenarioOption())
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action((opts: LatencyOptions) => runLatency(opts)));
}
