// Where a write to an output path lands: stdout (`-`), a device or fifo written directly (never replaced by a file),
// or a regular file replaced atomically at the end of the path's symbolic links (so a link keeps pointing at its target,
// which gets the new data).
import { fstatSync, lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

/** The output path that means standard output (the CSV commands' `--output -`). */
export const STDOUT_PATH = '-';

export type OutputTarget =
  /** A descriptor this process already has open: stdout (`-`, /dev/stdout) or stderr (/dev/stderr). */
  | { kind: 'descriptor'; fd: 1 | 2 }
  /** A character or block device, fifo or socket, or a file descriptor under /proc (/dev/stdout): opened and written. */
  | { kind: 'direct'; path: string }
  /** A regular file (or nothing yet): written to a temporary in `path`'s directory, then renamed onto `path`. */
  | { kind: 'file'; path: string };

/** Most symbolic links followed (Linux's own limit). */
const MAX_LINKS = 40;

function statOrUndefined(path: string): Stats | undefined {
  try { return statSync(path); } catch { return undefined; }
}

function fstatOrUndefined(fd: number): Stats | undefined {
  try { return fstatSync(fd); } catch { return undefined; }
}

/** Our own stdout or stderr when `stat` is what it has open (a socket cannot be opened by name; a file must not be truncated). */
function ownDescriptor(stat: Stats): OutputTarget | undefined {
  for (const fd of [1, 2] as const) {
    const open = fstatOrUndefined(fd);
    if (open && open.dev === stat.dev && open.ino === stat.ino && open.rdev === stat.rdev) return { kind: 'descriptor', fd };
  }
  return undefined;
}

/**
 * Where writing `path` lands. A UserError naming `path` for an empty path, a directory, or a loop of links; `-` is
 * stdout only where `stdout` allows it (elsewhere it is a file named "-").
 */
export function outputTarget(path: string, { stdout = false } = {}): OutputTarget {
  if (path === '') throw new UserError('cannot write an output with an empty path');
  if (stdout && path === STDOUT_PATH) return { kind: 'descriptor', fd: 1 };
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) throw new UserError(`cannot write ${path}: it is a directory`);
  if (stat && !stat.isFile()) return ownDescriptor(stat) ?? { kind: 'direct', path };
  // Links followed one at a time, a dangling one too (the file is created where it points).
  let at = resolve(path);
  for (let hops = 0; ; hops++) {
    // /dev/stdout -> /proc/self/fd/1 -> a file the shell opened: write to that descriptor, not over the file.
    if (at.startsWith('/proc/')) return (stat && ownDescriptor(stat)) ?? { kind: 'direct', path };
    let link: Stats;
    try { link = lstatSync(at); } catch { break; }
    if (!link.isSymbolicLink()) break;
    if (hops === MAX_LINKS) throw new UserError(`cannot write ${path}: too many levels of symbolic links`);
    at = resolve(dirname(at), readlinkSync(at));
  }
  if (statOrUndefined(at)?.isDirectory()) throw new UserError(`cannot write ${path}: it is a directory`);
  return { kind: 'file', path: at === resolve(path) ? path : at };
}
