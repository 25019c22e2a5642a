// A run directory as a command opens it: created if needed, locked for this command, the temporaries of killed writers
// swept; which files are the run's own, and replacing a run (--force) by deleting only those.
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ensureDirectory, sweepStaleTemporaries } from '../io/atomic.js';
import { acquireLock, LOCK_FILE, releaseLock } from '../io/directoryLock.js';
import { CHECKPOINT_FILE } from './checkpoint.js';

export const METRICS_FILE = 'metrics.csv';
export const CONFIG_FILE = 'config.json';
export const EVALUATION_FILE = 'evaluation.json';
/** The evaluations during training (`--eval-every`): periodicEvaluation.ts. */
export const EVALUATIONS_FILE = 'evaluations.csv';
/** The files a training run writes; --force deletes these and nothing else. */
export const RUN_FILES = [CHECKPOINT_FILE, METRICS_FILE, CONFIG_FILE, EVALUATION_FILE, EVALUATIONS_FILE] as const;

const TEMPORARY = /\.tmp-\d+-\d+-\d+$/;

/** The command line as lock files record it. */
export const commandLine = (): string => ['megc', ...process.argv.slice(2)].join(' ');

function entries(directory: string): string[] {
  try { return readdirSync(directory); } catch { return []; }
}

/** The run files present in `directory` (none when it does not exist). */
export function runFilesIn(directory: string): string[] {
  const present = new Set(entries(directory));
  return RUN_FILES.filter((f) => present.has(f));
}

/** Whether `a` and `b` name the same directory. */
export function sameDirectory(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a), sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * A locked directory; close() releases it (and removes the directories open() created if nothing was written). A
 * process that exits without closing it (a signal) releases it and removes what open() created while it is empty.
 */
export class LockedDirectory {
  private readonly closeAtExit = () => this.close({ discardIfEmpty: true });

  private constructor(readonly path: string, private readonly lock: string, private readonly created: string | undefined) {
    process.on('exit', this.closeAtExit);
  }

  /**
   * Creates `path` if needed, locks it and sweeps the temporaries that killed writers left. A UserError
   * (exit 2) naming the holder when another command holds it.
   */
  static open(path: string, { log }: { log: (line: string) => void }): LockedDirectory {
    const created = ensureDirectory(path);
    let lock: string;
    try {
      lock = acquireLock(path, commandLine(), (line) => process.stderr.write(`megc: ${line}\n`));
    } catch (error) {
      removeEmptyDirectories(path, created);
      throw error;
    }
    const swept = sweepStaleTemporaries(path);
    if (swept.length > 0) log(`note: removed ${swept.length} temporary file(s) left in ${path} by killed writers`);
    return new LockedDirectory(path, lock, created);
  }

  /** Entries that belong neither to a run nor to megc's own bookkeeping (lock, temporaries). */
  foreignFiles(): string[] {
    const own = new Set<string>([...RUN_FILES, LOCK_FILE]);
    return entries(this.path).filter((f) => !own.has(f) && !TEMPORARY.test(f) && !f.startsWith(`${LOCK_FILE}.takeover-`));
  }

  /** Deletes the run's own files (RUN_FILES) and nothing else. */
  clearRun(): void {
    for (const file of runFilesIn(this.path)) {
      try {
        rmSync(join(this.path, file), { force: true });
      } catch (error) {
        throw new UserError(`cannot remove ${join(this.path, file)} of the replaced run: ${(error as Error).message}`);
      }
    }
  }

  /** Releases the lock; with `discardIfEmpty`, removes the directories open() created when nothing else is in them. */
  close({ discardIfEmpty = false } = {}): void {
    process.off('exit', this.closeAtExit);
    releaseLock(this.lock);
    if (discardIfEmpty) removeEmptyDirectories(this.path, this.created);
  }
}

export function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}

/** Removes `path` and its parents up to `top` (what ensureDirectory created), each only while empty. */
function removeEmptyDirectories(path: string, top: string | undefined): void {
  if (!top) return;
  let p = resolve(path);
  for (;;) {
    try { rmdirSync(p); } catch { return; }  // not empty (or gone): keep it and its parents
    if (p === resolve(top)) return;
    p = resolve(p, '..');
  }
}
