// The library API (src/index.ts) against the float64 reference and the trainer it wraps, its typed errors, and its
// surface: the declarations emitted in dist/src compared with the recorded report etc/megc-webgpu.api.d.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateActions, evaluationStates } from '../src/env/evaluate.js';
import { fraAction, latency, rraAction } from '../src/env/reference.js';
import { EVAL_SEED } from '../src/rng/streams.js';
import { actorActions } from '../src/train/actor.js';
import { DEFAULT_TUNE, tunerOf } from '../src/gpu/tuner.js';
import { defaultTuneCachePath } from '../src/gpu/tuneStore.js';
import { GpuTrainer } from '../src/train/gpuTrainer.js';
import { evaluateRun } from '../src/train/runEvaluation.js';
import { worldActorActions } from '../src/train/worldActor.js';
import { evaluateWorldPolicy } from '../src/world/evaluate.js';
import {
  act, adapterOf, baselineActions, benchDevice, comparisonFigure, comparisonRows, DEFAULT_SCENARIO, DeviceLostError,
  episodeMeans, evaluateBaseline, evaluateLara, evaluatePolicy, evaluateWorldBaseline, GpuError, isNumberText, latencies, LimitError,
  listAdapters, loadPolicy, loadScenarioFile, NumberTextError, openDevice, parseIntegerListText, parseIntegerText, parseNumberText,
  parseScenario, parseScenarioText, parseTrainConfig, sampleStates, sampleWorldStates, trainingFigures, trainLara, UserError,
  worldLatency, worldLayout, worldOf, worldOptEvalSlots, worldSummary,
} from '../src/index.js';
import { apiReport, undocumentedExports } from './helpers/apiReport.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { REPOSITORY } from './helpers/packedProject.js';

const scenario = DEFAULT_SCENARIO;
/** A run small enough for lavapipe: 20 iterations of 8 envs, batch 8, one hidden layer of 8. */
const TINY = { envs: 8, batch: 8, iterations: 20, hidden: [8], replayCapacity: 64, iterationsPerSubmit: 5, evalSlots: 32 };
// Float32 on the GPU against float64: latencies of a few seconds computed in a handful of float32 operations.
const FLOAT32 = { atol: 1e-6, rtol: 1e-5 };

describe('scenarios and errors', () => {
  it('reads a scenario file and validates a JSON object with the CLI\'s one-line messages', () => {
    expect(loadScenarioFile(join(REPOSITORY, 'scenarios/default.json'))).toEqual(DEFAULT_SCENARIO);
    expect(() => parseScenario({ distance: { comp: -1 } }, 'my.json')).toThrow(new UserError('my.json: distance.comp must be > 0 (got -1)'));
    expect(() => loadScenarioFile('/nonexistent/s.json')).toThrow(new UserError('--scenario /nonexistent/s.json: no such file'));
    expect(() => parseTrainConfig({ envs: 0 }, 'config')).toThrow(UserError);
  });

  it('types its errors: LimitError is a UserError, DeviceLostError a GpuError', () => {
    expect(new LimitError('x')).toBeInstanceOf(UserError);
    expect(new DeviceLostError('x')).toBeInstanceOf(GpuError);
    expect(new LimitError('x').name).toBe('LimitError');
  });

  it('refuses states that are not whole rows, naming them', async () => {
    await expect(latencies(scenario, [1, 2, 3], [])).rejects.toThrow(new UserError('states: 3 values are not whole rows of 7'));
    const worldScenario = parseScenario({ users: { comp: { count: 2 } } }, 'w.json');
    expect(() => sampleStates(worldScenario, 4)).toThrow(UserError);
  });
});

describe('the letter\'s environment', () => {
  const states = sampleStates(scenario, 16);

  it('samples the evaluation set and computes latencies as the reference, float64 on the CPU and float32 on the GPU', async () => {
    expect(states).toEqual(evaluationStates(scenario, 16, 1));
    const actions = await baselineActions(scenario, 'rra', states);
    for (let i = 0; i < 16; i++) expect(Array.from(actions.subarray(i * 7, i * 7 + 7))).toEqual(Array.from(rraAction(scenario, EVAL_SEED, i, 0)));
    const cpu = await latencies(scenario, states, actions);
    for (let i = 0; i < 16; i++) {
      expect(Array.from(cpu.subarray(i * 4, i * 4 + 4))).toEqual(latency(scenario, Array.from(states.subarray(i * 7, i * 7 + 7)), row(actions, i)));
    }
    const { device } = await testGpu();
    expectClose(await latencies(scenario, states, actions, { device }), cpu, FLOAT32, 'GPU latencies');
  });

  it('gives FRA\'s and OPT\'s actions, and OPT on the GPU is as good as on the CPU', async () => {
    const fra = await baselineActions(scenario, 'fra', states);
    expect(Array.from(fra.subarray(0, 7))).toEqual(fraAction());
    const { device } = await testGpu();
    const cpu = await latencies(scenario, states, await baselineActions(scenario, 'opt', states));
    const gpu = await latencies(scenario, states, await baselineActions(scenario, 'opt', states, { device }));
    // OPT's float32 search reaches the float64 optimum's L_total to 1e-4 (test/opt.test.ts's bound); the split among
    // the users may differ where the optimum is flat.
    const total = (l: Float64Array) => l.filter((_, k) => k % 4 === 3);
    expectClose(total(gpu), total(cpu), { atol: 0, rtol: 1e-4 }, 'OPT L_total');
  });

  it('evaluates a baseline on the CPU and the GPU alike', async () => {
    const { device } = await testGpu();
    const cpu = await evaluateBaseline(scenario, 'fra', { slots: 256 });
    expect(cpu).toEqual(evaluateActions(scenario, evaluationStates(scenario, 256), await baselineActions(scenario, 'fra', evaluationStates(scenario, 256))));
    const gpu = await evaluateBaseline(scenario, 'fra', { slots: 256, device });
    // Float32 sums of 256 latencies.
    expectClose([gpu.comp, gpu.aigc, gpu.ve, gpu.total], [cpu.comp, cpu.aigc, cpu.ve, cpu.total], { atol: 0, rtol: 1e-5 }, 'FRA means');
  });
});

/** Row i of (n, 7) actions as a plain array (the reference takes arrays). */
function row(actions: Float64Array, i: number): number[] {
  return Array.from(actions.subarray(i * 7, i * 7 + 7));
}

describe('training, acting, checkpoints and evaluation', () => {
  it('trains as the GPU trainer does, with progress, and the checkpoint bytes give back the same policy', async () => {
    const gpu = await testGpu();
    const progress: number[] = [];
    // No tune given: the kernels are chosen as `megc train` chooses them by default (DEFAULT_TUNE, cached per adapter).
    const result = await trainLara(scenario, { device: gpu.device, config: TINY, onProgress: (p) => progress.push(p.iteration) });
    expect(progress).toEqual([5, 10, 15, 20]);
    expect(result.metrics.map((m) => m.iteration)).toEqual([...Array(20).keys()]);
    expect(result.stopped).toBe(false);
    // The same config through GpuTrainer with the default tuner (what `megc train` runs): the same actor, bit for bit.
    expect(DEFAULT_TUNE).toBe('quick');
    const trainer = await GpuTrainer.create(gpu, scenario, parseTrainConfig(TINY), { evaluate: false, tuner: tunerOf(gpu, DEFAULT_TUNE) });
    await trainer.run(20);
    expect(result.policy.actor).toEqual(Float64Array.from((await trainer.readParams()).actor));
    trainer.destroy();

    const policy = loadPolicy(result.checkpoint(), 'bytes');
    expect(policy.actor).toEqual(result.policy.actor);
    expect(policy.iteration).toBe(20);
    const states = sampleStates(scenario, 8);
    expect(act(policy, states)).toEqual(actorActions(scenario, policy.sizes, policy.actor, policy.config.shareFloor, states));

    const e = await evaluateLara(policy, { slots: 32 });
    const evalStates = evaluationStates(scenario, 32);
    expect(e.lara).toEqual(evaluateActions(scenario, evalStates, act(policy, evalStates)));
    expect(await evaluatePolicy(policy, { slots: 32 })).toEqual(e.lara);
    expect(e.opt).toEqual(await evaluateBaseline(scenario, 'opt', { slots: 32 }));
    expect(e.gap).toBe(e.lara.total / e.opt.total - 1);
    expect(e.gap).toBeGreaterThan(0);  // OPT is the per-slot optimum
  }, 300_000);  // It tunes from an empty store: with Mesa's shader cache empty too, lavapipe compiles every candidate (about 2 minutes).

  it('hands the actor to onProgress after every policyEvery-th iteration, training unchanged', async () => {
    const gpu = await testGpu();
    const { device } = gpu;
    const policies: { iteration: number; actor: Float64Array }[] = [];
    const chunks: number[] = [];
    const result = await trainLara(scenario, { device, config: TINY, tune: 'off', policyEvery: 8, onProgress: (p) => {
      chunks.push(p.iteration);
      if (p.policy) policies.push({ iteration: p.policy.iteration, actor: p.policy.actor });
    } });
    // Chunks of 5 end at 8 and 16 too.
    expect(chunks).toEqual([5, 8, 13, 16, 20]);
    expect(policies.map((p) => p.iteration)).toEqual([8, 16]);
    const plain = await trainLara(scenario, { device, config: TINY, tune: 'off' });
    expect(result.policy.actor).toEqual(plain.policy.actor);
    expect(result.metrics).toEqual(plain.metrics);
    // The copy at 16 is that iteration's actor: the trainer run to 16 ends with it.
    const trainer = await GpuTrainer.create(gpu, scenario, parseTrainConfig(TINY), { evaluate: false });
    await trainer.run(16);
    expect(policies[1].actor).toEqual(Float64Array.from((await trainer.readParams()).actor));
    trainer.destroy();
    expect(policies[0].actor).not.toEqual(policies[1].actor);
    await expect(trainLara(scenario, { device, config: TINY, policyEvery: 0 })).rejects.toThrow('policyEvery: 0 is not a positive integer');
  });

  it('offers the tuner the mixed-precision variants with mixedPrecision, and changes nothing with tune off', async () => {
    const gpu = await testGpu();
    const { device } = gpu;
    const config = { ...TINY, iterations: 10 };
    const off = await trainLara(scenario, { device, config, tune: 'off' });
    expect((await trainLara(scenario, { device, config, tune: 'off', mixedPrecision: true })).policy.actor).toEqual(off.policy.actor);
    // Quick tuning with it: the fused update's choice is timed among the mixed-precision candidates and cached apart
    // (its shape ends in "mixed"), and the run is what GpuTrainer computes with the same choices.
    const mixed = await trainLara(scenario, { device, config, tune: 'quick', mixedPrecision: true });
    const keys = Object.keys(JSON.parse(readFileSync(defaultTuneCachePath(), 'utf8')).entries);
    expect(keys.filter((k) => /\|lara\.update b8 hidden 8 u\d+ mixed$/.test(k))).toHaveLength(1);
    const trainer = await GpuTrainer.create(gpu, scenario, parseTrainConfig(config), { evaluate: false, tuner: tunerOf(gpu, 'quick'), mixedPrecision: true });
    await trainer.run(10);
    expect(mixed.policy.actor).toEqual(Float64Array.from((await trainer.readParams()).actor));
    trainer.destroy();
  }, 300_000);

  it('stops at a chunk boundary when its signal aborts, keeping the policy so far', async () => {
    const { device } = await testGpu();
    const stop = new AbortController();
    const result = await trainLara(scenario, { device, config: TINY, tune: 'off', signal: stop.signal, onProgress: () => stop.abort() });
    expect(result.stopped).toBe(true);
    expect(result.iterations).toBeLessThan(20);
    expect(result.iterations % 5).toBe(0);
    expect(result.metrics).toHaveLength(result.iterations);
    expect(loadPolicy(result.checkpoint()).iteration).toBe(result.iterations);
  });

  it('refuses a run larger than the device with a LimitError naming the limit', async () => {
    const { device } = await testGpu();
    await expect(trainLara(scenario, { device, config: { ...TINY, envs: 2 ** 28 } })).rejects.toThrow(LimitError);
    await expect(trainLara(scenario, { device, config: { ...TINY, envs: 2 ** 28 } })).rejects.toThrow(/maxStorageBufferBindingSize/);
  });
});

describe('a lost device', () => {
  it('is a DeviceLostError, in training and in evaluation', async () => {
    const device = await openDevice();
    device.destroy();
    await expect(trainLara(scenario, { device, config: TINY, tune: 'off' })).rejects.toThrow(DeviceLostError);
    await expect(evaluateBaseline(scenario, 'opt', { device, slots: 16 })).rejects.toThrow(DeviceLostError);
  });
});

describe('worlds', () => {
  const world = worldOf(parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2 } } }, 'w.json'));

  it('samples, scores and evaluates a world as its reference does', async () => {
    const layout = worldLayout(world);
    expect([layout.servers, layout.users]).toEqual([2, 4]);
    const states = sampleWorldStates(world, 3);
    expect(states).toHaveLength(3 * layout.state.size);
    expect(() => worldLatency(world, states, new Float64Array(layout.action.size))).toThrow(UserError);
    const fra = await evaluateWorldBaseline(world, 'fra', { slots: 64 });
    expect(fra).toEqual(await evaluateWorldPolicy('fra', { world, count: 64, seed: 1 }));
  });

  it('trains LARA on a world, acts on its rows and evaluates it as `megc train` ends a run there', async () => {
    const gpu = await testGpu();
    const associating = worldOf(parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2 } }, association: 'policy' }, 'a.json'));
    const result = await trainLara(associating.scenario, { device: gpu.device, config: TINY, tune: 'off' });
    expect(result.stopped).toBe(false);
    const trainer = await GpuTrainer.create(gpu, associating.scenario, parseTrainConfig(TINY), { evaluate: false });
    await trainer.run(20);
    expect(result.policy.actor).toEqual(Float64Array.from((await trainer.readParams()).actor));
    trainer.destroy();
    const policy = loadPolicy(result.checkpoint(), 'bytes');
    expect(policy.sizes).toEqual(result.policy.sizes);
    const layout = worldLayout(associating);
    const states = sampleWorldStates(associating, 8);
    expect(act(policy, states)).toEqual(worldActorActions(associating, policy.sizes, policy.actor, policy.config, states));
    expect(() => act(policy, [1, 2, 3])).toThrow(new UserError(`states: 3 values are not whole rows of ${layout.state.size}`));

    const e = await evaluateLara(policy, { slots: 16, device: gpu.device });
    const run = await evaluateRun(associating.scenario, { ...policy.config, evalSlots: 16 }, policy.actor, gpu.device);
    expect(e).toEqual({
      slots: 16, lara: run.policies.lara, fra: run.policies.fra, rra: run.policies.rra, opt: run.policies.opt, gap: run.gap, optExact: true,
      associations: { maxSnr: run.policies.maxSnr, random: run.policies.random, lagrangian: run.policies.lagrangian }, hybrid: run.policies.hybrid,
      searched: run.policies.searched,
    });
    // The search starts from the hybrid's association and never ends above it; OPT is exact here, so none ends below it.
    expect(e.searched!.total).toBeLessThanOrEqual(e.hybrid!.total);
    expect(e.searched!.total).toBeGreaterThanOrEqual(e.opt.total * (1 - 1e-12));
    expect(e.gap).toBeGreaterThan(0);
    expectClose([(await evaluatePolicy(policy, { slots: 16 })).total], [e.lara.total], { atol: 0, rtol: 1e-12 }, 'LARA total');
    await expect(evaluateLara(policy, { slots: 16, seed: 2 })).rejects.toThrow(new UserError('seed 2: evaluateLara compares on a world\'s standard evaluation set (seed 1) only, as megc train does'));
    // The letter's 7-column rows stay the letter's.
    await expect(latencies(associating.scenario, [], [])).rejects.toThrow(/scenario: 4 users on 2 servers: latencies handles the letter's one server and three users only/);
  });

  it('scores the letter\'s world as the letter\'s environment', async () => {
    const letter = await evaluateWorldBaseline(worldOf(scenario), 'fra', { slots: 64 });
    const fra = await evaluateBaseline(scenario, 'fra', { slots: 64 });
    // The world's arithmetic sums per-type sums in another order than the letter's.
    expectClose([letter.total], [fra.total], { atol: 0, rtol: 1e-12 }, 'FRA total');
  });
});

describe('what the web page and the CLI take from it', () => {
  it('lists the adapters and names the one a device came from', async () => {
    const adapters = await listAdapters();
    const { device } = await testGpu();
    const adapter = adapterOf(device);
    expect(adapters.map((a) => a.name)).toContain(adapter.name);
    expect(adapter.name).toContain(adapter.vendor);
    expect(adapter.name.endsWith(' (software)')).toBe(adapter.isSoftware);
  });

  it('reads a scenario file\'s text strictly, and numbers as the flags read them', () => {
    expect(parseScenarioText('{"distance": {"comp": 50}}', 's.json').distance.comp).toBe(50);
    expect(() => parseScenarioText('{"slotsPerEpisode": 5, "slotsPerEpisode": 6}', 's.json'))
      .toThrow(new UserError('s.json: not valid JSON (key slotsPerEpisode appears twice in one object (a repeated key is refused, not last-wins))'));
    expect(() => parseScenarioText('{"distance": {"comp": -1}}', 's.json')).toThrow(new UserError('s.json: distance.comp must be > 0 (got -1)'));
    expect([isNumberText('4e8'), isNumberText('0x10')]).toEqual([true, false]);
    expect([parseNumberText('4e8'), parseIntegerText('+3'), parseIntegerListText('16, 16')]).toEqual([4e8, 3, [16, 16]]);
    expect(() => parseIntegerText('1e3')).toThrow(NumberTextError);
  });

  it('summarises a world and its OPT evaluation set', () => {
    const world = worldOf(parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2 } } }, 'w.json'));
    expect(worldSummary(world)).toBe('4 users on 2 servers, each user served by its nearest');
    expect(worldOptEvalSlots(world)).toBe(4096);
  });

  it('reports the rate, episode means, the comparison\'s rows and the figures of a run', async () => {
    const { device } = await testGpu();
    const rates: number[] = [];
    const tenSlots = parseScenario({ slotsPerEpisode: 10 }, 's.json');
    const result = await trainLara(tenSlots, { device, config: TINY, tune: 'off', onProgress: (p) => rates.push(p.iterationsPerSecond) });
    expect(rates.every((r) => r > 0 && Number.isFinite(r))).toBe(true);
    const episodes = episodeMeans(result.metrics, 10);
    expect(episodes.map((e) => e.episode)).toEqual([1, 2]);
    const mean = (from: number) => result.metrics.slice(from, from + 10).reduce((s, m) => s + m.lTotal, 0) / 10;
    expectClose(episodes.map((e) => e.lTotal), [mean(0), mean(10)], { atol: 0, rtol: 1e-15 }, 'episode means');
    expect(episodeMeans(result.metrics.slice(0, 15), 10).map((e) => e.episode)).toEqual([1, 2]);  // the episode in progress
    const figures = trainingFigures(episodes, result.policy.config, { scenario: tenSlots, lines: ['my run'] });
    expect(JSON.stringify(figures.reward)).toContain('Fig. 3');
    expect(JSON.stringify(figures.latency)).toContain('my run');

    const comparison = await evaluateLara(result.policy, { slots: 32, device });
    expect(comparisonRows(comparison).map((r) => [r.policy, r.name])).toEqual([['lara', 'LARA'], ['fra', 'FRA'], ['rra', 'RRA'], ['opt', 'OPT']]);
    expect(comparisonRows(comparison)[0].means).toEqual(comparison.lara);
    expect(JSON.stringify(comparisonFigure(comparison, { scenario: tenSlots }))).toContain('32 evaluation slots');
  });

  it('names a world\'s association baselines and the hybrids in the order megc train prints them', () => {
    const m = { comp: 1, aigc: 1, ve: 1, total: 3 };
    const rows = comparisonRows({ slots: 1, lara: m, fra: m, rra: m, opt: m, gap: 0, optExact: false, associations: { maxSnr: m, random: m, lagrangian: m }, hybrid: m, searched: m });
    expect(rows.map((r) => r.name)).toEqual(['LARA', 'LARA assoc. + OPT', 'LARA assoc. + search + OPT', 'FRA', 'RRA', 'max-SNR + OPT', 'random + OPT', 'Lagrangian + OPT', 'OPT (searched)']);
  });

  it('benches a device: environment steps/s and training iterations/s', async () => {
    const { device } = await testGpu();
    const bench = await benchDevice({ device, config: { envs: 8, batch: 8, hidden: [8], updatesPerIteration: 1 } });
    expect(bench.envSteps.envs).toBe(adapterOf(device).isSoftware ? 1 << 14 : 1 << 20);
    expect(bench.envSteps.stepsPerSecond).toBeGreaterThan(0);
    expect(bench.training).toMatchObject({ envs: 8, batch: 8, hidden: [8], updates: 1 });
    expect(bench.training.iterationsPerSecond).toBeGreaterThan(0);
  });
});

describe('the API surface', () => {
  const ENTRIES = [
    { name: 'node', file: join(REPOSITORY, 'dist/src/index.d.ts') },
    { name: 'browser', file: join(REPOSITORY, 'dist/src/index.browser.d.ts') },
  ];

  it('is documented with the examples as they are in examples/ (docs/API.md)', () => {
    const doc = readFileSync(join(REPOSITORY, 'docs/API.md'), 'utf8');
    for (const example of ['examples/node/train.ts', 'examples/browser/main.ts', 'examples/browser/index.html']) {
      expect(doc, example).toContain(readFileSync(join(REPOSITORY, example), 'utf8'));
    }
  });

  it('documents every export of both entries (TSDoc)', () => {
    expect(undocumentedExports(ENTRIES)).toEqual([]);
  });

  it('is the recorded one (etc/megc-webgpu.api.d.ts): an unrecorded change fails here', () => {
    const recorded = join(REPOSITORY, 'etc/megc-webgpu.api.d.ts');
    const report = apiReport(REPOSITORY, ENTRIES);
    if (process.env.MEGC_UPDATE_API === '1') writeFileSync(recorded, report);
    expect(existsSync(recorded), `${recorded} is missing: write it with MEGC_UPDATE_API=1`).toBe(true);
    expect(report, 'the API changed: check the change is intended, record it with MEGC_UPDATE_API=1 and say so in CHANGELOG.md')
      .toBe(readFileSync(recorded, 'utf8'));
  });
});
