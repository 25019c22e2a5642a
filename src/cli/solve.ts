// `megc solve`: OPT's action and latencies for every state row of a CSV (float64 CPU solver).
import type { Command } from 'commander';
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { loadScenario } from '../scenario.js';
import { ACTION_COLUMNS, ACTION_SIZE, LATENCY_COLUMNS, LATENCY_SIZE, STATE_COLUMNS } from '../env/layout.js';
import { optActions } from '../env/opt.js';
import { Option } from 'commander';
import { createGpu } from '../gpu/runtime.js';
import { solveOptGpu } from '../env/gpu.js';
import { action, adapterOption, scenarioOption, type DeviceKind } from './common.js';
import { packColumns } from './latency.js';

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('compute OPT (the per-slot minimiser of L_total) for every state row of a CSV')
    .requiredOption('--input <file>', 'CSV with the 7 state columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write: the state columns, OPT action columns and latency columns')
    .addOption(scenarioOption())
    .addOption(new Option('--device <kind>', 'cpu: float64 solver; gpu: the float32 kernel (L_total within ~1e-6 relative)').choices(['gpu', 'cpu']).default('cpu'))
    .addOption(adapterOption())
    .action(action(async (opts: { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }) => {
      const scenario = loadScenario(opts.scenario);
      const table = readCsv(opts.input, { required: [...STATE_COLUMNS] });
      const states = packColumns(table.columns, STATE_COLUMNS, table.rows);
      let actions: ArrayLike<number>, latencies: ArrayLike<number>;
      if (opts.device === 'gpu') {
        const gpu = await createGpu({ adapter: opts.adapter });
        try {
          ({ actions, latencies } = await solveOptGpu(gpu.device, scenario, states));
          gpu.checkErrors();
        } finally { gpu.destroy(); }
      } else {
        ({ actions, latencies } = optActions(scenario, states));
      }
      const out: Record<string, ArrayLike<number>> = {};
      for (const name of STATE_COLUMNS) out[name] = table.columns[name];
      ACTION_COLUMNS.forEach((name, k) => { out[name] = Float64Array.from({ length: table.rows }, (_, r) => actions[r * ACTION_SIZE + k]); });
      LATENCY_COLUMNS.forEach((name, k) => { out[name] = Float64Array.from({ length: table.rows }, (_, r) => latencies[r * LATENCY_SIZE + k]); });
      writeCsvAtomic(opts.output, [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS], out);
    }));
}
