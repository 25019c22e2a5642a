// `megc latency`: state + action columns in, the same rows with l_comp, l_aigc, l_ve, l_total added out (streamed).
import type { Command } from 'commander';
import { requireLetter } from '../world/world.js';
import { checkScenarioForGpu } from '../env/scenarioUniform.js';
import { ACTION_COLUMNS, latencies, LATENCY_COLUMNS, STATE_COLUMNS } from '../index.js';
import { validateActions, validateStates } from '../env/validate.js';
import { checkGpuActions, checkGpuStates } from '../env/gpuRange.js';
import { action, adapterOption, deviceOption, scenarioOf, scenarioOption, type DeviceKind } from './common.js';
import { checkCsvOutput, packColumns, transformCsv, unpackColumns } from './csvCommand.js';
import type { CsvChunkOptions } from '../io/csvStream.js';

export interface LatencyOptions { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }

/** The command's work (tests call it with small chunks). */
export async function runLatency(opts: LatencyOptions, chunk?: CsvChunkOptions): Promise<void> {
  checkCsvOutput(opts.output, [{ flag: '--input', path: opts.input }, opts.scenario !== undefined ? { flag: '--scenario', path: opts.scenario } : undefined]);
  const scenario = scenarioOf(opts.scenario);
  requireLetter(scenario, opts.scenario ?? 'defaults', 'megc latency');
  if (opts.device === 'gpu') checkScenarioForGpu(scenario, opts.scenario ?? 'scenario');
  await transformCsv({
    input: opts.input, output: opts.output, label: 'latency', chunk,
    gpu: opts.device === 'gpu' ? { adapter: opts.adapter } : undefined,
    // Latency columns already there (e.g. golden-latency.csv) are accepted and replaced.
    read: { required: [...STATE_COLUMNS, ...ACTION_COLUMNS], optional: [...LATENCY_COLUMNS], allowInfinity: [...LATENCY_COLUMNS] },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    async compute({ columns, rows, firstRow }, gpu) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      if (gpu) checkGpuStates(columns, rows, opts.input, scenario, firstRow);
      validateActions(columns, rows, opts.input, firstRow);
      if (gpu) checkGpuActions(columns, rows, opts.input, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      const actions = packColumns(columns, ACTION_COLUMNS, rows);
      const result = await latencies(scenario, states, actions, { device: gpu?.device });
      return { ...columns, ...unpackColumns(result, LATENCY_COLUMNS, rows) };
    },
  });
}

export function registerLatency(program: Command): void {
  program
    .command('latency')
    .description('compute latencies for the state and action columns of a CSV (any length: read and written in chunks)')
    .requiredOption('--input <file>', 'CSV with the 7 state and 7 action columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write (- for stdout): the input columns plus l_comp, l_aigc, l_ve, l_total')
    .addOption(scenarioOption())
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action((opts: LatencyOptions) => runLatency(opts)));
}
