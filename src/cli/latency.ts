// `megc latency`: state + action columns in, the same rows with l_comp, l_aigc, l_ve, l_total added out.
import type { Command } from 'commander';
import { createGpu } from '../gpu/runtime.js';
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { loadScenario } from '../scenario.js';
import { latenciesGpu } from '../env/gpu.js';
import { ACTION_COLUMNS, LATENCY_COLUMNS, LATENCY_SIZE, STATE_COLUMNS } from '../env/layout.js';
import { latencies as referenceLatencies } from '../env/reference.js';
import { validateActions } from '../env/validate.js';
import { action, adapterOption, deviceOption, scenarioOption, type DeviceKind } from './common.js';

/** Packs named columns into a row-major (rows, names.length) array. */
export function packColumns(columns: Record<string, Float64Array>, names: readonly string[], rows: number): Float64Array {
  const out = new Float64Array(rows * names.length);
  names.forEach((name, c) => { const col = columns[name]; for (let r = 0; r < rows; r++) out[r * names.length + c] = col[r]; });
  return out;
}

export function registerLatency(program: Command): void {
  program
    .command('latency')
    .description('compute latencies for the state and action columns of a CSV')
    .requiredOption('--input <file>', 'CSV with the 7 state and 7 action columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write: the input columns plus l_comp, l_aigc, l_ve, l_total')
    .addOption(scenarioOption())
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action(async (opts: { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }) => {
      const scenario = loadScenario(opts.scenario);
      const table = readCsv(opts.input, {
        required: [...STATE_COLUMNS, ...ACTION_COLUMNS],
        // Latency columns already there (e.g. golden-latency.csv) are accepted and replaced.
        optional: [...LATENCY_COLUMNS], allowInfinity: [...LATENCY_COLUMNS],
      });
      validateActions(table.columns, table.rows, opts.input);
      const states = packColumns(table.columns, STATE_COLUMNS, table.rows);
      const actions = packColumns(table.columns, ACTION_COLUMNS, table.rows);
      let result: ArrayLike<number>;
      if (opts.device === 'gpu') {
        const gpu = await createGpu({ adapter: opts.adapter });
        try {
          result = await latenciesGpu(gpu.device, scenario, states, actions);
          gpu.checkErrors();
        } finally { gpu.destroy(); }
      } else {
        result = referenceLatencies(scenario, states, actions);
      }
      const out: Record<string, ArrayLike<number>> = { ...table.columns };
      LATENCY_COLUMNS.forEach((name, k) => {
        const col = new Float64Array(table.rows);
        for (let r = 0; r < table.rows; r++) col[r] = result[r * LATENCY_SIZE + k];
        out[name] = col;
      });
      writeCsvAtomic(opts.output, [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS], out);
    }));
}
