// The tuner's choices on disk: one JSON file under the user's cache directory ($MEGC_CACHE_DIR, $XDG_CACHE_HOME or
// ~/.cache, then megc-webgpu/tune.json), read once and written atomically after each new choice.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureDirectory, writeFileAtomic } from '../io/atomic.js';
import { parseJson } from '../json.js';
import type { TuneChoice, TuneStore } from './tuner.js';

const FORMAT = 'megc-webgpu-tune-1';

export function defaultTuneCachePath(): string {
  const dir = process.env.MEGC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'megc-webgpu');
  return join(dir, 'tune.json');
}

export class FileTuneStore implements TuneStore {
  private readonly entries: Record<string, TuneChoice>;
  constructor(readonly path = defaultTuneCachePath(), private readonly warn: (line: string) => void = () => {}) {
    this.entries = this.read(true);
  }

  /** The file's entries ({} when absent or unreadable: a cache is only a cache, and an unreadable one is replaced). */
  private read(warnIfBad: boolean): Record<string, TuneChoice> {
    if (!existsSync(this.path)) return {};
    try {
      const data = parseJson(readFileSync(this.path, 'utf8')) as { format?: unknown; entries?: Record<string, TuneChoice> };
      if (data?.format === FORMAT && data.entries && typeof data.entries === 'object') return data.entries;
    } catch { /* reported below */ }
    if (warnIfBad) this.warn(`tune: ignoring the unreadable cache ${this.path}`);
    return {};
  }

  get(key: string): TuneChoice | undefined { return this.entries[key]; }

  set(key: string, choice: TuneChoice): void {
    this.entries[key] = choice;
    try {
      // Entries another process wrote meanwhile are kept.
      const merged = { ...this.read(false), ...this.entries };
      ensureDirectory(dirname(this.path));
      writeFileAtomic(this.path, JSON.stringify({ format: FORMAT, entries: merged }, null, 1) + '\n');
    } catch (error) {
      this.warn(`tune: cannot write the cache ${this.path} (${(error as Error).message.split('\n')[0]}); choices are kept for this run only`);
    }
  }
}
