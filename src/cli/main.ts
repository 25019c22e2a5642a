#!/usr/bin/env node
// The `megc` command line: train, eval, latency, solve, act, figures, bench, info.
import { exitWithParent, isFilteredChild, runFilteredChild, shouldFilterStdout } from './stdoutFilter.js';
import { exitOnSignals } from '../signals.js';

async function main(): Promise<void> {
  // Loaded here, not at the top: the stdout-relaying parent (see stdoutFilter.ts) needs none of it.
  const { Command, CommanderError } = await import('commander');
  const { setVerbose } = await import('./common.js');
  const registers = await Promise.all([
    import('./info.js').then((m) => m.registerInfo),
    import('./eval.js').then((m) => m.registerEval),
    import('./latency.js').then((m) => m.registerLatency),
    import('./solve.js').then((m) => m.registerSolve),
    import('./train.js').then((m) => m.registerTrain),
    import('./act.js').then((m) => m.registerAct),
    import('./figures.js').then((m) => m.registerFigures),
    import('./bench.js').then((m) => m.registerBench),
  ]);

  const program = new Command('megc')
    .description('LARA: latency-aware resource allocation for mobile edge generation and computing, trained on WebGPU')
    .option('--verbose', 'print stack traces with errors')
    .showHelpAfterError('(run megc --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `megc: ${s}` : s) })
    .hook('preAction', (cmd) => setVerbose(Boolean(cmd.opts().verbose)));
  for (const register of registers) register(program);

  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
    else throw error;
  }
}

if (shouldFilterStdout()) {
  runFilteredChild();
} else {
  // Ctrl-C / kill end a command with 130 / 143 after clean-up; train and figures stop at a safe point first.
  exitOnSignals();
  if (isFilteredChild()) exitWithParent();
  await main();
}
