// Atomic file writes: temporary file in the same directory, write, fsync, rename, fsync the directory; and the sweep of
// temporaries that killed writers left behind.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { describeFsError, makeDirectories } from './fsErrors.js';

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

/** What a file can be written from: text (UTF-8), bytes, or chunks of bytes written one after another. */
type FileData = string | Uint8Array | readonly Uint8Array[];

/** A UserError naming `path` and saying why writing it failed (a read-only place is named as such). */
function writeError(path: string, error: unknown): UserError {
  return error instanceof UserError ? error : new UserError(`cannot write ${path}: ${describeFsError(error, path)}`);
}

/**
 * A file written piece by piece into a temporary beside `path`; commit() renames it into place, so a reader (or a
 * crash at any moment) sees the old file or the whole new one. Any failure removes the temporary and is a UserError
 * naming `path`; so does abort().
 */
export class AtomicFileWriter {
  readonly temporary: string;
  private fd: number | undefined;
  private closed = false;

  constructor(readonly path: string) {
    this.temporary = temporaryPathFor(path);
    temporariesInFlight.add(this.temporary);
    try {
      this.fd = openSync(this.temporary, 'wx', 0o644);
    } catch (error) {
      this.abort();
      throw writeError(path, error);
    }
  }

  /** Appends text (UTF-8) or bytes. */
  write(data: string | Uint8Array): void {
    if (this.fd === undefined) throw new Error('AtomicFileWriter: write() after close');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(this.fd, bytes, written, bytes.byteLength - written);
    } catch (error) {
      this.abort();
      throw writeError(this.path, error);
    }
  }

  /** fsyncs and closes the temporary (still not visible at `path`); returns its path. */
  close(): string {
    if (this.closed) return this.temporary;
    try {
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = undefined;
      this.closed = true;
    } catch (error) {
      this.abort();
      throw writeError(this.path, error);
    }
    return this.temporary;
  }

  /** Closes, renames the temporary to `path` and fsyncs the directory. */
  commit(): void {
    this.close();
    try {
      renameSync(this.temporary, this.path);
      temporariesInFlight.delete(this.temporary);
    } catch (error) {
      this.abort();
      throw writeError(this.path, error);
    }
    fsyncDirectory(dirname(this.path));
  }

  /** Removes the temporary; `path` stays as it was. */
  abort(): void {
    if (this.fd !== undefined) { try { closeSync(this.fd); } catch { /* already failing */ } }
    this.fd = undefined;
    this.closed = true;
    dropTemporary(this.temporary);
  }
}

/**
 * Writes `data` to a new temporary file beside `path`, fsyncs and closes it, then hands it to `then`. If any of that
 * fails (`then` included), the temporary file is removed, `cleanUp` runs and a UserError naming `path` is thrown.
 */
function writeTemporary(path: string, data: FileData, then: (temporary: string) => void, cleanUp?: () => void): void {
  const chunks: readonly (string | Uint8Array)[] = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  let writer: AtomicFileWriter | undefined;
  try {
    writer = new AtomicFileWriter(path);
    for (const chunk of chunks) writer.write(chunk);
    then(writer.close());
  } catch (error) {
    writer?.abort();
    cleanUp?.();
    throw writeError(path, error);
  }
}

/**
 * Throws a UserError naming `path` unless a file can be written there now: not a directory, and its directory exists
 * and takes a new file (a temporary is created and removed, which also catches a read-only place, even for root).
 */
export function checkWritableFile(path: string): void {
  if (isDirectoryPath(path)) throw new UserError(`cannot write ${path}: it is a directory`);
  new AtomicFileWriter(path).abort();
}

function isDirectoryPath(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
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
    for (const { temporary, path } of this.staged) {
      try {
        renameSync(temporary, path);
      } catch (error) {
        for (const staged of this.staged) dropTemporary(staged.temporary);
        throw writeError(path, error);
      }
      temporariesInFlight.delete(temporary);
      directories.add(dirname(path));
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

/**
 * Creates `directory` (and parents); returns the first directory created (undefined when it existed). A UserError
 * naming the place that refused (read-only, a file in the way) if that fails.
 */
export function ensureDirectory(directory: string): string | undefined {
  return makeDirectories(directory);
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.NAME.tmp-PID-MILLIS-COUNTER`, as temporaryPathFor names them. */
const TEMPORARY_NAME = /^\..+\.tmp-(\d+)-\d+-\d+$/;

/**
 * Removes the temporaries in `directory` left by writers that are gone (killed mid-write: the pid in the name no
 * longer runs); returns their names. Temporaries of running processes, this one included, are kept.
 */
export function sweepStaleTemporaries(directory: string, alive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try { names = readdirSync(directory); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || alive(pid)) continue;
    try { unlinkSync(join(directory, name)); removed.push(name); } catch { /* gone meanwhile */ }
  }
  return removed;
}
