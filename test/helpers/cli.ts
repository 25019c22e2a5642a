// Runs the built CLI (`npm test` builds it first in pretest) and returns its exit status and output.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export function megc(args: string[], options: { cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeout ?? 120_000, env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
