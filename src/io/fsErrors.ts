// File-system failures as one line a user can act on, and `mkdir -p` that says which place refused (read-only, a file
// in the way) instead of Node's ENOENT (a recursive mkdir on a read-only file system reports ENOENT, and under /proc
// it never returns).
import { accessSync, constants, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

/** What describeFsError asks of the file system (tests inject failures such as EROFS). */
export interface FsProbe {
  /** Throws an errno error when `path` is not writable (access(2) says EROFS on a read-only file system, even to root). */
  checkWritable(path: string): void;
  /** 'directory', 'file', or null when nothing is there. */
  kindOf(path: string): 'directory' | 'file' | null;
}

export const realFs: FsProbe = {
  checkWritable: (path) => accessSync(path, constants.W_OK),
  kindOf(path) {
    try { return statSync(path).isDirectory() ? 'directory' : 'file'; } catch { return null; }
  },
};

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** The nearest ancestor of `path` (or `path` itself) that exists. */
export function nearestExisting(path: string, fs: FsProbe = realFs): string {
  let p = resolve(path);
  while (fs.kindOf(p) === null && dirname(p) !== p) p = dirname(p);
  return p;
}

/** Why the place that holds `path` refuses writes, when it does: read-only, no permission; otherwise null. */
function refusalOf(place: string, fs: FsProbe): string | null {
  try {
    fs.checkWritable(place);
    return null;
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EROFS') return `${place} is on a read-only file system`;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied in ${place}`;
    return null;
  }
}

/**
 * One line saying why writing or creating `path` failed with `error`: the read-only or unwritable place named, a file
 * standing where a directory should be, a full disk; ENOENT is traced to the nearest existing place.
 */
export function describeFsError(error: unknown, path: string, fs: FsProbe = realFs): string {
  const code = codeOf(error);
  const place = nearestExisting(code === 'EISDIR' || code === 'EEXIST' ? dirname(resolve(path)) : path, fs);
  switch (code) {
    case 'EROFS': return `${place} is on a read-only file system`;
    case 'EACCES': case 'EPERM': return refusalOf(place, fs) ?? `permission denied in ${place}`;
    case 'ENOSPC': return `no space left on the device that holds ${place}`;
    case 'EDQUOT': return `disk quota exceeded on the device that holds ${place}`;
    case 'EISDIR': return `${resolve(path)} is a directory`;
    case 'ENOTDIR': case 'EEXIST':
      if (fs.kindOf(place) === 'file') return `${place} is a file, not a directory`;
      break;
    case 'ENOENT': {
      if (fs.kindOf(place) === 'file') return `${place} is a file, not a directory`;
      const refusal = refusalOf(place, fs);
      if (refusal) return refusal;
      const parent = dirname(resolve(path));
      if (place !== parent) return `no such directory: ${parent}`;
      // The directory is there and writable, yet nothing can be created in it (e.g. /proc).
      return `${place} does not allow creating entries in it (no such file or directory)`;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/**
 * Creates `directory` and its missing parents, one level at a time; returns the first directory created (undefined
 * when it already existed), so that a caller can remove what it made. Failures are a UserError naming the place.
 */
export function makeDirectories(directory: string, fs: FsProbe = realFs): string | undefined {
  const target = resolve(directory);
  const missing: string[] = [];
  let p = target;
  while (fs.kindOf(p) === null && dirname(p) !== p) { missing.push(p); p = dirname(p); }
  if (fs.kindOf(p) === 'file') throw new UserError(`cannot create directory ${directory}: ${p} is a file, not a directory`);
  missing.reverse();
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (error) {
      if (codeOf(error) === 'EEXIST' && fs.kindOf(d) === 'directory') continue;  // made by someone else meanwhile
      for (const c of created.reverse()) { try { rmdirSync(c); } catch { /* no longer empty: keep */ } }
      throw new UserError(`cannot create directory ${directory}: ${describeFsError(error, d, fs)}`);
    }
  }
  return created[0];
}
