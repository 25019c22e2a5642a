// Runs the built CLI (`npm test` builds it first in pretest; `ensureBuilt` builds it when a test runs without that).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Builds dist/ with tsc when it is missing, so tests of built code never skip silently. */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { encoding: 'utf8' });
  if (!existsSync(CLI)) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
}

export function megc(args: string[], options: { cwd?: string; timeout?: number; execArgv?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(options.execArgv ?? []), CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeout ?? 120_000, env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Starts the CLI (stdout and stderr piped, so it relays through its filtering child); `onStdout` / `onStderr` see the
 * output so far after each piece of it. Resolves when it has exited and its pipes have drained.
 */
export function startMegc(args: string[], onStdout?: (text: string, child: ChildProcess) => void,
                          onStderr?: (text: string, child: ChildProcess) => void,
                          options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), CLI, ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ? { ...process.env, ...options.env } : undefined,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; onStdout?.(stdout, child); });
  child.stderr!.on('data', (d) => { stderr += d; onStderr?.(stderr, child); });
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Waits (polling, up to `seconds`) until `condition()` holds; returns whether it did. */
export async function waitFor(condition: () => boolean, seconds = 60): Promise<boolean> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** Whether a process runs (a zombie, exited but not yet reaped, does not). */
export function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** stderr lines other than Dawn's native warnings (lavapipe prints them at exit). */
export const errorLines = (stderr: string) => stderr.trimEnd().split('\n').filter((l) => l !== '' && !l.startsWith('Warning: '));

/** Pids of the running children of `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return children;
}

/** Runs the CLI; if it has not ended after `seconds`, kills it and its children and resolves to 'hung'. */
export async function megcWithin(args: string[], seconds: number): Promise<Finished | 'hung'> {
  const run = startMegc(args);
  const ended = await Promise.race([run.done, new Promise<null>((resolve) => setTimeout(() => resolve(null), seconds * 1000))]);
  if (ended) return ended;
  for (const pid of [...childrenOf(run.child.pid!), run.child.pid!]) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  return 'hung';
}
