// Atomic file writes: temporary file in the same directory, write, fsync, rename, fsync the directory.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';

let temporaryCounter = 0;

/** Temporary files written but not yet renamed into place or removed (what an immediate exit must clean up). */
const temporariesInFlight = new Set<string>();

/** Temporary paths now in flight (tests). */
export function temporariesPending(): string[] {
  return [...temporariesInFlight];
}

/**
 * Removes every temporary file in flight, synchronously; for an exit that cannot wait for the writes to finish
 * (a second Ctrl-C). The files being replaced stay as they were. Never throws.
 */
export function removeTemporaries(): void {
  for (const temporary of temporariesInFlight) {
    try { unlinkSync(temporary); } catch { /* never created, or already gone */ }
  }
  temporariesInFlight.clear();
}

// Whatever ends the process (process.exit included), no temporary is left behind.
process.on('exit', removeTemporaries);

/** Removes one temporary file and forgets it. */
function dropTemporary(temporary: string): void {
  rmSync(temporary, { force: true });
  temporariesInFlight.delete(temporary);
}

/** A unique temporary path beside `path` (same directory, so the rename is atomic). */
export function temporaryPathFor(path: string): string {
  temporaryCounter += 1;
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${temporaryCounter}`);
}

/** fsync a directory so a rename inside it survives a crash; ignored where the platform refuses. */
function fsyncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems (and Windows) do not allow fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
}

/** What a file can be written from: text (UTF-8), bytes, or chunks of bytes written one after another. */
type FileData = string | Uint8Array | readonly Uint8Array[];

/**
 * Writes `data` to a new temporary file beside `path`, fsyncs and closes it, then hands it to `then`. If any of that
 * fails (`then` included), the temporary file is removed, `cleanUp` runs and a UserError naming `path` is thrown.
 */
function writeTemporary(path: string, data: FileData, then: (temporary: string) => void, cleanUp?: () => void): void {
  const chunks: readonly Uint8Array[] = typeof data === 'string'
    ? [Buffer.from(data, 'utf8')]
    : data instanceof Uint8Array ? [data] : data;
  const temporary = temporaryPathFor(path);
  let fd: number | undefined;
  temporariesInFlight.add(temporary);
  try {
    fd = openSync(temporary, 'wx', 0o644);
    for (const chunk of chunks) writeAll(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    then(temporary);
  } catch (error) {
    if (fd !== undefined) { try { closeSync(fd); } catch { /* already failing */ } }
    dropTemporary(temporary);
    cleanUp?.();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`cannot write ${path}: ${reason}`);
  }
}

/**
 * Writes `data` to `path` so that a reader (or a crash at any moment) sees either the old file or the new one,
 * never a partial file. The temporary file is removed on failure. Errors become a UserError naming the path.
 */
export function writeFileAtomic(path: string, data: FileData): void {
  writeTemporary(path, data, (temporary) => {
    renameSync(temporary, path);
    temporariesInFlight.delete(temporary);
  });
  fsyncDirectory(dirname(path));
}

/**
 * A set of files written together: each is staged as a temporary file, and `commit()` renames them all in the
 * order they were added (put the file that marks completion, e.g. the checkpoint, last). `abort()` removes
 * what was staged. A crash before commit leaves every previous file as it was.
 */
export class AtomicOutput {
  private readonly staged: { temporary: string; path: string }[] = [];
  private done = false;

  /** Stages `data` for `path`; nothing is visible at `path` until commit(). */
  add(path: string, data: FileData): void {
    if (this.done) throw new Error('AtomicOutput: add() after commit() or abort()');
    writeTemporary(path, data, (temporary) => { this.staged.push({ temporary, path }); }, () => this.abort());
  }

  /** Renames every staged file into place, in order, then fsyncs the directories. */
  commit(): void {
    if (this.done) throw new Error('AtomicOutput: commit() twice or after abort()');
    this.done = true;
    const directories = new Set<string>();
    try {
      for (const { temporary, path } of this.staged) {
        renameSync(temporary, path);
        temporariesInFlight.delete(temporary);
        directories.add(dirname(path));
      }
    } catch (error) {
      for (const { temporary } of this.staged) dropTemporary(temporary);
      const reason = error instanceof Error ? error.message : String(error);
      throw new UserError(`cannot write output: ${reason}`);
    }
    for (const directory of directories) fsyncDirectory(directory);
  }

  /** Removes every staged temporary file; the previous files stay as they were. */
  abort(): void {
    this.done = true;
    for (const { temporary } of this.staged) dropTemporary(temporary);
    this.staged.length = 0;
  }
}

/** Creates `directory` (and parents); a UserError naming it if that fails (e.g. a file is in the way). */
export function ensureDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`cannot create directory ${directory}: ${reason}`);
  }
}
