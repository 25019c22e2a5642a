// `megc act`: a trained LARA actor's actions and latencies for each state of a CSV; also lets `megc eval --policy DIR` score it.
import type { Command } from 'commander';
import { registerPolicyResolver } from '../env/evaluate.js';
import { ACTION_COLUMNS, ACTION_SIZE, LATENCY_COLUMNS, LATENCY_SIZE, STATE_COLUMNS } from '../env/layout.js';
import { latencies } from '../env/reference.js';
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { loadScenario } from '../scenario.js';
import { loadPolicy } from '../train/checkpoint.js';
import { actorActions, trainedActorResolver } from '../train/policy.js';
import { action, scenarioOption } from './common.js';

registerPolicyResolver(trainedActorResolver);

export function registerAct(program: Command): void {
  program
    .command('act')
    .description("apply a trained actor (no exploration noise) to the states of a CSV: writes its actions and latencies")
    .requiredOption('--policy <dir>', 'run directory of `megc train` (or its checkpoint.safetensors)')
    .requiredOption('--input <file>', 'CSV with the 7 state columns (MODEL.md); other columns are ignored')
    .requiredOption('--output <file>', 'CSV to write: state, action and latency columns')
    .addOption(scenarioOption())
    .action(action(async (opts: { policy: string; input: string; output: string; scenario?: string }) => {
      const policy = loadPolicy(opts.policy);
      // Latencies on the given scenario, or on the one the actor was trained on.
      const scenario = opts.scenario ? loadScenario(opts.scenario) : policy.scenario;
      const table = readCsv(opts.input, { required: [...STATE_COLUMNS], allowUnknown: true, allowInfinity: false });
      const n = table.rows;
      const states = new Float64Array(n * STATE_COLUMNS.length);
      STATE_COLUMNS.forEach((name, c) => { const col = table.columns[name]; for (let r = 0; r < n; r++) states[r * STATE_COLUMNS.length + c] = col[r]; });
      const actions = actorActions(policy.scenario, policy.sizes, policy.actor, policy.config.shareFloor, states, n);
      const l = latencies(scenario, states, actions, n);
      const out: Record<string, Float64Array> = {};
      STATE_COLUMNS.forEach((name) => { out[name] = table.columns[name]; });
      ACTION_COLUMNS.forEach((name, k) => { const col = new Float64Array(n); for (let r = 0; r < n; r++) col[r] = actions[r * ACTION_SIZE + k]; out[name] = col; });
      LATENCY_COLUMNS.forEach((name, k) => { const col = new Float64Array(n); for (let r = 0; r < n; r++) col[r] = l[r * LATENCY_SIZE + k]; out[name] = col; });
      writeCsvAtomic(opts.output, [...STATE_COLUMNS, ...ACTION_COLUMNS, ...LATENCY_COLUMNS], out);
    }));
}
