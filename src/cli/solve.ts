// `megc solve`: OPT's action and latencies for every state row of a CSV (float64 CPU solver, or the GPU kernel; streamed).
import { Option, type Command } from 'commander';
import { loadScenario } from '../scenario.js';
import { requireLetter } from '../world/world.js';
import { ACTION_COLUMNS, LATENCY_COLUMNS, STATE_COLUMNS } from '../env/layout.js';
import { optActions } from '../env/opt.js';
import { solveOptGpu } from '../env/gpu.js';
import { validateStates } from '../env/validate.js';
import type { CsvChunkOptions } from '../io/csvStream.js';
import { action, adapterOption, scenarioOption, type DeviceKind } from './common.js';
import { packColumns, transformCsv, unpackColumns } from './csvCommand.js';

export interface SolveOptions { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }

/** The command's work (tests call it with small chunks). */
export async function runSolve(opts: SolveOptions, chunk?: CsvChunkOptions): Promise<void> {
  const scenario = loadScenario(opts.scenario);
  requireLetter(scenario, opts.scenario ?? 'defaults', 'megc solve');
  await transformCsv({
    input: opts.input, output: opts.output, label: 'solve', chunk,
    gpu: opts.device === 'gpu' ? { adapter: opts.adapter } : undefined,
    read: { required: [...STATE_COLUMNS] },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    async compute({ columns, rows, firstRow }, gpu) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      const { actions, latencies } = gpu ? await solveOptGpu(gpu.device, scenario, states) : optActions(scenario, states);
      return { ...columns, ...unpackColumns(actions, ACTION_COLUMNS, rows), ...unpackColumns(latencies, LATENCY_COLUMNS, rows) };
    },
  });
}

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('compute OPT (the per-slot minimiser of L_total) for every state row of a CSV (any length: read and written in chunks)')
    .requiredOption('--input <file>', 'CSV with the 7 state columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write: the state columns, OPT action columns and latency columns')
    .addOption(scenarioOption())
    .addOption(new Option('--device <kind>', 'cpu: float64 solver; gpu: the float32 kernel (L_total within ~1e-6 relative)').choices(['gpu', 'cpu']).default('cpu'))
    .addOption(adapterOption())
    .action(action((opts: SolveOptions) => runSolve(opts)));
}
