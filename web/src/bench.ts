// The visitor's GPU in numbers: environment steps/s (fused FRA rollout) and LARA training iterations/s, measured with
// the command line's bench (bench/env.ts, bench/train.ts) at small sizes.
import { benchEnvironment } from '../../bench/env.js';
import { benchTraining } from '../../bench/train.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { TrainConfig } from '../../src/train/config.js';

/** Environments of the rollout bench: a million on a GPU, fewer on a software adapter (one submit each, so it stays short). */
const envCount = (gpu: Gpu) => (gpu.info.isSoftware ? 1 << 14 : 1 << 20);

export interface BenchResult {
  envSteps: { envs: number; stepsPerSecond: number };
  training: { envs: number; batch: number; hidden: string; updates: number; iterationsPerSecond: number };
}

/** Runs both benches: training with the form's envs, batch, hidden and updates (median of the timed windows). */
export async function runBench(gpu: Gpu, config: TrainConfig): Promise<BenchResult> {
  const envs = envCount(gpu);
  const env = await benchEnvironment(gpu, { sizes: [envs], repeats: 3, cpuSizes: [], policies: ['fra'], stepsPerSubmit: envs });
  const rollout = env.find((r) => r.name === 'rollout fra')!;
  const [training] = await benchTraining(gpu, {
    quick: true, sizes: [[config.envs, config.batch]], hidden: config.hidden, updatesPerIteration: config.updatesPerIteration,
    repeats: 1, cpuSizes: [],
  });
  return {
    envSteps: { envs, stepsPerSecond: rollout.stepsPerSecond.median },
    training: { envs: training.envs, batch: training.batch, hidden: training.hidden, updates: training.updatesPerIteration, iterationsPerSecond: training.iterationsPerSecond.median },
  };
}
