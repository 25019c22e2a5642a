// Outputs never destroy inputs: an output that is one of a command's inputs (another spelling, `..`, a symbolic or hard
// link) is refused before anything is written; links are written through to their target, devices and fifos directly
// (a write error is one line, exit 1), `--output -` is stdout; output paths are checked before any work; temporaries of
// killed writers are swept from every directory written; non-regular or oversized input files are refused at once.
import { spawnSync } from 'node:child_process';
import {
  closeSync, constants, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync,
  statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../src/errors.js';
import { AtomicFileWriter, AtomicOutput, writeFileAtomic } from '../src/io/atomic.js';
import { readInputFile } from '../src/io/inputFile.js';
import { checkOutputDirectory, checkOutputFile, refuseOutputOverInput } from '../src/io/outputs.js';
import { figureRunDirectory } from '../src/figures/pipeline.js';
import { loadScenario } from '../src/scenario.js';
import { loadPolicy } from '../src/train/checkpoint.js';
import { runLatency } from '../src/cli/latency.js';
import { tuneChoice } from '../src/cli/train.js';
import { ensureBuilt, errorLines, megc, ROOT } from './helpers/cli.js';

let dir: string;
const scratch = () => mkdtempSync(join(dir, 'case-'));
const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden-latency.csv');

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-outputs-'));
});

/** A pid that no process has now: a child that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** `megc latency` as a process; returns its result. */
const latency = (input: string, output: string, cwd?: string) => megc(['latency', '--device', 'cpu', '--input', input, '--output', output], { cwd });

/** `megc latency`'s work in this process: resolves to the UserError it throws (undefined when it succeeds). */
async function latencyError(input: string, output: string): Promise<UserError | undefined> {
  try {
    await runLatency({ input, output, device: 'cpu' });
    return undefined;
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
}

describe('an output that is one of the inputs', () => {
  it('is refused by device and inode however it is spelled, before anything is written', async () => {
    const at = scratch();
    const input = join(at, 'in.csv');
    writeFileSync(input, readFileSync(GOLDEN));
    linkSync(input, join(at, 'hard.csv'));
    symlinkSync('in.csv', join(at, 'soft.csv'));
    mkdirSync(join(at, 'sub'));
    const before = readFileSync(input);
    for (const output of [input, join(at, 'sub', '..', 'in.csv'), join(at, 'hard.csv'), join(at, 'soft.csv')]) {
      const error = await latencyError(input, output);
      expect(error?.message).toBe(`--output ${output} is the same file as --input ${input}: writing it would replace that input; choose another --output`);
      expect(error?.exitCode).toBe(2);
      expect(readFileSync(input).equals(before)).toBe(true);
    }
    expect(readdirSync(at).sort()).toEqual(['hard.csv', 'in.csv', 'soft.csv', 'sub']);
    expect(lstatSync(join(at, 'soft.csv')).isSymbolicLink()).toBe(true);
    // megc act --input X --output X: refused before the policy is even read.
    const result = megc(['act', '--policy', join(at, 'no-run'), '--input', 'in.csv', '--output', './in.csv'], { cwd: at });
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual(['megc: error: --output ./in.csv is the same file as --input in.csv: writing it would replace that input; choose another --output']);
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('names every writer flag against every input flag (train --out against --scenario and --tune)', () => {
    const at = scratch();
    const scenario = join(at, 'config.json');
    writeFileSync(scenario, '{}');
    expect(() => refuseOutputOverInput([{ flag: '--out', path: join(at, 'config.json') }], [{ flag: '--scenario', path: join(at, '.', 'config.json') }]))
      .toThrow(/--out .*config\.json is the same file as --scenario .*config\.json: writing it would replace that input; choose another --out/);
    // Not yet there, or a different file: no conflict; an empty path is refused.
    expect(() => refuseOutputOverInput([{ flag: '--out', path: join(at, 'new.json') }], [{ flag: '--scenario', path: scenario }])).not.toThrow();
    expect(() => refuseOutputOverInput([{ flag: '--out', path: '' }], [])).toThrow('--out: the path is empty');
    const result = megc(['train', '--device', 'cpu', '--out', at, '--force', '--scenario', scenario, '--no-progress']);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([`megc: error: --out ${join(at, 'config.json')} is the same file as --scenario ${scenario}: writing it would replace that input; choose another --out`]);
    expect(readFileSync(scenario, 'utf8')).toBe('{}');
  });
});

describe('links, devices, fifos and stdout', () => {
  it('a symbolic link (dangling too) stays a link; its target gets the data, the temporary beside the target', () => {
    const at = scratch();
    mkdirSync(join(at, 'real'));
    writeFileSync(join(at, 'real', 'target.txt'), 'old');
    symlinkSync(join('real', 'target.txt'), join(at, 'link.txt'));
    symlinkSync(join('real', 'new.txt'), join(at, 'dangling.txt'));
    const writer = new AtomicFileWriter(join(at, 'link.txt'));
    expect(writer.temporary!.startsWith(join(at, 'real') + '/')).toBe(true);
    writer.write('new');
    writer.commit();
    writeFileAtomic(join(at, 'dangling.txt'), 'created');
    expect(lstatSync(join(at, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(at, 'link.txt'))).toBe(join('real', 'target.txt'));
    expect(readFileSync(join(at, 'real', 'target.txt'), 'utf8')).toBe('new');
    expect(lstatSync(join(at, 'dangling.txt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(at, 'real', 'new.txt'), 'utf8')).toBe('created');
    expect(readdirSync(join(at, 'real')).sort()).toEqual(['new.txt', 'target.txt']);
  });

  it('a fifo is written directly and stays a fifo (AtomicOutput too)', () => {
    const at = scratch();
    const fifo = join(at, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeFileAtomic(fifo, 'through the pipe\n');
      const output = new AtomicOutput();
      output.add(fifo, 'and again\n');
      output.commit();
      const buffer = Buffer.alloc(100);
      const count = readSync(reader, buffer, 0, 100, null);
      expect(buffer.subarray(0, count).toString()).toBe('through the pipe\nand again\n');
    } finally {
      closeSync(reader);
    }
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(at)).toEqual(['pipe']);
  });

  it('/dev/null and /dev/full stay devices; a write error on /dev/full is one line, exit 1', async () => {
    writeFileAtomic('/dev/null', 'discarded');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    let error: unknown;
    try { writeFileAtomic('/dev/full', 'x'.repeat(1 << 16)); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('cannot write /dev/full: no space left on the device that holds /dev/full');
    expect((error as UserError).exitCode).toBe(1);
    const failed = await latencyError(GOLDEN, '/dev/full');
    expect(failed?.message).toBe('cannot write /dev/full: no space left on the device that holds /dev/full');
    expect(failed?.exitCode).toBe(1);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('--output - and --output /dev/stdout write the CSV to stdout', () => {
    const golden = readFileSync(GOLDEN, 'utf8').trimEnd().split(/\r?\n/);
    for (const output of ['-', '/dev/stdout']) {
      const at = scratch();
      const result = latency(GOLDEN, output, at);
      expect(result.status, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.length).toBe(golden.length);
      expect(lines[0]).toBe(golden[0]);
      expect(readdirSync(at)).toEqual([]);
    }
  });
});

describe('output paths checked before any work', () => {
  it('a directory, a file as parent, an empty path: one line, exit 2, before the input is read', async () => {
    const at = scratch();
    // An input whose second row is bad: had it been read first, that row would be the error.
    const bad = join(at, 'bad.csv');
    const golden = readFileSync(GOLDEN, 'utf8').split('\n');
    writeFileSync(bad, [golden[0], golden[1], golden[2].replace(/^[^,]+/, 'oops'), ...golden.slice(3)].join('\n'));
    writeFileSync(join(at, 'file'), '');
    const cases: [string, string][] = [
      [at, `cannot write ${at}: it is a directory`],
      [join(at, 'file', 'out.csv'), `cannot write ${join(at, 'file', 'out.csv')}: ${join(at, 'file')} is a file, not a directory`],
      ['', '--output: the path is empty'],
    ];
    for (const [output, message] of cases) {
      const error = await latencyError(bad, output);
      expect(error?.message).toBe(message);
      expect(error?.exitCode).toBe(2);
    }
    expect(readdirSync(at).sort()).toEqual(['bad.csv', 'file']);
  });

  it('directories: --out empty, a file, or under a file is refused (train, figures)', () => {
    const at = scratch();
    writeFileSync(join(at, 'file'), '');
    expect(() => checkOutputDirectory('--out', '')).toThrow('--out: the path is empty');
    expect(() => checkOutputDirectory('--out', join(at, 'file'))).toThrow(`--out ${join(at, 'file')}: not a directory`);
    expect(() => checkOutputDirectory('--out', join(at, 'file', 'run'))).toThrow(`--out ${join(at, 'file', 'run')}: ${join(at, 'file')} is a file, not a directory`);
    expect(() => checkOutputFile('--json', '')).toThrow('--json: the path is empty');
    for (const args of [['train', '--device', 'cpu', '--out', ''], ['figures', '--quick', '--device', 'cpu', '--out', '']]) {
      const result = megc(args, { cwd: at });
      expect(result.status, result.stderr).toBe(2);
      expect(errorLines(result.stderr)).toEqual(['megc: error: --out: the path is empty']);
    }
    expect(readdirSync(at)).toEqual(['file']);
  });
});

describe('figures run folders', () => {
  it('are named by the exact learning-rate scale: 1 and 1.001 never share one; a repeated scale is refused', () => {
    expect(figureRunDirectory('out', 'quick', 1, 1)).not.toBe(figureRunDirectory('out', 'quick', 1.001, 1));
    expect(figureRunDirectory('out', 'quick', 0.1, 2)).toBe(join('out', 'runs', 'quick', 'lr-x0.1', 'seed-2'));
    const at = scratch();
    const result = megc(['figures', '--quick', '--device', 'cpu', '--lr-scales', '1,1.0', '--out', join(at, 'figs')]);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual(['megc: error: --lr-scales: a scale is repeated (1,1)']);
    expect(readdirSync(at)).toEqual([]);
  });
});

describe('temporaries of killed writers', () => {
  it('are swept from any directory an output is written to (not only run directories)', async () => {
    const at = scratch();
    const dead = deadPid();
    const stale = [`.out.csv.tmp-${dead}-1700000000000-1`, `.other.json.tmp-${dead}-1700000000000-2`];
    const live = `.out.csv.tmp-${process.pid}-1700000000000-9`;
    for (const name of [...stale, live]) writeFileSync(join(at, name), 'partial');
    writeFileSync(join(at, 'keep.txt'), 'mine');
    const notes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => { notes.push(String(text)); return true; });
    try {
      expect(await latencyError(GOLDEN, join(at, 'out.csv'))).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(notes).toEqual([`megc: note: removed 2 temporary file(s) left beside ${join(at, 'out.csv')} by killed writers\n`]);
    expect(readdirSync(at).sort()).toEqual([live, 'keep.txt', 'out.csv'].sort());
    // Any atomic write sweeps its directory too (a checkpoint, a figure, a bench report).
    writeFileSync(join(at, stale[0]), 'partial');
    writeFileAtomic(join(at, 'report.json'), '{}');
    expect(readdirSync(at).sort()).toEqual([live, 'keep.txt', 'out.csv', 'report.json'].sort());
  });
});

describe('input files', () => {
  it('a device, a fifo or a file larger than any valid one is refused at once, one line', () => {
    const at = scratch();
    const fifo = join(at, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const path of ['/dev/zero', '/dev/urandom', fifo]) {
      expect(() => readInputFile(path, { what: `--scenario ${path}`, maxBytes: 1 << 20 })).toThrow(`--scenario ${path}: not a regular file (a device, fifo or socket); give a file`);
    }
    writeFileSync(join(at, 'big.json'), ' '.repeat(2048));
    expect(() => readInputFile(join(at, 'big.json'), { what: 'big', maxBytes: 1024 })).toThrow('big: 2 KiB, larger than any valid one (at most 1 KiB)');
    expect(readInputFile(join(at, 'big.json'), { what: 'big', maxBytes: 4096 }).length).toBe(2048);
    expect(() => loadScenario('/dev/urandom')).toThrow('--scenario /dev/urandom: not a regular file (a device, fifo or socket); give a file');
    expect(() => loadPolicy('/dev/zero')).toThrow('/dev/zero: not a regular file (a device, fifo or socket); give a file');
    expect(() => tuneChoice('/dev/zero')).toThrow('--tune /dev/zero: /dev/zero: not a regular file (a device, fifo or socket); give a file');
    const result = megc(['eval', '--policy', 'fra', '--slots', '8', '--device', 'cpu', '--scenario', '/dev/zero'], { timeout: 30_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual(['megc: error: --scenario /dev/zero: not a regular file (a device, fifo or socket); give a file']);
  });
});
