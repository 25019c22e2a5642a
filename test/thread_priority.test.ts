// The host's threads (src/platform/host.ts): lowerThreadPriority raises the calling thread's nice value and a thread made
// before keeps its own; gpuEntry sizes Mesa's CPU adapter's thread pool unless the environment does. Run in child
// processes (the build, which `npm test` makes in pretest), so that this test's own threads and environment keep theirs.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CPU_ADAPTER_THREADS_PER_CORE, THREAD_NICENESS } from '../src/platform/host.js';

const HOST = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'src', 'platform', 'host.js')).href;

// A worker started first reports its own nice value after the main thread lowered its.
const CHILD = `
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
const { lowerThreadPriority } = await import(${JSON.stringify(HOST)});
const code = "import { parentPort } from 'node:worker_threads'; import { getPriority } from 'node:os';" +
  "parentPort.on('message', () => { parentPort.postMessage(getPriority()); });";
const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));
await new Promise((resolve) => worker.once('online', resolve));
const before = getPriority();
const lowered = lowerThreadPriority();
const after = getPriority();
worker.postMessage('report');
const workers = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
console.log(JSON.stringify({ before, lowered, after, workers }));
`;

describe.runIf(process.platform === 'linux')('lowerThreadPriority', () => {
  it('raises the calling thread\'s nice value by THREAD_NICENESS (at most 19) and leaves a thread made before as it was', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { before, lowered, after, workers } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(lowered).toBe(true);
    expect(after).toBe(Math.min(19, before + THREAD_NICENESS));
    expect(workers).toBe(before);
  });
});

// LP_NUM_THREADS as gpuEntry leaves it for Mesa, and what cpuAdapterThreads reports before and after.
const THREADS_CHILD = `
const { cpuAdapterThreads, gpuEntry } = await import(${JSON.stringify(HOST)});
const before = cpuAdapterThreads() ?? null;
gpuEntry([]);
console.log(JSON.stringify({ before, env: process.env.LP_NUM_THREADS, threads: cpuAdapterThreads() }));
`;

function threadsChild(env: Record<string, string>) {
  const { LP_NUM_THREADS: _, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', THREADS_CHILD], { encoding: 'utf8', timeout: 60_000, env: { ...rest, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { before: number | null; env: string; threads: number };
}

describe('gpuEntry and the CPU adapter\'s threads', () => {
  it('sets LP_NUM_THREADS to CPU_ADAPTER_THREADS_PER_CORE per core where the environment does not', () => {
    const cores = availableParallelism();
    expect(threadsChild({})).toEqual({ before: null, env: String(CPU_ADAPTER_THREADS_PER_CORE * cores), threads: CPU_ADAPTER_THREADS_PER_CORE * cores });
  });

  it('keeps the environment\'s LP_NUM_THREADS', () => {
    expect(threadsChild({ LP_NUM_THREADS: '3' })).toEqual({ before: null, env: '3', threads: 3 });
  });
});
