// An exclusive lock on a directory for one megc command: DIR/.megc.lock holds the holder's pid, host, start time and
// command. It appears atomically (a complete temporary hard-linked into place, so nobody reads half a lock); a lock
// whose process is gone is stale and taken over, saying so; it is released on every exit path, process.exit included.
import { linkSync, openSync, closeSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { processAlive, temporaryPathFor } from './atomic.js';
import { describeFsError } from './fsErrors.js';

export const LOCK_FILE = '.megc.lock';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
  /** The command line, e.g. "megc train --out runs/a". */
  command: string;
  /** The holder's start time in clock ticks since boot (Linux), so that a reused pid is not taken for the holder. */
  processStart?: string;
}

/** Locks this process holds, by lock file path (released by the 'exit' handler if nothing else did). */
const held = new Map<string, LockHolder>();
process.on('exit', () => { for (const path of [...held.keys()]) releaseLock(path); });

/** Start time (field 22 of /proc/PID/stat) of a process, or undefined off Linux or when it is gone. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the holder of a lock still runs: same host, pid alive, and (where known) the same process start time. */
export function holderRuns(holder: LockHolder): boolean | 'unknown' {
  if (holder.host !== hostname()) return 'unknown';
  if (holder.pid === process.pid) return [...held.values()].some((h) => h.started === holder.started);
  if (!processAlive(holder.pid)) return false;
  const start = processStartOf(holder.pid);
  return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.started === 'string' ? h : null;
  } catch {
    return null;
  }
}

function readLock(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch { return null; }
}

const describeHolder = (h: LockHolder) => `pid ${h.pid} on ${h.host}, started ${h.started}: ${JSON.stringify(h.command)}`;

/** Creates `path` holding `text` only if nothing is there; false when something is. */
function createExclusive(path: string, text: string): boolean {
  const temporary = temporaryPathFor(path);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    try {
      linkSync(temporary, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      // No hard links on this file system: O_EXCL (the text is written right after; a reader may see it empty).
      const fd = openSync(path, 'wx');
      try { writeSync(fd, text); } finally { closeSync(fd); }
      return true;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UserError(`cannot lock ${path}: ${describeFsError(error, path)}`);
  } finally {
    try { unlinkSync(temporary); } catch { /* not created */ }
  }
}

/**
 * Locks `directory` (which must exist) for this process, or throws a UserError naming the holder. A stale lock (its
 * process is gone) is taken over with a note through `note`. Returns the lock file's path, for releaseLock.
 */
export function acquireLock(directory: string, command: string, note: (line: string) => void): string {
  const path = join(directory, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command, processStart: processStartOf(process.pid) };
  const text = JSON.stringify(mine) + '\n';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, text)) {
      held.set(path, mine);
      return path;
    }
    const found = readLock(path);
    if (found === null) continue;  // released meanwhile
    const holder = parseHolder(found);
    const runs = holder ? holderRuns(holder) : false;
    if (holder && runs !== false) {
      const where = runs === 'unknown' ? ` (another host: if it no longer runs there, delete ${path})` : '';
      throw new UserError(`${directory} is in use by another megc command (${describeHolder(holder)})${where}; wait for it to end or stop it`);
    }
    note(`note: ${directory}: taking over a stale lock (${holder ? `${describeHolder(holder)}, no longer running` : 'unreadable'})`);
    if (readLock(path) === found) { try { unlinkSync(path); } catch { /* taken over by someone else */ } }
  }
  throw new UserError(`cannot lock ${directory}: other commands keep taking the lock`);
}

/** Removes the lock file if this process still holds it. Never throws. */
export function releaseLock(path: string): void {
  const mine = held.get(path);
  if (!mine) return;
  held.delete(path);
  const holder = parseHolder(readLock(path) ?? '');
  if (holder && holder.pid === mine.pid && holder.started === mine.started) {
    try { unlinkSync(path); } catch { /* already gone */ }
  }
}
