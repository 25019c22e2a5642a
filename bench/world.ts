// The world section of `megc bench`: a generalised world (default the package's scenarios/large.json, 8 servers and
// 96 users) as an environment, its fused FRA/RRA rollout on the GPU against the float64 CPU reference (env-steps/s, and
// user-steps/s = env-steps/s x users), and as training, one iteration of the GPU trainer with the model critic
// (`critic: 'model'`, the recipe that trains worlds) and of the CPU reference trainer at a small size.
// Building a large world's kernels takes minutes on a software adapter: the suite runs this section by default only on
// a hardware adapter (bench/suite.ts).
import { basename, dirname, join } from 'node:path';
import type { Peaks } from '../src/gpu/profiler.js';
import type { Gpu } from '../src/gpu/runtime.js';
import type { Tuner } from '../src/gpu/tuner.js';
import { SHADER_DIR } from '../src/platform/host.js';
import { Stream } from '../src/rng/streams.js';
import type { Scenario } from '../src/scenario.js';
import type { TrainConfig } from '../src/train/config.js';
import { laraShapeOf } from '../src/train/shape.js';
import { worldRolloutDispatches } from '../src/world/gpu.js';
import { rolloutMeanWorld } from '../src/world/reference.js';
import { userCount, worldOf } from '../src/world/world.js';
import { timeCpuRollouts, timeGpuRollouts, type EnvBenchRow } from './env.js';
import { benchConfig, benchCpu, benchGpu, type TrainingBenchRow, type TrainingWindows } from './train.js';

/** The world the section measures unless told: the package's scenarios/large.json. */
export const DEFAULT_WORLD_SCENARIO = join(dirname(SHADER_DIR), 'scenarios', 'large.json');

/** The world's name in the rows: its file's name without .json (`large`). */
export function worldName(path: string): string {
  return basename(path).replace(/\.json$/i, '');
}

/** A rollout row with its steps counted per environment and per user. */
export interface WorldEnvRow extends EnvBenchRow { users: number; userStepsPerSecond: EnvBenchRow['stepsPerSecond'] }

export interface WorldBenchOptions {
  /** A generalised world (one of more than the letter's one server and three users). */
  scenario: Scenario;
  /** Smaller sizes and shorter windows (a software adapter, or a quick run). */
  quick?: boolean;
  /** GPU rollout sizes (envs, one slot each); default [1e3, 1e4] (full: up to 1e6). */
  sizes?: number[];
  /** CPU reference rollout sizes; default [100, 1000]. */
  cpuSizes?: number[];
  /** GPU training (envs, batch); default (256, 256) (full: (1024, 1024), (4096, 4096)). */
  trainSizes?: [number, number][];
  /** CPU reference trainer (envs, batch); default (1, 16). */
  cpuTrainSizes?: [number, number][];
  /** Hidden widths of the actor (and the untrained critic's); default [256, 256]. */
  hidden?: number[];
  tuner?: Tuner;
  profile?: boolean;
  peaks?: Peaks;
  onEnvRow?: (row: WorldEnvRow) => void;
  onTrainRow?: (row: TrainingBenchRow) => void;
}

/**
 * The section's training config: the bench's (gamma 0, 1 update) with the model critic and a ring of two iterations'
 * rows, or of one where two would not fit `maxReplayRows` (a large world's replay row is 4,545 floats).
 */
export function worldTrainConfig(envs: number, batch: number, hidden: number[], chunk: number, maxReplayRows = Infinity): TrainConfig {
  const rows = Math.max(envs, batch);
  return benchConfig(envs, batch, hidden, 1, chunk, { critic: 'model', replayCapacity: Math.max(rows, Math.min(2 * rows, maxReplayRows)) });
}

/** Rollout rows (GPU when `gpu` is given, then CPU), then training rows (GPU, then CPU), each reported as it is measured. */
export async function benchWorld(gpu: Gpu | null, opts: WorldBenchOptions): Promise<void> {
  const quick = opts.quick ?? false;
  const world = worldOf(opts.scenario);
  const users = userCount(world);
  const repeats = quick ? 3 : 5;
  const withUsers = (r: EnvBenchRow): WorldEnvRow => {
    const s = r.stepsPerSecond;
    return { ...r, users, userStepsPerSecond: { min: s.min * users, median: s.median * users, max: s.max * users } };
  };
  const report = (rows: EnvBenchRow[]) => { for (const r of rows) opts.onEnvRow?.(withUsers(r)); };
  const rollout = { slots: 1, stateSeed: 1, stateStream: Stream.trainStates, actionSeed: 1 };
  if (gpu) {
    // About 1e6 user-steps per submit (a dispatch repeated at small N).
    report(await timeGpuRollouts(gpu, ['fra', 'rra'], opts.sizes ?? (quick ? [1e3, 1e4] : [1e3, 1e4, 1e5, 1e6]), repeats, 1e6 / users,
      (policy, n) => worldRolloutDispatches(gpu.device, world, policy, { envs: n, ...rollout })));
  }
  report(timeCpuRollouts(opts.cpuSizes ?? [100, 1000], repeats, (policy, n, r) =>
    rolloutMeanWorld(world, policy, { envs: n, firstEnv: 0, firstSlot: r, ...rollout }).total));

  const hidden = opts.hidden ?? [256, 256];
  if (gpu) {
    // A large world's iteration takes seconds on lavapipe: a few iterations per submit and one submit per window there.
    const chunk = quick ? 2 : 10;
    const windows: TrainingWindows = { windowChunks: quick ? 1 : 3, repeats };
    const { maxStorageBufferBindingSize, maxBufferSize } = gpu.device.limits;
    const maxReplayRows = Math.floor(Math.min(maxStorageBufferBindingSize, maxBufferSize) / (4 * laraShapeOf(opts.scenario).replayStride));
    for (const [envs, batch] of opts.trainSizes ?? (quick ? [[256, 256]] : [[1024, 1024], [4096, 4096]])) {
      opts.onTrainRow?.(await benchGpu(gpu, opts.scenario, worldTrainConfig(envs, batch, hidden, chunk, maxReplayRows), 'bench', windows, opts));
    }
  }
  for (const [envs, batch] of opts.cpuTrainSizes ?? [[1, 16]]) {
    opts.onTrainRow?.(benchCpu(opts.scenario, worldTrainConfig(envs, batch, hidden, 1), quick ? 2 : 3, 1000));
  }
}
