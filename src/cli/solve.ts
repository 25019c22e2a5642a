// `megc solve`: OPT's action and latencies for every state row of a CSV (float64 CPU solver, or the GPU kernel; streamed).
import { Option, type Command } from 'commander';
import { ACTION_COLUMNS, LATENCY_COLUMNS, STATE_COLUMNS, type Scenario } from '../index.js';
import { requireLetter } from '../world/world.js';
import { OPT_CPU_STEP } from '../env/evaluate.js';
import { checkScenarioForGpu } from '../env/scenarioUniform.js';
import { optActions } from '../env/opt.js';
import { solveOptGpu } from '../env/gpu.js';
import { validateStates } from '../env/validate.js';
import { checkGpuStates } from '../env/gpuRange.js';
import type { CsvChunkOptions } from '../io/csvStream.js';
import { action, adapterOption, scenarioOf, scenarioOption, type DeviceKind } from './common.js';
import { checkCsvOutput, inSlices, packColumns, transformCsv, unpackColumns } from './csvCommand.js';

export interface SolveOptions { input: string; output: string; scenario?: string; device: DeviceKind; adapter?: string }

/** The command's work (tests call it with small chunks). */
export async function runSolve(opts: SolveOptions, chunk?: CsvChunkOptions): Promise<void> {
  checkCsvOutput(opts.output, [{ flag: '--input', path: opts.input }, opts.scenario !== undefined ? { flag: '--scenario', path: opts.scenario } : undefined]);
  const scenario = scenarioOf(opts.scenario);
  requireLetter(scenario, opts.scenario ?? 'defaults', 'megc solve');
  if (opts.device === 'gpu') checkScenarioForGpu(scenario, opts.scenario ?? 'scenario');
  await transformCsv({
    input: opts.input, output: opts.output, label: 'solve', chunk,
    gpu: opts.device === 'gpu' ? { adapter: opts.adapter } : undefined,
    read: { required: [...STATE_COLUMNS] },
    header: [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS],
    async compute({ columns, rows, firstRow }, gpu) {
      validateStates(columns, rows, opts.input, scenario, firstRow);
      if (gpu) checkGpuStates(columns, rows, opts.input, scenario, firstRow);
      const states = packColumns(columns, STATE_COLUMNS, rows);
      const { actions, latencies } = gpu ? await solveOptGpu(gpu.device, scenario, states) : await optInSlices(scenario, states, rows);
      return { ...columns, ...unpackColumns(actions, ACTION_COLUMNS, rows), ...unpackColumns(latencies, LATENCY_COLUMNS, rows) };
    },
  });
}

/**
 * OPT on the CPU (float64) for states (rows, 7), in slices that yield to signals (a slice takes about 60 ms); the
 * latencies are the solver's own.
 */
async function optInSlices(scenario: Scenario, states: Float64Array, rows: number): Promise<{ actions: Float64Array; latencies: Float64Array }> {
  const [stateSize, actionSize, latencySize] = [STATE_COLUMNS.length, ACTION_COLUMNS.length, LATENCY_COLUMNS.length];
  const actions = new Float64Array(rows * actionSize);
  const latencies = new Float64Array(rows * latencySize);
  await inSlices(rows, OPT_CPU_STEP, (first, count) => {
    const slice = optActions(scenario, states.subarray(first * stateSize, (first + count) * stateSize));
    actions.set(slice.actions, first * actionSize);
    latencies.set(slice.latencies, first * latencySize);
  });
  return { actions, latencies };
}

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('compute OPT (the per-slot minimiser of L_total) for every state row of a CSV (any length: read and written in chunks)')
    .requiredOption('--input <file>', 'CSV with the 7 state columns (MODEL.md)')
    .requiredOption('--output <file>', 'CSV to write (- for stdout): the state columns, OPT action columns and latency columns')
    .addOption(scenarioOption())
    .addOption(new Option('--device <kind>', 'cpu: float64 solver; gpu: the float32 kernel (L_total within ~1e-6 relative)').choices(['gpu', 'cpu']).default('cpu'))
    .addOption(adapterOption())
    .action(action((opts: SolveOptions) => runSolve(opts)));
}
