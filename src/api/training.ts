// LARA: training on the GPU with progress and an AbortSignal (the letter's world or a world of many users and
// servers), acting with a trained policy, and checkpoints as safetensors bytes (docs/CHECKPOINT.md), so that Node and
// the browser read and write the same files.
import { STATE_SIZE } from '../env/layout.js';
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { actorActions } from '../train/actor.js';
import { actorSizes, decodePolicy, encodeCheckpoint } from '../train/checkpointFormat.js';
import { parseTrainConfig } from '../train/config.js';
import { DEFAULT_TUNE, tunerOf } from '../gpu/tuner.js';
import { GpuTrainer } from '../train/gpuTrainer.js';
import { divergenceOf, rateMeter } from '../train/progress.js';
import { laraShapeOf } from '../train/shape.js';
import { worldActorActions } from '../train/worldActor.js';
import { layoutOf } from '../world/reference.js';
import { isLetter, worldOf } from '../world/world.js';
import { withGpu } from './device.js';
import { rowsOf } from './letter.js';
import type { IterationMetrics, TrainedPolicy, TrainingResult, TrainOptions } from './types.js';

/**
 * Trains LARA (DDPG, docs/RECIPE.md) on the scenario, entirely on the GPU: on `options.device`, or on a device opened
 * for the run and destroyed after. Its kernels are chosen as `megc train` chooses them (`options.tune`, default quick);
 * with `tune: 'off'` and the same seed and config it computes what `megc train --tune off` computes, bit for bit.
 * The scenario may be a world of many users and servers (`servers`, `users`, `association`): the networks' sizes
 * follow from it, as `megc train --scenario` trains one. The device must also hold the evaluation of config.evalSlots
 * states (evaluateLara's default), checked up front. A non-finite latency or loss stops the run (a UserError naming the
 * iteration), as `megc train` stops.
 * @throws UserError for a bad config or a diverged run, LimitError when the config does not fit the device, GpuError
 *   (DeviceLostError) when the device fails.
 */
export async function trainLara(scenario: Scenario, options: TrainOptions = {}): Promise<TrainingResult> {
  const config = parseTrainConfig({ ...options.config }, 'config');
  const policyEvery = options.policyEvery;
  if (policyEvery !== undefined && !(Number.isInteger(policyEvery) && policyEvery >= 1)) throw new UserError(`policyEvery: ${policyEvery} is not a positive integer`);
  return withGpu(options.device, async (gpu) => {
    const tune = options.tune ?? DEFAULT_TUNE;
    const trainer = await GpuTrainer.create(gpu, scenario, config, { tuner: tune === 'off' ? undefined : tunerOf(gpu, tune), mixedPrecision: options.mixedPrecision });
    try {
      const metrics: IterationMetrics[] = [];
      const meter = rateMeter(() => performance.now() / 1000);
      let divergence: string | null = null;
      const sizes = actorSizes(config, laraShapeOf(scenario));
      await trainer.run(config.iterations, (rows, actor) => {
        for (const m of rows) divergence ??= divergenceOf(m);
        if (divergence) return false;
        metrics.push(...rows);
        const iterationsPerSecond = meter(rows.length);
        const iteration = rows[rows.length - 1].iteration + 1;
        const policy: TrainedPolicy | undefined = actor ? { source: 'training', sizes, actor: Float64Array.from(actor), config, scenario, iteration } : undefined;
        options.onProgress?.({ iteration, total: config.iterations, rows, iterationsPerSecond, ...(policy ? { policy } : {}) });
        return true;
      }, () => options.signal?.aborted ?? false, policyEvery);
      gpu.checkErrors();
      if (divergence) throw new UserError(divergence);
      const snapshot = await trainer.snapshot();
      const policy: TrainedPolicy = {
        source: 'training', sizes, actor: Float64Array.from(snapshot.actor), config, scenario, iteration: snapshot.iteration,
      };
      return {
        policy, metrics, iterations: trainer.iteration, stopped: trainer.iteration < config.iterations,
        checkpoint: () => encodeCheckpoint(snapshot, { config, scenario, device: 'gpu', progress: null }),
      };
    } finally {
      trainer.destroy();
    }
  });
}

/**
 * The policy's deterministic actions (n, 7) for states (n, 7), float64 on the CPU: alpha_off, alpha_back, beta, lambda,
 * omega_comp, omega_aigc, omega_ve (the omegas sum to 1). A policy trained on a world acts on that world's rows: states
 * (n, worldLayout(world).state.size), actions (n, worldLayout(world).action.size).
 */
export function act(policy: TrainedPolicy, states: ArrayLike<number>): Float64Array {
  const world = worldOf(policy.scenario);
  if (!isLetter(world)) {
    rowsOf(states, layoutOf(world).state.size, 'states');
    return worldActorActions(world, policy.sizes, policy.actor, policy.config, states);
  }
  const n = rowsOf(states, STATE_SIZE, 'states');
  return actorActions(policy.scenario, policy.sizes, policy.actor, policy.config.shareFloor, states, n);
}

/**
 * The trained policy of checkpoint.safetensors bytes (one that `megc train` wrote, or TrainingResult.checkpoint()),
 * checked as `megc eval --policy` checks one: a UserError names `source` and what is wrong.
 */
export function loadPolicy(bytes: Uint8Array, source = 'checkpoint.safetensors'): TrainedPolicy {
  return decodePolicy(bytes, source);
}
