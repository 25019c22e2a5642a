// A command's outputs checked before any work: a usable path (not empty, not a directory, its parent a directory that
// takes files), and never one of the command's inputs however it is spelled (`..`, a symbolic or hard link): paths are
// compared by device and inode, so that no command replaces what it reads.
import { statSync, type Stats } from 'node:fs';
import { UserError } from '../errors.js';
import { checkWritableFile } from './atomic.js';
import { nearestExisting } from './fsErrors.js';
import { STDOUT_PATH } from './outputTarget.js';

/** A path a command reads or writes, with the flag that gave it (for messages). */
export interface NamedPath {
  flag: string;
  path: string;
}

/** Throws a UserError when a path flag's value is empty (it would otherwise mean the current directory). */
export function refuseEmptyPath(flag: string, path: string): void {
  if (path.trim() === '') throw new UserError(`${flag}: the path is empty`);
}

/**
 * Checks an output file before any work: not empty, not a directory, in a directory that exists and takes a new file
 * (or a device or fifo that can be written); `-` (stdout) where `stdout` allows it. One line naming the problem.
 */
export function checkOutputFile(flag: string, path: string, { stdout = false } = {}): void {
  refuseEmptyPath(flag, path);
  checkWritableFile(path, { stdout });
}

/** Checks an output directory before any work: not empty, not a file, and no file where one of its parents should be. */
export function checkOutputDirectory(flag: string, path: string): void {
  refuseEmptyPath(flag, path);
  const stat = statOrUndefined(path);
  if (stat && !stat.isDirectory()) throw new UserError(`${flag} ${path}: not a directory`);
  if (stat) return;
  const existing = nearestExisting(path);
  if (statOrUndefined(existing)?.isDirectory() === false) throw new UserError(`${flag} ${path}: ${existing} is a file, not a directory`);
}

function statOrUndefined(path: string): Stats | undefined {
  try { return statSync(path); } catch { return undefined; }
}

/**
 * Throws a UserError (exit 2) when an output is one of the inputs: the same file (device and inode, links followed),
 * whatever the spelling; an empty path is refused. Paths that do not exist yet, and stdout (`-`), are no input's.
 */
export function refuseOutputOverInput(outputs: readonly NamedPath[], inputs: readonly (NamedPath | undefined)[]): void {
  for (const named of [...outputs, ...inputs]) if (named) refuseEmptyPath(named.flag, named.path);
  const read = inputs.filter((i): i is NamedPath => i !== undefined && i.path !== '' && i.path !== STDOUT_PATH)
    .map((input) => ({ input, stat: statOrUndefined(input.path) }))
    .filter((r): r is { input: NamedPath; stat: Stats } => r.stat !== undefined);
  for (const output of outputs) {
    if (output.path === '' || output.path === STDOUT_PATH) continue;
    const stat = statOrUndefined(output.path);
    if (!stat) continue;
    const same = read.find((r) => r.stat.dev === stat.dev && r.stat.ino === stat.ino);
    if (same) {
      throw new UserError(`${output.flag} ${output.path} is the same file as ${same.input.flag} ${same.input.path}: writing it would replace that input; choose another ${output.flag.split(' ')[0]}`);
    }
  }
}
