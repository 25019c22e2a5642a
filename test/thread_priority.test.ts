// lowerThreadPriority (src/platform/host.ts): the calling thread's nice value goes up, a thread made before keeps its
// own. Run in a child process (the build, which `npm test` makes in pretest), so that this test's own threads keep theirs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { THREAD_NICENESS } from '../src/platform/host.js';

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
