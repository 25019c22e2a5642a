// Interruptions and faults of `megc train`: SIGINT/SIGTERM save and exit 130/143, resume is exact, kills and divergence lose nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import type { SafetensorsFile } from '../src/io/safetensors.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensorsFile.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { ensureBuilt, startMegc, waitFor } from './helpers/cli.js';
import { METRICS, metricsWithoutClock } from './helpers/runs.js';

/*
 * Runs the built CLI (`npm test` builds in pretest) on the CPU reference trainer (--device cpu: deterministic, no GPU
 * needed) with a tiny network, and a scenario with 10-slot episodes so metrics rows come quickly.
 */

let dir: string;
let scenario: string;
/** Long enough that a signal sent after the first progress line lands mid-run. */
const ITERATIONS = 1000;
function trainArgs(out: string, extra: string[] = []): string[] {
  return ['train', '--device', 'cpu', '--scenario', scenario, '--envs', '8', '--batch', '8', '--hidden', '8,8', '--updates', '1',
    '--iterations', String(ITERATIONS), '--iterations-per-submit', '10', '--replay-capacity', '256', '--eval-slots', '64', '--seed', '11',
    '--no-progress', '--out', out, ...extra];
}

/** Runs the CLI to its end; `onStdout` / `onStderr` see the output so far after each piece of it. */
const start = (args: string[], onStdout?: Parameters<typeof startMegc>[1], onStderr?: Parameters<typeof startMegc>[2]) =>
  startMegc(args, onStdout, onStderr).done;

/** The run's first progress line ("iteration k/N ...") means at least one chunk is done. */
const afterFirstChunk = (text: string) => /(^|\n)iteration \d+\/\d+/.test(text);

function tensorsOf(file: SafetensorsFile): Record<string, string> {
  return Object.fromEntries(Object.entries(file.tensors).map(([name, t]) => [name, `${t.dtype}[${t.shape}]:${Buffer.from(t.data.buffer).toString('base64')}`]));
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-interrupt-'));
  scenario = join(dir, 'short_episodes.json');
  writeFileSync(scenario, JSON.stringify({ slotsPerEpisode: 10 }));
});

describe('SIGINT / SIGTERM during training', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s after the first chunk: saves checkpoint and metrics, exits %i', async (signal, exitCode) => {
    const out = join(dir, `stopped-${signal}`);
    let sent = false;
    const result = await start(trainArgs(out), (text, child) => {
      if (!sent && afterFirstChunk(text)) { sent = true; child.kill(signal); }
    });
    expect(sent, `no progress line seen; stdout: ${result.stdout} stderr: ${result.stderr}`).toBe(true);
    expect(result.code, result.stderr).toBe(exitCode);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const checkpoint = loadCheckpoint(out);
    const iteration = checkpoint.snapshot.iteration;
    expect(iteration).toBeGreaterThan(0);
    expect(iteration).toBeLessThan(ITERATIONS);
    // The CPU trainer stops at the next iteration boundary (within its chunk of 10; the GPU's at a chunk's end).
    // metrics.csv is complete: it parses, and its last row is not past the checkpoint.
    const metrics = readCsv(join(out, 'metrics.csv'), { required: METRICS, allowInfinity: true, nonNegative: false });
    expect(metrics.rows).toBeGreaterThan(0);
    expect(metrics.columns.iteration[metrics.rows - 1]).toBe(iteration);
    // The run directory is free again.
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.csv']);
  });

  it('a second SIGINT exits at once, and leaves every file loadable', async () => {
    const out = join(dir, 'double');
    let again = false;
    // A checkpoint after every chunk, so that one is there before the signals whatever the timing.
    const run = startMegc(trainArgs(out, ['--checkpoint-every', '1e-9', '--iterations', '1000000']), undefined, (errors, child) => {
      // The second Ctrl-C as soon as the first one is acknowledged.
      if (!again && /SIGINT/.test(errors)) { again = true; child.kill('SIGINT'); }
    });
    expect(await waitFor(() => existsSync(join(out, 'checkpoint.safetensors')))).toBe(true);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(again).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // No temporary of a write cut short is left behind, nor the lock.
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.csv']);
    // What was written is whole and consistent: the checkpoint verifies, metrics.csv parses and ends at its iteration.
    const iteration = loadCheckpoint(out).snapshot.iteration;
    expect(iteration).toBeGreaterThan(0);
    const metrics = readCsv(join(out, 'metrics.csv'), { required: METRICS, allowInfinity: true, nonNegative: false });
    expect(metrics.columns.iteration[metrics.rows - 1]).toBe(iteration);
  });
});

describe('a stop inside a long chunk of the CPU trainer', () => {
  it('SIGTERM ends the chunk at the next iteration, keeps a checkpoint there, and exits 143', async () => {
    const out = join(dir, 'mid-chunk');
    // One chunk of a million iterations: the stop must not wait for its end (minutes).
    const run = startMegc(trainArgs(out, ['--iterations', '1000000', '--iterations-per-submit', '1000000']));
    expect(await waitFor(() => existsSync(join(out, 'config.json')))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(143);
    const iteration = loadCheckpoint(out).snapshot.iteration;
    expect(iteration).toBeGreaterThan(0);
    expect(iteration).toBeLessThan(1000000);
  });
});

describe('--resume continues exactly', () => {
  // Long enough that the stop, sent at the first progress line, lands well before the end: lavapipe does about 400
  // of these tiny iterations a second (2,000: about 5 s), the CPU reference about 150.
  it.each([
    ['cpu', ITERATIONS],
    ['gpu', 2 * ITERATIONS],
  ] as const)('--device %s: stopped + resumed gives the same metrics and weights as an uninterrupted run', async (device, iterations) => {
    const args = (out: string) => trainArgs(out, ['--device', device, '--iterations', String(iterations)]);
    const whole = join(dir, `whole-${device}`);
    const uninterrupted = await start(args(whole));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    const parts = join(dir, `parts-${device}`);
    let sent = false;
    const stopped = await start(args(parts), (text, child) => {
      if (!sent && afterFirstChunk(text)) { sent = true; child.kill('SIGINT'); }
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(loadCheckpoint(parts).snapshot.iteration).toBeLessThan(iterations);
    // No --device: a resume continues on the device the run was trained on (the CPU run too), so it is exact.
    const resumed = await start(['train', '--resume', parts, '--no-progress']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`resuming .* on the ${device}`));
    expect(JSON.parse(readFileSync(join(parts, 'config.json'), 'utf8')).device).toBe(device);

    expect(loadCheckpoint(parts).snapshot.iteration).toBe(iterations);
    expect(metricsWithoutClock(parts)).toEqual(metricsWithoutClock(whole));
    expect(tensorsOf(readSafetensors(join(parts, 'checkpoint.safetensors')))).toEqual(tensorsOf(readSafetensors(join(whole, 'checkpoint.safetensors'))));
  });
});

describe('killing the process at any moment leaves the previous checkpoint loadable', () => {
  it('SIGKILL of the training process at three moments after the first checkpoint', async () => {
    for (const delay of [0, 23, 130]) {
      const out = join(dir, `killed-${delay}`);
      // A checkpoint after every chunk, and a run far too long to end first.
      const run = startMegc(trainArgs(out, ['--checkpoint-every', '1e-9', '--iterations', '1000000']));
      const armed = await waitFor(() => existsSync(join(out, 'checkpoint.safetensors')));
      // The process that trains holds the run's lock (megc relays its stdout through it).
      const trainer = JSON.parse(readFileSync(join(out, '.megc.lock'), 'utf8')).pid;
      setTimeout(() => process.kill(trainer, 'SIGKILL'), delay);
      const result = await run.done;
      expect(armed).toBe(true);
      expect(result.code, `the relaying megc reports the SIGKILL of ${trainer}`).toBe(137);
      const iteration = loadCheckpoint(out).snapshot.iteration;
      expect(iteration, `after SIGKILL ${delay} ms later`).toBeGreaterThan(0);
      // metrics.csv is renamed into place just before the checkpoint: a kill between the two leaves it one save ahead.
      const metrics = () => readCsv(join(out, 'metrics.csv'), { required: METRICS, allowInfinity: true, nonNegative: false }).columns.iteration;
      expect(metrics().at(-1)).toBeGreaterThanOrEqual(iteration);
      // Whatever temporary the kill left is swept, and the stale lock taken over, when the directory is next opened;
      // the resumed run rewrites metrics.csv from the checkpoint.
      const next = await start(['train', '--resume', out, '--iterations', String(iteration + 10), '--no-progress', '--no-eval']);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/taking over a stale lock/);
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
      expect(metrics().at(-1)).toBe(iteration + 10);
    }
  });
});

describe('divergence', () => {
  it('keeps the last good checkpoint untouched when a resumed run diverges', async () => {
    const out = join(dir, 'diverge-later');
    const first = await start(trainArgs(out, ['--iterations', '20']));
    expect(first.code, first.stderr).toBe(0);
    // Blow up the critic's first layer (finite, so the checkpoint still loads): the next update overflows.
    const path = join(out, 'checkpoint.safetensors');
    const file = readSafetensors(path);
    const weight = file.tensors['critic.0.weight'].data;
    for (let i = 0; i < weight.length; i++) weight[i] = (i % 2 ? -1 : 1) * 1e200;
    writeSafetensors(path, file.tensors, file.metadata);
    const before = readFileSync(path);
    const result = await start(['train', '--resume', out, '--iterations', '40', '--device', 'cpu', '--no-progress']);
    const lines = result.stderr.trimEnd().split('\n');
    expect(result.code, result.stderr).toBe(4);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^megc: error: training diverged at iteration (\d+): .*(NaN|Infinity).*the last good checkpoint \(iteration 20\) is kept/);
    expect(Number(/iteration (\d+)/.exec(lines[0])![1])).toBeGreaterThanOrEqual(20);
    expect(readFileSync(path)).toEqual(before);
  });

  it('--checkpoint-every: 0 writes no periodic checkpoint, a tiny period one after every chunk', async () => {
    // Learning rates of 1e300 overflow at the first update, which batch 32 (4 iterations of 8 envs) delays to iteration 3.
    const args = (out: string, every: string) => trainArgs(out, ['--batch', '32', '--lr-critic', '1e300', '--lr-actor', '1e300',
      '--iterations-per-submit', '1', '--checkpoint-every', every]);
    const never = await start(args(join(dir, 'every-0'), '0'));
    expect(never.code, never.stderr).toBe(4);
    expect(never.stderr.trimEnd()).toMatch(/^megc: error: training diverged at iteration 3: .*; no checkpoint was written$/);
    expect(existsSync(join(dir, 'every-0', 'checkpoint.safetensors'))).toBe(false);
    const often = join(dir, 'every-tiny');
    const each = await start(args(often, '1e-9'));
    expect(each.code, each.stderr).toBe(4);
    expect(each.stderr.trimEnd()).toMatch(/^megc: error: training diverged at iteration 3: .*the last good checkpoint \(iteration 3\) is kept/);
    expect(loadCheckpoint(often).snapshot.iteration).toBe(3);
  });

  it('a non-finite loss or parameter stops training naming when and where, keeping the last good checkpoint', async () => {
    const out = join(dir, 'diverged');
    // Absurd learning rates overflow the float64 reference within a few updates, before any periodic checkpoint.
    const result = await start(trainArgs(out, ['--lr-critic', '1e300', '--lr-actor', '1e300']));
    expect(result.code, result.stdout + result.stderr).toBe(4);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^megc: error: training diverged at iteration \d+: the (critic|actor) loss is (NaN|Infinity|-Infinity).*; no checkpoint was written$/);
    // Nothing half-written: the run's config, no checkpoint, no metrics, no temporaries, no lock.
    expect(readdirSync(out)).toEqual(['config.json']);
  });
});
