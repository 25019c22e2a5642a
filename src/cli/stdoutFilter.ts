// Keeps Dawn's native warnings out of machine-readable stdout: when stdout is not a terminal, the CLI runs itself as a
// child whose stdout passes through here, and Dawn's "Warning: …" lines (printed by C stdio, so they arrive at exit,
// after our JSON) go to stderr instead.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const CHILD_FLAG = 'MEGC_STDOUT_FILTERED';

/** Lines that Dawn's Vulkan backend prints on some drivers (lavapipe) about adjusted limits. */
export const DAWN_WARNING = /^Warning: \w+ artificially reduced from \d+ to \d+/;

/** True when this process should relay through a filtering child (stdout not a terminal, not already the child). */
export function shouldFilterStdout(): boolean {
  return !process.stdout.isTTY && process.env[CHILD_FLAG] !== '1' && process.env.MEGC_NO_STDOUT_FILTER !== '1';
}

/**
 * Runs this CLI again as a child in its own process group (so a terminal's Ctrl-C reaches it once, through us),
 * relays its stdout without Dawn's warnings, forwards SIGINT/SIGTERM/SIGHUP, and exits with the child's status.
 */
export function runFilteredChild(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'pipe', 'inherit'],
    env: { ...process.env, [CHILD_FLAG]: '1' },
    detached: true,
  });
  const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (DAWN_WARNING.test(line)) process.stderr.write(line + '\n');
    else process.stdout.write(line + '\n');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => { if (child.exitCode === null) child.kill(signal); });
  }
  let closed = false;
  let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const finish = () => {
    if (!closed || !status) return;
    const { code, signal } = status;
    const signals: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 };
    process.exitCode = code ?? 128 + (signal ? signals[signal] ?? 1 : 1);
  };
  lines.on('close', () => { closed = true; finish(); });
  child.on('exit', (code, signal) => { status = { code, signal }; finish(); });
  child.on('error', (error) => { process.stderr.write(`megc: cannot start: ${error.message}\n`); process.exitCode = 1; });
}
