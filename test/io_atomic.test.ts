// Tests of atomic writes: the file is replaced whole, temporaries never linger, failures name the path.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/io/safetensorsFile.js';
import { AtomicOutput, ensureDirectory, removeTemporaries, temporariesPending, writeFileAtomic } from '../src/io/atomic.js';
import { UserError } from '../src/errors.js';
import { ensureBuilt } from './helpers/cli.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'megc-atomic-'));
}

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replaces an existing file, leaves no temporary', () => {
    const dir = scratch();
    const path = join(dir, 'a.txt');
    writeFileAtomic(path, 'first');
    expect(readFileSync(path, 'utf8')).toBe('first');
    writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, 'utf8')).toBe('hi');
    writeFileAtomic(path, [new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('fails with a UserError naming the path, removes the temporary and keeps the old file', () => {
    const dir = scratch();
    // The target is a non-empty directory: the rename fails after the temporary was written.
    const target = join(dir, 'blocked');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'x');
    expect(() => writeFileAtomic(target, 'data')).toThrow(UserError);
    expect(() => writeFileAtomic(target, 'data')).toThrow(/cannot write .*blocked/);
    expect(readdirSync(dir)).toEqual(['blocked']);
    // A missing directory: nothing is created.
    expect(() => writeFileAtomic(join(dir, 'missing', 'f.txt'), 'data')).toThrow(/cannot write .*missing/);
    expect(readdirSync(dir)).toEqual(['blocked']);
  });
});

describe('AtomicOutput', () => {
  it('makes nothing visible before commit, everything after', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'metrics.csv'), 'old');
    const output = new AtomicOutput();
    output.add(join(dir, 'metrics.csv'), 'new metrics');
    output.add(join(dir, 'checkpoint.safetensors'), new Uint8Array([7]));
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['metrics.csv']);
    output.commit();
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('new metrics');
    expect([...readFileSync(join(dir, 'checkpoint.safetensors'))]).toEqual([7]);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.safetensors', 'metrics.csv']);
  });

  it('abort removes the staged files and keeps the old ones', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'metrics.csv'), 'old');
    const output = new AtomicOutput();
    output.add(join(dir, 'metrics.csv'), 'new');
    output.abort();
    expect(readdirSync(dir)).toEqual(['metrics.csv']);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('old');
  });
});

describe('temporaries in flight on an immediate exit', () => {
  it('removeTemporaries() unlinks staged, uncommitted temporaries and nothing else', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'metrics.csv'), 'old');
    writeFileAtomic(join(dir, 'config.json'), '{}');
    const output = new AtomicOutput();
    output.add(join(dir, 'metrics.csv'), 'new');
    output.add(join(dir, 'checkpoint.safetensors'), new Uint8Array([1]));
    const staged = temporariesPending().filter((p) => p.startsWith(dir));
    expect(staged).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toHaveLength(2);
    removeTemporaries();
    expect(temporariesPending().filter((p) => p.startsWith(dir))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'metrics.csv']);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('old');
  });

  it('committed and aborted outputs leave nothing in flight', () => {
    const dir = scratch();
    const committed = new AtomicOutput();
    committed.add(join(dir, 'a'), 'a');
    committed.commit();
    const aborted = new AtomicOutput();
    aborted.add(join(dir, 'b'), 'b');
    aborted.abort();
    expect(temporariesPending().filter((p) => p.startsWith(dir))).toEqual([]);
    expect(readdirSync(dir)).toEqual(['a']);
  });

  const built = resolve(import.meta.dirname, '..', 'dist', 'src', 'io', 'atomic.js');
  it('process.exit() with outputs staged (a second Ctrl-C) leaves no .tmp- file', async () => {
    ensureBuilt();
    const dir = scratch();
    writeFileSync(join(dir, 'metrics.csv'), 'old');
    const child = `
      const { AtomicOutput } = await import(${JSON.stringify(pathToFileURL(built).href)});
      const output = new AtomicOutput();
      output.add(${JSON.stringify(join(dir, 'metrics.csv'))}, 'new');
      output.add(${JSON.stringify(join(dir, 'checkpoint.safetensors'))}, 'x');
      process.exit(130);`;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise((r) => proc.once('exit', r));
    expect(code).toBe(130);
    expect(readdirSync(dir)).toEqual(['metrics.csv']);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('old');
  });
});

describe('ensureDirectory', () => {
  it('creates nested directories and names a blocked path', () => {
    const dir = scratch();
    ensureDirectory(join(dir, 'a', 'b'));
    expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureDirectory(join(dir, 'file', 'sub'))).toThrow(/cannot create directory .*file/);
  });
});

describe('killing a writer at any moment leaves the previous file loadable', () => {
  // The built module (npm test builds in pretest), so the child needs no TypeScript loader.
  const built = resolve(import.meta.dirname, '..', 'dist', 'src', 'io', 'safetensorsFile.js');

  it('SIGKILL during a stream of 2 MiB checkpoint rewrites, 8 times', async () => {
    ensureBuilt();
    const dir = scratch();
    const path = join(dir, 'checkpoint.safetensors');
    // The child rewrites the checkpoint forever; every version holds its own index in metadata and data.
    const child = `
      const { writeSafetensors } = await import(${JSON.stringify(pathToFileURL(built).href)});
      for (let i = 0; ; i++) {
        const data = new Float64Array(262144).fill(i);
        writeSafetensors(${JSON.stringify(path)}, { w: { dtype: 'F64', shape: [data.length], data } }, { version: String(i) });
        if (i === 0) process.stdout.write('ready\\n');
        await new Promise((r) => setImmediate(r));
      }`;
    for (let round = 0; round < 8; round++) {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve_) => proc.stdout!.once('data', () => resolve_()));
      await new Promise((r) => setTimeout(r, (round * 7) % 40));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const file = readSafetensors(path);
      const version = Number(file.metadata.version);
      expect(Number.isInteger(version)).toBe(true);
      expect(file.tensors.w.data.every((x) => x === version)).toBe(true);
    }
  });
});
