// An exclusive lock on a directory for one megc command: DIR/.megc.lock holds the holder's pid, host, start time and
// command. It appears atomically (a complete temporary hard-linked into place, so nobody reads half a lock); a lock
// whose process is gone is stale and taken over, saying so, by exactly one of any number of racing commands (see
// removeStaleLock); it is released on every exit path, process.exit included.
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, openSync, closeSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
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

/** Waits `ms` milliseconds (synchronously: lock takeovers take microseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A taker that has not finished in this long (it was killed mid-takeover) no longer blocks the takeover. */
const TAKEOVER_ABANDONED_MS = 10_000;

/**
 * Removes the stale lock at `path` whose text is `stale`, unless another command already did or is doing it. Racing
 * takers must never remove a lock that a winner has just created, so removal is exclusive: only the taker that
 * creates the marker `.megc.lock.takeover-HASH` (HASH of the stale text; created like a lock, atomically) may remove a
 * lock holding that text. Holding it, the taker re-reads the lock: a lock holding `stale` can then be removed by no one
 * else (its holder is gone), so reading it and unlinking it are one step; any other text (a fresh lock: its pid and
 * start time differ) is left alone. Returns false while another taker holds the marker.
 */
function removeStaleLock(path: string, stale: string): boolean {
  const marker = `${path}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  const taker = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), command: 'lock takeover' }) + '\n';
  if (!createExclusive(marker, taker)) {
    removeAbandonedMarker(marker);
    return false;
  }
  try {
    if (readLock(path) === stale) unlinkSync(path);
  } catch { /* gone meanwhile */ } finally {
    try { unlinkSync(marker); } catch { /* already gone */ }
  }
  return true;
}

/** Removes a takeover marker whose taker is gone and that is older than TAKEOVER_ABANDONED_MS (checked after moving it aside). */
function removeAbandonedMarker(marker: string): void {
  const text = readLock(marker);
  const taker = text === null ? null : parseHolder(text);
  let age: number;
  try { age = Date.now() - statSync(marker).mtimeMs; } catch { return; }
  if (age < TAKEOVER_ABANDONED_MS || (taker && holderRuns(taker) !== false)) return;
  const aside = temporaryPathFor(marker);
  try { renameSync(marker, aside); } catch { return; }
  // Another taker may have replaced the abandoned marker meanwhile: put its marker back.
  if (readLock(aside) !== text) { try { linkSync(aside, marker); } catch { /* taken again */ } }
  try { unlinkSync(aside); } catch { /* gone */ }
}

/** The lock file's text; null when there is none. A directory (or anything else) in its place is a UserError. */
function readLockFile(path: string, directory: string): string | null {
  let isFile: boolean;
  try { isFile = lstatSync(path).isFile(); } catch { return null; }
  if (!isFile) {
    throw new UserError(`cannot lock ${directory}: ${path} is ${lstatSync(path).isDirectory() ? 'a directory' : 'not a file'}, not a megc lock; remove it if no megc command uses ${directory}`);
  }
  return readLock(path);
}

/** Most rounds of create / judge / take over before giving up (a round waits a little while another takes over). */
const LOCK_ROUNDS = 200;

/**
 * Locks `directory` (which must exist) for this process, or throws a UserError naming the holder. A stale lock (its
 * process is gone) is taken over with a note through `note`; of commands racing for it, exactly one gets the lock.
 * Returns the lock file's path, for releaseLock.
 */
export function acquireLock(directory: string, command: string, note: (line: string) => void): string {
  const path = join(directory, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command, processStart: processStartOf(process.pid) };
  const text = JSON.stringify(mine) + '\n';
  let noted = false;
  for (let round = 0; round < LOCK_ROUNDS; round++) {
    if (createExclusive(path, text)) {
      held.set(path, mine);
      return path;
    }
    const found = readLockFile(path, directory);
    if (found === null) continue;  // released meanwhile
    const holder = parseHolder(found);
    const runs = holder ? holderRuns(holder) : false;
    if (holder && runs !== false) {
      const where = runs === 'unknown' ? ` (another host: if it no longer runs there, delete ${path})` : '';
      throw new UserError(`${directory} is in use by another megc command (${describeHolder(holder)})${where}; wait for it to end or stop it`);
    }
    if (!noted) note(`note: ${directory}: taking over a stale lock (${holder ? `${describeHolder(holder)}, no longer running` : 'unreadable'})`);
    noted = true;
    if (!removeStaleLock(path, found)) pause(1 + (round % 5));
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
