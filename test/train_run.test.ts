// A whole `megc train` run on tiny sizes: files and formats, stop + --resume giving the same metrics and weights as an
// uninterrupted run, the CPU device, divergence detection that keeps the last good checkpoint, and `megc act`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario.js';
import { parseTrainerPlans } from '../src/train/plans.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { METRICS_HEADER, runTraining } from '../src/train/run.js';
import { EVALUATIONS_HEADER } from '../src/train/periodicEvaluation.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

const dir = mkdtempSync(join(tmpdir(), 'megc-train-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Episodes of 4 slots so that 10 iterations give 2 full episodes and a partial third.
const scenario = parseScenario({ slotsPerEpisode: 4 }, 'test');
const config = parseTrainConfig({
  envs: 8, batch: 8, hidden: [8, 8], updatesPerIteration: 1, iterations: 10, replayCapacity: 32, iterationsPerSubmit: 2,
  gamma: 0.5, evalSlots: 64, seed: 2,
});
const quiet = () => {};

/** metrics.csv rows without the wall-clock columns (wall_s, samples_per_s). */
function metricsWithoutWall(path: string): string[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  expect(lines[0]).toBe(METRICS_HEADER);
  return lines.slice(1).map((l) => l.split(',').slice(0, -2).join(','));
}

describe('runTraining', () => {
  it('writes metrics.csv, config.json, checkpoint and evaluation.json; stop + resume equals an uninterrupted run', async () => {
    const gpu = await testGpu();
    const full = join(dir, 'full');
    const result = await runTraining({ scenario, config, device: 'gpu', gpu, out: full, log: quiet, handleSignals: false, tune: 'off' });
    expect(result.iterations).toBe(10);
    expect(result.stopped).toBeUndefined();
    const rows = metricsWithoutWall(join(full, 'metrics.csv'));
    expect(rows.map((r) => r.split(',').slice(0, 2).join(','))).toEqual(['1,4', '2,8', '3,10']);
    const configJson = JSON.parse(readFileSync(join(full, 'config.json'), 'utf8'));
    expect(configJson.train).toEqual(config);
    expect(configJson.device).toBe('gpu');
    expect(Object.keys(configJson)).toEqual(['train', 'scenario', 'device', 'adapter', 'version', 'tuning']);
    // With tuning off the record holds the default plans, and the checkpoint carries them for a resume.
    expect(configJson.tuning.mode).toBe('off');
    expect(configJson.tuning.plans.critic[0].batch).toBe(config.batch);
    expect(loadCheckpoint(full).plans).toEqual(configJson.tuning.plans);
    const evaluation = JSON.parse(readFileSync(join(full, 'evaluation.json'), 'utf8'));
    expect(evaluation.slots).toBe(64);
    expect(Object.keys(evaluation.policies)).toEqual(['lara', 'fra', 'rra', 'opt']);
    expect(evaluation.gap).toBeCloseTo(evaluation.policies.lara.total / evaluation.policies.opt.total - 1, 12);
    // OPT is the per-slot optimum: no policy beats it on the same states
    for (const name of ['lara', 'fra', 'rra']) expect(evaluation.policies[name].total).toBeGreaterThanOrEqual(evaluation.policies.opt.total * (1 - 1e-6));

    const split = join(dir, 'split');
    const first = await runTraining({ scenario, config, device: 'gpu', gpu, out: split, log: quiet, handleSignals: false, tune: 'off', stopAfterIterations: 4 });
    expect(first.stopped).toBe('requested');
    expect(first.iterations).toBe(4);
    expect(loadCheckpoint(split).snapshot.iteration).toBe(4);
    const second = await runTraining({ device: 'gpu', gpu, out: split, resume: true, log: quiet, handleSignals: false, overrides: {} });
    expect(second.iterations).toBe(10);
    expect(metricsWithoutWall(join(split, 'metrics.csv'))).toEqual(rows);
    expect(loadCheckpoint(split).snapshot).toEqual(loadCheckpoint(full).snapshot);
    expect(JSON.parse(readFileSync(join(split, 'evaluation.json'), 'utf8')).policies.lara).toEqual(evaluation.policies.lara);
  });

  it('--eval-every: evaluations.csv from actor copies at every 5th iteration, training unchanged bit for bit, kept across a stop', async () => {
    const gpu = await testGpu();
    const out = join(dir, 'evaluated');
    await runTraining({ scenario, config, device: 'gpu', gpu, out, log: quiet, handleSignals: false, tune: 'off', evalEvery: 5 });
    // Chunks of 2 split at iteration 5 (2, 2, 1, 2, 2, 1): the same weights as the run without evaluations.
    expect(loadCheckpoint(out).snapshot).toEqual(loadCheckpoint(join(dir, 'full')).snapshot);
    const lines = readFileSync(join(out, 'evaluations.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(EVALUATIONS_HEADER);
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.map((r) => r[0])).toEqual([5, 10]);
    expect(rows[0][1]).toBeLessThanOrEqual(rows[1][1]);
    // The copy at iteration 10 is the final actor: its row is the final evaluation's LARA, to the bit.
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    const lara = evaluation.policies.lara;
    expect(rows[1].slice(2)).toEqual([lara.comp, lara.aigc, lara.ve, lara.total, evaluation.gap]);
    // OPT's means are the final evaluation's (GPU) ones: the gap column is against the same OPT.
    expect(rows[0][5] / (1 + rows[0][6])).toBeCloseTo(evaluation.policies.opt.total, 10);

    // Stopped at 4 and resumed (the rows live in the checkpoint): the same rows as the uninterrupted run.
    const split = join(dir, 'evaluated-split');
    await runTraining({ scenario, config, device: 'gpu', gpu, out: split, log: quiet, handleSignals: false, tune: 'off', evalEvery: 5, stopAfterIterations: 4 });
    await runTraining({ device: 'gpu', gpu, out: split, resume: true, log: quiet, handleSignals: false, overrides: {}, evalEvery: 5 });
    const withoutWall = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(',').filter((_, i) => i !== 1).join(','));
    expect(withoutWall(join(split, 'evaluations.csv'))).toEqual(withoutWall(join(out, 'evaluations.csv')));

    // The CPU reference copies its actor at the same iterations; float64 against float32 over 10 iterations.
    const cpu = join(dir, 'evaluated-cpu');
    await runTraining({ scenario, config, device: 'cpu', out: cpu, log: quiet, handleSignals: false, evaluate: false, evalEvery: 5 });
    const cpuRows = readFileSync(join(cpu, 'evaluations.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(cpuRows.map((r) => r[0])).toEqual([5, 10]);
    // Mean latencies of f32 and f64 actors after 10 iterations agree to ~1e-5 relative (the metrics' tolerance above).
    expectClose(rows.flatMap((r) => r.slice(2, 6)), cpuRows.flatMap((r) => r.slice(2, 6)), { atol: 1e-5, rtol: 1e-4 }, 'evaluations, GPU vs CPU');
  });

  it('refuses a resume that changes anything but the length', async () => {
    const gpu = await testGpu();
    await expect(runTraining({ device: 'gpu', gpu, out: join(dir, 'full'), resume: true, log: quiet, handleSignals: false, overrides: { batch: 4 } }))
      .rejects.toThrow(/trained with batch = 8; drop that flag/);
  });

  it('runs the same algorithm on the CPU reference (float64), close to the GPU run', async () => {
    const out = join(dir, 'cpu');
    await runTraining({ scenario, config, device: 'cpu', out, log: quiet, handleSignals: false, evaluate: false });
    const cpu = metricsWithoutWall(join(out, 'metrics.csv')).map((r) => r.split(',').slice(2).map(Number));
    const gpu = metricsWithoutWall(join(dir, 'full', 'metrics.csv')).map((r) => r.split(',').slice(2).map(Number));
    // f32 vs f64 over 10 iterations and 8 Adam steps (see train_gpu.test.ts): means agree to ~1e-6 relative.
    expectClose(gpu.flat(), cpu.flat(), { atol: 1e-5, rtol: 1e-4 }, 'episode metrics, GPU vs CPU');
    expect(loadCheckpoint(out).snapshot.actor).toBeInstanceOf(Float64Array);
  });

  it('a resume without a device continues on the one the run was trained on; another device is noted', async () => {
    const out = join(dir, 'cpu');  // the CPU run of the test above, complete at 10 iterations
    const logs: string[] = [];
    const log = (line: string) => { logs.push(line); };
    const same = await runTraining({ out, resume: true, log, handleSignals: false, evaluate: false, overrides: {} });
    expect(same.device).toBe('cpu');
    expect(logs.join('\n')).toMatch(/resuming .* on the cpu/);
    expect(logs.join('\n')).not.toMatch(/note:/);
    const gpu = await testGpu();
    logs.length = 0;
    const other = await runTraining({ device: 'gpu', gpu, out, resume: true, log, handleSignals: false, evaluate: false, overrides: {}, tune: 'off' });
    expect(other.device).toBe('gpu');
    expect(logs.join('\n')).toMatch(/note: resuming a cpu run on --device gpu: the continuation is not bit-identical/);
  });

  it('stops on a non-finite loss, naming the iteration, and keeps the last good checkpoint', async () => {
    const gpu = await testGpu();
    const out = join(dir, 'diverge');
    // A critic learning rate of 1e30 sends the weights to infinity at the first update; batch 32 (4 iterations of 8
    // envs) delays that update to iteration 3, after the checkpoint of iterations 0-1 (checkpointEverySeconds tiny but
    // positive: a checkpoint after every chunk; 0 would mean none before the end).
    const wild = parseTrainConfig({ ...config, batch: 32, lrCritic: 1e30, lrDecay: 1, iterations: 40 });
    await expect(runTraining({ scenario, config: wild, device: 'gpu', gpu, out, log: quiet, handleSignals: false, checkpointEverySeconds: Number.MIN_VALUE, evaluate: false, tune: 'off' }))
      .rejects.toThrow(/training diverged at iteration 3: the (critic|actor) loss is (NaN|Infinity|-Infinity) \(first non-finite tensor: [a-z_]+\.\d\.(weight|bias)\); the last good checkpoint \(iteration 2\)/);
    const kept = loadCheckpoint(out);  // loads: every tensor finite
    expect(kept.snapshot.iteration).toBe(2);
  });
});

describe('megc act on a trained actor', () => {
  it('writes state, action and latency columns; actions are feasible', async () => {
    const { registerAct } = await import('../src/cli/act.js');
    const { Command } = await import('commander');
    const program = new Command().exitOverride();
    registerAct(program);
    const input = join(dir, 'states.csv');
    writeFileSync(input, 'd_aigc,h_comp_off,h_aigc_back,h_ve_off,h_ve_back,d_comp,d_ve\n8e6,1e-7,5e-8,2e-7,1e-7,3e6,4e6\n2e6,3e-7,1e-8,1e-7,4e-7,7e6,2e6\n');
    const output = join(dir, 'actions.csv');
    await program.parseAsync(['node', 'megc', 'act', '--policy', join(dir, 'full'), '--input', input, '--output', output]);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('h_comp_off,h_aigc_back,h_ve_off,h_ve_back,d_comp,d_ve,d_aigc,alpha_off,alpha_back,beta,lambda,omega_comp,omega_aigc,omega_ve,l_comp,l_aigc,l_ve,l_total');
    for (const line of lines.slice(1)) {
      const v = line.split(',').map(Number);
      const omegas = v.slice(11, 14);
      expect(Math.abs(omegas[0] + omegas[1] + omegas[2] - 1)).toBeLessThan(1e-12);
      expect(v.slice(7, 14).every((a) => a > 0 && a < 1)).toBe(true);
      expect(v[17]).toBeCloseTo(v[14] + v[15] + v[16], 12);
    }
    expect(lines[1].startsWith('1e-7,5e-8,2e-7,1e-7,3000000,4000000,8000000,')).toBe(true);
  });

  it('tunes by default (quick) and records its plans; a resume reuses them and equals the uninterrupted run; --tune FILE repeats them', async () => {
    const gpu = await testGpu();
    const tuned = join(dir, 'tuned');
    await runTraining({ scenario, config, device: 'gpu', gpu, out: tuned, log: quiet, handleSignals: false });
    const record = JSON.parse(readFileSync(join(tuned, 'config.json'), 'utf8')).tuning;
    expect(record.mode).toBe('quick');
    const plans = parseTrainerPlans(record.plans, 'config.json');
    const stopped = join(dir, 'tunedSplit');
    await runTraining({ scenario, config, device: 'gpu', gpu, out: stopped, log: quiet, handleSignals: false, tune: { plans, source: 'test' }, stopAfterIterations: 4 });
    // The resume is asked to tune afresh: the run's own plans must win, so that it continues bit for bit.
    await runTraining({ device: 'gpu', gpu, out: stopped, resume: true, log: quiet, handleSignals: false, overrides: {}, tune: 'full' });
    expect(JSON.parse(readFileSync(join(stopped, 'config.json'), 'utf8')).tuning.plans).toEqual(record.plans);
    expect(loadCheckpoint(stopped).snapshot).toEqual(loadCheckpoint(tuned).snapshot);
    expect(metricsWithoutWall(join(stopped, 'metrics.csv'))).toEqual(metricsWithoutWall(join(tuned, 'metrics.csv')));
  });
});
