#!/usr/bin/env node
// The `megc` command line: train, eval, latency, solve, act, figures, bench, info.
import { Command, CommanderError } from 'commander';
import { registerInfo } from './info.js';
import { registerEval } from './eval.js';
import { registerLatency } from './latency.js';
import { registerSolve } from './solve.js';
import { registerFigures } from './figures.js';
import { registerTrain } from './train.js';
import { registerAct } from './act.js';
import { registerBench } from './bench.js';
import { setVerbose } from './common.js';

const program = new Command('megc')
  .description('LARA: latency-aware resource allocation for mobile edge generation and computing, trained on WebGPU')
  .option('--verbose', 'print stack traces with errors')
  .showHelpAfterError('(run megc --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `megc: ${s}` : s) })
  .hook('preAction', (cmd) => setVerbose(Boolean(cmd.opts().verbose)));

for (const register of [registerInfo, registerEval, registerLatency, registerSolve, registerTrain, registerAct, registerFigures, registerBench]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else throw error;
}
