// Browser side of the platform boundary (the web page's bundler uses it in place of host.ts, same exports):
// navigator.gpu, no environment settings, and the WGSL of shaders/ bundled into the page at build time.
import { UserError } from '../errors.js';
import { NO_WEBGPU } from './noWebgpu.js';
import type { TuneChoice, TuneStore } from '../gpu/tuner.js';

const BUNDLE_ROOT = '../../shaders/';
const SHADERS = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export { NO_WEBGPU } from './noWebgpu.js';

/** Browsers have the WebGPU globals built in. */
export function installGpuGlobals(): void {}

/** navigator.gpu; `flags` (Dawn toggles of the Node runtime) have no meaning here. */
export function gpuEntry(_flags: string[]): GPU {
  if (typeof navigator === 'undefined' || !navigator.gpu) throw new UserError(NO_WEBGPU);
  return navigator.gpu;
}

/** A page's adapter runs its own threads: no count is set or known. */
export function cpuAdapterThreads(): number | undefined {
  return undefined;
}

/** A page's threads are the browser's to schedule: nothing is lowered. */
export function lowerThreadPriority(): boolean {
  return false;
}

/** A page has no environment: every setting is unset. */
export function hostSetting(_name: string): string | undefined {
  return undefined;
}

/** Where the bundled shaders are named from (messages say shaders/FILE as on the command line). */
export const SHADER_DIR = 'shaders';

/** `path` relative to shaders/ with `.` and `..` resolved: the key of the bundled file. */
export function shaderFileId(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** The bundled text of shader `id`; throws when the bundle has no such file. */
export function readShaderFile(id: string): string {
  const text = SHADERS[BUNDLE_ROOT + id];
  if (text === undefined) throw new Error(`shaders/${id} is not in the bundle`);
  return text;
}

/** Every shader file's path (under shaders/) and text, in the order of the paths: what the tuner's choices depend on. */
export function allShaderSources(): string[] {
  return Object.keys(SHADERS).sort().flatMap((k) => [k.slice(BUNDLE_ROOT.length), SHADERS[k]]);
}

/** A page reads no files by path (it opens them from a file picker or a drop, as bytes). */
export function readTextFile(path: string, what: string, _maxBytes: number): string {
  throw new UserError(`${what}: a web page cannot read files by path`);
}

/** The page's tuner choices, kept in the browser's localStorage (memory only where the page may not use it). */
const TUNE_KEY = 'megc-webgpu-tune-1';

/** Where the tuner keeps its choices between runs: this origin's localStorage, so a page tunes once per adapter. */
export function tuneStore(warn: (line: string) => void): TuneStore {
  let entries: Record<string, TuneChoice> = {};
  const storage = (() => { try { return globalThis.localStorage ?? null; } catch { return null; } })();
  try { entries = JSON.parse(storage?.getItem(TUNE_KEY) ?? '{}') as Record<string, TuneChoice>; } catch { warn('tune: ignoring the unreadable cached choices'); }
  return {
    get: (key) => entries[key],
    set(key, choice) {
      entries[key] = choice;
      try { storage?.setItem(TUNE_KEY, JSON.stringify(entries)); } catch { warn('tune: cannot keep the choices in localStorage; they are kept for this page only'); }
    },
  };
}
