// Run directories: one command at a time (a lock naming its holder, stale locks taken over, released on every exit),
// --resume R1 --out R2 forks without touching R1, --force starts from an empty directory and deletes only run files,
// and temporaries left by killed writers are swept when the directory is next opened.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { sweepStaleTemporaries } from '../src/io/atomic.js';
import { acquireLock, LOCK_FILE, releaseLock } from '../src/io/directoryLock.js';
import { readSafetensors } from '../src/io/safetensorsFile.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { ensureBuilt, errorLines, megc, ROOT, startMegc, waitFor } from './helpers/cli.js';
import { directoryContents, metricsWithoutClock } from './helpers/runs.js';

let dir: string;
let scenario: string;
/** A tiny CPU run (10-slot episodes) writing to `out`. */
const train = (out: string, extra: string[] = []) => ['train', '--device', 'cpu', '--scenario', scenario, '--envs', '4', '--batch', '4',
  '--hidden', '8', '--updates', '1', '--iterations-per-submit', '5', '--eval-slots', '64', '--seed', '5', '--no-progress', '--out', out, ...extra];

/** A pid that no process has now: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const contents = directoryContents;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-rundir-'));
  scenario = join(dir, 'short.json');
  writeFileSync(scenario, JSON.stringify({ slotsPerEpisode: 10 }));
});

describe('the lock of a directory', () => {
  it('is exclusive, names its holder, and is released', () => {
    const locked = mkdtempSync(join(tmpdir(), 'megc-lock-'));
    const path = acquireLock(locked, 'megc train --out x', () => {});
    const holder = JSON.parse(readFileSync(path, 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'megc train --out x' });
    expect(() => acquireLock(locked, 'megc figures', () => {})).toThrow(UserError);
    expect(() => acquireLock(locked, 'megc figures', () => {})).toThrow(`${locked} is in use by another megc command (pid ${process.pid} on ${hostname()}`);
    releaseLock(path);
    expect(existsSync(path)).toBe(false);
    releaseLock(acquireLock(locked, 'again', () => {}));
  });

  it('a lock whose process is gone is taken over, saying so', () => {
    const locked = mkdtempSync(join(tmpdir(), 'megc-lock-'));
    const pid = deadPid();
    writeFileSync(join(locked, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'megc train' }));
    const notes: string[] = [];
    const path = acquireLock(locked, 'megc train', (line) => notes.push(line));
    expect(notes).toEqual([expect.stringMatching(new RegExp(`taking over a stale lock \\(pid ${pid} on .*no longer running\\)`))]);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    releaseLock(path);
  });

  it('is released when the process exits without releasing it (process.exit)', () => {
    const locked = mkdtempSync(join(tmpdir(), 'megc-lock-'));
    const module = join(ROOT, 'dist', 'src', 'io', 'directoryLock.js');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(module)}); m.acquireLock(${JSON.stringify(locked)}, 'x', () => {}); process.exit(3);`], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(3);
    expect(readdirSync(locked)).toEqual([]);
  });

  it('a second megc train on the same --out gets one line naming the holder, exit 2; the first runs on', async () => {
    const out = join(dir, 'contended');
    const first = startMegc(train(out, ['--iterations', '100000']));
    expect(await waitFor(() => existsSync(join(out, LOCK_FILE)) && existsSync(join(out, 'config.json')))).toBe(true);
    const holder = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'));
    const second = megc(train(out, ['--iterations', '10']));
    expect(second.status, second.stderr).toBe(2);
    expect(errorLines(second.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^megc: error: ${out} is in use by another megc command \\(pid ${holder.pid} on .*"megc train .*--iterations 100000`)),
    ]);
    // A resume or a forced run is refused the same way.
    expect(megc(['train', '--resume', out, '--no-progress']).status).toBe(2);
    expect(megc(train(out, ['--iterations', '10', '--force'])).status).toBe(2);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    expect(loadCheckpoint(out).config.iterations).toBe(100000);
  });

  it('a lock left by a killed megc is taken over by the next command, saying so on stderr', () => {
    const out = join(dir, 'stale');
    mkdirSync(out);
    const pid = deadPid();
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'megc train' }));
    const result = megc(train(out, ['--iterations', '10', '--no-eval']));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`megc: note: ${out}: taking over a stale lock \\(pid ${pid} on`));
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('a command that fails after taking the lock releases it', () => {
    const out = join(dir, 'fails');
    expect(megc(train(out, ['--iterations', '10', '--no-eval'])).status).toBe(0);
    const result = megc(['train', '--resume', out, '--batch', '8']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/trained with batch = 4/);
    expect(readdirSync(out)).not.toContain(LOCK_FILE);
    // Free: this process can take it (a lock left behind by a live holder would refuse it).
    releaseLock(acquireLock(out, 'test', () => {}));
  });
});

describe('--resume R1 --out R2 forks', () => {
  it('R2 gets the continued run, equal to an uninterrupted one; R1 stays byte for byte', async () => {
    const r1 = join(dir, 'r1');
    const r2 = join(dir, 'r2');
    const whole = join(dir, 'whole');
    const length = ['--iterations', '1000'];
    // R1: stopped by SIGINT after its first chunk.
    const stopped = startMegc(train(r1, length), (text, child) => { if (/iteration \d+\//.test(text)) child.kill('SIGINT'); });
    expect((await stopped.done).code).toBe(130);
    const at = loadCheckpoint(r1).snapshot.iteration;
    expect(at).toBeLessThan(1000);
    const before = contents(r1);
    const fork = megc(['train', '--resume', r1, '--out', r2, '--no-progress']);
    expect(fork.status, fork.stderr).toBe(0);
    expect(fork.stdout).toMatch(new RegExp(`resuming ${r1} into ${r2} at iteration ${at} of 1000 on the cpu`));
    expect(contents(r1)).toEqual(before);
    expect(megc(train(whole, length)).status).toBe(0);
    expect(loadCheckpoint(r2).snapshot).toEqual(loadCheckpoint(whole).snapshot);
    expect(metricsWithoutClock(r2)).toEqual(metricsWithoutClock(whole));
    expect(JSON.parse(readFileSync(join(r2, 'evaluation.json'), 'utf8')).policies).toEqual(JSON.parse(readFileSync(join(whole, 'evaluation.json'), 'utf8')).policies);
    // A fork onto another run is refused like a fresh run (R2 now holds one).
    const again = megc(['train', '--resume', r1, '--out', r2]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a run/);
    expect(contents(r1)).toEqual(before);
  });
});

describe('--force', () => {
  it('starts from an empty directory: none of the old run\'s files survive', () => {
    const out = join(dir, 'forced');
    expect(megc(train(out, ['--iterations', '20'])).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'evaluation.json', 'metrics.csv']);
    const result = megc(train(out, ['--iterations', '10', '--seed', '6', '--no-eval', '--force']));
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.csv']);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.seed).toBe(6);
    expect(metricsWithoutClock(out).iteration).toEqual([10]);
  });

  it('over a run stopped before its first checkpoint: refused without --force, replaced with it', async () => {
    const out = join(dir, 'early-stop');
    const run = startMegc(train(out, ['--iterations', '100000']), (text, child) => { if (/iteration \d+\//.test(text)) child.kill('SIGKILL'); });
    expect((await run.done).signal).toBe('SIGKILL');
    expect(readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(['config.json']);
    const refused = megc(train(out, ['--iterations', '10']));
    expect(refused.status).toBe(2);
    expect(errorLines(refused.stderr)).toEqual([expect.stringMatching(/already holds a run \(config\.json; no checkpoint: it stopped before its first\)/)]);
    const forced = megc(train(out, ['--iterations', '10', '--no-eval', '--force']));
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.iterations).toBe(10);
    expect(loadCheckpoint(out).snapshot.iteration).toBe(10);
  });

  it('refuses a directory holding other files, deleting nothing', () => {
    const out = join(dir, 'mixed');
    expect(megc(train(out, ['--iterations', '10', '--no-eval'])).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const before = contents(out);
    const result = megc(train(out, ['--iterations', '10', '--force']));
    expect(result.status).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^megc: error: --force: .*mixed holds files that are not part of a run \(notes\.txt\)/)]);
    expect(contents(out)).toEqual(before);
  });

  it('keeps the old run whole when the new one is refused at set-up', () => {
    const out = join(dir, 'kept');
    expect(megc(train(out, ['--iterations', '10'])).status).toBe(0);
    const before = contents(out);
    const result = megc(train(out, ['--replay-capacity', '2000000000', '--force']));
    expect(result.status).toBe(2);
    expect(contents(out)).toEqual(before);
  });
});

describe('temporaries of killed writers', () => {
  it('sweepStaleTemporaries removes those of dead pids and keeps live ones and other files', () => {
    const swept = mkdtempSync(join(tmpdir(), 'megc-sweep-'));
    const dead = deadPid();
    const names = [`.metrics.csv.tmp-${dead}-1-1`, `.checkpoint.safetensors.tmp-${dead}-2-7`, `.metrics.csv.tmp-${process.pid}-3-1`, 'metrics.csv', '.hidden'];
    for (const name of names) writeFileSync(join(swept, name), 'x');
    expect(sweepStaleTemporaries(swept).sort()).toEqual([names[1], names[0]]);
    expect(readdirSync(swept).sort()).toEqual(['.hidden', names[2], 'metrics.csv'].sort());
  });

  it('are swept when megc next opens the run directory', () => {
    const out = join(dir, 'swept');
    expect(megc(train(out, ['--iterations', '10', '--no-eval'])).status).toBe(0);
    const dead = deadPid();
    writeFileSync(join(out, `.metrics.csv.tmp-${dead}-1700000000000-3`), 'partial');
    writeFileSync(join(out, `.checkpoint.safetensors.tmp-${dead}-1700000000000-4`), 'partial');
    const result = megc(['train', '--resume', out, '--iterations', '20', '--no-eval', '--no-progress']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/removed 2 temporary file\(s\) left in .* by killed writers/);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.csv']);
    expect(readSafetensors(join(out, 'checkpoint.safetensors')).metadata.iteration).toBe('20');
  });
});
