// The peers' pure parts: the time-to-1% summary and table, the evaluation set's .npy file, the reference figures; and
// that the race's children do not outlive it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReferenceFigures, parsePeerOutput, peerRate } from '../bench/compare.js';
import { npyFloat64 } from '../bench/peers/evalset.js';
import { evaluationsFromCsv, formatRace, summarizeRace, trainingSecondsFromMetrics, type JaxPeerResult, type MegcRun } from '../bench/peers/raceReport.js';
import { childrenOf, ensureBuilt, ROOT } from './helpers/cli.js';

const METRICS = [
  'episode,iteration,reward,l_comp,l_aigc,l_ve,l_total,critic_loss,actor_loss,wall_s,samples_per_s',
  '1,100,-5.9,0.4,2.9,2.6,5.9,0.01,1.5,20.25,1264',
  '2,200,-5.5,0.4,2.6,2.5,5.5,0.002,1.5,41.5,1204',
  '',
].join('\n');

const jax = (timeToTarget: number | null, finalGap: number): JaxPeerResult => ({
  program: 'lara_jax', jax: '0.10.2',
  config: { hidden: [128, 128], envs: 1024, batch: 1024, updates: 4, iterations: 1500, seed: 1 },
  compileSeconds: 3, trainSeconds: 20, iterationsPerSecond: 75, targetGap: 0.01,
  timeToTarget, iterationToTarget: timeToTarget === null ? null : 1000,
  finalGap, finalLatency: { comp: 0.4, aigc: 2.38, ve: 2.12, total: 4.9 },
});

const megc = (laraLTotal: number): MegcRun => ({
  config: { hidden: [64, 64], envs: 256, batch: 256, updatesPerIteration: 8, iterations: 1500, seed: 1 },
  trainSeconds: 300, laraLTotal,
});

describe('time to 1% of OPT', () => {
  it('reads the training seconds from the last row of metrics.csv', () => {
    expect(trainingSecondsFromMetrics(METRICS)).toBe(41.5);
    expect(() => trainingSecondsFromMetrics('episode,iteration\n1,100\n')).toThrow(/wall_s/);
  });

  it('times megc by its whole training when its final gap is below the target, and gives the ratio', () => {
    const s = summarizeRace(jax(12.5, 0.007), megc(4.89), 4.86, 65536);
    expect(s.megc.finalGap).toBeCloseTo(4.89 / 4.86 - 1, 12);
    expect(s.megc.timeToTarget).toBe(300);
    expect(s.megc.iterationsPerSecond).toBe(5);
    expect(s.jax.timeToTarget).toBe(12.5);
    expect(s.ratio).toBe(24);
    const table = formatRace(s);
    expect(table).toContain('| megc train | 64x64, 256 envs, batch 256, 8 updates, 1500 iterations, seed 1 | 300.00 s (5.0 it/s) | 300.00 s');
    expect(table).toContain('| 12.50 s (first evaluation below, iteration 1000) | 0.70% |');
    expect(table).toContain('megc / JAX time to 1%: 24.00x');
    // Different recipes: no per-iteration ratio.
    expect(s.perIteration).toBeNull();
    expect(table).not.toContain('per iteration');
  });

  it('times megc at its first evaluation below the target where it evaluated during training (evaluations.csv)', () => {
    const csv = 'iteration,wall_s,l_comp,l_aigc,l_ve,l_total,gap\n50,0.1,0.3,2.4,2.3,5.1,0.049\n100,0.2,0.36,2.41,2.2,4.9,0.01\n150,0.3,0.38,2.39,2.1,4.87,0.002\n';
    const evaluations = evaluationsFromCsv(csv);
    expect(evaluations).toEqual([
      { iteration: 50, wallSeconds: 0.1, lTotal: 5.1 }, { iteration: 100, wallSeconds: 0.2, lTotal: 4.9 }, { iteration: 150, wallSeconds: 0.3, lTotal: 4.87 },
    ]);
    // Against the race's OPT (4.86): 4.9 is 0.82% above, so iteration 100 is the first below 1%.
    const s = summarizeRace(jax(12.5, 0.007), { ...megc(4.87), evaluations }, 4.86, 65536);
    expect(s.megc.timeToTarget).toBe(0.2);
    expect(s.ratio).toBeCloseTo(0.2 / 12.5, 12);
    expect(formatRace(s)).toContain('| 0.20 s (first evaluation below, iteration 100) | 0.21% |');
    const never = summarizeRace(jax(12.5, 0.007), { ...megc(4.87), evaluations: evaluations.slice(0, 1) }, 4.86, 65536);
    expect(never.megc.timeToTarget).toBeNull();
    expect(formatRace(never)).toContain('not reached (not reached) | 0.21% |');
  });

  it('gives the per-iteration ratio where both ran the same recipe', () => {
    const same = { ...megc(4.89), config: { hidden: [128, 128], envs: 1024, batch: 1024, updatesPerIteration: 4, iterations: 1500, seed: 1 } };
    const s = summarizeRace(jax(12.5, 0.007), same, 4.86, 65536);
    // JAX 75 it/s, megc 1,500 iterations in 300 s = 5 it/s.
    expect(s.perIteration).toBe(15);
    expect(formatRace(s)).toContain('megc / JAX time per iteration (the same recipe): 15.00x');
  });

  it('says which program did not reach the target and gives no ratio', () => {
    const late = summarizeRace(jax(12.5, 0.007), megc(4.86 * 1.013), 4.86, 65536);
    expect(late.megc.timeToTarget).toBeNull();
    expect(late.ratio).toBeNull();
    expect(formatRace(late)).toContain('undefined (megc did not reach 1%)');
    expect(formatRace(late)).toContain('not reached (not reached at the end of training) | 1.30% |');
    const never = summarizeRace(jax(null, 0.02), megc(4.88), 4.86, 65536);
    expect(never.ratio).toBeNull();
    expect(formatRace(never)).toContain('undefined (JAX did not reach 1%)');
  });
});

describe('evaluation set file', () => {
  it('writes a .npy v1.0 header padded to 64 bytes and the values little-endian', () => {
    const values = Float64Array.from([1.5, -2, 3e-300, Infinity, 0.1, 7]);
    const npy = npyFloat64(values, 3, 2);
    expect(npy.subarray(0, 8).toString('latin1')).toBe('\x93NUMPY\x01\x00');
    const headerLength = npy.readUInt16LE(8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = npy.subarray(10, 10 + headerLength).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 2\), \} *\n$/);
    const data = npy.subarray(10 + headerLength);
    expect(data.length).toBe(48);
    expect(Array.from({ length: 6 }, (_, i) => data.readDoubleLE(8 * i))).toEqual(Array.from(values));
    expect(() => npyFloat64(values, 4, 2)).toThrow(RangeError);
  });
});

describe('reference device figures', () => {
  const reference = loadReferenceFigures();

  it('holds the H200 figures the bench compares with', () => {
    expect(reference.copyBytesPerSecond).toBe(3.8e12);
    expect(reference.matmul.rows.map((r) => r.tflops)).toEqual([28.4, 25.9, 16.8]);
    expect(reference.dispatch.microsecondsPerDispatchInOnePass).toBe(3.7);
    expect(reference.dispatch.microsecondsPerDispatchWithAPassEach).toBe(7.1);
    expect(reference.dispatch.microsecondsPerSubmitRoundTrip).toBe(33);
  });

  it('gives a peer rate measured in this call first, else the reference (JAX at its default TF32)', () => {
    const measured = parsePeerOutput('jax DDPG envs=4096 batch=4096 hidden=256: compile+run 9.0s; 5000 iters/s, 2e7 env-steps/s\n', 'JAX');
    expect(peerRate(measured.training, reference, 'JAX', 4096, 4096)).toEqual({ value: 5000, source: 'measured' });
    expect(peerRate([], reference, 'JAX', 4096, 4096)).toEqual({ value: 4311, source: 'ref' });
    expect(peerRate([], reference, 'JAX', 1, 256)).toEqual({ value: 10161, source: 'ref' });
    expect(peerRate([], reference, 'JAX', 65536, 65536)).toEqual({ value: 704, source: 'ref' });
    expect(peerRate([], reference, 'PyTorch', 4096, 4096)).toEqual({ value: 186, source: 'ref' });
    expect(peerRate([], reference, 'PyTorch', 1, 256)).toBeNull();
  });

  it('parses the torch env-step line', () => {
    expect(parsePeerOutput('torch env step n=8388608: 2.000e+09 env-steps/s', 'PyTorch').envSteps.get(8388608)).toBe(2e9);
  });
});

describe("--peer-recipe megc: the JAX peer on megc's default config", () => {
  it('passes every recipe field as a flag that lara_jax.py declares, with the default config\'s values', async () => {
    const { megcRecipeFlags } = await import('../bench/peers/race.js');
    const { DEFAULT_TRAIN_CONFIG } = await import('../src/train/config.js');
    const flags = megcRecipeFlags();
    const values = new Map<string, string>();
    for (let i = 0; i < flags.length; i += 2) values.set(flags[i], flags[i + 1]);
    const declared = [...readFileSync(join(ROOT, 'bench', 'peers', 'lara_jax.py'), 'utf8').matchAll(/add_argument\("(--[a-z-]+)"/g)].map((m) => m[1]);
    for (const flag of values.keys()) expect(declared, flag).toContain(flag);
    const c = DEFAULT_TRAIN_CONFIG;
    expect(Object.fromEntries(values)).toEqual({
      '--hidden': c.hidden.join(','), '--envs': `${c.envs}`, '--batch': `${c.batch}`, '--updates': `${c.updatesPerIteration}`,
      '--iterations': `${c.iterations}`, '--lr-actor': `${c.lrActor}`, '--lr-critic': `${c.lrCritic}`, '--lr-decay': `${c.lrDecay}`,
      '--noise-start': `${c.noiseStart}`, '--noise-end': `${c.noiseEnd}`, '--gamma': `${c.gamma}`, '--tau': `${c.tau}`,
      '--replay-capacity': `${c.replayCapacity}`, '--share-floor': `${c.shareFloor}`, '--seed': `${c.seed}`,
    });
  });
});

describe('the race stops its children', () => {
  it('a peer still running when megc exits on a signal is sent SIGTERM (no JAX or megc train left behind)', async () => {
    ensureBuilt();
    const race = join(ROOT, 'dist', 'bench', 'peers', 'race.js');
    // A parent that exits on SIGTERM as megc does (process.exit from its handler), running a long child.
    const parent = spawn(process.execPath, ['-e', `import(${JSON.stringify(race)}).then((m) => {
      process.on('SIGTERM', () => process.exit(143));
      m.runChild('sleep', 'sleep', ['60'], true).catch(() => {});
      console.log('started');
    });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => parent.stdout!.on('data', () => resolve()));
    let sleeper: number | undefined;
    for (let i = 0; i < 100 && sleeper === undefined; i++) {
      sleeper = childrenOf(parent.pid!)[0];
      if (sleeper === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(sleeper, 'the child was started').toBeDefined();
    const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
    parent.kill('SIGTERM');
    expect(await exited).toBe(143);
    // The child got SIGTERM as the parent exited: it is gone (or a zombie about to be reaped by init).
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        const state = readFileSync(`/proc/${sleeper}/stat`, 'utf8');
        alive = state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
      } catch { alive = false; }
      if (alive) await new Promise((r) => setTimeout(r, 50));
    }
    expect(alive).toBe(false);
  });
});
