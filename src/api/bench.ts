// A quick measure of a device: environment steps/s of the fused rollout and LARA training iterations/s, with the
// command line's bench (bench/env.ts, bench/train.ts) at small sizes, as the web page's "Your GPU" shows them.
import { benchEnvironment } from '../../bench/env.js';
import { benchTraining } from '../../bench/train.js';
import { parseTrainConfig } from '../train/config.js';
import { withGpu } from './device.js';
import type { DeviceBench, TrainOptions } from './types.js';

/**
 * Measures the device in seconds (tens of seconds on a software adapter): the fused FRA rollout of a million
 * environments (16,384 on a software adapter), median of 3 submits, and LARA's training iterations with `config`'s
 * envs, batch, hidden and updatesPerIteration (default DEFAULT_TRAIN_CONFIG's), median of the timed windows. On
 * `device`, or on a device opened for it and destroyed after.
 * @throws UserError for a bad config, LimitError when it does not fit the device, GpuError when the device fails.
 */
export async function benchDevice(options: Pick<TrainOptions, 'device' | 'config'> = {}): Promise<DeviceBench> {
  const config = parseTrainConfig({ ...options.config }, 'config');
  return withGpu(options.device, async (gpu) => {
    // One submit each, so that a software adapter stays short.
    const envs = gpu.info.isSoftware ? 1 << 14 : 1 << 20;
    const env = await benchEnvironment(gpu, { sizes: [envs], repeats: 3, cpuSizes: [], policies: ['fra'], stepsPerSubmit: envs });
    const rollout = env.find((r) => r.name === 'rollout fra')!;
    const [training] = await benchTraining(gpu, {
      quick: true, sizes: [[config.envs, config.batch]], hidden: config.hidden, updatesPerIteration: config.updatesPerIteration,
      repeats: 1, cpuSizes: [],
    });
    return {
      envSteps: { envs, stepsPerSecond: rollout.stepsPerSecond.median },
      training: {
        envs: training.envs, batch: training.batch, hidden: [...config.hidden], updates: training.updatesPerIteration,
        iterationsPerSecond: training.iterationsPerSecond.median,
      },
    };
  });
}
