// Runs the built CLI (`npm test` builds it first in pretest; `ensureBuilt` builds it when a test runs without that).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
                          onStderr?: (text: string, child: ChildProcess) => void, options: { execArgv?: string[] } = {}): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
