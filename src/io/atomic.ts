// Atomic file writes: temporary file in the same directory, write, fsync, rename, fsync the directory (devices, fifos
// and stdout written directly; links written through); and the sweep of temporaries that killed writers left behind.
import { accessSync, closeSync, constants, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { describeFsError, makeDirectories } from './fsErrors.js';
import { outputTarget } from './outputTarget.js';

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
  try { unlinkSync(temporary); } catch { /* never created (its directory may not even be one), or already gone */ }
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

/**
 * A UserError naming `path` and saying why writing it failed (a read-only place is named as such); exit 2 for a path
 * that cannot be written at all, `exitCode` 1 for a failure while writing (a full disk, /dev/full).
 */
function writeError(path: string, error: unknown, exitCode = 2): UserError {
  return error instanceof UserError ? error : new UserError(`cannot write ${path}: ${describeFsError(error, path)}`, exitCode);
}

/** Writes all of `bytes` to `fd`, waiting out EAGAIN (a non-blocking pipe that is full). */
function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) {
    try {
      written += writeSync(fd, bytes, written, bytes.byteLength - written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/**
 * An output written piece by piece. A regular file (or a new one) is written into a temporary beside the end of its
 * symbolic links, and commit() renames it into place, so a reader (or a crash at any moment) sees the old file or the
 * whole new one, and a link keeps pointing at its target; a device, fifo or stdout (`-`, where `stdout` allows it) is
 * written directly, never replaced. Any failure removes the temporary and is a UserError naming `path`; so does abort().
 */
export class AtomicFileWriter {
  /** The temporary the data goes to before commit(); undefined for an output written directly. */
  readonly temporary: string | undefined;
  /** The file commit() replaces (`path`, or the end of its links); for a direct output, `path`. */
  readonly target: string;
  /** Temporaries that killed writers had left beside the target, removed when this writer opened. */
  readonly swept: string[] = [];
  private fd: number | undefined;
  /** False for stdout and stderr, which stay open. */
  private ownsFd = true;
  private closed = false;

  /** `stdout`: `-` is stdout; `sweep` (default true): remove the temporaries of killed writers beside the target. */
  constructor(readonly path: string, { stdout = false, sweep = true } = {}) {
    const output = outputTarget(path, { stdout });
    if (output.kind === 'descriptor') {
      this.target = path;
      this.fd = output.fd;
      this.ownsFd = false;
      return;
    }
    this.target = output.path;
    if (output.kind === 'direct') {
      try { this.fd = openSync(output.path, 'w'); } catch (error) { this.closed = true; throw writeError(path, error); }
      return;
    }
    if (sweep) this.swept = sweepStaleTemporaries(dirname(output.path));
    this.temporary = temporaryPathFor(output.path);
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
      writeAll(this.fd, bytes);
    } catch (error) {
      this.abort();
      throw writeError(this.path, error, 1);
    }
  }

  /** fsyncs and closes the temporary (still not visible at `path`); a direct output is closed (stdout stays open). */
  close(): void {
    if (this.closed) return;
    try {
      if (this.temporary !== undefined) fsyncSync(this.fd!);
      if (this.ownsFd) closeSync(this.fd!);
      this.fd = undefined;
      this.closed = true;
    } catch (error) {
      this.abort();
      throw writeError(this.path, error, 1);
    }
  }

  /** After close(): renames the temporary onto the target (nothing to do for a direct output); the caller fsyncs. */
  publish(): void {
    if (this.temporary === undefined) return;
    try {
      renameSync(this.temporary, this.target);
      temporariesInFlight.delete(this.temporary);
    } catch (error) {
      this.abort();
      throw writeError(this.path, error);
    }
  }

  /** Closes, renames the temporary to the target and fsyncs its directory. */
  commit(): void {
    this.close();
    this.publish();
    if (this.temporary !== undefined) fsyncDirectory(dirname(this.target));
  }

  /** Removes the temporary; `path` stays as it was (what a direct output got stays written). */
  abort(): void {
    if (this.fd !== undefined && this.ownsFd) { try { closeSync(this.fd); } catch { /* already failing */ } }
    this.fd = undefined;
    this.closed = true;
    if (this.temporary !== undefined) dropTemporary(this.temporary);
  }
}

/** A writer for `path` holding all of `data`, closed (not yet published); on failure nothing is left behind. */
function writeClosed(path: string, data: FileData): AtomicFileWriter {
  const chunks: readonly (string | Uint8Array)[] = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  const writer = new AtomicFileWriter(path);
  try {
    for (const chunk of chunks) writer.write(chunk);
    writer.close();
  } catch (error) {
    writer.abort();
    throw writeError(path, error, 1);
  }
  return writer;
}

/**
 * Throws a UserError naming `path` unless a file can be written there now: not empty, not a directory, and its
 * directory exists and takes a new file (a temporary is created and removed, which also catches a read-only place,
 * even for root); a device or fifo must be writable (it is not opened: a fifo would wait for a reader).
 */
export function checkWritableFile(path: string, { stdout = false } = {}): void {
  const output = outputTarget(path, { stdout });
  if (output.kind === 'descriptor') return;
  if (output.kind === 'direct') {
    try { accessSync(output.path, constants.W_OK); } catch (error) { throw writeError(path, error); }
    return;
  }
  new AtomicFileWriter(path, { sweep: false }).abort();
}

/**
 * Writes `data` to `path` so that a reader (or a crash at any moment) sees either the old file or the new one,
 * never a partial file (a device or fifo is written directly). The temporary file is removed on failure. Errors
 * become a UserError naming the path.
 */
export function writeFileAtomic(path: string, data: FileData): void {
  writeClosed(path, data).commit();
}

/**
 * A set of files written together: each is staged as a temporary file, and `commit()` renames them all in the
 * order they were added (put the file that marks completion, e.g. the checkpoint, last). `abort()` removes
 * what was staged. A crash before commit leaves every previous file as it was.
 */
export class AtomicOutput {
  private readonly staged: AtomicFileWriter[] = [];
  private done = false;

  /** Stages `data` for `path`; nothing is visible at `path` until commit(). */
  add(path: string, data: FileData): void {
    if (this.done) throw new Error('AtomicOutput: add() after commit() or abort()');
    try {
      this.staged.push(writeClosed(path, data));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Renames every staged file into place, in order, then fsyncs the directories. */
  commit(): void {
    if (this.done) throw new Error('AtomicOutput: commit() twice or after abort()');
    this.done = true;
    const directories = new Set<string>();
    for (const writer of this.staged) {
      try {
        writer.publish();
      } catch (error) {
        for (const staged of this.staged) staged.abort();
        throw error;
      }
      if (writer.temporary !== undefined) directories.add(dirname(writer.target));
    }
    for (const directory of directories) fsyncDirectory(directory);
  }

  /** Removes every staged temporary file; the previous files stay as they were. */
  abort(): void {
    this.done = true;
    for (const writer of this.staged) writer.abort();
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
