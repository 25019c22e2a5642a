// Training throughput: the whole LARA iteration (act, replay, minibatch, critic + actor + target updates) on the GPU
// trainer as `megc train` runs it, and on the CPU reference at the sizes it can do.
import { Profiler, profileRows, type Peaks, type ProfileRow } from '../src/gpu/profiler.js';
import type { Gpu } from '../src/gpu/runtime.js';
import { summarize } from '../src/gpu/timing.js';
import { emptyDispatchMicroseconds } from '../src/nn/peaks.js';
import type { Tuner } from '../src/gpu/tuner.js';
import { DEFAULT_SCENARIO, type Scenario } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { GpuTrainer } from '../src/train/gpuTrainer.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { dispatchesPerIteration } from './countDispatches.js';

export interface Figure { min: number; median: number; max: number }

export interface TrainingBenchRow {
  envs: number;
  batch: number;
  /** Hidden widths, e.g. "256,256". */
  hidden: string;
  device: 'gpu' | 'cpu';
  iterationsPerSecond: Figure;
  /** Minibatch samples trained per second (batch x updates x iterations/s), as in the peers' table. */
  samplesPerSecond: Figure;
  updatesPerIteration: number;
  iterationsPerSubmit?: number;
  /** GPU dispatches recorded per iteration (with its updates). */
  dispatchesPerIteration?: number;
  /** Which config: the bench's (hidden, 1 update) or the trainer's default. */
  config: 'bench' | 'default';
  /** Per-kernel profile of a window of iterations (with `profile`). */
  profile?: ProfileRow[];
  /** What the profile's timing adds to each of its rows: an empty dispatch timed the same way (Profiler.timeAlone). */
  profileEmptyDispatchMicroseconds?: number;
}

export interface TrainingBenchOptions {
  /** Smaller sizes (a software adapter, or a quick run). */
  quick?: boolean;
  /** (envs, batch) pairs; default (1, 256), (4096, 4096), (65536, 65536) (quick: (1, 256), (256, 256), (1024, 1024)). */
  sizes?: [number, number][];
  /** Default [256, 256] (quick: [64, 64]). */
  hidden?: number[];
  /** Timed windows per size (default 5, quick 3). */
  repeats?: number;
  /** Gradient updates per iteration; default 1, as the peers (JAX, PyTorch) do. */
  updatesPerIteration?: number;
  /** CPU reference sizes (default (1, 256) and quick sizes up to 256). */
  cpuSizes?: [number, number][];
  scenario?: Scenario;
  /** Chooses the kernels' variants (the trainer's defaults without it). */
  tuner?: Tuner;
  /** Also time every dispatch of a window of iterations (needs timestamp-query); peaks give the fraction of peak. */
  profile?: boolean;
  peaks?: Peaks;
  /** Also the trainer's default config (DEFAULT_TRAIN_CONFIG), as `megc train` runs it. */
  defaultConfig?: boolean;
  onRow?: (row: TrainingBenchRow) => void;
}

/** Iterations per submit: enough work per command buffer to hide the ~33 us submit round trip. */
function chunkFor(envs: number, batch: number, quick: boolean): number {
  if (quick) return 20;
  const rows = Math.max(envs, batch);
  return rows >= 65536 ? 10 : rows >= 4096 ? 50 : 200;
}

/** The bench's config: gamma 0, `updates` per iteration, a replay ring of 16 iterations' rows (at most 2^20); `more` overrides. */
export function benchConfig(envs: number, batch: number, hidden: number[], updates: number, chunk: number, more: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    envs, batch, hidden, updatesPerIteration: updates, iterationsPerSubmit: chunk, iterations: 1_000_000_000, gamma: 0,
    replayCapacity: Math.max(batch, envs, Math.min(1 << 20, Math.max(batch, envs) * 16)), ...more,
  });
}

const figure = (xs: number[]): Figure => summarize(xs);

/** How long a GPU training row is timed: `repeats` windows of `windowChunks` submits each. */
export interface TrainingWindows { windowChunks: number; repeats: number }

/** Iterations/s of `config` on the GPU trainer (after a warm-up of one batch of rows and two chunks), and its dispatches. */
export async function benchGpu(gpu: Gpu, scenario: Scenario, config: TrainConfig, which: 'bench' | 'default', windows: TrainingWindows,
                               opts: Pick<TrainingBenchOptions, 'tuner' | 'profile' | 'peaks'>): Promise<TrainingBenchRow> {
  const { envs, batch, updatesPerIteration: updates, iterationsPerSubmit: chunk } = config;
  const trainer = await GpuTrainer.create(gpu, scenario, config, { tuner: opts.tuner, evaluate: false });
  try {
    // Warm-up: fill the ring to one batch (updates start there), then two chunks with updates (pipelines built, caches warm).
    const fill = Math.ceil(batch / envs);
    await trainer.run(fill + 2 * chunk);
    await gpu.device.queue.onSubmittedWorkDone();
    const { windowChunks, repeats } = windows;
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await trainer.run(windowChunks * chunk);  // chunks pipelined two deep; the metrics readbacks never block a submit
      await gpu.device.queue.onSubmittedWorkDone();
      rates.push((windowChunks * chunk) / ((performance.now() - start) / 1000));
    }
    gpu.checkErrors();
    return {
      envs, batch, hidden: config.hidden.join(','), device: 'gpu', iterationsPerSecond: figure(rates), config: which,
      samplesPerSecond: figure(rates.map((x) => x * batch * updates)), updatesPerIteration: updates, iterationsPerSubmit: chunk,
      dispatchesPerIteration: dispatchesPerIteration(trainer).total,
      ...(opts.profile ? await profileTraining(gpu, scenario, config, trainer, opts.peaks) : {}),
    };
  } finally {
    trainer.destroy();
  }
}

/**
 * Times every dispatch of a window of `config`'s iterations, with the plans `like` chose (after a warm-up window), and
 * an empty dispatch timed the same way.
 */
export async function profileTraining(gpu: Gpu, scenario: Scenario, config: TrainConfig, like: GpuTrainer, peaks?: Peaks):
    Promise<{ profile: ProfileRow[]; profileEmptyDispatchMicroseconds: number }> {
  const profiler = new Profiler(gpu.device);
  const trainer = await GpuTrainer.create(gpu, scenario, config, { plans: like.plans, evaluate: false, profiler });
  try {
    const chunk = config.iterationsPerSubmit;
    await trainer.run(Math.ceil(config.batch / config.envs) + chunk);
    profiler.reset();
    await trainer.run(2 * chunk);
    const profile = profileRows(profiler.samples.values(), 2 * chunk, peaks);
    return { profile, profileEmptyDispatchMicroseconds: await emptyDispatchMicroseconds(profiler) };
  } finally {
    trainer.destroy();
    profiler.destroy();
  }
}

/** Iterations/s of the CPU reference trainer: `repeats` windows of at least `windowMs` each (after a filled ring). */
export function benchCpu(scenario: Scenario, config: TrainConfig, repeats: number, windowMs = 300): TrainingBenchRow {
  const { envs, batch, hidden, updatesPerIteration: updates } = config;
  const trainer = new ReferenceTrainer(scenario, config);
  while (trainer.replayFilled < batch) trainer.step();
  trainer.step();
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    let count = 0;
    do { trainer.step(); count++; } while (performance.now() - start < windowMs);
    rates.push(count / ((performance.now() - start) / 1000));
  }
  return {
    envs, batch, hidden: hidden.join(','), device: 'cpu', iterationsPerSecond: figure(rates), config: 'bench',
    samplesPerSecond: figure(rates.map((x) => x * batch * updates)), updatesPerIteration: updates,
  };
}

/** Rows per (envs, batch): GPU trainer (when `gpu` is given) and CPU reference (at its sizes). */
export async function benchTraining(gpu: Gpu | null, opts: TrainingBenchOptions = {}): Promise<TrainingBenchRow[]> {
  const quick = opts.quick ?? false;
  const scenario = opts.scenario ?? DEFAULT_SCENARIO;
  const hidden = opts.hidden ?? (quick ? [64, 64] : [256, 256]);
  const updates = opts.updatesPerIteration ?? 1;
  const repeats = opts.repeats ?? (quick ? 3 : 5);
  const sizes = opts.sizes ?? (quick ? [[1, 256], [256, 256], [1024, 1024]] : [[1, 256], [4096, 4096], [65536, 65536]]);
  const cpuSizes = opts.cpuSizes ?? (quick ? [[1, 256], [256, 256]] : [[1, 256]]);
  const rows: TrainingBenchRow[] = [];
  const emit = (row: TrainingBenchRow) => { rows.push(row); opts.onRow?.(row); };
  if (gpu) {
    const windows = { windowChunks: quick ? 2 : 5, repeats };
    for (const [envs, batch] of sizes) {
      emit(await benchGpu(gpu, scenario, benchConfig(envs, batch, hidden, updates, chunkFor(envs, batch, quick)), 'bench', windows, opts));
    }
    if (opts.defaultConfig) emit(await benchGpu(gpu, scenario, { ...DEFAULT_TRAIN_CONFIG, iterations: 1_000_000_000 }, 'default', windows, opts));
  }
  for (const [envs, batch] of cpuSizes) emit(benchCpu(scenario, benchConfig(envs, batch, hidden, updates, 1), quick ? 2 : 3));
  return rows;
}
