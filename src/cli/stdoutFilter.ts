// Keeps Dawn's native warnings out of machine-readable stdout: when stdout is not a terminal, the CLI runs itself as a
// child whose stdout passes through here, and Dawn's "Warning: …" lines (printed by C stdio, so they arrive at exit,
// after our JSON) go to stderr instead. The child never outlives this process: an IPC channel ties them, and the
// child exits at once (clean-up included) when the channel closes, however this process ended (kill -9 too).
import { constants as osConstants } from 'node:os';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SIGNAL_EXIT_CODES } from '../signals.js';

const CHILD_FLAG = 'MEGC_STDOUT_FILTERED';

/** Lines that Dawn's Vulkan backend prints on some drivers (lavapipe) about adjusted limits. */
export const DAWN_WARNING = /^Warning: \w+ artificially reduced from \d+ to \d+/;

/** True when this process should relay through a filtering child (stdout not a terminal, not already the child). */
export function shouldFilterStdout(): boolean {
  return !process.stdout.isTTY && process.env[CHILD_FLAG] !== '1' && process.env.MEGC_NO_STDOUT_FILTER !== '1';
}

/** True in the child that runFilteredChild started. */
export function isFilteredChild(): boolean {
  return process.env[CHILD_FLAG] === '1';
}

/**
 * In the child: exit at once, as a kill would end it (the 'exit' handlers remove temporaries and release locks), when
 * the relaying parent is gone: its IPC channel closed, or the pipe it read our stdout from.
 */
export function exitWithParent(): void {
  const gone = () => {
    process.stderr.write('megc: the megc process that started this one is gone; exiting at once\n');
    process.exit(SIGNAL_EXIT_CODES.SIGHUP);
  };
  process.on('disconnect', gone);
  process.channel?.unref();  // the channel alone keeps nothing running
  process.stdout.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'EPIPE') gone(); else throw error; });
}

/**
 * Runs this CLI again as a child in its own process group (so a terminal's Ctrl-C reaches it once, through us),
 * relays its stdout without Dawn's warnings, forwards SIGINT/SIGTERM/SIGHUP, and exits with the child's status.
 */
export function runFilteredChild(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD_FLAG]: '1' },
    detached: true,
  });
  let readerGone = false;
  // Our reader went away (`megc … | head`): stop the child as a closed pipe stops a Unix program, but through SIGTERM,
  // so that a training run writes its checkpoint first.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (DAWN_WARNING.test(line)) process.stderr.write(line + '\n');
    else if (!readerGone) process.stdout.write(line + '\n');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => { if (child.exitCode === null) child.kill(signal); });
  }
  let closed = false;
  let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const finish = () => {
    if (!closed || !status) return;
    const { code, signal } = status;
    // A child ended by a signal exits as a shell reports it: 128 + the signal's number (SIGSEGV 139, SIGABRT 134).
    process.exitCode = code ?? 128 + (signal ? osConstants.signals[signal] ?? 1 : 1);
    if (child.connected) child.disconnect();
  };
  lines.on('close', () => { closed = true; finish(); });
  child.on('exit', (code, signal) => { status = { code, signal }; finish(); });
  child.on('error', (error) => { process.stderr.write(`megc: cannot start: ${error.message}\n`); process.exitCode = 1; });
}
