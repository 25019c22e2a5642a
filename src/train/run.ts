// A LARA training run: drives the GPU trainer (or the CPU reference) chunk by chunk, writes DIR/metrics.csv, config.json,
// checkpoint.safetensors and evaluation.json atomically, handles SIGINT/SIGTERM and divergence, prints the result table.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { evaluatePolicy, type LatencyMeans } from '../env/evaluate.js';
import { GpuError, UserError } from '../errors.js';
import { AtomicOutput, ensureDirectory, removeTemporaries, writeFileAtomic } from '../io/atomic.js';
import { createGpu, describeAdapter, type Gpu } from '../gpu/runtime.js';
import { SHADER_DIR } from '../gpu/shaders.js';
import { mlpLayout } from '../nn/layout.js';
import { DEFAULT_SCENARIO, scenarioToJson, type Scenario } from '../scenario.js';
import { CHECKPOINT_FILE, actorSizes, criticSizes, encodeCheckpoint, loadCheckpoint, type TrainerSnapshot } from './checkpoint.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { GpuTrainer } from './gpuTrainer.js';
import { actorPolicy } from './policy.js';
import { ReferenceTrainer, type IterationMetrics, type TrainingMeasures } from './reference.js';

export const METRICS_FILE = 'metrics.csv';
export const CONFIG_FILE = 'config.json';
export const EVALUATION_FILE = 'evaluation.json';
export const METRICS_HEADER = 'episode,iteration,reward,l_comp,l_aigc,l_ve,l_total,critic_loss,actor_loss,wall_s,samples_per_s';

/** The measures are means over the latest chunk of iterations. */
export interface TrainingProgress extends TrainingMeasures {
  /** Iterations completed. */
  iteration: number;
  total: number;
  /** Episode (1-based) the latest iteration belongs to. */
  episode: number;
  iterationsPerSecond: number;
  /** Environment transitions collected per second (envs x iterations/s). */
  samplesPerSecond: number;
  wallSeconds: number;
}

export interface RunTrainingOptions {
  /** Defaults to MODEL.md's; on resume, the checkpoint's (a given one must match it). */
  scenario?: Scenario;
  /** Required for a fresh run; on resume the checkpoint's config is used. */
  config?: TrainConfig;
  /** On resume: fields given on the command line. `iterations` may change (extend); any other must match. */
  overrides?: Partial<TrainConfig>;
  /**
   * Where to train. Fresh run: default 'gpu'. Resume: default the device the checkpoint was trained on (so the
   * continuation is exact); another one is allowed, with a note that the result is not bit-identical.
   */
  device?: 'gpu' | 'cpu';
  adapter?: string;
  /** Run directory (for a resume: the directory holding the checkpoint). */
  out: string;
  resume?: boolean;
  onProgress?: (p: TrainingProgress) => void;
  log?: (line: string) => void;
  /** Evaluate LARA, FRA, RRA and OPT at the end (default true). */
  evaluate?: boolean;
  /** Seconds between periodic checkpoints (default 300; 0: none); one is always written at the end or on a stop. */
  checkpointEverySeconds?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
  /** Reuse an open GPU (tests); otherwise one is created and destroyed. */
  gpu?: Gpu;
  /** Stop (as on SIGINT) once this many iterations are done in this call (tests of stop/resume). */
  stopAfterIterations?: number;
}

export interface EvaluationResult {
  slots: number;
  policies: { lara: LatencyMeans; fra: LatencyMeans; rra: LatencyMeans; opt: LatencyMeans };
  gap: number;
}

export interface TrainingResult {
  out: string;
  config: TrainConfig;
  scenario: Scenario;
  /** The device it ran on (on a resume without `device`: the checkpoint's). */
  device: 'gpu' | 'cpu';
  /** Iterations completed (total, including those before a resume). */
  iterations: number;
  /** 'SIGINT' / 'SIGTERM' / 'requested' when stopped early; undefined when all iterations ran. */
  stopped?: 'SIGINT' | 'SIGTERM' | 'requested';
  evaluation?: EvaluationResult;
}

/** Per-episode running sums of the measures; JSON round trip is exact, so a resumed run writes the same rows. */
interface EpisodeSums extends TrainingMeasures {
  iterations: number;
  lossIterations: number;
  /** Wall seconds (run clock) when the episode started. */
  startWall: number;
}

/** What the checkpoint's `progress` metadata holds. */
interface RunProgress {
  episodesWritten: number;
  wallSeconds: number;
  episode: EpisodeSums;
  rows: string[];
}

const emptyEpisode = (startWall: number): EpisodeSums => ({
  iterations: 0, lossIterations: 0, reward: 0, lComp: 0, lAigc: 0, lVe: 0, lTotal: 0, criticLoss: 0, actorLoss: 0, startWall,
});

/** A trainer as run.ts drives it (GPU or CPU). */
interface Driver {
  readonly iteration: number;
  readonly adapter: string;
  run(iterations: number, onChunk: (rows: IterationMetrics[]) => boolean | void, shouldStop: () => boolean): Promise<void>;
  snapshot(): Promise<TrainerSnapshot>;
  destroy(): void;
}

function cpuDriver(trainer: ReferenceTrainer): Driver {
  return {
    get iteration() { return trainer.iteration; },
    adapter: 'cpu (float64 reference)',
    async run(iterations, onChunk, shouldStop) {
      const end = Math.min(trainer.config.iterations, trainer.iteration + iterations);
      while (trainer.iteration < end && !shouldStop()) {
        const rows: IterationMetrics[] = [];
        const count = Math.min(trainer.config.iterationsPerSubmit, end - trainer.iteration);
        for (let i = 0; i < count; i++) rows.push(trainer.step());
        if (onChunk(rows) === false) break;
        await new Promise((resolve) => setImmediate(resolve));  // let signals and timers in
      }
    },
    async snapshot() { return trainer.snapshot(); },
    destroy() {},
  };
}

function gpuDriver(trainer: GpuTrainer, gpu: Gpu): Driver {
  return {
    get iteration() { return trainer.iteration; },
    adapter: describeAdapter(gpu.info),
    run: (iterations, onChunk, shouldStop) => trainer.run(iterations, onChunk, shouldStop),
    snapshot: () => trainer.snapshot(),
    destroy: () => trainer.destroy(),
  };
}

function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(dirname(SHADER_DIR), 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

const num = (x: number) => (Number.isFinite(x) ? String(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity');

/** The first layer tensor (PyTorch name) of a snapshot holding NaN or infinity, or null. */
export function firstNonFiniteTensor(snapshot: TrainerSnapshot, config: TrainConfig): string | null {
  const networks: [string, ArrayLike<number>, number[]][] = [
    ['actor', snapshot.actor, actorSizes(config)], ['critic', snapshot.critic, criticSizes(config)],
    ['actor_target', snapshot.actorTarget, actorSizes(config)], ['critic_target', snapshot.criticTarget, criticSizes(config)],
  ];
  for (const [prefix, flat, sizes] of networks) {
    for (const [l, layer] of mlpLayout(sizes).layers.entries()) {
      for (let i = layer.weightOffset; i < layer.biasOffset; i++) if (!Number.isFinite(flat[i])) return `${prefix}.${2 * l}.weight`;
      for (let i = layer.biasOffset; i < layer.biasOffset + layer.outputs; i++) if (!Number.isFinite(flat[i])) return `${prefix}.${2 * l}.bias`;
    }
  }
  const moments: [string, ArrayLike<number>][] = [
    ['optimizer.actor.exp_avg', snapshot.actorAdam.m], ['optimizer.actor.exp_avg_sq', snapshot.actorAdam.v],
    ['optimizer.critic.exp_avg', snapshot.criticAdam.m], ['optimizer.critic.exp_avg_sq', snapshot.criticAdam.v],
  ];
  for (const [name, values] of moments) for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return name;
  return null;
}

/** Resolves config and scenario of a resume against what the user gave; only `iterations` may differ. */
function resumeConfig(checkpointConfig: TrainConfig, overrides: Partial<TrainConfig> = {}): TrainConfig {
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'iterations') continue;
    const mine = (checkpointConfig as Record<string, unknown>)[key];
    if (JSON.stringify(mine) !== JSON.stringify(value)) {
      throw new UserError(`--resume: the run was trained with ${key} = ${JSON.stringify(mine)}; drop that flag (only --iterations/--episodes may change on a resume)`);
    }
  }
  return parseTrainConfig({ ...checkpointConfig, iterations: overrides.iterations ?? checkpointConfig.iterations }, '--resume');
}

export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const out = options.out;
  let config: TrainConfig;
  let scenario: Scenario;
  let snapshot: TrainerSnapshot | undefined;
  let progress: RunProgress;
  let device: 'gpu' | 'cpu';
  if (options.resume) {
    const loaded = loadCheckpoint(out, { scenario: options.scenario });
    config = resumeConfig(loaded.config, options.overrides);
    scenario = loaded.scenario;
    snapshot = loaded.snapshot;
    if (snapshot.iteration > config.iterations) {
      throw new UserError(`--resume: the checkpoint has ${snapshot.iteration} iterations, more than --iterations ${config.iterations}`);
    }
    device = options.device ?? loaded.device;
    if (device !== loaded.device) {
      log(`note: resuming a ${loaded.device} run on --device ${device}: the continuation is not bit-identical to an uninterrupted ${loaded.device} run (drop --device to resume on the ${loaded.device})`);
    }
    progress = loaded.progress as RunProgress;
    if (!progress || !Array.isArray(progress.rows) || typeof progress.episodesWritten !== 'number' || !progress.episode) {
      throw new UserError(`${join(out, CHECKPOINT_FILE)}: metadata progress is missing or malformed`);
    }
    log(`resuming ${out} at iteration ${snapshot.iteration} of ${config.iterations} on the ${device}`);
  } else {
    if (!options.config) throw new Error('runTraining: config is required unless resuming');
    config = options.config;
    scenario = options.scenario ?? DEFAULT_SCENARIO;
    device = options.device ?? 'gpu';
    if (existsSync(join(out, CHECKPOINT_FILE))) log(`note: ${out} holds an earlier run; it is replaced (use --resume ${out} to continue it instead)`);
    progress = { episodesWritten: 0, wallSeconds: 0, episode: emptyEpisode(0), rows: [] };
  }

  const ownGpu = device === 'gpu' && !options.gpu;
  const gpu = device === 'gpu' ? options.gpu ?? await createGpu({ adapter: options.adapter }) : undefined;
  const evaluate = options.evaluate ?? true;
  // The run directory is created only once the trainer exists: a refused start (limits, no device) leaves nothing.
  let started: Driver | undefined;
  try {
    started = gpu
      ? gpuDriver(await GpuTrainer.create(gpu, scenario, config, { snapshot, evaluate }), gpu)
      : cpuDriver(snapshot ? ReferenceTrainer.fromSnapshot(scenario, config, snapshot) : new ReferenceTrainer(scenario, config));
    ensureDirectory(out);
  } catch (error) {
    started?.destroy();
    if (ownGpu) gpu?.destroy();
    throw error;
  }
  const driver: Driver = started;

  const configJson = JSON.stringify({ train: config, scenario: scenarioToJson(scenario), device, adapter: driver.adapter, version: packageVersion() }, null, 2) + '\n';
  writeFileAtomic(join(out, CONFIG_FILE), configJson);

  const S = scenario.slotsPerEpisode;
  const wallStart = performance.now() / 1000 - progress.wallSeconds;
  const wall = () => performance.now() / 1000 - wallStart;
  const rows = progress.rows.slice(0, progress.episodesWritten);
  let episodesWritten = progress.episodesWritten;
  let episode: EpisodeSums = progress.episode;
  let divergence: string | null = null;
  let stopped: TrainingResult['stopped'];
  let lastCheckpointWall = wall();
  let lastGood: number | null = options.resume ? driver.iteration : null;
  const startIteration = driver.iteration;

  const metricsText = (extra: string[] = []) => [METRICS_HEADER, ...rows, ...extra].join('\n') + '\n';
  const episodeRow = (index: number, sums: EpisodeSums, iteration: number, now: number): string => {
    const n = sums.iterations;
    const loss = (x: number) => (sums.lossIterations > 0 ? x / sums.lossIterations : NaN);
    const seconds = now - sums.startWall;
    return [index, iteration, sums.reward / n, sums.lComp / n, sums.lAigc / n, sums.lVe / n, sums.lTotal / n,
      loss(sums.criticLoss), loss(sums.actorLoss), now, seconds > 0 ? (config.envs * n) / seconds : NaN].map((v) => num(v)).join(',');
  };
  const partialRow = () => (episode.iterations > 0 ? [episodeRow(episodesWritten + 1, episode, driver.iteration, wall())] : []);

  const saveCheckpoint = async () => {
    const snap = await driver.snapshot();
    const bad = firstNonFiniteTensor(snap, config);
    if (bad) throw new UserError(`training diverged: tensor ${bad} holds NaN or infinity at iteration ${snap.iteration}; ${lastGood === null ? 'no checkpoint was written' : `the last good checkpoint (iteration ${lastGood}) is kept in ${out}`}`, 4);
    const runProgress: RunProgress = { episodesWritten, wallSeconds: wall(), episode, rows };
    const output = new AtomicOutput();
    output.add(join(out, METRICS_FILE), metricsText(partialRow()));
    output.add(join(out, CHECKPOINT_FILE), encodeCheckpoint(snap, { config, scenario, device, progress: runProgress }));
    output.commit();
    lastGood = snap.iteration;
    lastCheckpointWall = wall();
  };

  // Signals: the first asks for a stop at the next chunk boundary, a second exits at once (files are replaced only by
  // atomic renames, so they stay whole).
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signal) {
      process.stderr.write(`\nmegc: ${name} again: exiting without writing\n`);
      removeTemporaries();  // a write cut short leaves no .tmp- file; the files it was replacing stay whole
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    signal = name;
    process.stderr.write(`\nmegc: ${name}: finishing the chunk in flight, then writing the checkpoint and metrics (again to exit at once)\n`);
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  if (options.handleSignals ?? true) { process.on('SIGINT', handlers.SIGINT); process.on('SIGTERM', handlers.SIGTERM); }

  let windowStart = wall();
  let windowIterations = 0;
  const onChunk = (chunk: IterationMetrics[]): boolean => {
    if (divergence) return false;
    const chunkSums = emptyEpisode(0);
    for (const m of chunk) {
      const bad: [string, number] | null = !Number.isFinite(m.lTotal) ? ['the mean total latency', m.lTotal]
        : m.updates > 0 && !Number.isFinite(m.criticLoss) ? ['the critic loss', m.criticLoss]
        : m.updates > 0 && !Number.isFinite(m.actorLoss) ? ['the actor loss', m.actorLoss] : null;
      if (bad) { divergence = `training diverged at iteration ${m.iteration}: ${bad[0]} is ${bad[1]}`; return false; }
      for (const sums of [episode, chunkSums]) {
        sums.iterations++;
        sums.reward += m.reward; sums.lComp += m.lComp; sums.lAigc += m.lAigc; sums.lVe += m.lVe; sums.lTotal += m.lTotal;
        if (m.updates > 0) { sums.lossIterations++; sums.criticLoss += m.criticLoss; sums.actorLoss += m.actorLoss; }
      }
      if ((m.iteration + 1) % S === 0) {
        const now = wall();
        episodesWritten++;
        rows.push(episodeRow(episodesWritten, episode, m.iteration + 1, now));
        episode = emptyEpisode(now);
      }
    }
    const now = wall();
    windowIterations += chunk.length;
    const rate = windowIterations / Math.max(1e-9, now - windowStart);
    if (now - windowStart > 10) { windowStart = now; windowIterations = 0; }
    const n = chunkSums.iterations;
    const last = chunk[chunk.length - 1];
    options.onProgress?.({
      iteration: last.iteration + 1, total: config.iterations, episode: Math.floor(last.iteration / S) + 1,
      reward: chunkSums.reward / n, lComp: chunkSums.lComp / n, lAigc: chunkSums.lAigc / n, lVe: chunkSums.lVe / n, lTotal: chunkSums.lTotal / n,
      criticLoss: chunkSums.lossIterations ? chunkSums.criticLoss / chunkSums.lossIterations : NaN,
      actorLoss: chunkSums.lossIterations ? chunkSums.actorLoss / chunkSums.lossIterations : NaN,
      iterationsPerSecond: rate, samplesPerSecond: rate * config.envs, wallSeconds: now,
    });
    return true;
  };

  const checkpointEvery = options.checkpointEverySeconds ?? 300;
  const stopAfter = options.stopAfterIterations;
  const shouldStop = () => signal !== null || divergence !== null || (stopAfter !== undefined && driver.iteration - startIteration >= stopAfter);
  try {
    // Run in segments between periodic checkpoints.
    while (driver.iteration < config.iterations && !shouldStop()) {
      const segmentStart = driver.iteration;
      const segmentDone = () => checkpointEvery > 0 && driver.iteration > segmentStart && wall() - lastCheckpointWall >= checkpointEvery;
      try {
        await driver.run(config.iterations - driver.iteration, onChunk, () => shouldStop() || segmentDone());
      } catch (error) {
        // Device lost or out of memory mid-run: say what is kept.
        if (error instanceof GpuError) throw new GpuError(`${error.message}; ${lastGood === null ? 'no checkpoint was written' : `the last good checkpoint (iteration ${lastGood}) is kept in ${out}`}`);
        throw error;
      }
      if (divergence) break;
      if (gpu) gpu.checkErrors();
      await saveCheckpoint();
    }
    if (divergence) {
      const snap = await driver.snapshot().catch(() => null);
      const bad = snap ? firstNonFiniteTensor(snap, config) : null;
      throw new UserError(`${divergence}${bad ? ` (first non-finite tensor: ${bad})` : ''}; ${lastGood === null ? 'no checkpoint was written' : `the last good checkpoint (iteration ${lastGood}) is kept in ${out}`}`, 4);
    }
    if (driver.iteration === startIteration && !options.resume) await saveCheckpoint();
    if (signal) stopped = signal;
    else if (driver.iteration < config.iterations) stopped = 'requested';

    const result: TrainingResult = { out, config, scenario, device, iterations: driver.iteration, stopped };
    if (stopped) {
      log(`stopped at iteration ${driver.iteration} of ${config.iterations}; checkpoint and metrics written to ${out} (continue with --resume ${out})`);
      return result;
    }
    if (evaluate) {
      const snap = await driver.snapshot();
      result.evaluation = await evaluateRun(scenario, config, snap.actor, gpu?.device, log);
      writeFileAtomic(join(out, EVALUATION_FILE), JSON.stringify(result.evaluation, null, 2) + '\n');
      log(formatEvaluation(result.evaluation));
    }
    log(`wrote ${join(out, METRICS_FILE)}, ${join(out, CHECKPOINT_FILE)}, ${join(out, CONFIG_FILE)}${result.evaluation ? `, ${join(out, EVALUATION_FILE)}` : ''}`);
    return result;
  } finally {
    if (options.handleSignals ?? true) { process.off('SIGINT', handlers.SIGINT); process.off('SIGTERM', handlers.SIGTERM); }
    driver.destroy();
    if (ownGpu) gpu?.destroy();
  }
}

/** LARA (the actor, no noise), FRA, RRA and OPT on the evaluation set; OPT and the baselines on the GPU when given. */
export async function evaluateRun(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>, device: GPUDevice | undefined,
                                  log: (line: string) => void = () => {}): Promise<EvaluationResult> {
  const ctx = { scenario, count: config.evalSlots, seed: 1 };
  const lara = actorPolicy({ source: 'run', sizes: actorSizes(config), actor: Float64Array.from(actor), config, scenario, iteration: config.iterations });
  log(`evaluating on ${config.evalSlots} evaluation slots (LARA, FRA, RRA, OPT)…`);
  const policies = {
    lara: await evaluatePolicy(lara, ctx),
    fra: await evaluatePolicy('fra', ctx, device),
    rra: await evaluatePolicy('rra', ctx, device),
    opt: await evaluatePolicy('opt', ctx, device),
  };
  return { slots: config.evalSlots, policies, gap: policies.lara.total / policies.opt.total - 1 };
}

/** The result table: mean latencies per user and in total, and each policy's gap to OPT. */
export function formatEvaluation(e: EvaluationResult): string {
  const head = `policy   L_comp (s)  L_aigc (s)  L_ve (s)  L_total (s)  gap to OPT`;
  const line = (name: string, m: LatencyMeans) => `${name.padEnd(8)} ${m.comp.toFixed(4).padStart(10)}  ${m.aigc.toFixed(4).padStart(10)}  ${m.ve.toFixed(4).padStart(8)}  ${m.total.toFixed(4).padStart(11)}  ${((m.total / e.policies.opt.total - 1) * 100).toFixed(2).padStart(9)}%`;
  return [`evaluation on ${e.slots} slots:`, head, line('LARA', e.policies.lara), line('FRA', e.policies.fra), line('RRA', e.policies.rra),
    line('OPT', e.policies.opt), `LARA's gap to OPT: ${(e.gap * 100).toFixed(2)}%`].join('\n');
}
