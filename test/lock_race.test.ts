// Stale-lock takeover under contention: many processes racing acquireLock on stale locks never get two holders of
// one directory (each directory ends with exactly one holder, the others told it is in use); a .megc.lock that is a
// directory is named as such.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE } from '../src/io/directoryLock.js';
import { ensureBuilt, ROOT, waitFor } from './helpers/cli.js';

beforeAll(() => ensureBuilt());

/** A pid that no process has now: a child that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/**
 * A contender: waits for GO, calls acquireLock on each directory in turn (recording "held" or the refusal), writes its
 * results, and keeps every lock it got (alive, so none looks stale) until RELEASE appears.
 */
const CONTENDER = `
const [module, base, count, me] = process.argv.slice(1);
// Adversarial scheduling: after each read of a lock file, a random pause of up to 3 ms (as a busy machine would
// preempt a process there), so that contenders interleave between reading a lock and acting on it.
const fs = (await import('node:module')).createRequire(import.meta.url)('node:fs');
const read = fs.readFileSync;
fs.readFileSync = (...args) => {
  const result = read(...args);
  if (String(args[0]).includes('.megc.lock')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.random() * 3);
  return result;
};
(await import('node:module')).syncBuiltinESMExports();
const { acquireLock } = await import(module);
const { existsSync, writeFileSync } = await import('node:fs');
const { join } = await import('node:path');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
while (!existsSync(join(base, 'GO'))) sleep(1);
const start = Number((await import('node:fs')).readFileSync(join(base, 'GO'), 'utf8'));
const results = [];
for (let d = 0; d < Number(count); d++) {
  // Every contender reaches directory d at the same moment (busy-waiting to it), so that they race on each one.
  while (Date.now() < start + d * 15) { /* spin */ }
  try { acquireLock(join(base, 'd' + d), 'contender ' + me, () => {}); results.push('held'); }
  catch (error) { results.push(String(error.message)); }
}
writeFileSync(join(base, 'result-' + me + '.json'), JSON.stringify(results));
while (!existsSync(join(base, 'RELEASE'))) sleep(5);
`;

describe('stale-lock takeover', () => {
  it('of many racing takers, exactly one holds each directory', async () => {
    const base = mkdtempSync(join(tmpdir(), 'megc-lock-race-'));
    const directories = 40;
    const contenders = 8;
    const dead = deadPid();
    for (let d = 0; d < directories; d++) {
      mkdirSync(join(base, `d${d}`));
      writeFileSync(join(base, `d${d}`, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: `2026-01-01T00:00:00.${String(d).padStart(3, '0')}Z`, command: 'megc train' }));
    }
    const module = join(ROOT, 'dist', 'src', 'io', 'directoryLock.js');
    const children = Array.from({ length: contenders }, (_, me) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, module, base, String(directories), String(me)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      return { child, exited: new Promise<string>((resolve) => child.on('close', (code) => resolve(`exit ${code} ${stderr}`))) };
    });
    // Every contender started (imports done) before the race begins: give them a moment, then GO.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(join(base, 'GO'), String(Date.now() + 100));
    const resultFile = (me: number) => join(base, `result-${me}.json`);
    const finished = await waitFor(() => children.every((_, me) => existsSync(resultFile(me))), 60);
    // While the holders run: each directory holds its lock and nothing else (no takeover marker, no temporary).
    const left = Array.from({ length: directories }, (_, d) => readdirSync(join(base, `d${d}`)));
    writeFileSync(join(base, 'RELEASE'), '');
    const exits = await Promise.all(children.map((c) => c.exited));
    expect(finished, exits.join('\n')).toBe(true);
    const results = children.map((_, me) => JSON.parse(readFileSync(resultFile(me), 'utf8')) as string[]);
    for (let d = 0; d < directories; d++) {
      const outcomes = results.map((r) => r[d]);
      const holders = outcomes.filter((o) => o === 'held');
      expect(holders.length, `directory d${d}: ${JSON.stringify(outcomes)}`).toBe(1);
      for (const refusal of outcomes.filter((o) => o !== 'held')) expect(refusal).toMatch(/is in use by another megc command \(pid \d+ .*"contender \d+"\)/);
      expect(left[d]).toEqual([LOCK_FILE]);
    }
    expect(exits.every((e) => e.startsWith('exit 0')), exits.join('\n')).toBe(true);
  }, 90_000);

  it('a .megc.lock that is a directory is named as such', () => {
    const locked = mkdtempSync(join(tmpdir(), 'megc-lock-dir-'));
    mkdirSync(join(locked, LOCK_FILE));
    expect(() => acquireLock(locked, 'megc train', () => {})).toThrow(`cannot lock ${locked}: ${join(locked, LOCK_FILE)} is a directory, not a megc lock; remove it if no megc command uses ${locked}`);
  });
});
