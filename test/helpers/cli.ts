// Runs the built CLI (`npm test` builds it first in pretest; `ensureBuilt` builds it when a test runs without that).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Builds dist/ with tsc when it is missing, so tests of built code never skip silently. */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { encoding: 'utf8' });
  if (!existsSync(CLI)) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
}

export function megc(args: string[], options: { cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeout ?? 120_000, env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
