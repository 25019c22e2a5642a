// The CLI as a process: the filtering child never outlives the megc a user started (kill -9), --json stays parseable;
// places that cannot be written (a file, a read-only file system, /proc) are one line naming the place, before any
// work; a BOM before a scenario's JSON; eval's columns as wide as their values; --episodes named as given.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFsError, makeDirectories, realFs, type FsProbe } from '../src/io/fsErrors.js';
import { LOCK_FILE } from '../src/io/directoryLock.js';
import { UserError } from '../src/errors.js';
import { loadScenario } from '../src/scenario.js';
import { childrenOf, CLI, ensureBuilt, errorLines, megc, megcWithin, processRuns, startMegc, waitFor } from './helpers/cli.js';

let dir: string;
const started: number[] = [];
afterAll(() => { for (const pid of started) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } });

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-cli-reliability-'));
});

/** Whether this machine lets a test mount a read-only tmpfs in a private mount namespace (root with CAP_SYS_ADMIN). */
const canMountReadOnly = spawnSync('unshare', ['-m', 'sh', '-c', `d=$(mktemp -d) && mount -t tmpfs -o ro tmpfs "$d" && umount "$d"`]).status === 0;

/** Runs the CLI in a private mount namespace where `place` is an empty read-only file system. */
function megcOnReadOnly(place: string, args: string[]) {
  mkdirSync(place, { recursive: true });
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o ro tmpfs '${place}' && exec ${quoted}`], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the stdout-filtering child', () => {
  it('kill -9 of the megc process the user started: its training child exits at once, releasing the run directory', async () => {
    const out = join(dir, 'relay');
    const run = startMegc(['train', '--device', 'cpu', '--envs', '4', '--batch', '4', '--hidden', '8', '--iterations', '1000000',
      '--no-progress', '--out', out]);
    // stdout is a pipe, so megc relays through a child: that child trains.
    expect(await waitFor(() => childrenOf(run.child.pid!).length === 1 && existsSync(join(out, 'config.json')))).toBe(true);
    const [trainer] = childrenOf(run.child.pid!);
    started.push(trainer);
    run.child.kill('SIGKILL');
    // The pipes close once the child is gone too (it shares the parent's stderr).
    const result = await run.done;
    expect(result.signal).toBe('SIGKILL');
    expect(await waitFor(() => !processRuns(trainer), 30), `pid ${trainer} still runs after its parent was killed`).toBe(true);
    // It left because its parent went (IPC channel closed), cleanly: not killed later by a write to a dead pipe.
    expect(errorLines(result.stderr)).toEqual(['megc: the megc process that started this one is gone; exiting at once']);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    // The next command finds the directory free.
    expect(megc(['train', '--resume', out, '--iterations', '1000000', '--no-progress']).stderr).not.toMatch(/in use/);
  });

  it('--json output is one parseable object on stdout; Dawn\'s warnings go to stderr', () => {
    for (const args of [['info', '--json'], ['eval', '--policy', 'fra', '--slots', '64', '--json']]) {
      const result = megc(args);
      expect(result.status, result.stderr).toBe(0);
      expect(() => JSON.parse(result.stdout)).not.toThrow();
      expect(result.stdout).not.toMatch(/Warning:/);
    }
    // lavapipe here: info names its thread pool, as gpuEntry sized it (2 per core unless LP_NUM_THREADS is set).
    const info = JSON.parse(megc(['info', '--json']).stdout);
    expect(info.adapter.isSoftware).toBe(true);
    expect(info.cpuAdapterThreads).toBe(Number(process.env.LP_NUM_THREADS ?? 2 * availableParallelism()));
  });
});

describe('places that cannot be written', () => {
  const probe = (writable: (path: string) => void, kinds: Record<string, 'directory' | 'file'>): FsProbe => ({
    checkWritable: writable,
    kindOf: (path) => kinds[path] ?? null,
  });
  const erofs = () => { throw Object.assign(new Error('EROFS'), { code: 'EROFS' }); };

  it('a read-only file system is named as read-only, not as "no such file" (ENOENT from a recursive mkdir)', () => {
    const fs = probe(erofs, { '/': 'directory', '/media': 'directory', '/media/ro': 'directory' });
    const enoent = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    expect(describeFsError(enoent, '/media/ro/runs/a', fs)).toBe('/media/ro is on a read-only file system');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'EROFS' }), '/media/ro/f.csv', fs)).toBe('/media/ro is on a read-only file system');
    const file = probe(() => {}, { '/': 'directory', '/data': 'file' });
    expect(describeFsError(enoent, '/data/run', file)).toBe('/data is a file, not a directory');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'ENOSPC' }), '/media/ro/f', fs)).toBe('no space left on the device that holds /media/ro');
    const writable = probe(() => {}, { '/': 'directory', '/data': 'directory' });
    expect(describeFsError(enoent, '/data/missing/out.csv', writable)).toBe('no such directory: /data/missing');
  });

  it('makeDirectories under /proc fails at once with the place named (Node\'s recursive mkdir never returns there)', () => {
    expect(() => makeDirectories('/proc/megc-test/run', realFs)).toThrow(UserError);
    expect(() => makeDirectories('/proc/megc-test/run')).toThrow('cannot create directory /proc/megc-test/run: /proc does not allow creating entries in it');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => makeDirectories(join(file, 'run'))).toThrow(`${file} is a file, not a directory`);
  });

  it('megc train --out under /proc: one line, exit 2, no hang', async () => {
    const result = await megcWithin(['train', '--out', '/proc/megc-test/run', '--iterations', '1'], 60);
    if (result === 'hung') expect.fail('megc train --out /proc/megc-test/run hung');
    expect(result.code, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual(['megc: error: cannot create directory /proc/megc-test/run: /proc does not allow creating entries in it (no such file or directory)']);
  });

  it.skipIf(!canMountReadOnly)('on a read-only file system, train and figures name the place as read-only', () => {
    const place = join(dir, 'read-only');
    const train = megcOnReadOnly(place, ['train', '--device', 'cpu', '--iterations', '1', '--out', join(place, 'runs', 'a')]);
    expect(train.status, train.stderr).toBe(2);
    expect(errorLines(train.stderr)).toEqual([`megc: error: cannot create directory ${join(place, 'runs', 'a')}: ${place} is on a read-only file system`]);
    const figures = megcOnReadOnly(place, ['figures', '--quick', '--device', 'cpu', '--out', place]);
    expect(figures.status, figures.stderr).toBe(2);
    expect(errorLines(figures.stderr)).toEqual([expect.stringMatching(new RegExp(`^megc: error: cannot lock ${place}/\\.megc\\.lock: ${place} is on a read-only file system$`))]);
    expect(figures.stdout).not.toMatch(/training/);
  });

  it('megc figures --out a regular file: one line, exit 2, before any training', () => {
    const file = join(dir, 'figures-file');
    writeFileSync(file, 'not a folder');
    const result = megc(['figures', '--quick', '--device', 'cpu', '--out', file]);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([`megc: error: cannot create directory ${file}: ${file} is a file, not a directory`]);
    expect(result.stdout).not.toMatch(/run 1\//);
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('megc figures --out under /proc: one line, exit 2, before any training', async () => {
    const result = await megcWithin(['figures', '--quick', '--device', 'cpu', '--out', '/proc/megc-figures'], 60);
    if (result === 'hung') expect.fail('megc figures --out /proc/megc-figures hung');
    expect(result.code, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual(['megc: error: cannot create directory /proc/megc-figures: /proc does not allow creating entries in it (no such file or directory)']);
    expect(result.stdout).not.toMatch(/run 1\//);
  });

  it('megc bench --json checks its file before measuring', () => {
    for (const [path, message] of [[dir, `cannot write ${dir}: it is a directory`], [join(dir, 'no', 'such', 'bench.json'), `cannot write ${join(dir, 'no', 'such', 'bench.json')}: no such directory: ${join(dir, 'no', 'such')}`]] as const) {
      const result = megc(['bench', '--quick', '--only', 'env', '--device', 'cpu', '--json', path]);
      expect(result.status, result.stderr).toBe(2);
      expect(errorLines(result.stderr)).toEqual([expect.stringContaining(`megc: error: ${message}`)]);
      expect(result.stdout).toBe('');
    }
  });
});

describe('small things a long run must not trip on', () => {
  it('a scenario file starting with a UTF-8 byte order mark is read', () => {
    const path = join(dir, 'bom.json');
    writeFileSync(path, '\ufeff{"distance": {"comp": 50}}');
    expect(loadScenario(path).distance.comp).toBe(50);
    const result = megc(['eval', '--policy', 'fra', '--slots', '16', '--device', 'cpu', '--scenario', path, '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).policy).toBe('fra');
  });

  it('megc eval\'s columns are as wide as their values (1e300-scale latencies stay apart)', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, JSON.stringify({ data: { comp: [1e299, 1e300], ve: [1e299, 1e300], aigc: [1e299, 1e300] } }));
    const result = megc(['eval', '--policy', 'fra', '--slots', '16', '--device', 'cpu', '--scenario', path, '--gap']);
    expect(result.status, result.stderr).toBe(0);
    const table = result.stdout.split('\n').slice(1, 4);
    expect(table[0].split(/\s+/)).toEqual(['policy', 'L_comp', 'L_aigc', 'L_ve', 'L_total']);
    for (const row of table.slice(1)) {
      const cells = row.split(/\s+/);
      expect(cells.length, row).toBe(5);
      expect(cells.slice(1).every((c) => Number(c) > 1e290), row).toBe(true);
      // Right-aligned: each value ends where its header ends.
      expect(row.length).toBe(table[0].length);
    }
  });

  it.each([
    [['--episodes', '100000000'], '--episodes 100000000: 100000000 episodes of 100 slots are 10000000000 iterations, more than the 4294967295 a run counts; the most is --episodes 42949672'],
    [['--iterations', '5000000000'], '--iterations: Too big: expected number to be <=4294967295'],
  ])('megc train %j names the flag given; nothing runs', (flags, message) => {
    const out = join(dir, `long-${flags[0]}`);
    const result = megc(['train', '--device', 'cpu', ...flags, '--out', out], { timeout: 30_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([`megc: error: ${message}`]);
    expect(existsSync(out)).toBe(false);
  });
});
