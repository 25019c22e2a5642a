// Whole-file inputs (scenario JSON, a --tune config.json, checkpoints) read only when they are regular files no larger
// than any valid one: /dev/zero, /dev/urandom, a fifo or a huge file is refused at once in one line, never read without
// limit.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';

export interface InputFileOptions {
  /** How messages name the file, e.g. "--scenario s.json". */
  what: string;
  /** Largest size accepted, in bytes (what the largest valid file of its kind can be). */
  maxBytes: number;
}

/** A size in bytes as messages show it: "3.2 MiB". */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/**
 * The bytes of the regular file at `path`; a UserError naming it for a missing file, a directory, anything that is not
 * a regular file (a device, fifo or socket) and a file larger than `maxBytes`, before reading anything.
 */
export function readInputFile(path: string, { what, maxBytes }: InputFileOptions): Buffer {
  if (path === '') throw new UserError(`${what}: the path is empty`);
  let fd: number;
  try {
    // Non-blocking, so that a fifo without a writer is refused, not waited on (no effect on a regular file).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${what}: no such file`);
    if (code === 'EISDIR') throw new UserError(`${what}: is a directory, expected a file`);
    throw new UserError(`${what}: cannot read the file (${code ?? (error as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UserError(`${what}: is a directory, expected a file`);
    if (!stat.isFile()) throw new UserError(`${what}: not a regular file (a device, fifo or socket); give a file`);
    if (stat.size > maxBytes) {
      throw new UserError(`${what}: ${formatBytes(stat.size)}, larger than any valid one (at most ${formatBytes(maxBytes)})`);
    }
    // Read what is there, at most maxBytes + 1 (a file growing meanwhile is caught, not followed).
    const bytes = Buffer.alloc(Math.min(stat.size + 1, maxBytes + 1));
    let length = 0;
    for (;;) {
      const count = readSync(fd, bytes, length, bytes.length - length, null);
      if (count === 0) break;
      length += count;
      if (length === bytes.length) {
        if (length > maxBytes) throw new UserError(`${what}: larger than any valid one (at most ${formatBytes(maxBytes)})`);
        break;
      }
    }
    return bytes.subarray(0, length);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${what}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
