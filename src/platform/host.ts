// Node side of the platform boundary: Dawn's WebGPU (package webgpu), settings from the environment, files from disk.
// src/platform/host.browser.ts has the same exports for the web page; the page's bundler picks it instead of this file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { readInputFile } from '../io/inputFile.js';
import { FileTuneStore } from '../gpu/tuneStore.js';
import type { TuneStore } from '../gpu/tuner.js';

/** Installs Dawn's WebGPU globals (GPUBufferUsage, GPUMapMode, …) that a browser has built in. */
export function installGpuGlobals(): void {
  Object.assign(globalThis, globals);
}

// Dawn's create() result must stay referenced for the device's whole life (otherwise the process may crash).
let navigatorGpu: GPU | undefined;

/**
 * Threads per core of Mesa's CPU adapter (lavapipe: llvmpipe's compute thread pool, LP_NUM_THREADS) where the
 * environment does not set them; Mesa's own default is one per core. On the 2-core development machine, with one
 * workgroup per thread in most of a training iteration's dispatches, 2 per core trained the default config 12% faster
 * (881 against 783 it/s, medians of six alternating runs, the same checkpoints bit for bit; bench/RESULTS.md).
 */
export const CPU_ADAPTER_THREADS_PER_CORE = 2;

/** The WebGPU entry point (a browser's navigator.gpu): Dawn's, created once with `flags` (Dawn toggles). */
export function gpuEntry(flags: string[]): GPU {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  // Mesa reads it when Dawn first opens the Vulkan driver, after this.
  process.env.LP_NUM_THREADS ??= String(CPU_ADAPTER_THREADS_PER_CORE * availableParallelism());
  if (!navigatorGpu) navigatorGpu = create(flags);
  return navigatorGpu;
}

/** The threads of Mesa's CPU adapter (LP_NUM_THREADS as gpuEntry leaves it; undefined before): a CPU adapter's kernels are timed per count. */
export function cpuAdapterThreads(): number | undefined {
  const threads = Number(process.env.LP_NUM_THREADS);
  return navigatorGpu && Number.isInteger(threads) && threads > 0 ? threads : undefined;
}

/** How much lowerThreadPriority lowers the JS thread's priority (a nice value; 19 is the lowest). */
export const THREAD_NICENESS = 19;

/**
 * Lowers the calling thread's scheduling priority by THREAD_NICENESS, on Linux, where a nice value belongs to a thread
 * (threads made before keep theirs): createGpu's call on a CPU adapter, once the adapter's threads exist, so that the
 * JS thread's waits for the GPU (dawn.node polls from setImmediate ticks) yield the cores to the threads doing the work.
 * Returns whether it did.
 */
export function lowerThreadPriority(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(Math.min(19, getPriority() + THREAD_NICENESS));
    return true;
  } catch {
    return false;
  }
}

/** A setting from the environment (e.g. MEGC_ADAPTER); undefined when unset. */
export function hostSetting(name: string): string | undefined {
  return process.env[name];
}

/** shaders/ of the package, found from this file in src/ (tsx, vitest) or dist/src/ (compiled). */
export const SHADER_DIR = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'shaders')) && existsSync(join(dir, 'package.json'))) return join(dir, 'shaders');
    dir = dirname(dir);
  }
  throw new Error('shaders/ directory not found beside package.json');
})();

/** The identity of shader file `path` (relative to shaders/): the same file has the same id however it is named. */
export function shaderFileId(path: string): string {
  return resolve(SHADER_DIR, path);
}

/** The text of the shader file with id `id`; throws when there is none. */
export function readShaderFile(id: string): string {
  return readFileSync(id, 'utf8');
}

/** Every shader file's path (under shaders/) and text, in the order of the paths: what the tuner's choices depend on. */
export function allShaderSources(): string[] {
  const files = (readdirSync(SHADER_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.wgsl')).map((f) => f.split('\\').join('/')).sort();
  return files.flatMap((f) => [f, readFileSync(join(SHADER_DIR, f), 'utf8')]);
}

/**
 * The text of the regular file at `path`, at most `maxBytes` long; a UserError starting with `what` for a missing file,
 * a directory, a device or fifo (/dev/zero is refused, not read without end) or a larger file.
 */
export function readTextFile(path: string, what: string, maxBytes: number): string {
  return readInputFile(path, { what, maxBytes }).toString('utf8');
}

/** Where the tuner keeps its choices between runs: tune.json under the user's cache directory (src/gpu/tuneStore.ts). */
export function tuneStore(warn: (line: string) => void): TuneStore {
  return new FileTuneStore(undefined, warn);
}
